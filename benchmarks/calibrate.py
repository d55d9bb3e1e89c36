"""Fit the reader's confidence: a logistic regression on its features, over questions the
articles answer (label: the answer is right, F1 ≥ 0.5 under the CMRC rules) and questions
they cannot answer (label 0).

    .venv/bin/python benchmarks/calibrate.py tests/data/dev.jsonl \\
        --unanswerable ../shared/data/DRCD_dev.json --unanswerable-limit 300 \\
        --also tests/data/heldout.jsonl=seeds --also tests/data/fresh.jsonl=tests/data/fresh …

Unanswerable questions come from the JSONL file's empty-answer questions plus, with
--unanswerable, questions of another data set asked against this corpus (articles about
other things: the bot must decline them). Prints the fitted weights (to copy into
READER_WEIGHTS / READER_BIAS in qa/answering.py) and the abstention trade-off they give.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from qa.config import Settings  # noqa: E402
from qa.evaluation import f1_score, load_jsonl  # noqa: E402
from qa.question import analyse, search_tokens  # noqa: E402
from qa.service import PASSAGES_READ, QAService  # noqa: E402


def foreign_questions(path: Path, limit: int, seed: int = 0) -> list[str]:
    data = json.loads(path.read_text(encoding="utf-8-sig"))["data"]
    questions = [qa["question"] for a in data for p in a["paragraphs"] for qa in p["qas"]]
    random.Random(seed).shuffle(questions)
    return questions[:limit]


def features_and_labels(service: QAService, items: list[tuple[str, list[str]]]):
    rows, labels, answerable = [], [], []
    for question, golds in items:
        q = analyse(question)
        vector = service.encoder.encode_queries([question])[0]
        passages = service.retriever.search(search_tokens(q), vector, PASSAGES_READ)
        found = service.answerer.extract(q, vector, passages)
        if found is None or not found.features:
            continue  # rules-only answers (author questions) keep their own confidence
        text = service.answerer.answer_text(found)
        rows.append(found.features)
        labels.append(1.0 if golds and f1_score(text, golds) >= 0.5 else 0.0)
        answerable.append(bool(golds))
    return np.array(rows, dtype=np.float64), np.array(labels), np.array(answerable)


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1e-3, steps: int = 50) -> np.ndarray:
    """Newton's method on the L2-regularised log-loss; returns (bias, weights…)."""
    design = np.hstack([np.ones((len(x), 1)), x])
    w = np.zeros(design.shape[1])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-design @ w))
        gradient = design.T @ (p - y) + l2 * w
        hessian = design.T @ (design * (p * (1 - p))[:, None]) + l2 * np.eye(len(w))
        w -= np.linalg.solve(hessian, gradient)
    return w


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("file", help="JSONL questions over the configured corpus")
    parser.add_argument("--unanswerable", type=Path, help="SQuAD-style file of foreign questions")
    parser.add_argument("--unanswerable-limit", type=int, default=300)
    parser.add_argument("--also", action="append", default=[], metavar="FILE=DOCS",
                        help="more questions over another folder of articles (indexed under .qa/calibrate/)")
    args = parser.parse_args()
    settings = Settings.from_env()
    service = QAService.open(settings, log=lambda m: None)
    items = [(e.question, e.answers) for e in load_jsonl(Path(args.file))]
    if args.unanswerable:
        items += [(q, []) for q in foreign_questions(args.unanswerable, args.unanswerable_limit)]
    x, y, answerable = features_and_labels(service, items)
    for pair in args.also:  # the same model and reader, another corpus
        file, docs = pair.split("=", 1)
        other = replace(settings, docs_dir=Path(docs), index_dir=Path(".qa/calibrate") / Path(docs).name)
        found = features_and_labels(QAService.open(other, log=lambda m: None),
                                    [(e.question, e.answers) for e in load_jsonl(Path(file))])
        x, y, answerable = (np.concatenate([old, new]) for old, new in zip((x, y, answerable), found))
    w = fit_logistic(x, y)
    print(f"{len(y)} questions with reader answers ({answerable.sum()} answerable), {int(y.sum())} right")
    print(f"READER_BIAS = {w[0]:.3f}\nREADER_WEIGHTS = ({', '.join(f'{v:.3f}' for v in w[1:])})")
    confidence = 1 / (1 + np.exp(-(w[0] + x @ w[1:])))
    print(f"{'threshold':>9} {'right kept':>11} {'answerable declined':>20} {'unanswerable declined':>22}")
    for t in (0.2, 0.3, 0.4, 0.5, 0.6, 0.7):
        kept = confidence >= t
        print(f"{t:>9.1f} {_pct(kept & (y == 1), y == 1):>11} {_pct(~kept & answerable, answerable):>20} "
              f"{_pct(~kept & ~answerable, ~answerable):>22}")


def _pct(part: np.ndarray, whole: np.ndarray) -> str:
    return f"{100 * part.sum() / max(whole.sum(), 1):.1f}%"

if __name__ == "__main__":
    main()
