"""The FAISS index choice: exact for small corpora, IVF-SQ8 above, and recall kept high."""

import faiss
import numpy as np

from embeddings.index_choice import EXACT_BELOW, build_index, choose_index_spec, ivf_probes


def clustered(n: int, seed: int = 0) -> np.ndarray:
    """Unit vectors in topics around a shared direction, like e5's (random pairs ~0.75 cosine,
    topic neighbours ~0.95); uniform random vectors would make any ANN look bad."""
    rng = np.random.default_rng(seed)
    dim = 384
    unit = lambda x: x / np.linalg.norm(x, axis=-1, keepdims=True)  # noqa: E731
    shared = unit(rng.standard_normal(dim))
    topics = unit(shared + 0.5 * unit(rng.standard_normal((n // 25, dim))))
    members = topics[rng.integers(0, len(topics), n)]
    return unit(members + 0.25 * unit(rng.standard_normal((n, dim)))).astype(np.float32)


def test_exact_for_small_corpora_and_quantised_ivf_for_large():
    assert choose_index_spec(0) == choose_index_spec(5_000) == choose_index_spec(EXACT_BELOW - 1) == "Flat"
    assert choose_index_spec(1_000_000) == "IVF2048,SQ8"
    for n in (EXACT_BELOW, 100_000, 1_000_000, 10_000_000):
        spec = choose_index_spec(n)
        assert spec.startswith("IVF") and spec.endswith(",SQ8")
        faiss.index_factory(384, spec, faiss.METRIC_INNER_PRODUCT)  # a valid factory string


def test_approximate_index_keeps_recall_against_exact_search(tmp_path):
    vectors = clustered(5_200)
    passages, queries = vectors[:5_000], vectors[5_000:]
    index = build_index(passages, exact_below=0)  # force IVF on a small set
    assert isinstance(index, faiss.IndexIVFScalarQuantizer)

    path = tmp_path / "chunks.faiss"  # as embeddings/store.py persists it
    faiss.write_index(index, str(path))
    loaded = faiss.read_index(str(path))
    assert loaded.nprobe == ivf_probes(5_000)  # the tuned setting survives a reload

    exact = faiss.IndexFlatIP(passages.shape[1])
    exact.add(passages)
    truth = exact.search(queries, 10)[1]
    found = loaded.search(queries, 10)[1]
    recall = np.mean([len(set(f) & set(t)) / 10 for f, t in zip(found, truth)])
    assert recall >= 0.9
    # qa/retrieval.py reconstructs chunk vectors; SQ8 gives them back to within quantisation
    assert np.allclose(loaded.reconstruct(7), passages[7], atol=0.02)


def test_small_corpora_stay_exact():
    passages = clustered(1_000)
    index = build_index(passages)
    assert isinstance(index, faiss.IndexFlat) and index.metric_type == faiss.METRIC_INNER_PRODUCT
    assert index.search(passages[:5], 1)[1].ravel().tolist() == [0, 1, 2, 3, 4]
