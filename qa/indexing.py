"""Build the index from a documents folder, or load it when nothing has changed.

Builds are incremental: a document whose bytes (and metadata file) are unchanged keeps its
chunks and vectors from the current index; only new or changed documents are embedded.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from embeddings.encoder import Encoder
from embeddings.store import Corpus, LoadedIndex, load_index, problem_with, read_manifest, save_index
from qa.chunking import Chunk, Sentence, chunk_document
from qa.config import Settings
from qa.documents import Document, document_files, file_hash, load_document
from qa.errors import QAError
from qa.text import keyword_tokens


# Bump when cleaning, chunking, keyword tokens or the making of vectors change: existing
# indexes then rebuild.
PIPELINE_VERSION = "11"  # 11: a line ending on a decimal point runs on (10: on 由, 和…)


def document_hashes(docs_dir: Path) -> dict[str, str]:
    return {p.name: file_hash(p) for p in document_files(docs_dir)}


def staleness(manifest: dict | None, settings: Settings, encoder: Encoder,
              hashes: dict[str, str] | None) -> str | None:
    """Why the index must be rebuilt, or None when it is up to date."""
    reason = incompatibility(manifest, settings, encoder)
    if reason is None and hashes is not None and manifest.get("documents") != hashes:
        return "the documents changed"
    return reason or problem_with(settings.index_dir, manifest)


def incompatibility(manifest: dict | None, settings: Settings, encoder: Encoder) -> str | None:
    """Why nothing of this index can be reused, or None."""
    if manifest is None:
        return "no index yet"
    if "corrupt" in manifest:
        return manifest["corrupt"]
    if manifest.get("model") != settings.model or manifest.get("dim") != encoder.dim:
        return "the embedding model changed"
    if manifest.get("pipeline") != PIPELINE_VERSION:
        return "the indexing code changed"
    return None


@dataclass
class DocumentPart:
    """One document's share of the index; sentence ids are local to the document."""

    document: Document
    chunks: list[Chunk]
    sentences: list[Sentence]
    chunk_tokens: list[list[str]]
    chunk_vectors: np.ndarray | None = None  # None until embedded
    sentence_vectors: np.ndarray | None = None


def _new_part(path: Path) -> DocumentPart:
    document = load_document(path)
    chunks, sentences = chunk_document(document)
    return DocumentPart(document, chunks, sentences, [keyword_tokens(c.text) for c in chunks])


def _parts_of(index: LoadedIndex) -> dict[str, DocumentPart]:
    """Split a built index back into documents (their chunks and sentences are contiguous)."""
    corpus, parts = index.corpus, {}
    chunk_pos = sentence_pos = 0
    for document in corpus.documents:
        c0, s0 = chunk_pos, sentence_pos
        while chunk_pos < len(corpus.chunks) and corpus.chunks[chunk_pos].doc_id == document.doc_id:
            chunk_pos += 1
        while (sentence_pos < len(corpus.sentences)
               and corpus.sentences[sentence_pos].doc_id == document.doc_id):
            sentence_pos += 1
        chunks = [replace(c, sentence_ids=tuple(i - s0 for i in c.sentence_ids))
                  for c in corpus.chunks[c0:chunk_pos]]
        parts[document.doc_id] = DocumentPart(
            document, chunks, corpus.sentences[s0:sentence_pos], corpus.chunk_tokens[c0:chunk_pos],
            np.asarray(index.chunk_vectors[c0:chunk_pos]), index.sentence_vectors[s0:sentence_pos])
    return parts


def _reusable_parts(settings: Settings, encoder: Encoder, log) -> dict[str, DocumentPart]:
    """The documents of the current index, when its files are sound and were built the way
    this build would build them; else nothing (a full rebuild)."""
    try:
        manifest = read_manifest(settings.index_dir)
        if incompatibility(manifest, settings, encoder):
            return {}
        return _parts_of(load_index(settings.index_dir, manifest))  # checks every file's sha256
    except (QAError, OSError, ValueError, RuntimeError) as exc:  # a damaged index: rebuild all
        log(f"the previous index cannot be reused ({exc}); rebuilding every document")
        return {}


