"""Incremental indexing and document metadata (real model, tiny corpus)."""

import json
from dataclasses import replace

import numpy as np
import pytest

from qa.errors import QAError
from qa.indexing import build_index, ensure_index


class CountingEncoder:
    """The real encoder, recording which passages it is asked to embed."""

    def __init__(self, encoder):
        self.encoder, self.dim, self.embedded = encoder, encoder.dim, []

    def encode_passages(self, texts, show_progress=False):
        self.embedded += texts
        return self.encoder.encode_passages(texts, show_progress=show_progress)


def _vectors_by_chunk(index):
    return {(c.doc_id, c.start): index.chunk_vectors[i] for i, c in enumerate(index.corpus.chunks)}


def _texts_of(index, doc_id):
    """What embedding a document means: its sentences, and its chunks' title."""
    return ({s.text for s in index.corpus.sentences if s.doc_id == doc_id}
            | {c.title for c in index.corpus.chunks if c.doc_id == doc_id})


def test_adding_a_document_embeds_only_that_document(tiny, encoder):
    first = build_index(tiny, encoder)
    (tiny.docs_dir / "c.txt").write_text("佛堂镇今年新建了3座公园。", encoding="utf-8")
    counting = CountingEncoder(encoder)
    updated = ensure_index(tiny, counting)
    assert [d.doc_id for d in updated.corpus.documents] == ["a.txt", "b.md", "c.txt"]
    assert counting.embedded and set(counting.embedded) <= _texts_of(updated, "c.txt")
    # Same vectors, chunks and sentence links as a build from scratch.
    scratch = build_index(replace(tiny, index_dir=tiny.index_dir.parent / "scratch"), encoder, reuse=False)
    assert updated.corpus.chunks == scratch.corpus.chunks
    assert updated.corpus.sentences == scratch.corpus.sentences
    for key, vector in _vectors_by_chunk(scratch).items():
        assert np.allclose(_vectors_by_chunk(updated)[key], vector, atol=1e-5)
    assert np.allclose(updated.sentence_vectors, scratch.sentence_vectors, atol=1e-5)
    old = _vectors_by_chunk(first)
    assert all(np.array_equal(_vectors_by_chunk(updated)[k], v) for k, v in old.items())  # reused


def test_a_changed_document_is_embedded_again_and_a_deleted_one_disappears(tiny, encoder):
    build_index(tiny, encoder)
    (tiny.docs_dir / "a.txt").write_text("象珠镇有2000家企业。", encoding="utf-8")
    (tiny.docs_dir / "b.md").unlink()
    counting = CountingEncoder(encoder)
    updated = ensure_index(tiny, counting)
    assert [d.doc_id for d in updated.corpus.documents] == ["a.txt"]
    assert "2000家" in updated.corpus.chunks[0].text
    assert counting.embedded and set(counting.embedded) <= _texts_of(updated, "a.txt")
    assert updated.chunk_index.ntotal == len(updated.corpus.chunks) == 1


def test_force_embeds_everything(tiny, encoder):
    build_index(tiny, encoder)
    counting = CountingEncoder(encoder)
    build_index(tiny, counting, reuse=False)
    assert any("象珠镇" in t for t in counting.embedded) and any("花街镇" in t for t in counting.embedded)


def test_metadata_from_front_matter_and_sidecar(tiny, encoder):
    (tiny.docs_dir / "a.txt").write_text(
        "---\ntitle: 象珠镇企业党建\ndate: 2024-05-01\nsource: https://example.org/a\n---\n"
        "象珠镇有1000余家企业。", encoding="utf-8")
    (tiny.docs_dir / "b.md.json").write_text(json.dumps(
        {"title": "花街镇工业", "date": "2024-06-02", "ignored": "x", "url": ["not", "text"]}),
        encoding="utf-8")
    index = build_index(tiny, encoder)
    a, b = index.corpus.documents
    assert (a.title, a.date, a.url) == ("象珠镇企业党建", "2024-05-01", "https://example.org/a")
    assert "title:" not in a.text and a.text.startswith("象珠镇")  # front matter is not content
    assert (b.title, b.date, b.url) == ("花街镇工业", "2024-06-02", None)
    # Editing only the metadata re-embeds that document (its title is part of its vectors).
    (tiny.docs_dir / "b.md.json").write_text('{"title": "花街镇工业企业"}', encoding="utf-8")
    counting = CountingEncoder(encoder)
    updated = ensure_index(tiny, counting)
    assert updated.corpus.documents[1].title == "花街镇工业企业"
    assert counting.embedded and all("花街镇" in t for t in counting.embedded)


def test_a_broken_sidecar_names_the_file(tiny, encoder):
    (tiny.docs_dir / "b.md.json").write_text("[1, 2", encoding="utf-8")
    with pytest.raises(QAError, match="b.md.json is not a JSON object"):
        build_index(tiny, encoder)


def test_chunk_vectors_are_pooled_from_sentences_and_title(tiny, encoder):
    index = build_index(tiny, encoder)
    for i, chunk in enumerate(index.corpus.chunks):
        pooled = index.sentence_vectors[list(chunk.sentence_ids)].sum(axis=0)
        if not chunk.text.startswith(chunk.title):
            pooled += encoder.encode_passages([chunk.title])[0]
        assert np.allclose(index.chunk_vectors[i], pooled / np.linalg.norm(pooled), atol=1e-5)
