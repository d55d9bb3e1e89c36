"""Build the index from a documents folder, or load it when nothing has changed."""

from __future__ import annotations

import sys
from pathlib import Path

from embeddings.encoder import Encoder
from embeddings.store import Corpus, LoadedIndex, load_index, problem_with, read_manifest, save_index
from qa.chunking import chunk_documents
from qa.config import Settings
from qa.documents import content_hash, document_files, load_documents
from qa.errors import QAError
from qa.text import keyword_tokens


# Bump when cleaning, chunking or keyword tokens change: existing indexes then rebuild.
PIPELINE_VERSION = "3"


def document_hashes(docs_dir: Path) -> dict[str, str]:
    return {p.name: content_hash(p.read_bytes()) for p in document_files(docs_dir)}


def staleness(manifest: dict | None, settings: Settings, encoder: Encoder,
              hashes: dict[str, str] | None) -> str | None:
    """Why the index must be rebuilt, or None when it is up to date."""
    if manifest is None:
        return "no index yet"
    if "corrupt" in manifest:
        return manifest["corrupt"]
    if manifest.get("model") != settings.model or manifest.get("dim") != encoder.dim:
        return "the embedding model changed"
    if manifest.get("pipeline") != PIPELINE_VERSION:
        return "the indexing code changed"
    if hashes is not None and manifest.get("documents") != hashes:
        return "the documents changed"
    return problem_with(settings.index_dir, manifest)


def build_corpus(docs_dir: Path) -> Corpus:
    docs = load_documents(docs_dir)
    chunks, sentences = chunk_documents(docs)
    return Corpus(docs, chunks, sentences, [keyword_tokens(c.text) for c in chunks])


def build_index(settings: Settings, encoder: Encoder, show_progress: bool = False) -> LoadedIndex:
    corpus = build_corpus(settings.docs_dir)
    # The title gives each chunk the article's topic even where the chunk never names it.
    chunk_texts = [c.text if c.text.startswith(c.title) else f"{c.title}\n{c.text}"
                   for c in corpus.chunks]
    chunk_vectors = encoder.encode_passages(chunk_texts, show_progress=show_progress)
    sentence_vectors = encoder.encode_passages([s.text for s in corpus.sentences],
                                               show_progress=show_progress)
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
    return build_index(settings, encoder, show_progress=show_progress)
