"""Where the rules and the reader each answer better: F1 and EM by question type (as the
answerer reads the question), shipped routing against the reader answering every question.

    .venv/bin/python benchmarks/by_type.py ../shared/data/cmrc2018_trial.json
    .venv/bin/python benchmarks/by_type.py tests/data/dev.jsonl

Both are asked of the same loaded service, never abstaining. Prints one row per type; a type
whose "reader" column beats "shipped" by much is one the rules should hand to the reader (or
whose rules need fixing: the misses are worth reading). Used for docs/evaluation.md (session 14).
"""

import sys
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from qa.answering import Answerer  # noqa: E402
from qa.cli import _open, _squad_docs  # noqa: E402
from qa.config import Settings  # noqa: E402
from qa.evaluation import exact_match, f1_score, load_jsonl, load_squad  # noqa: E402
from qa.question import analyse  # noqa: E402


def main(path: Path) -> None:
    settings = Settings.from_env(min_confidence=0.0)
    if path.suffix == ".jsonl":
        examples = [ex for ex in load_jsonl(path) if ex.answers]
    else:
        documents, examples = load_squad(path)
        folder = _squad_docs(path, documents)
        settings = replace(settings, docs_dir=folder / "docs", index_dir=folder / "index")
    service = _open(settings)
    scores = defaultdict(lambda: [0, 0.0, 0.0, 0.0, 0.0])  # n, shipped F1, reader F1, shipped EM, reader EM
    for ex in examples:
        if not ex.question.strip():
            continue
        answers = []
        for rules_first in (True, False):
            Answerer.rules_first = rules_first
            answers.append(service.ask(ex.question).answer)
        row = scores[analyse(ex.question).qtype]
        row[0] += 1
        row[1] += f1_score(answers[0], ex.answers)
        row[2] += f1_score(answers[1], ex.answers)
        row[3] += exact_match(answers[0], ex.answers)
        row[4] += exact_match(answers[1], ex.answers)
    Answerer.rules_first = True
    print(f"{path.name}: shipped routing vs the reader answering everything, never abstaining")
    print(f"{'type':<13}{'n':>5}{'shipped F1':>12}{'reader F1':>11}{'shipped EM':>12}{'reader EM':>11}")
    for qtype, (n, *sums) in sorted(scores.items()):
        print(f"{qtype:<13}{n:>5}" + "".join(f"{100 * v / n:>{w}.1f}" for v, w in zip(sums, (12, 11, 12, 11))))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
