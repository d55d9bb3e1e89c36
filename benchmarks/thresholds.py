"""The abstention trade-off of a JSONL dev set: each question is answered once, never
abstaining, and its confidence is compared with a row of thresholds.

    .venv/bin/python benchmarks/thresholds.py tests/data/dev.jsonl
    .venv/bin/python benchmarks/thresholds.py tests/data/dev.jsonl --list   # and every answer, by confidence

Prints, per threshold, how many answerable questions are answered right ("answer contains
gold") and kept, how many answerable ones are declined, and how many unanswerable ones are
declined: the table behind the choice of QA_MIN_CONFIDENCE (docs/evaluation.md).
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from qa.cli import _open  # noqa: E402
from qa.config import Settings  # noqa: E402
from qa.evaluation import contains_gold, load_jsonl  # noqa: E402

THRESHOLDS = (0.2, 0.3, 0.4, 0.5, 0.6, 0.7)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--list", action="store_true", help="also print every answer, most confident first")
    args = parser.parse_args()
    threshold = Settings.from_env().min_confidence  # the one the service would apply
    service = _open(Settings.from_env(min_confidence=0.0))
    rows = []  # (confidence, answerable, right, question, answer)
    for ex in load_jsonl(args.file):
        answer = service.ask(ex.question, 5)
        right = bool(ex.answers) and contains_gold(answer.answer, ex.answers)
        rows.append((answer.confidence, bool(ex.answers), right, ex.question, answer.answer))
    answerable = sum(1 for r in rows if r[1])
    print(f"{len(rows)} questions: {answerable} answerable, {len(rows) - answerable} unanswerable")
    print(f"{'threshold':>9}{'right kept':>12}{'answerable declined':>21}{'unanswerable declined':>23}")
    for t in THRESHOLDS:
        kept = sum(1 for c, a, right, *_ in rows if right and c >= t)
        declined = sum(1 for c, a, *_ in rows if a and c < t)
        refused = sum(1 for c, a, *_ in rows if not a and c < t)
        print(f"{t:>9}{kept:>12}{declined:>21}{refused:>23}")
    if args.list:
        for c, a, right, question, text in sorted(rows, key=lambda r: -r[0]):
            mark = "ok " if right or (not a and c < threshold) else "BAD"
            print(f"{c:.2f} {'A' if a else 'U'} {mark} {question} -> {text}")


if __name__ == "__main__":
    main()
