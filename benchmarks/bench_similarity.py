"""Similarity search at scale: exact numpy search against the approximate (HNSW) backends.

Run from the repository root::

    python -m benchmarks.bench_similarity                         # 10k and 100k rows
    python -m benchmarks.bench_similarity --sizes 10000 --queries 100
    python -m benchmarks.bench_similarity --backends exact,usearch

For each size it prints, per backend: index build time, the latency of one query for k=10
(median and 95th percentile over `--queries` single-vector queries, unfiltered, and filtered to a
random 20 % of the rows as a region filter would), and recall@10 against exact search (the share
of the exact top 10 that the backend returns). Vectors are synthetic but shaped like document
embeddings: 384 dimensions, L2-normalised, drawn around `--clusters` random centres (real
embeddings cluster by topic; uniformly random vectors would make every neighbour equally far and
recall meaningless). Queries are fresh draws from the same distribution. Timings are wall clock on
whatever else the machine is doing; the approximate libraries use all cores to build.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np

from ecs_tagger.index.ann import ANN_BACKENDS, VectorSearch, available, make_searcher


def random_centres(count: int, dimension: int, rng: np.random.Generator) -> np.ndarray:
    centres = rng.standard_normal((count, dimension)).astype(np.float32)
    return centres / np.linalg.norm(centres, axis=1, keepdims=True)


def synthetic_vectors(
    n: int, centres: np.ndarray, spread: float, rng: np.random.Generator
) -> np.ndarray:
    """`n` L2-normalised vectors drawn around random ones of `centres` (float32)."""
    dimension = centres.shape[1]
    labels = rng.integers(0, len(centres), size=n)
    noise = rng.standard_normal((n, dimension)).astype(np.float32) * (spread / np.sqrt(dimension))
    vectors = centres[labels] + noise
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors.astype(np.float32)


def latencies(run: Callable[[int], object], count: int) -> tuple[float, float]:
    """Median and 95th percentile, in milliseconds, of `count` calls run(i)."""
    times = []
    for i in range(count):
        start = time.perf_counter()
        run(i)
        times.append((time.perf_counter() - start) * 1000)
    return float(np.median(times)), float(np.percentile(times, 95))


def recall_at_k(truth: np.ndarray, found: np.ndarray) -> float:
    hits = sum(len(set(t) & set(f)) for t, f in zip(truth, found, strict=True))
    return hits / truth.size


def bench_size(
    n: int, backends: list[str], args: argparse.Namespace, rng: np.random.Generator
) -> list[dict[str, object]]:
    centres = random_centres(args.clusters, args.dim, rng)
    vectors = synthetic_vectors(n, centres, args.spread, rng)
    queries = synthetic_vectors(args.queries, centres, args.spread, rng)
    mask = rng.random(n) < 0.2
    exact = make_searcher(vectors, "exact")
    truth = exact.search(queries, args.k)[1]
    truth_filtered = exact.search(queries, args.k, mask)[1]
    rows: list[dict[str, object]] = []
    for backend in backends:
        start = time.perf_counter()
        searcher = make_searcher(vectors, backend)
        build = time.perf_counter() - start
        searcher.search(queries[:1], args.k)  # warm up

        def plain(i: int, s: VectorSearch = searcher) -> object:
            return s.search(queries[i], args.k)

        def filtered(i: int, s: VectorSearch = searcher) -> object:
            return s.search(queries[i], args.k, mask)

        median, p95 = latencies(plain, args.queries)
        f_median, f_p95 = latencies(filtered, args.queries)
        found = searcher.search(queries, args.k)[1]
        found_filtered = searcher.search(queries, args.k, mask)[1]
        rows.append(
            {
                "rows": n,
                "backend": backend,
                "build_s": build,
                "median_ms": median,
                "p95_ms": p95,
                "filtered_median_ms": f_median,
                "filtered_p95_ms": f_p95,
                "recall": recall_at_k(truth, found),
                "filtered_recall": recall_at_k(truth_filtered, found_filtered),
            }
        )
        print(_format_row(rows[-1]), flush=True)
    return rows


HEADER = (
    f"{'rows':>8} {'backend':<8} {'build s':>8} {'median ms':>10} {'p95 ms':>8} "
    f"{'filt. med':>10} {'filt. p95':>10} {'recall@10':>10} {'filt. rec':>10}"
)


def _format_row(row: dict[str, object]) -> str:
    return (
        f"{row['rows']:>8} {row['backend']:<8} {row['build_s']:>8.2f} {row['median_ms']:>10.3f} "
        f"{row['p95_ms']:>8.3f} {row['filtered_median_ms']:>10.3f} "
        f"{row['filtered_p95_ms']:>10.3f} {row['recall']:>10.4f} {row['filtered_recall']:>10.4f}"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated row counts")
    parser.add_argument("--backends", default="exact," + ",".join(ANN_BACKENDS))
    parser.add_argument("--dim", type=int, default=384)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--clusters", type=int, default=500)
    parser.add_argument("--spread", type=float, default=1.0, help="noise around a centre")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    backends = []
    for name in args.backends.split(","):
        if available(name):
            backends.append(name)
        else:
            print(f"skipping {name}: not installed")
    print(
        f"k={args.k}, {args.dim} dimensions, {args.queries} single-vector queries per figure; "
        f"filtered = 20 % of rows allowed; times are wall clock"
    )
    print(HEADER, flush=True)
    rng = np.random.default_rng(args.seed)
    for size in (int(s) for s in args.sizes.split(",")):
        bench_size(size, backends, args, rng)


if __name__ == "__main__":
    main()
