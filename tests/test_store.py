"""Manifest, staleness and atomic writes of the persisted index (real model, tiny corpus)."""

import json
from dataclasses import replace

import pytest

from embeddings import store
from qa.errors import QAError
from qa.indexing import build_index, document_hashes, ensure_index, staleness


def test_manifest_records_model_dimension_hashes_and_checksums(tiny, encoder):
    index = build_index(tiny, encoder)
    manifest = json.loads((tiny.index_dir / "manifest.json").read_text())
    assert manifest["model"] == tiny.model and manifest["dim"] == encoder.dim == 384
    assert manifest["documents"] == document_hashes(tiny.docs_dir)
    assert set(manifest["files"]) == {p.name for p in tiny.index_dir.iterdir()} - {"manifest.json"}
    assert index.chunk_index.ntotal == len(index.corpus.chunks) == 2


def test_unchanged_index_is_loaded_and_changes_trigger_rebuild(tiny, encoder):
    first = ensure_index(tiny, encoder)
    again = ensure_index(tiny, encoder)
    assert again.manifest["build"] == first.manifest["build"]  # loaded, not rebuilt
    (tiny.docs_dir / "c.txt").write_text("新文章。", encoding="utf-8")
    assert staleness(again.manifest, tiny, encoder, document_hashes(tiny.docs_dir)) == "the documents changed"
    rebuilt = ensure_index(tiny, encoder)
    assert rebuilt.manifest["build"] != first.manifest["build"]
    assert len(rebuilt.corpus.documents) == 3
    other_model = replace(tiny, model=tiny.model + "-other")
    assert staleness(rebuilt.manifest, other_model, encoder, None) == "the embedding model changed"


def test_old_build_files_are_removed_after_the_switch(tiny, encoder):
    build_index(tiny, encoder)
    build_index(tiny, encoder)
    manifest = json.loads((tiny.index_dir / "manifest.json").read_text())
    assert {p.name for p in tiny.index_dir.iterdir()} == {*manifest["files"], "manifest.json"}


def test_a_crash_while_writing_leaves_the_previous_index(tiny, encoder, monkeypatch):
    before = build_index(tiny, encoder)
    (tiny.docs_dir / "a.txt").write_text("完全不同的内容。", encoding="utf-8")

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(store.faiss, "serialize_index", disk_full)
    with pytest.raises(QAError, match="previous index is unchanged"):
        build_index(tiny, encoder)
    monkeypatch.undo()
    manifest = store.read_manifest(tiny.index_dir)
    assert manifest["build"] == before.manifest["build"]
    loaded = store.load_index(tiny.index_dir, manifest)
    assert "1000余家" in loaded.corpus.documents[0].text
    assert {p.name for p in tiny.index_dir.iterdir()} == {*manifest["files"], "manifest.json"}


def test_corrupted_file_is_detected_and_rebuilt(tiny, encoder):
    built = build_index(tiny, encoder)
    victim = next(tiny.index_dir.glob("chunks-*.faiss"))
    victim.write_bytes(victim.read_bytes()[:20])
    with pytest.raises(QAError, match="corrupted"):
        store.load_index(tiny.index_dir, built.manifest)
    assert staleness(built.manifest, tiny, encoder, document_hashes(tiny.docs_dir)).endswith("(checksum mismatch)")
    assert ensure_index(tiny, encoder).chunk_index.ntotal == 2


def test_garbage_manifest_is_rebuilt_and_foreign_folder_refused(tiny, encoder, tmp_path):
    build_index(tiny, encoder)
    (tiny.index_dir / "manifest.json").write_text("{not json")
    assert ensure_index(tiny, encoder).chunk_index.ntotal == 2
    foreign = tmp_path / "photos"
    foreign.mkdir()
    (foreign / "holiday.jpg").write_bytes(b"\xff\xd8")
    with pytest.raises(QAError, match="not a qa index folder"):
        ensure_index(replace(tiny, index_dir=foreign), encoder)
    assert (foreign / "holiday.jpg").exists()


def test_empty_or_missing_docs_folder_is_a_clear_error(tiny, encoder, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(QAError, match="no .txt or .md files"):
        ensure_index(replace(tiny, docs_dir=empty, index_dir=tmp_path / "i1"), encoder)
    with pytest.raises(QAError, match="does not exist"):
        ensure_index(replace(tiny, docs_dir=tmp_path / "nope", index_dir=tmp_path / "i2"), encoder)


def test_changed_indexing_code_triggers_rebuild(tiny, encoder):
    built = build_index(tiny, encoder)
    older = {**built.manifest, "pipeline": "0"}
    assert staleness(older, tiny, encoder, document_hashes(tiny.docs_dir)) == "the indexing code changed"
