"""Scoring and reporting for the evaluation harness.

The scores follow the official CMRC 2018 evaluation script (v6) so that our
numbers can be compared with published ones; the differences are noted where
they occur (chiefly: a regex instead of ``nltk.word_tokenize`` for non-Chinese
text, so the package does not depend on nltk).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

# --------------------------------------------------------------------------
# CMRC 2018 scoring
# --------------------------------------------------------------------------

# The official script's `sp_char` list. It also holds "……", but it compares
# one character at a time, so that two-character entry never matches; leaving
# it out keeps the behaviour identical.
PUNCTUATION = frozenset("-:_*^/\\~`+=" "，。：？！“”；’《》·、「」（）－～『』")

# Only this range counts as "Chinese" in the official script (not the CJK
# extensions), so characters outside it are grouped into words like Latin.
_CJK = "\u4e00-\u9fa5"
_TOKEN_RE = re.compile(
    rf"[{_CJK}]"  # one token per Chinese character
    r"|\d+(?:[.,]\d+)+"  # 3.5, 1,000 stay whole, as nltk keeps them
    rf"|[^\W_{_CJK}]+"  # runs of letters/digits (any script)
    r"|\S"  # any other symbol on its own
)


def normalize_answer(s: str) -> str:
    """Lower-case, strip, then drop the official punctuation characters.

    As in the official script, stripping happens *before* punctuation removal
    and inner whitespace is kept, so "北京 。" normalises to "北京 ".
    """
    return "".join(ch for ch in s.lower().strip() if ch not in PUNCTUATION)


def tokenize(s: str) -> list[str]:
    """Tokens as the official F1 sees them (on the normalised text)."""
    return _TOKEN_RE.findall(normalize_answer(s))


def _longest_common_run(a: Sequence[str], b: Sequence[str]) -> int:
    """Length of the longest common *contiguous* token run (as in v6)."""
    best = 0
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0] * (len(b) + 1)
        for j, y in enumerate(b, 1):
            if x == y:
                cur[j] = prev[j - 1] + 1
                best = max(best, cur[j])
        prev = cur
    return best


def exact_match(pred: str | None, golds: Sequence[str]) -> float:
    """1.0 if the prediction equals any gold after normalisation, else 0.0."""
    if pred is None:
        return 0.0
    p = normalize_answer(pred)
    return float(any(p == normalize_answer(g) for g in golds))


def f1_score(pred: str | None, golds: Sequence[str]) -> float:
    """Best F1 over golds, using the longest common contiguous token run.

    This is stricter than SQuAD's bag-of-tokens F1: shared tokens that are
    not adjacent in both strings do not count together.
    """
    if pred is None:
        return 0.0
    p = tokenize(pred)
    best = 0.0
    for gold in golds:
        g = tokenize(gold)
        run = _longest_common_run(g, p)
        if run:
            precision, recall = run / len(p), run / len(g)
            best = max(best, 2 * precision * recall / (precision + recall))
    return best


def contains_gold(pred: str | None, golds: Sequence[str]) -> bool:
    """True if a normalised gold occurs inside the normalised prediction.

    Our answers may carry a unit or a title ("3000万元" for gold "3000万"),
    which EM punishes; this rate shows how often the right span was found.
    """
    if pred is None:
        return False
    p = normalize_answer(pred)
    return any((g := normalize_answer(gold)) and g in p for gold in golds)


# --------------------------------------------------------------------------
# Data loading
# --------------------------------------------------------------------------


@dataclass
class EvalExample:
    id: str
    question: str
    answers: list[str]  # empty: the system should abstain
    type: str | None = None
    lang: str | None = None
    doc_id: str | None = None

    @property
    def answerable(self) -> bool:
        return bool(self.answers)


def _optional_str(obj: dict[str, Any], key: str) -> str | None:
    value = obj.get(key)
    if value is not None and not isinstance(value, (str, int)):
        raise ValueError(f"{key!r} must be a string")
    return None if value is None else str(value)


def load_jsonl(path: str | Path) -> list[EvalExample]:
    """Load ``{"question", "answers", ["id","type","lang","doc_id"]}`` lines.

    "answers" is required (an empty list marks an unanswerable question) so a
    misspelt key cannot silently turn questions into abstention tests.
    """
    examples: list[EvalExample] = []
    with open(path, encoding="utf-8-sig") as f:
        for line_no, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
                if not isinstance(obj, dict):
                    raise ValueError("expected a JSON object")
                question = obj.get("question")
                if not isinstance(question, str) or not question.strip():
                    raise ValueError("'question' must be a non-empty string")
                answers = obj.get("answers")
                if not isinstance(answers, list) or not all(
                    isinstance(a, str) for a in answers
                ):
                    raise ValueError("'answers' must be a list of strings")
                examples.append(
                    EvalExample(
                        id=_optional_str(obj, "id") or str(line_no),
                        question=question.strip(),
                        answers=[a for a in answers if a.strip()],
                        type=_optional_str(obj, "type"),
                        lang=_optional_str(obj, "lang"),
                        doc_id=_optional_str(obj, "doc_id"),
                    )
                )
            except ValueError as e:  # json.JSONDecodeError is a ValueError
                raise ValueError(f"{path}:{line_no}: {e}") from e
    return examples


_UNSAFE_CHARS = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f\s]+')


def _safe_name(title: str, max_len: int = 80) -> str:
    """A title usable as a file name on any OS (no separators, no dotfiles)."""
    name = _UNSAFE_CHARS.sub("_", title).strip("_").lstrip(".")
    # Bounded length: CJK takes 3 bytes in UTF-8 and names max out at 255.
    return name[:max_len] or "doc"


def load_squad(
    path: str | Path,
) -> tuple[list[tuple[str, str]], list[EvalExample]]:
    """Load SQuAD-style JSON (CMRC 2018, DRCD, SQuAD 2.0 ...).

    Returns one document per paragraph as ``(doc_id, context)`` with doc_id
    ``"{safe title}_{i:04d}.txt"``, plus the questions with deduplicated gold
    texts (CMRC lists the same span once per annotator). SQuAD 2.0
    ``is_impossible`` questions have no answers, i.e. expect an abstention.
    """
    with open(path, encoding="utf-8-sig") as f:
        data = json.load(f)
    if not isinstance(data, dict) or not isinstance(data.get("data"), list):
        raise ValueError(f"{path}: expected an object with a 'data' list")

    documents: list[tuple[str, str]] = []
    examples: list[EvalExample] = []
    used: set[str] = set()  # case-folded, for case-insensitive filesystems
    for a, article in enumerate(data["data"]):
        base = _safe_name(str(article.get("title") or article.get("id") or f"doc{a}"))
        name, n = base, 1
        while name.casefold() in used:  # same or clashing titles stay apart
            n += 1
            name = f"{base}-{n}"
        used.add(name.casefold())
        for i, para in enumerate(article.get("paragraphs", [])):
            doc_id = f"{name}_{i:04d}.txt"
            try:
                documents.append((doc_id, para["context"]))
                for j, qa in enumerate(para.get("qas", [])):
                    golds = [ans["text"].strip() for ans in qa.get("answers", [])]
                    examples.append(
                        EvalExample(
                            id=str(qa.get("id") or f"{doc_id}#{j}"),
                            question=qa["question"].strip(),
                            answers=list(dict.fromkeys(g for g in golds if g)),
                            doc_id=doc_id,
                        )
                    )
            except (KeyError, TypeError, AttributeError) as e:
                raise ValueError(f"{path}: malformed paragraph {doc_id}: {e!r}") from e
    return documents, examples


# --------------------------------------------------------------------------
# Running and reporting
# --------------------------------------------------------------------------


class _Source(Protocol):
    text: str


class AskResult(Protocol):
    """What ``ask`` must return (the QA core's answer object fits)."""

    answer: str | None
    abstained: bool
    took_ms: float
    sources: Sequence[_Source]


@dataclass
class ExampleResult:
    id: str
    question: str
    golds: list[str]
    prediction: str | None  # None when the system abstained
    em: float
    f1: float
    contains: bool
    abstained: bool
    hit_at_k: bool  # a gold answer is in one of the first k sources
    took_ms: float
    type: str | None = None
    lang: str | None = None

    @property
    def answerable(self) -> bool:
        return bool(self.golds)

    @property
    def failed(self) -> bool:
        """Wrong or missing answer, or an answer where none was expected."""
        return self.em < 1.0 if self.answerable else not self.abstained


@dataclass
class Scores:
    """Percentages (0-100); None where the group has no such examples."""

    n_answerable: int
    n_unanswerable: int
    em: float | None
    f1: float | None
    contains: float | None
    recall_at_k: float | None
    wrongly_abstained: float | None  # answerable questions left unanswered
    abstention_accuracy: float | None  # unanswerable questions abstained on


def _pct(values: Iterable[float]) -> float | None:
    vals = list(values)
    return 100.0 * sum(vals) / len(vals) if vals else None


def _scores(records: Sequence[ExampleResult]) -> Scores:
    ans = [r for r in records if r.answerable]
    unans = [r for r in records if not r.answerable]
    return Scores(
        n_answerable=len(ans),
        n_unanswerable=len(unans),
        em=_pct(r.em for r in ans),
        f1=_pct(r.f1 for r in ans),
        contains=_pct(r.contains for r in ans),
        recall_at_k=_pct(r.hit_at_k for r in ans),
        wrongly_abstained=_pct(r.abstained for r in ans),
        abstention_accuracy=_pct(r.abstained for r in unans),
    )


def percentile(values: Sequence[float], q: float) -> float | None:
    """q-th percentile with linear interpolation (numpy's default method)."""
    if not values:
        return None
    s = sorted(values)
    pos = (len(s) - 1) * q / 100
    lo, hi = math.floor(pos), math.ceil(pos)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


@dataclass
class EvalReport:
    k: int
    overall: Scores
    latency_p50_ms: float | None
    latency_p95_ms: float | None
    by_type: dict[str, Scores] = field(default_factory=dict)
    by_lang: dict[str, Scores] = field(default_factory=dict)
    records: list[ExampleResult] = field(default_factory=list)

    def failures(self) -> list[ExampleResult]:
        return [r for r in self.records if r.failed]

    def to_dict(self, include_records: bool = True) -> dict[str, Any]:
        d = asdict(self)
        if not include_records:
            del d["records"]
        return d


def _group(records: Sequence[ExampleResult], key: str) -> dict[str, Scores]:
    groups: dict[str, list[ExampleResult]] = {}
    for r in records:
        if (value := getattr(r, key)) is not None:
            groups.setdefault(value, []).append(r)
    return {name: _scores(rs) for name, rs in sorted(groups.items())}


def evaluate(
    examples: Iterable[EvalExample],
    ask: Callable[[str], AskResult],
    k: int = 5,
    progress: Callable[[int, int], None] | None = None,
    in_own_document: bool = False,
) -> EvalReport:
    """Ask every question and score the answers.

    ``progress(i, n)`` is called after each question, with i counting from 1.
    With ``in_own_document``, ``ask(question, doc_id)`` answers from the example's own
    document (a reader given the gold paragraph, as reading-comprehension papers report).
    Exceptions from ``ask`` propagate: a crashing system should not be
    reported as one that merely abstained.
    """
    examples = list(examples)
    records: list[ExampleResult] = []
    for i, ex in enumerate(examples, 1):
        res = ask(ex.question, ex.doc_id) if in_own_document else ask(ex.question)
        # An answer given alongside abstained=True is not shown to the user.
        abstained = bool(res.abstained) or res.answer is None
        pred = None if abstained else res.answer
        records.append(
            ExampleResult(
                id=ex.id,
                question=ex.question,
                golds=list(ex.answers),
                prediction=pred,
                em=exact_match(pred, ex.answers),
                f1=f1_score(pred, ex.answers),
                contains=contains_gold(pred, ex.answers),
                abstained=abstained,
                hit_at_k=any(contains_gold(s.text, ex.answers) for s in res.sources[:k]),
                took_ms=float(res.took_ms),
                type=ex.type,
                lang=ex.lang,
            )
        )
        if progress is not None:
            progress(i, len(examples))

    latencies = [r.took_ms for r in records]
    return EvalReport(
        k=k,
        overall=_scores(records),
        latency_p50_ms=percentile(latencies, 50),
        latency_p95_ms=percentile(latencies, 95),
        by_type=_group(records, "type"),
        by_lang=_group(records, "lang"),
        records=records,
    )


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def format_report(report: EvalReport) -> str:
    """A compact table: one row overall, then one per type and per lang."""
    rows = [("overall", report.overall)]
    rows += [(f"type={t}", s) for t, s in report.by_type.items()]
    rows += [(f"lang={lang}", s) for lang, s in report.by_lang.items()]
    width = max(len(label) for label, _ in rows)
    header = ["ans", "unans", "EM", "F1", "contains", f"R@{report.k}", "wrong-abst", "abst-acc"]
    lines = [f"{'':<{width}}  " + "  ".join(f"{h:>{max(len(h), 5)}}" for h in header)]
    for label, s in rows:
        cells = [
            str(s.n_answerable), str(s.n_unanswerable), _fmt(s.em), _fmt(s.f1),
            _fmt(s.contains), _fmt(s.recall_at_k), _fmt(s.wrongly_abstained),
            _fmt(s.abstention_accuracy),
        ]  # fmt: skip
        lines.append(
            f"{label:<{width}}  "
            + "  ".join(f"{c:>{max(len(h), 5)}}" for c, h in zip(cells, header))
        )
    lines.append(
        f"latency ms: p50 {_fmt(report.latency_p50_ms)}  p95 {_fmt(report.latency_p95_ms)}"
    )
    return "\n".join(lines)
