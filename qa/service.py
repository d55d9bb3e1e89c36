"""The one answering core: every interface (CLI, HTTP, Telegram) calls QAService.ask."""

from __future__ import annotations

import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass

from embeddings.encoder import Encoder
from qa.answering import Answerer
from qa.config import Settings
from qa.conversation import SessionStore, resolve_followup
from qa.errors import QAError
from qa.indexing import ensure_index
from qa.question import analyse, search_tokens
from qa.retrieval import Retriever

MAX_TOP_K = 20
PASSAGES_READ = 5  # the answer is looked for in at least this many passages, whatever top_k


@dataclass
class Source:
    doc_id: str
    title: str
    text: str
    score: float
    start: int  # the passage's place in the cleaned article
    end: int
    answer_start: int | None  # the answer's place inside `text`
    answer_end: int | None


@dataclass
class Answer:
    question: str
    answer: str | None
    abstained: bool
    confidence: float
    evidence: str | None
    sources: list[Source]
    took_ms: float
    resolved_question: str | None = None  # what a follow-up was understood as

    def to_dict(self) -> dict:
        return asdict(self)


def validate_question(question: object, max_chars: int) -> str:
    """The question without control characters (they carry no meaning and break output)."""
    if not isinstance(question, str):
        raise QAError("the question must be text", "question_not_text")
    if len(question) > max_chars:
        raise QAError(f"the question is {len(question)} characters long; the limit is {max_chars}",
                      "question_too_long")
    cleaned = "".join(ch if ch.isprintable() else " " for ch in question).strip()
    cleaned = "".join(ch for ch in cleaned if not 0xD800 <= ord(ch) <= 0xDFFF)  # lone surrogates
    if not cleaned:
        raise QAError("the question is empty; type a question such as 象珠镇有多少家企业？", "question_empty")
    return cleaned


def validate_top_k(top_k: object) -> int:
    if isinstance(top_k, bool) or not isinstance(top_k, int) or not 1 <= top_k <= MAX_TOP_K:
        raise QAError(f"top_k must be a whole number from 1 to {MAX_TOP_K}", "top_k_invalid")
    return top_k


class QAService:
    def __init__(self, settings: Settings, encoder: Encoder, retriever: Retriever, answerer: Answerer):
        self.settings = settings
        self.encoder = encoder
        self.retriever = retriever
        self.answerer = answerer
        self.corpus = retriever.corpus
        self.sessions = SessionStore()

    @classmethod
    def open(cls, settings: Settings, show_progress: bool = False,
             log=lambda msg: print(msg, file=sys.stderr)) -> "QAService":
        """Load the model and the index (building the index when it is missing or stale)."""
        from qa.provisioning import ensure_model, load_encoder, load_reader

        ensure_model(settings, log=log)  # first: the encoder and the reader may share it
        # Model sessions load in native code, off the GIL: loading them side by side, and
        # jieba's dictionary meanwhile, takes seconds off the start (benchmarks/bench_coldstart.py).
        with ThreadPoolExecutor(2) as pool:
            reader = pool.submit(load_reader, settings, log)
            pool.submit(analyse, "预热")  # jieba and OpenCC load on first use
            encoder = load_encoder(settings, log=log)
            index = ensure_index(settings, encoder, show_progress=show_progress, log=log)
            retriever = Retriever(index)
            answerer = Answerer(index.corpus, index.sentence_vectors, reader.result())
        return cls(settings, encoder, retriever, answerer)

    def ask(self, question: str, top_k: int | None = None, session_id: str | None = None,
            doc_id: str | None = None) -> Answer:
        """Answer a question; with a session id, a follow-up ("党员呢？") is read in the
        context of the session's previous question; with a doc_id, from that article only."""
        started = time.perf_counter()
        question = validate_question(question, self.settings.max_question_chars)
        top_k = validate_top_k(self.settings.top_k if top_k is None else top_k)
        resolved = question
        if session_id is not None:
            try:
                previous = self.sessions.previous(session_id)
            except ValueError as exc:
                raise QAError(str(exc), "invalid_session_id") from None
            resolved = resolve_followup(previous, question) if previous else question
        answer = self._answer(resolved, top_k, doc_id)
        answer.question = question
        answer.resolved_question = resolved if resolved != question else None
        if session_id is not None:
            self.sessions.remember(session_id, question, resolved, answer.answer)
        answer.took_ms = round((time.perf_counter() - started) * 1000, 2)
        return answer

    def _answer(self, question: str, top_k: int, doc_id: str | None = None) -> Answer:
        q = analyse(question)
        q_vec = self.encoder.encode_queries([question])[0]
        passages = self.retriever.search(search_tokens(q), q_vec, max(top_k, PASSAGES_READ), doc_id)
        found = self.answerer.extract(q, q_vec, passages)
        confident = found is not None and found.confidence >= self.settings.min_confidence
        if confident:  # the answering passage first, then the others by rank
            passages.sort(key=lambda p: p.chunk_id != found.chunk_id)
        sources = []
        for passage in passages[:top_k]:
            chunk = self.corpus.chunks[passage.chunk_id]
            answer_start = answer_end = None
            if confident and passage.chunk_id == found.chunk_id:
                sentence = self.corpus.sentences[found.sentence_id]
                answer_start = sentence.start - chunk.start + found.start
                answer_end = sentence.start - chunk.start + found.end
            sources.append(Source(chunk.doc_id, chunk.title, chunk.text, round(passage.score, 4),
                                  chunk.start, chunk.end, answer_start, answer_end))
        sentence = self.corpus.sentences[found.sentence_id] if confident else None
        return Answer(
            question=question,
            answer=sentence.text[found.start:found.end] if confident else None,
            abstained=not confident,
            confidence=round(found.confidence if found else 0.0, 4),
            evidence=sentence.text if confident else None,
            sources=sources,
            took_ms=0.0,
        )
