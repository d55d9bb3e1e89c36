"""Split cleaned documents into sentences and overlapping passage-sized chunks.

Every span is a pair of offsets into its document's cleaned text, so a chunk's or a
sentence's text is always exactly `document.text[start:end]`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from qa.documents import Document, is_byline

CHUNK_MIN_CHARS = 150
CHUNK_MAX_CHARS = 350
BRACKET_REACH = 150  # an aside longer than this is not treated as one

# Sentence end: 。！？；… (runs included) plus any closing quotes/brackets right after.
# ASCII "." counts only after a letter and before a space, so 3.7万 or 1.5 never split.
_SENTENCE_END = re.compile(r"(?:[。！？!?；;]+|[…⋯]{2,}|(?<=[A-Za-z])\.(?=\s))[”’」』）)\]】\"']*")
_CLAUSE_END = re.compile(r"[，,、：:][”’」』）)]*")


@dataclass(frozen=True)
class Sentence:
    doc_id: str
    start: int
    end: int
    text: str
    kind: str  # the kind of block it came from: body, heading, byline, noise


@dataclass(frozen=True)
class Chunk:
    doc_id: str
    title: str
    start: int
    end: int
    text: str
    sentence_ids: tuple[int, ...]  # indices into the corpus sentence list


def _inside_brackets(text: str, pos: int) -> bool:
    """Whether pos lies inside a short bracketed aside: 三立三合(即立足…；立足…)党建工作法."""
    before = text[max(0, pos - BRACKET_REACH):pos]
    after = text[pos:pos + BRACKET_REACH]
    opened = max(before.rfind("("), before.rfind("（"))
    closed_before = max(before.rfind(")"), before.rfind("）"))
    closes = [i for i in (after.find(")"), after.find("）")) if i >= 0]
    return opened > closed_before and bool(closes)


def _split(text: str, start: int, end: int, pattern: re.Pattern) -> list[tuple[int, int]]:
    """Spans of text[start:end] cut after each match of pattern (not inside brackets),
    whitespace trimmed."""
    spans, pos = [], start
    for m in pattern.finditer(text, start, end):
        if _inside_brackets(text, m.start()):
            continue
        spans.append((pos, m.end()))
        pos = m.end()
    spans.append((pos, end))
    return _trimmed(text, spans)


def _trimmed(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The spans without surrounding whitespace; blank ones dropped."""
    trimmed = []
    for a, b in spans:
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if a < b:
            trimmed.append((a, b))
    return trimmed


def _limit_length(text: str, span: tuple[int, int]) -> list[tuple[int, int]]:
    """Cut an over-long sentence at clause commas so no piece exceeds a chunk."""
    a, b = span
    if b - a <= CHUNK_MAX_CHARS:
        return [span]
    pieces, cur_start, cur_end = [], a, a
    for ca, cb in _split(text, a, b, _CLAUSE_END):
        if cb - cur_start > CHUNK_MAX_CHARS and cur_end > cur_start:
            pieces.append((cur_start, cur_end))
            cur_start = ca
        cur_end = cb
    pieces.append((cur_start, cur_end))
    # A clause longer than a chunk (no commas at all) is cut at fixed width; the cuts are
    # trimmed too, or a run of spaces would become a blank sentence.
    return _trimmed(text, [(s, min(s + CHUNK_MAX_CHARS, e)) for ps, e in pieces
                           for s in range(ps, e, CHUNK_MAX_CHARS)])


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of a plain text."""
    return _split(text, 0, len(text), _SENTENCE_END)


def split_sentences(doc: Document) -> list[Sentence]:
    """Sentences of a document; block boundaries (headlines, bylines) always end one."""
    sentences = []
    for block in doc.blocks:
        for span in _split(doc.text, block.start, block.end, _SENTENCE_END):
            for a, b in _limit_length(doc.text, span):
                # A photo credit closing a caption paragraph ("…持续至5月22日。 融媒记者 杨成栋 摄")
                # is a byline of its own: questions about who took the photo look for it.
                kind = "byline" if is_byline(doc.text[a:b].strip()) else block.kind
                sentences.append(Sentence(doc.doc_id, a, b, doc.text[a:b], kind))
    return sentences


def _group(sentences: list[Sentence]) -> list[list[int]]:
    """Greedy groups of consecutive sentences of CHUNK_MIN..MAX characters, where each
    group starts with the previous group's last sentence (one-sentence overlap)."""
    groups, i = [], 0
    while i < len(sentences):
        group = [i]
        while group[-1] + 1 < len(sentences):
            nxt = group[-1] + 1
            length = sentences[nxt].end - sentences[group[0]].start
            size = sentences[group[-1]].end - sentences[group[0]].start
            # Stop at the maximum, stretching it a little for a group still too short.
            if length > CHUNK_MAX_CHARS and (size >= CHUNK_MIN_CHARS
                                             or length > CHUNK_MAX_CHARS * 1.3):
                break
            group.append(nxt)
        groups.append(group)
        if group[-1] == len(sentences) - 1:
            break
        # Overlap by one sentence unless the group is that single sentence.
        i = group[-1] if len(group) > 1 else group[-1] + 1
    return groups


def chunk_document(doc: Document, first_sentence_id: int = 0) -> tuple[list[Chunk], list[Sentence]]:
    sentences = split_sentences(doc)
    chunks = []
    for group in _group(sentences):
        start, end = sentences[group[0]].start, sentences[group[-1]].end
        chunks.append(Chunk(doc.doc_id, doc.title, start, end, doc.text[start:end],
                            tuple(first_sentence_id + g for g in group)))
    return chunks, sentences


def chunk_documents(docs: list[Document]) -> tuple[list[Chunk], list[Sentence]]:
    """All chunks and all sentences of a corpus; chunk.sentence_ids index the sentence list."""
    chunks, sentences = [], []
    for doc in docs:
        doc_chunks, doc_sentences = chunk_document(doc, first_sentence_id=len(sentences))
        chunks.extend(doc_chunks)
        sentences.extend(doc_sentences)
    return chunks, sentences
