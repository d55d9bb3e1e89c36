"""Which FAISS index to build for a number of passage vectors (issue "Speed and scale", item 4).

Measured by benchmarks/bench_scale.py (table and commands in docs/scale.md): e5-like 384-d
normalised vectors, one query per call on one thread, on the 2-core development machine while
another job was running:

    passages  index                   p50 ms  recall@10  memory   build
    10k       Flat (exact)              0.38    1          15 MB    0.0 s
    50k       Flat (exact)              3.94    1          73 MB    0.1 s
    100k      Flat (exact)              8.19    1         146 MB    0.1 s
    1M        Flat (exact)             82.5     1        1465 MB    1.1 s
    50k       IVF512,SQ8 nprobe=64      0.55    0.978      19 MB    2.0 s
    100k      IVF512,SQ8 nprobe=64      1.02    0.975      38 MB    2.3 s
    1M        IVF2048,SQ8 nprobe=128    4.31    0.966     377 MB   56.0 s (2 threads)
    100k      HNSW32,SQ8 efSearch=128   0.38    0.985      63 MB   28.4 s
    1M        HNSW32,SQ8                build unfinished when a 600 s limit stopped the run
    100k      IVF512,PQ48 nprobe=64     0.50    0.472       6 MB    8.1 s

Exact search costs ~0.08 µs per vector per query, so the index stays exact while that is
cheap: below EXACT_BELOW (50k), under 4 ms. Above it, IVF with 8-bit scalar quantisation: a
quarter of the memory, recall@10 ≥ 0.95, and 10x faster to build than HNSW, which matters
because the index is rebuilt whenever the documents change. PQ loses too much recall.

nprobe is part of the built index (faiss serialises it), so an index made by build_index()
searches with the measured setting after faiss.read_index too.
"""

from __future__ import annotations

import math

import faiss
import numpy as np

EXACT_BELOW = 50_000
TRAIN_PER_LIST = 64  # k-means sample per IVF list: stable centroids, affordable training


def ivf_lists(n_vectors: int) -> int:
    """~2·sqrt(n) lists, a power of two: fewer than faiss's 4–16·sqrt(n) keeps k-means training
    affordable on 2 cores (56 s at 1M)."""
    return 1 << max(4, round(math.log2(2 * math.sqrt(max(n_vectors, 1)))))


def ivf_probes(n_vectors: int) -> int:
    """Lists searched: 64 of 512 at 50k-100k (recall 0.978, 0.975), 128 of 2048 at 1M (0.966).
    Sizes above 1M were not measured; keeping 1/16 of the lists is the extrapolation."""
    return min(ivf_lists(n_vectors), max(64, ivf_lists(n_vectors) // 16))


def choose_index_spec(n_vectors: int, exact_below: int = EXACT_BELOW) -> str:
    """A faiss.index_factory string (inner-product metric) for n_vectors passages.
    exact_below=0 forces the approximate index (tests use it on small sets)."""
    if n_vectors < exact_below:
        return "Flat"
    return f"IVF{ivf_lists(n_vectors)},SQ8"


def build_index(vectors: np.ndarray, exact_below: int = EXACT_BELOW) -> faiss.Index:
    """The chosen index over `vectors` (float32, L2-normalised), trained, filled and tuned."""
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    n, dim = vectors.shape
    index = faiss.index_factory(dim, choose_index_spec(n, exact_below), faiss.METRIC_INNER_PRODUCT)
    if not index.is_trained:
        sample = np.random.default_rng(0).choice(n, min(n, TRAIN_PER_LIST * ivf_lists(n)), replace=False)
        index.train(vectors[np.sort(sample)])
    index.add(vectors)
    if isinstance(index, faiss.IndexIVF):
        index.nprobe = ivf_probes(n)
        index.make_direct_map()  # qa/retrieval.py calls reconstruct(i), which IVF needs this for
    return index
