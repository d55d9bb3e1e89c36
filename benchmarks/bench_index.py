"""Indexing: build time, embedding throughput, reload time and peak memory. Prints a table.

    .venv/bin/python benchmarks/bench_index.py                      # the seed articles
    .venv/bin/python benchmarks/bench_index.py seeds ../shared/data/cmrc2018_trial.json ../shared/data/DRCD_test.json
    .venv/bin/python benchmarks/bench_index.py --chunk-texts …      # also time embedding every chunk's text
    QA_BACKEND=torch .venv/bin/python benchmarks/bench_index.py …   # sentence-transformers on torch

Each collection (a documents folder, or a SQuAD-style file whose contexts become documents)
is built from scratch into a temporary folder in a fresh process, so that peak RSS is its own.
"embed s" is the time spent in the encoder, "build s" the whole build (reading, cleaning,
chunking, keyword tokens, embedding, writing). "--chunk-texts" also times embedding each
chunk's title and text as the index did before its chunk vectors were pooled from its
sentences (session 17): the cost that pooling saves.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from qa.config import Settings  # noqa: E402
from qa.evaluation import load_squad  # noqa: E402
from qa.indexing import build_index, ensure_index  # noqa: E402
from qa.provisioning import ensure_model, load_encoder  # noqa: E402


class TimedEncoder:
    """The real encoder, adding up the time its passage calls take."""

    def __init__(self, encoder):
        self.encoder, self.dim, self.seconds, self.texts = encoder, encoder.dim, 0.0, 0

    def encode_passages(self, texts, show_progress=False):
        started = time.perf_counter()
        vectors = self.encoder.encode_passages(texts)
        self.seconds += time.perf_counter() - started
        self.texts += len(texts)
        return vectors


def measure(collection: str, chunk_texts: bool) -> dict:
    settings = Settings.from_env()
    ensure_model(settings)
    encoder = load_encoder(settings)
    encoder.encode_passages(["预热。"])  # load the passage model outside the timings
    with tempfile.TemporaryDirectory() as tmp:
        docs = Path(collection)
        if docs.is_file():
            docs = Path(tmp) / "docs"
            docs.mkdir()
            for doc_id, text in load_squad(collection)[0]:
                (docs / doc_id).write_text(text, encoding="utf-8")
        run = replace(settings, docs_dir=docs, index_dir=Path(tmp) / "index")
        timed = TimedEncoder(encoder)
        started = time.perf_counter()
        index = build_index(run, timed, reuse=False)
        build = time.perf_counter() - started
        started = time.perf_counter()
        ensure_index(run, encoder, log=lambda msg: None)  # unchanged: loaded, not rebuilt
        reload = time.perf_counter() - started
    corpus = index.corpus
    result = {"collection": Path(collection).name, "backend": encoder.backend,
              "documents": len(corpus.documents), "chunks": len(corpus.chunks),
              "sentences": len(corpus.sentences), "texts": timed.texts, "embed": timed.seconds,
              "build": build, "reload": reload,
              "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
    if chunk_texts:
        texts = [c.text if c.text.startswith(c.title) else f"{c.title}\n{c.text}" for c in corpus.chunks]
        started = time.perf_counter()
        encoder.encode_passages(texts)
        result["chunk_texts"] = time.perf_counter() - started
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("collections", nargs="*", default=["seeds"],
                        help="documents folders or SQuAD-style JSON files (default: seeds)")
    parser.add_argument("--chunk-texts", action="store_true",
                        help="also time embedding each chunk's text (the route before pooling)")
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)  # the child process
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.collections[0], args.chunk_texts)))
        return
    header = ("collection", "backend", "docs", "chunks", "sentences", "embed s", "texts/s",
              "build s", "reload s", "peak RSS MB") + (("chunk texts s",) if args.chunk_texts else ())
    print("| " + " | ".join(header) + " |\n|" + "---|" * len(header))
    for collection in args.collections:
        child = [sys.executable, __file__, "--one", collection] + (["--chunk-texts"] if args.chunk_texts else [])
        r = json.loads(subprocess.run(child, check=True, capture_output=True, text=True).stdout.splitlines()[-1])
        row = [r["collection"], r["backend"], r["documents"], r["chunks"], r["sentences"],
               f"{r['embed']:.1f}", f"{r['texts'] / r['embed']:.0f}", f"{r['build']:.1f}",
               f"{r['reload']:.2f}", f"{r['rss_mb']:.0f}"]
        row += [f"{r['chunk_texts']:.1f}"] if args.chunk_texts else []
        print("| " + " | ".join(map(str, row)) + " |", flush=True)


if __name__ == "__main__":
    main()
