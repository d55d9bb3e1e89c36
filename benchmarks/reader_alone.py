"""`qa eval` with the trained reader answering every question it reads a span for (the
rules only where it reads nothing): the reader-alone rows of docs/evaluation.md.

    QA_MIN_CONFIDENCE=0 .venv/bin/python benchmarks/reader_alone.py eval ../shared/data/cmrc2018_trial.json
    QA_READER=off QA_MIN_CONFIDENCE=0 .venv/bin/qa eval ../shared/data/cmrc2018_trial.json   # rules alone
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from qa.answering import Answerer  # noqa: E402
from qa.cli import main  # noqa: E402

if __name__ == "__main__":
    Answerer.rules_first = False
    sys.exit(main(sys.argv[1:]))
