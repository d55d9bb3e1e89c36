"""Faults while indexing: a killed build, damaged or foreign index files, a full disk.
In every case the previous index stays loadable and the next `qa index` completes."""

from __future__ import annotations

import json
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import pytest

from embeddings import store
from qa.errors import QAError
from qa.indexing import build_index, document_hashes, ensure_index, staleness

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


def _index_process(settings) -> subprocess.Popen:
    env = {**os.environ, "QA_MODEL": settings.model}
    return subprocess.Popen([sys.executable, "-m", "qa.cli", "index", "--force", "--docs", str(settings.docs_dir),
                             "--index-dir", str(settings.index_dir)], env=env, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _assert_sound(settings, documents: int) -> str:
    """The index on disk loads, matches its checksums and holds every document."""
    manifest = store.read_manifest(settings.index_dir)
    index = store.load_index(settings.index_dir, manifest)
    assert len(index.corpus.documents) == documents
    assert index.chunk_index.ntotal == len(index.corpus.chunks) > 0
    return manifest["build"]


def _kill_when(process, ready) -> None:
    while not ready() and process.poll() is None:
        time.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    process.wait()


def test_a_build_killed_at_any_point_leaves_a_sound_index(tmp_path, settings):
    docs = tmp_path / "docs"
    docs.mkdir()
    for seed in sorted(SEEDS.iterdir())[:2]:  # two articles: a build of several seconds
        shutil.copy(seed, docs)
    killed = replace(settings, docs_dir=docs, index_dir=tmp_path / "index")
    started = time.monotonic()
    first = _index_process(killed)
    assert first.wait(timeout=600) == 0, first.stderr.read().decode()
    duration = time.monotonic() - started
    _assert_sound(killed, 2)
    rng = random.Random(7)  # seeded: the same kill times on every run
    for delay in sorted(rng.uniform(0.3, 1.0) * duration for _ in range(2)):
        process = _index_process(killed)
        deadline = time.monotonic() + delay
        _kill_when(process, lambda: time.monotonic() >= deadline)
        _assert_sound(killed, 2)
    # And right in the write phase: as soon as the new build's first file appears.
    before = set(os.listdir(killed.index_dir))
    process = _index_process(killed)
    _kill_when(process, lambda: set(os.listdir(killed.index_dir)) - before)
    _assert_sound(killed, 2)
    last = _index_process(killed)
    assert last.wait(timeout=600) == 0, last.stderr.read().decode()
    _assert_sound(killed, 2)
    # Files of the killed builds are gone once a build completes.
    manifest = store.read_manifest(killed.index_dir)
    assert set(os.listdir(killed.index_dir)) == {*manifest["files"], "manifest.json"}


def test_a_missing_file_is_detected_and_rebuilt(tiny, encoder):
    built = build_index(tiny, encoder)
    next(tiny.index_dir.glob("sentences-*.npy")).unlink()
    reason = staleness(built.manifest, tiny, encoder, document_hashes(tiny.docs_dir))
    assert reason.startswith("sentences-") and reason.endswith("is missing")
    with pytest.raises(QAError, match="damaged.*is missing.*qa index"):
        store.load_index(tiny.index_dir, built.manifest)
    assert ensure_index(tiny, encoder).chunk_index.ntotal == 2


def test_a_truncated_file_is_detected_and_rebuilt(tiny, encoder):
    build_index(tiny, encoder)
    victim = next(tiny.index_dir.glob("corpus-*.json"))
    victim.write_bytes(victim.read_bytes()[:-10])
    assert ensure_index(tiny, encoder).corpus.documents[0].text.startswith("象珠镇")


def test_a_manifest_from_another_model_or_dimension_is_rebuilt(tiny, encoder):
    build_index(tiny, encoder)
    path = tiny.index_dir / "manifest.json"
    for change in ({"dim": 768}, {"model": "intfloat/multilingual-e5-large"}):
        manifest = {**json.loads(path.read_text()), **change}
        path.write_text(json.dumps(manifest))
        assert staleness(manifest, tiny, encoder, None) == "the embedding model changed"
        rebuilt = ensure_index(tiny, encoder)
        assert rebuilt.manifest["dim"] == 384 and rebuilt.manifest["model"] == tiny.model


@contextmanager
def small_disk(folder: Path, size_kb: int):
    """`folder` on a tmpfs of size_kb, or, where mounting is not allowed, a per-file size
    limit of size_kb for this process: writes past it fail with a real OSError either way."""
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_kb}k", "tmpfs", str(folder)],
                             capture_output=True).returncode == 0
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    previous = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of a killed process
    try:
        if not mounted:
            resource.setrlimit(resource.RLIMIT_FSIZE, (size_kb * 1024, hard))
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, previous)
        if mounted:
            subprocess.run(["umount", "--lazy", str(folder)], check=True)  # lazy: vectors are mapped


def test_a_full_disk_is_a_clear_error_and_the_old_index_survives(tiny, encoder, tmp_path):
    small = replace(tiny, index_dir=tmp_path / "small")
    with small_disk(small.index_dir, size_kb=64):
        before = build_index(small, encoder)  # a few KB
        (tiny.docs_dir / "big.txt").write_text(
            "".join(f"第{i}条消息说明了本地的一个新情况。" for i in range(120)), encoding="utf-8")
        with pytest.raises(QAError, match="could not write the index.*previous index is unchanged"):
            build_index(small, encoder)
        manifest = store.read_manifest(small.index_dir)
        assert manifest["build"] == before.manifest["build"]
        assert len(store.load_index(small.index_dir, manifest).corpus.documents) == 2
        assert {p.name for p in small.index_dir.iterdir()} == {*manifest["files"], "manifest.json"}
