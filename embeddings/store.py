"""The persisted index: FAISS vectors + corpus metadata + a manifest, swapped atomically.

Layout of an index folder:
    manifest.json                 what was built from what (model, dimension, document
                                  hashes) and a sha256 of every data file
    corpus-<build>.json           documents (cleaned text, blocks), chunks, sentences, BM25 tokens
    chunks-<build>.faiss          inner-product index of the chunk vectors
    chunkvecs-<build>.npy         the chunk vectors themselves (reused by incremental builds:
                                  an approximate index cannot give them back exactly)
    sentences-<build>.npy         sentence vectors (evidence selection)

A build writes new <build> files beside the old ones and then replaces manifest.json in a
single os.replace: a crash at any moment leaves either the old index or the new one.
Files of older builds are removed only after the new manifest is in place.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np

from embeddings.index_choice import build_index as build_faiss_index
from qa.chunking import Chunk, Sentence
from qa.documents import Block, Document
from qa.errors import QAError

FORMAT_VERSION = 2  # 2: chunk vectors kept beside the FAISS index
MANIFEST = "manifest.json"
_OWN_FILE = re.compile(r"^(corpus-[0-9a-f]+\.json|chunks-[0-9a-f]+\.faiss|(?:chunkvecs|sentences)-[0-9a-f]+\.npy"
                       r"|\.manifest-[0-9a-f]+\.tmp)$")


@dataclass
class Corpus:
    documents: list[Document]
    chunks: list[Chunk]
    sentences: list[Sentence]
    chunk_tokens: list[list[str]]  # jieba tokens per chunk, for BM25


@dataclass
class LoadedIndex:
    manifest: dict
    corpus: Corpus
    chunk_index: faiss.Index
    chunk_vectors: np.ndarray  # memory-mapped: read only by incremental builds
    sentence_vectors: np.ndarray


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fsync_write(path: Path, data: bytes) -> None:
    with path.open("wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def _corpus_to_json(corpus: Corpus) -> dict:
    doc_index = {d.doc_id: i for i, d in enumerate(corpus.documents)}
    return {
        "documents": [{"doc_id": d.doc_id, "title": d.title, "text": d.text,
                       "content_hash": d.content_hash, "date": d.date, "url": d.url,
                       "blocks": [[b.kind, b.start, b.end] for b in d.blocks]}
                      for d in corpus.documents],
        # Texts are not stored twice: chunks and sentences are offsets into their document.
        "chunks": [[doc_index[c.doc_id], c.start, c.end, list(c.sentence_ids)] for c in corpus.chunks],
        "sentences": [[doc_index[s.doc_id], s.start, s.end, s.kind] for s in corpus.sentences],
        "chunk_tokens": [" ".join(tokens) for tokens in corpus.chunk_tokens],
    }


def _corpus_from_json(data: dict) -> Corpus:
    docs = [Document(d["doc_id"], d["title"], d["text"],
                     [Block(k, a, b) for k, a, b in d["blocks"]], d["content_hash"],
                     d.get("date"), d.get("url"))
            for d in data["documents"]]
    chunks = [Chunk(docs[i].doc_id, docs[i].title, a, b, docs[i].text[a:b], tuple(ids))
              for i, a, b, ids in data["chunks"]]
    sentences = [Sentence(docs[i].doc_id, a, b, docs[i].text[a:b], kind)
                 for i, a, b, kind in data["sentences"]]
    tokens = [t.split(" ") if t else [] for t in data["chunk_tokens"]]
    return Corpus(docs, chunks, sentences, tokens)


def read_manifest(index_dir: Path) -> dict | None:
    """The manifest, or None when there is no index yet. Raises QAError for a folder that
    holds something else, so a user's folder is never overwritten by mistake."""
    path = index_dir / MANIFEST
    if not path.exists():
        foreign = [p.name for p in index_dir.iterdir() if not _OWN_FILE.match(p.name)] \
            if index_dir.is_dir() else []
        if foreign:
            raise QAError(f"{index_dir} is not a qa index folder (it holds {foreign[0]!r} but no "
                          f"{MANIFEST}); choose an empty folder with --index-dir")
        return None
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return {"corrupt": f"{MANIFEST} is unreadable"}
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_VERSION:
        return {"corrupt": f"{MANIFEST} has an unknown format"}
    return manifest


