"""How dense (FAISS) and BM25 retrieval scale to 10k, 100k and 1M passages.

    OMP_NUM_THREADS=1 nice -n 10 .venv/bin/python benchmarks/bench_scale.py --sizes 10000,50000,100000
    OMP_NUM_THREADS=2 nice -n 10 .venv/bin/python benchmarks/bench_scale.py --sizes 1000000 \
        --indexes flat,ivf-sq8,bm25 --build-threads 2
    .venv/bin/python benchmarks/bench_scale.py --help      # index names, BM25 tokens, threads

Results and their reading: docs/scale.md. For every size and FAISS index it prints build time
(train + add), load time (faiss.read_index of the file just written, so from the page cache:
deserialisation, not disk), memory (size of the serialised index: the file faiss.write_index
writes, byte for byte what faiss.serialize_index returns), single-query latency p50/p95 (one
query per call on one thread, like one service request, after 10 warm-up queries) and recall@10
against the exact IndexFlatIP answer. Search-time knobs (efSearch, nprobe) are swept on one
build. BM25 (bm25s) rows give index build time, the bytes of its score matrix, and query
latency for get_scores + full argsort (what qa/retrieval.py does today) and for get_scores +
argpartition. Progress lines and the last line give the peak resident memory of the process.

Vectors (384-d, L2-normalised float32, like multilingual-e5-small's). Uniform random vectors
would misjudge ANN, so the set is grown from real e5 vectors: the chunk and sentence vectors of
the project's index (.qa/index, ~320 vectors; `qa index` builds it). From them we take the mean
and the principal axes of the residuals (e5 vectors share a strong common direction: real pairs
have cosine ~0.88). Then
  - topic centres (one per ~25 passages) are random convex combinations (Dirichlet, 3 real
    vectors each) plus residual-shaped Gaussian noise, renormalised;
  - topics get unequal sizes (log-normal weights), as real news topics do;
  - a passage is its centre plus residual-shaped noise (plus a small isotropic part so that
    all 384 dimensions vary), renormalised; the noise scales were chosen so that a passage's
    nearest neighbours have cosine ~0.93-0.945 (real chunks of one article: 0.943) and random
    pairs ~0.85 (real: 0.88, but those come from 5 articles of one local paper);
  - queries are generated passages that are held out of the index, perturbed by more noise
    and renormalised, so each query has a topic in the index but no identical passage.
The run prints these statistics for the real and the generated vectors. Without a project
index the seed is a synthetic anisotropic set (a warning says so; numbers less realistic).
Generated vectors are cached in .qa/bench/ (gitignored), so a rerun does not regenerate them.

BM25 text. The ~2,256 real paragraphs of /work/shared/data (DRCD test/dev, CMRC 2018 trial;
SQuAD-style paragraphs[].context) are converted to simplified Chinese and cut at sentence ends
into chunks of at most 300 characters (217 on average, like the project's 150-350). Each chunk
is tokenised once and cached:
`--bm25-tokens words` uses qa.text.content_words (jieba search-mode words without stopwords),
`project` uses qa.text.keyword_tokens (words + character bigrams + pinyin bigrams, exactly what
the service indexes; about 4x more tokens, so too big for bm25s's builder at 1M within 8 GiB).
The first passages are the real chunks; every further one splices the start of one real chunk
onto the end of another and substitutes 15 % of its tokens: mostly with tokens drawn from the
corpus (keeps the Zipf distribution), some with new rare tokens (the vocabulary grows with the
corpus, as it does for real names and numbers). Word order does not matter to BM25, so tokens
are not shuffled. Queries are real questions of the same files, tokenised the same way (for
`project` that adds pinyin tokens that qa.question.search_tokens leaves out of Chinese
questions, so those latencies err high).
Without the data folder BM25 is skipped with a message.
"""

from __future__ import annotations

import argparse
import array
import hashlib
import json
import re
import resource
import sys
import tempfile
import time
from pathlib import Path

import faiss
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from embeddings.index_choice import TRAIN_PER_LIST, ivf_lists  # noqa: E402  (the rule under test)

