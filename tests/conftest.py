"""Shared fixtures: the real model and a real index over the seed articles, built once."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from qa.config import DEFAULT_MODEL_DIR, Settings

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


@pytest.fixture(scope="session")
def settings(tmp_path_factory) -> Settings:
    index_dir = tmp_path_factory.mktemp("index")
    return Settings(docs_dir=SEEDS, index_dir=index_dir, model=str(ROOT / DEFAULT_MODEL_DIR))


@pytest.fixture(scope="session")
def encoder(settings):
    from embeddings.encoder import Encoder
    from embeddings.provision import provision_model

    provision_model(Path(settings.model))
    return Encoder(settings.model)


@pytest.fixture(scope="session")
def service(settings, encoder):
    from qa.indexing import ensure_index
    from qa.provisioning import load_reader
    from qa.service import QAService, Searchable

    index = ensure_index(settings, encoder)
    return QAService(settings, encoder, Searchable.of(index, load_reader(settings)))


@pytest.fixture
def tiny(tmp_path, settings) -> Settings:
    """Settings over a two-article documents folder and an index folder of their own."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("象珠镇有1000余家企业。其中规上企业有65家。", encoding="utf-8")
    (docs / "b.md").write_text("花街镇共有工业企业426家。", encoding="utf-8")
    return replace(settings, docs_dir=docs, index_dir=tmp_path / "index")
