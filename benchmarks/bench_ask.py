"""In-process latency of QAService.ask, split into stages, over the dev questions.

    .venv/bin/python benchmarks/bench_ask.py [--repeat 3] [--file tests/data/dev.jsonl]

Prints p50/p95 in milliseconds per stage. Run it on a quiet machine: other processes on the
same cores inflate every number.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from qa.config import Settings  # noqa: E402
from qa.evaluation import load_jsonl, percentile  # noqa: E402
from qa.question import analyse, search_tokens  # noqa: E402
from qa.service import PASSAGES_READ, QAService  # noqa: E402


def _time_reader(service: QAService) -> list[float]:
    """Seconds of each reader call since the list was last cleared."""
    calls: list[float] = []
    reader = service.answerer.reader
    if reader is not None:
        read = reader.read

        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return read(*args, **kwargs)
            finally:
                calls.append(time.perf_counter() - started)

        reader.read = timed
    return calls


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--file", default="tests/data/dev.jsonl")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    service = QAService.open(Settings.from_env(), log=lambda m: None)
    questions = [e.question for e in load_jsonl(Path(args.file))] * args.repeat
    stages: dict[str, list[float]] = {k: [] for k in ("analyse", "encode", "search", "extract",
                                                      "(of it) reader", "ask total")}
    reader_ms = _time_reader(service)
    read_when_run: list[float] = []
    service.ask(questions[0])  # warm-up
    for question in questions:
        reader_ms.clear()
        t0 = time.perf_counter()
        q = analyse(question)
        t1 = time.perf_counter()
        vector = service.encoder.encode_queries([question])[0]
        t2 = time.perf_counter()
        passages = service.retriever.search(search_tokens(q), vector, PASSAGES_READ)
        t3 = time.perf_counter()
        service.answerer.extract(q, vector, passages)
        t4 = time.perf_counter()
        reader = sum(reader_ms)  # one call per window the reader read for this question
        if reader_ms:
            read_when_run.append(reader * 1000)
        service.ask(question)
        t5 = time.perf_counter()
        for name, ms in zip(stages, [t1 - t0, t2 - t1, t3 - t2, t4 - t3, reader, t5 - t4]):
            stages[name].append(ms * 1000)
    print(f"{len(questions)} questions ({args.file} x{args.repeat}), {len(service.corpus.chunks)} chunks, "
          f"encoder {service.encoder.backend} (queries {service.settings.query_precision}), reader {'on' if service.answerer.reader else 'off'}")
    print(f"{'stage':<12}{'p50 ms':>9}{'p95 ms':>9}{'mean ms':>9}")
    for name, values in stages.items():
        print(f"{name:<12}{percentile(values, 50):>9.1f}{percentile(values, 95):>9.1f}{statistics.mean(values):>9.1f}")
    if read_when_run:
        print(f"the reader ran for {len(read_when_run)} of {len(questions)} questions: "
              f"p50 {percentile(read_when_run, 50):.1f} ms, p95 {percentile(read_when_run, 95):.1f} ms")


if __name__ == "__main__":
    main()
