"""Nearest-neighbour search over L2-normalised vectors: exact (numpy) or approximate (HNSW).

Every searcher answers ``search(queries, k, mask=None) -> (scores, positions)``: cosine
similarities (best first) and row numbers, both shaped (queries, k); a row with fewer than `k`
allowed neighbours is padded with position -1 and score -inf. `mask` (a boolean array over the
rows) restricts the answer to the rows marked True.

Exact search is a matrix product: about 1 ms per query at 10k rows and 16 ms at 100k rows of
384 dimensions on this project's 2-core machines (benchmarks/bench_similarity.py), so "auto"
searches exactly below :data:`ANN_MIN_ROWS` rows. Above, an HNSW graph from an optional library
answers in about 0.2-0.5 ms with recall@10 of 0.999-1.0: ``faiss`` (faiss-cpu; the default,
chosen by measurement: with hnswlib the fastest to build and to query, it filters natively and
installs from wheels), ``hnswlib`` (as fast, but built from source at install) or ``usearch``
(twice the build time and query latency here). Building a graph of 100k rows takes ~50 s, so
:class:`RegistryIndex` keeps it beside a saved index (``ann-<backend>-<hash>.bin``) and reads it
back next time.

Filters: a filtered approximate query whose allowed rows are few (under :data:`EXACT_FRACTION`
of the index) searches exactly over them. Otherwise faiss skips disallowed rows inside the graph
search; hnswlib and usearch ask the graph for more neighbours than wanted and keep the allowed
ones, falling back to exact search when too few remain. Install with
``pip install 'ecs-tagger[ann]'``.
"""

from __future__ import annotations

import importlib.util
import math
import os
import warnings
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any, Protocol, cast

import numpy as np

from ecs_tagger.errors import InputError, MissingDependencyError, counted

#: Below this many rows, "auto" searches exactly; above, approximately (when a library is there).
ANN_MIN_ROWS = 100_000
#: Approximate backends, in the order "auto" tries them (by measurement, see the module docstring).
ANN_BACKENDS = ("faiss", "hnswlib", "usearch")
BACKENDS = ("exact", *ANN_BACKENDS)
#: The pip package of each backend.
PACKAGES = {"usearch": "usearch", "faiss": "faiss-cpu", "hnswlib": "hnswlib"}
#: A filtered approximate query whose allowed rows are fewer than this share searches exactly.
EXACT_FRACTION = 0.02

#: Query batches up to this size run their matrix product on one BLAS thread.
SMALL_BATCH = 16

#: HNSW parameters shared by the backends: links per node, candidate list at build and at query.
CONNECTIVITY = 16
EXPANSION_ADD = 128
EXPANSION_SEARCH = 64


class VectorSearch(Protocol):
    """What `RegistryIndex.searcher()` returns."""

    name: str

    def search(
        self, queries: np.ndarray, k: int, mask: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]: ...


def _as_queries(queries: np.ndarray, dimension: int) -> np.ndarray:
    array = np.asarray(queries, dtype=np.float32)
    if array.ndim == 1:
        array = array[None, :]
    if array.ndim != 2 or array.shape[1] != dimension:
        raise InputError(f"queries must have {dimension} columns, not shape {array.shape}")
    return np.ascontiguousarray(array)


