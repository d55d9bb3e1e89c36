"""Incremental indexing: the time to add one article to an indexed collection, against a
full build. Prints a table.

    .venv/bin/python benchmarks/bench_incremental.py ../shared/data/cmrc2018_trial.json

Indexes all contexts but one from scratch (timed), then adds the last one (timed: only it is
embedded; the others' chunks and vectors are reused), then deletes it again (timed).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from qa.config import Settings  # noqa: E402
from qa.evaluation import load_squad  # noqa: E402
from qa.indexing import ensure_index  # noqa: E402
from qa.provisioning import ensure_model, load_encoder  # noqa: E402


def timed(settings, encoder) -> tuple[float, dict]:
    started = time.perf_counter()
    index = ensure_index(settings, encoder, log=lambda msg: print(f"  {msg}", file=sys.stderr))
    return time.perf_counter() - started, index.manifest["counts"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("squad_file", type=Path)
    args = parser.parse_args()
    documents, _ = load_squad(args.squad_file)
    settings = Settings.from_env()
    ensure_model(settings)
    encoder = load_encoder(settings)
    with tempfile.TemporaryDirectory() as tmp:
        docs = Path(tmp) / "docs"
        docs.mkdir()
        run = replace(settings, docs_dir=docs, index_dir=Path(tmp) / "index")
        for doc_id, text in documents[:-1]:
            (docs / doc_id).write_text(text, encoding="utf-8")
        full, counts = timed(run, encoder)
        last_id, last_text = documents[-1]
        (docs / last_id).write_text(last_text, encoding="utf-8")
        added, _ = timed(run, encoder)
        (docs / last_id).unlink()
        deleted, _ = timed(run, encoder)
    n = len(documents) - 1
    print("| step | documents | seconds |\n|---|---|---|")
    print(f"| full build | {n} ({counts['chunks']} chunks) | {full:.1f} |")
    print(f"| one article's share of the full build | 1 | {full / n:.2f} |")
    print(f"| add one article (incremental) | {n + 1} | {added:.2f} |")
    print(f"| delete it again (incremental) | {n} | {deleted:.2f} |")


if __name__ == "__main__":
    main()