def _embed(parts: list[DocumentPart], encoder: Encoder, show_progress: bool) -> None:
    """Embed the sentences of the parts that have no vectors yet, in one batch (the encoder
    sorts by length), and pool each chunk's vector from its sentences' and its title's.

    Pooling instead of embedding each chunk's text again halves the build (the chunks of a
    collection cost the encoder more than all its sentences: attention over 300 characters,
    the overlap sentence embedded twice) at about equal retrieval (recall@5 -0.3 on CMRC and
    DRCD, +4 on the seed dev set): docs/performance.md, "Indexing"."""
    todo = [p for p in parts if p.chunk_vectors is None]
    sentence_vectors = _encode(encoder, [s.text for p in todo for s in p.sentences], show_progress)
    titles = sorted({c.title for p in todo for c in p.chunks if c.title})
    title_vectors = dict(zip(titles, _encode(encoder, titles, False)))
    s = 0
    for part in todo:
        part.sentence_vectors = sentence_vectors[s:s + len(part.sentences)]
        part.chunk_vectors = _pooled_chunks(part, title_vectors, encoder.dim)
        s += len(part.sentences)


def _pooled_chunks(part: DocumentPart, title_vectors: dict[str, np.ndarray], dim: int) -> np.ndarray:
    """Each chunk's vector: the normalised sum of its sentences' vectors and, where the chunk
    does not open with it, its title's (the title gives a chunk the article's topic even
    where the chunk never names it)."""
    vectors = np.zeros((len(part.chunks), dim), dtype=np.float32)
    for i, chunk in enumerate(part.chunks):
        pooled = part.sentence_vectors[list(chunk.sentence_ids)].sum(axis=0)
        if chunk.title and not chunk.text.startswith(chunk.title):
            pooled = pooled + title_vectors[chunk.title]
        vectors[i] = pooled / max(float(np.linalg.norm(pooled)), 1e-12)
    return vectors


def _encode(encoder: Encoder, texts: list[str], show_progress: bool) -> np.ndarray:
    if not texts:
        return np.zeros((0, encoder.dim), dtype=np.float32)
    return np.asarray(encoder.encode_passages(texts, show_progress=show_progress), dtype=np.float32)


def _assemble(parts: list[DocumentPart]) -> tuple[Corpus, np.ndarray, np.ndarray]:
    chunks, sentences, tokens = [], [], []
    for part in parts:
        offset = len(sentences)
        chunks += [replace(c, sentence_ids=tuple(offset + i for i in c.sentence_ids)) for c in part.chunks]
        sentences += part.sentences
        tokens += part.chunk_tokens
    corpus = Corpus([p.document for p in parts], chunks, sentences, tokens)
    return (corpus, np.concatenate([p.chunk_vectors for p in parts]),
            np.concatenate([p.sentence_vectors for p in parts]))


def build_index(settings: Settings, encoder: Encoder, show_progress: bool = False,
                log=lambda msg: None, reuse: bool = True,
                hashes: dict[str, str] | None = None) -> LoadedIndex:
    """Index the documents folder, re-using the vectors of documents that did not change
    (reuse=False embeds everything again). `hashes`: document_hashes() if already read."""
    reusable = _reusable_parts(settings, encoder, log) if reuse else {}
    parts = []
    for name, digest in (hashes or document_hashes(settings.docs_dir)).items():
        old = reusable.pop(name, None)
        parts.append(old if old is not None and old.document.content_hash == digest
                     else _new_part(settings.docs_dir / name))
    fresh = sum(p.chunk_vectors is None for p in parts)
    log(f"{fresh} new or changed document(s) to embed, {len(parts) - fresh} unchanged, "
        f"{len(reusable)} removed")
    _embed(parts, encoder, show_progress)
    corpus, chunk_vectors, sentence_vectors = _assemble(parts)
    manifest = save_index(settings.index_dir, corpus, chunk_vectors, sentence_vectors, settings.model,
                          pipeline=PIPELINE_VERSION)
    return load_index(settings.index_dir, manifest)


def ensure_index(settings: Settings, encoder: Encoder, show_progress: bool = False,
                 log=lambda msg: print(msg, file=sys.stderr)) -> LoadedIndex:
    """Load the index if it matches the documents and the model, else (re)build it."""
    manifest = read_manifest(settings.index_dir)
    docs_available = settings.docs_dir.is_dir()
    if not docs_available and manifest is None:
        raise QAError(f"documents folder {settings.docs_dir} does not exist and there is no index "
                      f"in {settings.index_dir}; pass --docs DIR")
    hashes = document_hashes(settings.docs_dir) if docs_available else None
    reason = staleness(manifest, settings, encoder, hashes)
    if reason is None:
        return load_index(settings.index_dir, manifest)
    if not docs_available:
        raise QAError(f"the index in {settings.index_dir} cannot be used ({reason}) and the "
                      f"documents folder {settings.docs_dir} does not exist to rebuild it")
    log(f"indexing {settings.docs_dir} into {settings.index_dir} ({reason})")
    return build_index(settings, encoder, show_progress=show_progress, log=log, hashes=hashes)