def _top_k(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Best `k` columns of each row of `scores` (-inf = not allowed), padded with -1."""
    n = scores.shape[1]
    take = min(k, n)
    if take < n:
        part = np.argpartition(-scores, take - 1, axis=1)[:, :take]
    else:
        part = np.broadcast_to(np.arange(n), (scores.shape[0], n))
    part_scores = np.take_along_axis(scores, part, axis=1)
    order = np.argsort(-part_scores, axis=1, kind="stable")
    positions = np.take_along_axis(part, order, axis=1)
    best = np.take_along_axis(part_scores, order, axis=1)
    out_scores = np.full((scores.shape[0], k), -np.inf, dtype=np.float32)
    out_positions = np.full((scores.shape[0], k), -1, dtype=np.int64)
    out_scores[:, :take] = best
    out_positions[:, :take] = positions
    out_positions[~np.isfinite(out_scores)] = -1
    return out_scores, out_positions


_CONTROLLER: Any = None


def _one_blas_thread() -> AbstractContextManager[Any]:
    """Run BLAS on one thread: a single query's product is too small to share, and on a busy
    machine OpenBLAS threads waiting for each other made it 50x slower (measured)."""
    global _CONTROLLER
    try:
        if _CONTROLLER is None:
            from threadpoolctl import ThreadpoolController

            _CONTROLLER = ThreadpoolController()
        return cast(AbstractContextManager[Any], _CONTROLLER.limit(limits=1, user_api="blas"))
    except ImportError:  # threadpoolctl comes with scikit-learn; without it, run as is
        return nullcontext()


class ExactSearch:
    """Exact cosine search: one matrix product per block of queries."""

    name = "exact"

    def __init__(self, vectors: np.ndarray, block_elements: int = 20_000_000) -> None:
        self.vectors = np.asarray(vectors, dtype=np.float32)
        self.block_elements = block_elements

    def __len__(self) -> int:
        return int(self.vectors.shape[0])

    def search(
        self, queries: np.ndarray, k: int, mask: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        queries = _as_queries(queries, self.vectors.shape[1])
        block = max(1, self.block_elements // max(1, len(self)))
        scores_out, positions_out = [], []
        for start in range(0, len(queries), block):
            chunk = queries[start : start + block]
            with _one_blas_thread() if len(chunk) <= SMALL_BATCH else nullcontext():
                scores = chunk @ self.vectors.T
            if mask is not None:
                scores[:, ~mask] = -np.inf
            s, p = _top_k(scores, k)
            scores_out.append(s)
            positions_out.append(p)
        if not scores_out:
            return np.zeros((0, k), dtype=np.float32), np.zeros((0, k), dtype=np.int64)
        return np.concatenate(scores_out), np.concatenate(positions_out)


class _ApproximateSearch:
    """Shared filtering logic of the HNSW backends; subclasses implement `_build`, `_raw`,
    `_write` and `_read` (and may filter natively in `_filtered`)."""

    name = "approximate"
    index: Any  # the library's graph

    def __init__(self, vectors: np.ndarray, graph: Path | None = None) -> None:
        """Build the graph over `vectors`, or read it from `graph` (a file `save` wrote)."""
        self.vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        self.exact = ExactSearch(self.vectors)
        if graph is not None:
            self._read(graph)
        else:
            self._build()

    def __len__(self) -> int:
        return int(self.vectors.shape[0])

    def _build(self) -> None:
        raise NotImplementedError

    def _raw(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    def _write(self, path: Path) -> None:
        raise NotImplementedError

    def _read(self, path: Path) -> None:
        raise NotImplementedError

    def save(self, path: Path) -> None:
        """Write the graph (atomically), so that a later process need not build it again."""
        temporary = path.with_name(path.name + ".tmp")
        self._write(temporary)
        os.replace(temporary, path)

    def search(
        self, queries: np.ndarray, k: int, mask: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        queries = _as_queries(queries, self.vectors.shape[1])
        n = len(self)
        if mask is None:
            return self._raw(queries, min(k, n)) if k <= n else self._padded(queries, k)
        allowed = int(mask.sum())
        if allowed == 0:
            return _empty(len(queries), k)
        if allowed < EXACT_FRACTION * n or allowed <= k:
            return self.exact.search(queries, k, mask)
        return self._filtered(queries, k, mask, allowed)

    def _filtered(
        self, queries: np.ndarray, k: int, mask: np.ndarray, allowed: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Ask the graph for more neighbours than wanted and keep the allowed ones."""
        n = len(self)
        fetch = min(n, max(4 * k, math.ceil(4 * k * n / allowed)))
        scores, positions = self._raw(queries, fetch)
        out_scores, out_positions = _empty(len(queries), k)
        for row in range(len(queries)):
            keep = (positions[row] >= 0) & mask[np.maximum(positions[row], 0)]
            found_positions, found_scores = positions[row][keep][:k], scores[row][keep][:k]
            if len(found_positions) < k:  # the graph's candidates ran short: search exactly
                s, p = self.exact.search(queries[row], k, mask)
                found_scores, found_positions = s[0], p[0]
            out_scores[row, : len(found_scores)] = found_scores
            out_positions[row, : len(found_positions)] = found_positions
        return out_scores, out_positions

    def _padded(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        scores, positions = self._raw(queries, len(self))
        out_scores, out_positions = _empty(len(queries), k)
        out_scores[:, : scores.shape[1]] = scores
        out_positions[:, : positions.shape[1]] = positions
        return out_scores, out_positions


def _empty(queries: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    return (
        np.full((queries, k), -np.inf, dtype=np.float32),
        np.full((queries, k), -1, dtype=np.int64),
    )


class UsearchSearch(_ApproximateSearch):
    """HNSW graph of `usearch` (cosine metric)."""

    name = "usearch"

    def _new(self) -> Any:
        from usearch.index import Index

        return Index(
            ndim=self.vectors.shape[1],
            metric="cos",
            dtype="f32",
            connectivity=CONNECTIVITY,
            expansion_add=EXPANSION_ADD,
            expansion_search=EXPANSION_SEARCH,
        )

    def _build(self) -> None:
        self.index = self._new()
        self.index.add(np.arange(len(self.vectors), dtype=np.uint64), self.vectors)

    def _write(self, path: Path) -> None:
        self.index.save(str(path))

    def _read(self, path: Path) -> None:
        self.index = self._new()
        self.index.load(str(path))

    def _raw(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        self.index.expansion_search = max(EXPANSION_SEARCH, k)
        matches: Any = self.index.search(queries, k)
        keys = np.asarray(matches.keys, dtype=np.int64).reshape(len(queries), -1)
        distances = np.asarray(matches.distances, dtype=np.float32).reshape(len(queries), -1)
        counts = np.asarray(getattr(matches, "counts", [keys.shape[1]])).reshape(-1)
        valid = np.arange(keys.shape[1])[None, :] < counts[:, None]
        scores = np.where(valid, 1.0 - distances, -np.inf).astype(np.float32)
        return scores, np.where(valid, keys, -1)


class FaissSearch(_ApproximateSearch):
    """HNSW graph of `faiss` (inner product = cosine on normalised vectors); filters natively."""

    name = "faiss"

    def _build(self) -> None:
        import faiss

        self.index = faiss.IndexHNSWFlat(
            self.vectors.shape[1], CONNECTIVITY, faiss.METRIC_INNER_PRODUCT
        )
        self.index.hnsw.efConstruction = EXPANSION_ADD
        self.index.add(self.vectors)

    def _write(self, path: Path) -> None:
        import faiss

        faiss.write_index(self.index, str(path))

    def _read(self, path: Path) -> None:
        import faiss

        self.index = faiss.read_index(str(path))

    def _raw(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        self.index.hnsw.efSearch = max(EXPANSION_SEARCH, k)
        scores, positions = self.index.search(queries, k)
        scores = np.where(positions >= 0, scores, -np.inf).astype(np.float32)
        return scores, positions.astype(np.int64)

    def _filtered(
        self, queries: np.ndarray, k: int, mask: np.ndarray, allowed: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """The graph skips rows outside `mask` while it searches (faiss's IDSelectorBitmap)."""
        import faiss

        library: Any = faiss  # (its type stubs lack the search parameter classes)
        bits = np.packbits(mask.astype(bool), bitorder="little")
        selector = library.IDSelectorBitmap(len(mask), faiss.swig_ptr(bits))
        parameters = library.SearchParametersHNSW(
            sel=selector, efSearch=max(2 * EXPANSION_SEARCH, 2 * k)
        )
        scores, positions = self.index.search(queries, k, params=parameters)
        if (positions < 0).any():  # too few allowed rows reached through the graph
            return self.exact.search(queries, k, mask)
        return scores.astype(np.float32), positions.astype(np.int64)


class HnswlibSearch(_ApproximateSearch):
    """HNSW graph of `hnswlib` (inner product space)."""

    name = "hnswlib"

    def _build(self) -> None:
        import hnswlib

        self.index = hnswlib.Index(space="ip", dim=self.vectors.shape[1])
        self.index.init_index(
            max_elements=max(1, len(self.vectors)), ef_construction=EXPANSION_ADD, M=CONNECTIVITY
        )
        self.index.add_items(self.vectors, np.arange(len(self.vectors)))

    def _write(self, path: Path) -> None:
        self.index.save_index(str(path))

    def _read(self, path: Path) -> None:
        import hnswlib

        self.index = hnswlib.Index(space="ip", dim=self.vectors.shape[1])
        self.index.load_index(str(path), max_elements=max(1, len(self.vectors)))

    def _raw(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        self.index.set_ef(max(EXPANSION_SEARCH, k))
        labels, distances = self.index.knn_query(queries, k=k)
        return (1.0 - distances).astype(np.float32), labels.astype(np.int64)


_CLASSES: dict[str, type[_ApproximateSearch]] = {
    "usearch": UsearchSearch,
    "faiss": FaissSearch,
    "hnswlib": HnswlibSearch,
}


def available(backend: str) -> bool:
    """True when the library of an approximate backend is installed ("exact" always is)."""
    return backend == "exact" or importlib.util.find_spec(backend) is not None


def resolve_backend(backend: str, rows: int) -> str:
    """The backend to use: "auto" -> exact below ANN_MIN_ROWS rows, else the first installed."""
    if backend not in ("auto", *BACKENDS):
        raise InputError(f"backend must be 'auto' or one of {', '.join(BACKENDS)}, not {backend!r}")
    if backend != "auto":
        if not available(backend):
            raise MissingDependencyError(
                PACKAGES[backend], f"the {backend!r} search backend", "ann"
            )
        return backend
    if rows < ANN_MIN_ROWS:
        return "exact"
    for name in ANN_BACKENDS:
        if available(name):
            return name
    warnings.warn(
        f"{counted(rows, 'row')} but no approximate search library is installed (pip install "
        "'ecs-tagger[ann]'): searching exactly, which is slower at this size",
        stacklevel=3,
    )
    return "exact"


def make_searcher(
    vectors: np.ndarray, backend: str = "auto", graph: Path | None = None
) -> VectorSearch:
    """A searcher over `vectors` (rows L2-normalised) with the given backend; an approximate one
    reads its graph from `graph` when that file exists, else builds it (and writes it there when
    `graph` is given)."""
    name = resolve_backend(backend, int(np.asarray(vectors).shape[0]))
    if name == "exact":
        return ExactSearch(vectors)
    if graph is not None and graph.is_file():
        return _CLASSES[name](vectors, graph)
    searcher = _CLASSES[name](vectors)
    if graph is not None:
        searcher.save(graph)
    return searcher
