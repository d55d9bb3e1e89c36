"""The one answering core: every interface (CLI, HTTP, Telegram) calls QAService.ask."""

from __future__ import annotations

import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass

from embeddings.encoder import Encoder
from embeddings.store import Corpus, LoadedIndex, load_index, read_manifest
from qa import glossary
from qa.answering import Answerer
from qa.config import Settings
from qa.conversation import SessionStore, resolve_followup
from qa.documents import Document
from qa.errors import QAError
from qa.indexing import ensure_index, incompatibility
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
    date: str | None = None  # the article's metadata, where it has any
    url: str | None = None


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


@dataclass(frozen=True)
class Searchable:
    """An index and what is built on it. Replaced whole when the documents change, never
    edited: a question in flight finishes on the one it started with."""

    manifest: dict
    retriever: Retriever
    answerer: Answerer
    documents: dict[str, Document]

    @classmethod
    def of(cls, index: LoadedIndex, reader) -> "Searchable":
        return cls(index.manifest, Retriever(index),
                   Answerer(index.corpus, index.sentence_vectors, reader),
                   {d.doc_id: d for d in index.corpus.documents})

    @property
    def corpus(self) -> Corpus:
        return self.retriever.corpus


class QAService:
    def __init__(self, settings: Settings, encoder: Encoder, live: Searchable):
        self.settings = settings
        self.encoder = encoder
        self.live = live
        self.sessions = SessionStore(settings.max_sessions, ttl_seconds=settings.session_ttl)
        self._reindexing = threading.Lock()  # one build at a time

    @property
    def retriever(self) -> Retriever:
        return self.live.retriever

    @property
    def answerer(self) -> Answerer:
        return self.live.answerer

    @property
    def corpus(self) -> Corpus:
        return self.live.corpus

    def reindex(self, log=lambda msg: None) -> dict:
        """Bring the index up to date with the documents folder (only new or changed
        documents are embedded) and switch to it in one assignment; returns its manifest."""
        with self._reindexing:
            index = ensure_index(self.settings, self.encoder, log=log)
            self._switch_to(index)
            return index.manifest

    def _switch_to(self, index: LoadedIndex) -> None:
        if index.manifest.get("build") != self.live.manifest.get("build"):
            self.live = Searchable.of(index, self.answerer.reader)

    def follow_index(self) -> bool:
        """Switch to the index on disk when another process (`qa index`, another server
        worker) has built a newer one; True if it switched."""
        with self._reindexing:
            manifest = read_manifest(self.settings.index_dir)
            if (manifest is None or incompatibility(manifest, self.settings, self.encoder)
                    or manifest.get("build") == self.live.manifest.get("build")):
                return False
            self._switch_to(load_index(self.settings.index_dir, manifest))  # checks every sha256
        return True

    def watch_index(self, stop: threading.Event, every: float, log=lambda msg: None) -> None:
        """Until `stop` is set, follow the index on disk (run in a background thread)."""
        while not stop.wait(every):
            try:
                if self.follow_index():
                    log(f"switched to the index built at {self.live.manifest.get('created')}")
            except (QAError, OSError, ValueError) as exc:  # a build in progress or damaged: keep serving
                log(f"not switching to the index on disk: {exc}")

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
            live = Searchable.of(index, reader.result())
        # English questions need the dictionary: read it meanwhile, not before the first answer
        threading.Thread(target=glossary.load, name="dictionary", daemon=True).start()
        return cls(settings, encoder, live)

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
        live = self.live  # read once: a reindex may replace it meanwhile
        q = analyse(question)
        q_vec = self.encoder.encode_queries([question])[0]
        passages = live.retriever.search(search_tokens(q), q_vec, max(top_k, PASSAGES_READ), doc_id)
        found = live.answerer.extract(q, q_vec, passages)
        confident = found is not None and found.confidence >= self.settings.min_confidence
        evidence_start, evidence = live.answerer.evidence(found) if confident else (None, None)
        if confident:  # the answering passage first, then the others by rank
            passages.sort(key=lambda p: p.chunk_id != found.chunk_id)
        sources = []
        for passage in passages[:top_k]:
            chunk = live.corpus.chunks[passage.chunk_id]
            answer_start = answer_end = None
            if confident and passage.chunk_id == found.chunk_id:
                answer_start = evidence_start - chunk.start + found.start
                answer_end = evidence_start - chunk.start + found.end
            document = live.documents[chunk.doc_id]
            sources.append(Source(chunk.doc_id, chunk.title, chunk.text, round(passage.score, 4),
                                  chunk.start, chunk.end, answer_start, answer_end,
                                  document.date, document.url))
        return Answer(
            question=question,
            answer=evidence[found.start:found.end] if confident else None,
            abstained=not confident,
            confidence=round(found.confidence if found else 0.0, 4),
            evidence=evidence,
            sources=sources,
            took_ms=0.0,
        )