CACHE = ROOT / ".qa" / "bench"
DATA = Path("/work/shared/data")
DATA_FILES = ("DRCD_test.json", "DRCD_dev.json", "cmrc2018_trial.json")
DIM, K = 384, 10
GEN_VERSION = 1  # bump when the generator changes: cached vectors are then regenerated
PASSAGES_PER_TOPIC = 25
TOPIC_NOISE, PASSAGE_NOISE, QUERY_NOISE, ISOTROPIC = 0.4, 0.7, 0.5, 0.01


# ---------------------------------------------------------------- vectors

def real_vectors() -> np.ndarray | None:
    """The chunk and sentence vectors of the project's current index, or None."""
    index_dir = ROOT / ".qa" / "index"
    try:
        build = json.loads((index_dir / "manifest.json").read_text())["build"]
        chunks = faiss.read_index(str(index_dir / f"chunks-{build}.faiss"))
        sentences = np.load(index_dir / f"sentences-{build}.npy")
    except (OSError, KeyError, ValueError, RuntimeError):
        return None
    return np.vstack([chunks.reconstruct_n(0, chunks.ntotal), sentences]).astype(np.float32)


def synthetic_seed(rng: np.random.Generator) -> np.ndarray:
    """Stand-in for real vectors: a shared direction plus decaying-variance axes."""
    scales = 0.15 / np.sqrt(1 + np.arange(DIM))  # random pairs then have cosine ~0.87
    seed = 0.05 + rng.standard_normal((320, DIM)) * scales
    return _normalise(seed.astype(np.float32))