def save_index(index_dir: Path, corpus: Corpus, chunk_vectors: np.ndarray,
               sentence_vectors: np.ndarray, model: str, pipeline: str = "") -> dict:
    """Write a new build and switch the manifest to it atomically. `pipeline` names the
    cleaning/chunking/tokenising code that produced the corpus, so its changes rebuild."""
    index_dir.mkdir(parents=True, exist_ok=True)
    read_manifest(index_dir)  # refuses a foreign folder before writing anything
    build = uuid.uuid4().hex[:12]
    files = {
        f"corpus-{build}.json": json.dumps(_corpus_to_json(corpus), ensure_ascii=False).encode(),
        f"chunkvecs-{build}.npy": _npy_bytes(chunk_vectors),
        f"sentences-{build}.npy": _npy_bytes(sentence_vectors),
    }
    try:
        for name, data in files.items():
            _fsync_write(index_dir / name, data)
        index = build_faiss_index(chunk_vectors)  # exact for small corpora, IVF-SQ8 for large
        chunks_name = f"chunks-{build}.faiss"
        _fsync_write(index_dir / chunks_name, faiss.serialize_index(index).tobytes())
        names = [*files, chunks_name]
        manifest = {
            "format": FORMAT_VERSION,
            "build": build,
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "model": model,
            "pipeline": pipeline,
            "dim": int(chunk_vectors.shape[1]),
            "documents": {d.doc_id: d.content_hash for d in corpus.documents},
            "counts": {"documents": len(corpus.documents), "chunks": len(corpus.chunks),
                       "sentences": len(corpus.sentences)},
            "files": {name: _sha256(index_dir / name) for name in names},
        }
        tmp = index_dir / f".manifest-{build}.tmp"
        _fsync_write(tmp, json.dumps(manifest, ensure_ascii=False, indent=1).encode())
        os.replace(tmp, index_dir / MANIFEST)
    except OSError as exc:
        _remove_unreferenced(index_dir, keep=set(_current_files(index_dir)))
        raise QAError(f"could not write the index to {index_dir}: {exc.strerror or exc}; "
                      "the previous index is unchanged") from None
    _fsync_dir(index_dir)
    _remove_unreferenced(index_dir, keep=set(names))
    return manifest


def _npy_bytes(array: np.ndarray) -> bytes:
    import io

    buf = io.BytesIO()
    np.save(buf, np.ascontiguousarray(array, dtype=np.float32), allow_pickle=False)
    return buf.getvalue()


def _current_files(index_dir: Path) -> list[str]:
    manifest = read_manifest(index_dir)
    return list(manifest.get("files", {})) if manifest else []


def _remove_unreferenced(index_dir: Path, keep: set[str]) -> None:
    for path in index_dir.iterdir():
        if _OWN_FILE.match(path.name) and path.name not in keep:
            path.unlink(missing_ok=True)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def problem_with(index_dir: Path, manifest: dict) -> str | None:
    """Why the files do not match the manifest (missing, truncated, corrupted), or None."""
    if "corrupt" in manifest:
        return manifest["corrupt"]
    for name, digest in manifest.get("files", {}).items():
        path = index_dir / name
        if not path.exists():
            return f"{name} is missing"
        if _sha256(path) != digest:
            return f"{name} is corrupted (checksum mismatch)"
    return None


def load_index(index_dir: Path, manifest: dict) -> LoadedIndex:
    problem = problem_with(index_dir, manifest)
    if problem:
        raise QAError(f"the index in {index_dir} is damaged: {problem}; run `qa index` to rebuild it")
    build = manifest["build"]
    corpus = _corpus_from_json(json.loads((index_dir / f"corpus-{build}.json").read_text("utf-8")))
    chunk_index = faiss.read_index(str(index_dir / f"chunks-{build}.faiss"))
    chunk_vectors = np.load(index_dir / f"chunkvecs-{build}.npy", mmap_mode="r", allow_pickle=False)
    sentence_vectors = np.load(index_dir / f"sentences-{build}.npy", allow_pickle=False)
    if (chunk_index.ntotal != len(corpus.chunks) or len(chunk_vectors) != len(corpus.chunks)
            or len(sentence_vectors) != len(corpus.sentences)):
        raise QAError(f"the index in {index_dir} is inconsistent; run `qa index` to rebuild it")
    return LoadedIndex(manifest, corpus, chunk_index, chunk_vectors, sentence_vectors)