def _normalise(x: np.ndarray) -> np.ndarray:
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def generate(real: np.ndarray, n: int, n_queries: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    residuals = real - real.mean(0)
    _, singular, axes = np.linalg.svd(residuals, full_matrices=False)
    axes = (singular[:, None] / np.sqrt(len(real))) * axes  # rows: real std along each axis

    def noise(m: int, scale: float) -> np.ndarray:  # Gaussian shaped like the real residuals
        out = rng.standard_normal((m, len(axes)), dtype=np.float32) @ axes
        out += ISOTROPIC * rng.standard_normal((m, DIM), dtype=np.float32)
        return scale * out

    n_topics = max(8, n // PASSAGES_PER_TOPIC)
    picks = rng.integers(0, len(real), (n_topics, 3))
    weights = rng.dirichlet(np.ones(3), n_topics).astype(np.float32)
    topics = _normalise(np.einsum("tk,tkd->td", weights, real[picks]) + noise(n_topics, TOPIC_NOISE))
    sizes = rng.lognormal(0, 1, n_topics)
    total = n + n_queries
    vectors = np.empty((total, DIM), dtype=np.float32)
    for start in range(0, total, 100_000):  # in blocks: bounded temporary memory at 1M
        m = min(100_000, total - start)
        topic = rng.choice(n_topics, m, p=sizes / sizes.sum())
        vectors[start:start + m] = _normalise(topics[topic] + noise(m, PASSAGE_NOISE))
    queries = _normalise(vectors[n:] + noise(n_queries, QUERY_NOISE))
    return vectors[:n], queries


def cached_vectors(real: np.ndarray, n: int, n_queries: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    origin = hashlib.sha256(real.tobytes()).hexdigest()[:10]  # a rebuilt project index: new set
    tag = f"{origin}-n{n}-q{n_queries}-s{seed}-v{GEN_VERSION}"
    paths = CACHE / f"passages-{tag}.npy", CACHE / f"queries-{tag}.npy"
    if all(p.exists() for p in paths):
        return np.load(paths[0]), np.load(paths[1])
    passages, queries = generate(real, n, n_queries, seed)
    CACHE.mkdir(parents=True, exist_ok=True)
    for path, data in zip(paths, (passages, queries)):
        np.save(path.with_suffix(".tmp.npy"), data)
        path.with_suffix(".tmp.npy").replace(path)  # a killed run leaves no half-written cache
    return passages, queries


def nearest_cosine(a: np.ndarray, x: np.ndarray) -> float:
    """Mean cosine of each row of `a` to its nearest other row of `x`, in blocks: one
    2000 x 1M product would take 8 GB."""
    best = np.full(len(a), -1.0, dtype=np.float32)
    for start in range(0, len(x), 50_000):
        gram = a @ x[start:start + 50_000].T
        gram[gram > 0.99999] = -1  # not the vector itself
        best = np.maximum(best, gram.max(1))
    return float(best.mean())


def cosine_stats(x: np.ndarray, rng: np.random.Generator) -> str:
    a, b = rng.integers(0, len(x), (2, 20_000))
    pairs = np.einsum("nd,nd->n", x[a], x[b])[a != b]
    sample = x[rng.choice(len(x), min(len(x), 1000), replace=False)]
    return f"random pairs {pairs.mean():.3f}±{pairs.std():.3f}, nearest neighbour {nearest_cosine(sample, x):.3f}"


# ---------------------------------------------------------------- FAISS

# name -> (factory spec for n, search parameter, values swept)
INDEXES = {
    "flat": (lambda n: "Flat", None, [None]),
    "hnsw": (lambda n: "HNSW32,Flat", "efSearch", [32, 64, 128]),
    "hnsw-sq8": (lambda n: "HNSW32,SQ8", "efSearch", [64, 128, 256]),
    "ivf-sq8": (lambda n: f"IVF{ivf_lists(n)},SQ8", "nprobe", [8, 16, 32, 64, 128]),
    "ivf-pq": (lambda n: f"IVF{ivf_lists(n)},PQ48", "nprobe", [16, 64]),
}
EF_CONSTRUCTION = 80


def percentiles(values_ms: list[float]) -> tuple[float, float]:
    return float(np.percentile(values_ms, 50)), float(np.percentile(values_ms, 95))


def single_query_ms(search, queries) -> tuple[list[float], list]:
    for q in queries[:10]:  # warm-up: page in the index, fill caches
        search(q)
    times, found = [], []
    for q in queries:
        t0 = time.perf_counter()
        found.append(search(q))
        times.append((time.perf_counter() - t0) * 1000)
    return times, found


def recall(found: list, truth: np.ndarray) -> float:
    return float(np.mean([len(set(f) & set(t)) / K for f, t in zip(found, truth)]))


def bench_faiss(name: str, x: np.ndarray, queries: np.ndarray, truth: np.ndarray,
                build_threads: int, workdir: Path) -> list[dict]:
    spec_for, param, sweep = INDEXES[name]
    spec = spec_for(len(x))
    faiss.omp_set_num_threads(build_threads)
    t0 = time.perf_counter()
    index = faiss.index_factory(DIM, spec, faiss.METRIC_INNER_PRODUCT)
    if "HNSW" in spec:
        index.hnsw.efConstruction = EF_CONSTRUCTION
    if "PQ" in spec:  # on by default, 10x the training time, only used by polysemous search
        index.do_polysemous_training = False
    if not index.is_trained:
        sample = np.random.default_rng(1).choice(len(x), min(len(x), TRAIN_PER_LIST * ivf_lists(len(x))),
                                                 replace=False)
        index.train(x[np.sort(sample)])
    index.add(x)
    build_s = time.perf_counter() - t0

    faiss.omp_set_num_threads(1)  # one thread per query, as one service request
    rows = []
    for value in sweep:
        if param:
            faiss.ParameterSpace().set_index_parameter(index, param, value)
        times, found = single_query_ms(lambda q: index.search(q[None], K)[1][0], queries)
        p50, p95 = percentiles(times)
        rows.append({"index": spec, "params": f"{param}={value}" if param else "exact",
                     "p50": p50, "p95": p95, "recall": recall(found, truth)})

    # write_index streams the bytes faiss.serialize_index would return (the same writer) to a
    # file; serialize_index would hold another in-memory copy (1.5 GB for a 1M flat index).
    path = workdir / f"{name}.faiss"
    faiss.write_index(index, str(path))
    memory = path.stat().st_size
    del index  # before loading: at 1M each copy is up to 1.8 GB
    t0 = time.perf_counter()
    loaded = faiss.read_index(str(path))
    load_s = time.perf_counter() - t0
    assert loaded.ntotal == len(x)
    del loaded
    path.unlink()
    for row in rows:
        row.update(build_s=build_s, load_s=load_s, memory=memory)
    return rows


# ---------------------------------------------------------------- BM25

_SENTENCE_END = re.compile(r"(?<=[。！？；!?;])")


def real_text() -> tuple[list[str], list[str]] | None:
    """(~250-character chunks, questions) of the shared reading-comprehension files, simplified."""
    from qa.text import to_simplified

    files = [DATA / name for name in DATA_FILES if (DATA / name).exists()]
    if not files:
        return None
    chunks, questions = [], []
    for path in files:
        for article in json.loads(path.read_text(encoding="utf-8"))["data"]:
            for paragraph in article["paragraphs"]:
                chunk = ""
                for sentence in _SENTENCE_END.split(to_simplified(paragraph["context"])):
                    if chunk and len(chunk) + len(sentence) > 300:
                        chunks.append(chunk)
                        chunk = ""
                    chunk += sentence
                if chunk.strip():
                    chunks.append(chunk)
                questions += [to_simplified(qa["question"]) for qa in paragraph["qas"]]
    return chunks, questions


def tokenised_base(mode: str) -> dict | None:
    """Token lists of the real chunks and questions, cached (jieba takes a while)."""
    path = CACHE / f"bm25-{mode}-v{GEN_VERSION}.json"
    if path.exists():
        return json.loads(path.read_text(encoding="utf-8"))
    text = real_text()
    if text is None:
        return None
    from qa.text import content_words, keyword_tokens

    tokenise = content_words if mode == "words" else keyword_tokens
    chunks, questions = text
    t0 = time.perf_counter()
    base = {"chunks": [tokenise(c) for c in chunks], "questions": [tokenise(q) for q in questions],
            "chars": sum(map(len, chunks))}
    base["tokenise_s"] = time.perf_counter() - t0
    CACHE.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(base, ensure_ascii=False), encoding="utf-8")
    return base


def synthetic_corpus(base: dict, n: int, seed: int) -> tuple[list[array.array], dict[str, int]]:
    vocab: dict[str, int] = {}
    real = [np.array([vocab.setdefault(t, len(vocab)) for t in c], dtype=np.int32) for c in base["chunks"]]
    pool = np.concatenate(real)  # a uniform draw from it is a draw from the unigram distribution
    n_real_vocab = len(vocab)
    n_rare = max(1, n // 20)  # new words grow with the corpus
    rng = np.random.default_rng(seed)
    corpus = []
    for i in range(n):
        if i < len(real):
            tokens = real[i]
        else:
            a, b = rng.integers(0, len(real), 2)
            cut_a, cut_b = rng.integers(0, len(real[a]) + 1), rng.integers(0, len(real[b]) + 1)
            tokens = np.concatenate([real[a][:cut_a], real[b][cut_b:]])
            swap = rng.random(len(tokens)) < 0.15
            rare = rng.random(len(tokens)) < 0.2
            tokens[swap & ~rare] = pool[rng.integers(0, len(pool), int((swap & ~rare).sum()))]
            tokens[swap & rare] = n_real_vocab + rng.integers(0, n_rare, int((swap & rare).sum()))
        corpus.append(array.array("i", tokens.tobytes()))  # 4 bytes a token: 1M passages fit
    vocab.update({f"<rare{j}>": n_real_vocab + j for j in range(n_rare)})
    return corpus, vocab


def bench_bm25(base: dict, n: int, n_queries: int, seed: int, mode: str) -> list[dict]:
    import bm25s

    corpus, vocab = synthetic_corpus(base, n, seed)
    t0 = time.perf_counter()
    bm25 = bm25s.BM25()
    bm25.index((corpus, vocab), show_progress=False)
    build_s = time.perf_counter() - t0
    memory = sum(bm25.scores[k].nbytes for k in ("data", "indices", "indptr"))
    del corpus
    rng = np.random.default_rng(seed)
    questions = [q for q in base["questions"] if q]
    queries = [questions[i] for i in rng.choice(len(questions), n_queries, replace=False)]
    depth = 20  # qa/retrieval.py: max(top_k * 4, 20) candidates

    def full_sort(q):  # what qa/retrieval.py does now
        return np.argsort(-bm25.get_scores(q))[:depth]

    def top_k(q):
        scores = bm25.get_scores(q)
        best = np.argpartition(-scores, depth)[:depth]
        return best[np.argsort(-scores[best])]

    rows = []
    for label, fn in (("get_scores+argsort", full_sort), ("get_scores+argpartition", top_k)):
        times, _ = single_query_ms(fn, queries)
        p50, p95 = percentiles(times)
        rows.append({"index": f"bm25s ({mode})", "params": label, "p50": p50, "p95": p95,
                     "recall": None, "build_s": build_s, "load_s": None, "memory": memory})
    return rows


# ---------------------------------------------------------------- main

def peak_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # KiB on Linux


def fmt(value, spec: str) -> str:
    return "–" if value is None else format(value, spec)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated passage counts")
    parser.add_argument("--indexes", default="flat,hnsw,hnsw-sq8,ivf-sq8,ivf-pq,bm25",
                        help=f"comma-separated, from {', '.join(INDEXES)}, bm25")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--bm25-tokens", choices=("words", "project"), default="words")
    parser.add_argument("--build-threads", type=int, default=1,
                        help="threads for training/adding (search is always one thread)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    names = args.indexes.split(",")
    unknown = set(names) - set(INDEXES) - {"bm25"}
    if unknown:
        parser.error(f"unknown index {sorted(unknown)}")

    rng = np.random.default_rng(args.seed)
    real = real_vectors()
    from_project = real is not None
    if not from_project:
        print("WARNING: no project index in .qa/index (run `qa index`): growing vectors from a "
              "synthetic seed, which is less realistic")
        real = synthetic_seed(rng)
    print(f"seed vectors: {len(real)} ({'project index' if from_project else 'synthetic'}); "
          f"{cosine_stats(real, rng)}")
    base = None
    if "bm25" in names:
        base = tokenised_base(args.bm25_tokens)
        if base is None:
            print(f"BM25 skipped: none of {', '.join(DATA_FILES)} in {DATA} (the real Chinese text "
                  "it is grown from)")
        else:
            print(f"BM25 text: {len(base['chunks'])} real chunks ({base['chars']:,} characters, "
                  f"{sum(map(len, base['chunks'])) / len(base['chunks']):.0f} tokens each, "
                  f"tokenised in {base['tokenise_s']:.1f} s), {len(base['questions'])} questions")

    header = "| passages | index | search params | build s | load s | memory MB | p50 ms | p95 ms | recall@10 |"
    results = []
    for n in sizes:
        faiss_names = [name for name in names if name in INDEXES]
        if faiss_names:
            t0 = time.perf_counter()
            x, queries = cached_vectors(real, n, args.queries, args.seed)
            print(f"\n{n:,} passages ({time.perf_counter() - t0:.1f} s to generate/load): "
                  f"{cosine_stats(x, rng)}; queries to their nearest passage "
                  f"{nearest_cosine(queries[:100], x):.3f}")
            faiss.omp_set_num_threads(args.build_threads)
            exact = faiss.IndexFlatIP(DIM)
            exact.add(x)
            truth = exact.search(queries, K)[1]
            del exact
            with tempfile.TemporaryDirectory(dir=CACHE) as workdir:
                for name in faiss_names:
                    rows = bench_faiss(name, x, queries, truth, args.build_threads, Path(workdir))
                    results += [{"n": n, **row} for row in rows]
                    for row in rows:
                        print(f"  {row['index']:<14} {row['params']:<12} p50 {row['p50']:.2f} ms  "
                              f"recall {row['recall']:.3f}  build {row['build_s']:.1f} s  "
                              f"peak {peak_gib():.1f} GiB", flush=True)
            del x, queries
        if base is not None:
            rows = bench_bm25(base, n, args.queries, args.seed, args.bm25_tokens)
            results += [{"n": n, **row} for row in rows]
            print(f"  bm25s build {rows[0]['build_s']:.1f} s, p50 {rows[0]['p50']:.1f} / "
                  f"{rows[1]['p50']:.1f} ms, peak {peak_gib():.1f} GiB", flush=True)

    print(f"\n{header}\n|{'---|' * 9}")
    for r in results:
        print(f"| {r['n']:,} | {r['index']} | {r['params']} | {r['build_s']:.1f} | "
              f"{fmt(r['load_s'], '.2f')} | {r['memory'] / 2**20:,.0f} | {r['p50']:.2f} | "
              f"{r['p95']:.2f} | {fmt(r['recall'], '.3f')} |")
    print(f"\nqueries: {args.queries}, k={K}, build threads {args.build_threads}, search 1 thread; "
          f"peak memory {peak_gib():.1f} GiB")


if __name__ == "__main__":
    main()
