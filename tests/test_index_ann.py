"""Nearest-neighbour backends: exact search is exact, approximate search is close, filters hold."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from ecs_tagger.errors import InputError, MissingDependencyError
from ecs_tagger.index import ann
from ecs_tagger.index.ann import ExactSearch, make_searcher, resolve_backend
from ecs_tagger.regional.similarity import similar

INSTALLED = [name for name in ann.ANN_BACKENDS if importlib.util.find_spec(name) is not None]


def clustered(n: int, seed: int = 0, dimension: int = 64) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((40, dimension))
    vectors = centres[rng.integers(0, 40, n)] + 0.6 * rng.standard_normal((n, dimension))
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors.astype(np.float32)


def test_exact_search_is_brute_force() -> None:
    vectors = clustered(500)
    queries = clustered(7, seed=1)
    scores, positions = ExactSearch(vectors).search(queries, 10)
    brute = queries @ vectors.T
    for row in range(len(queries)):
        expected = np.argsort(-brute[row], kind="stable")[:10]
        assert np.allclose(scores[row], brute[row, expected], atol=1e-5)
        assert set(positions[row]) == set(expected)


def test_exact_search_masks_and_pads() -> None:
    vectors = clustered(50)
    mask = np.zeros(50, dtype=bool)
    mask[[3, 9, 27]] = True
    scores, positions = ExactSearch(vectors).search(vectors[0], 5, mask)
    assert set(positions[0][:3]) == {3, 9, 27}
    assert list(positions[0][3:]) == [-1, -1] and np.isneginf(scores[0][3:]).all()
    _, everything = ExactSearch(vectors).search(vectors[:2], 80)
    assert (everything[:, :50] >= 0).all() and (everything[:, 50:] == -1).all()


@pytest.mark.parametrize("backend", INSTALLED)
def test_approximate_backends_find_the_exact_neighbours(backend: str) -> None:
    vectors = clustered(4000)
    queries = clustered(50, seed=2)
    exact = ExactSearch(vectors).search(queries, 10)[1]
    searcher = make_searcher(vectors, backend)
    assert searcher.name == backend
    found = searcher.search(queries, 10)[1]
    recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(exact, found, strict=True)])
    assert recall >= 0.9, recall
    # A filter is always respected; a narrow one falls back to exact search (no loss).
    rng = np.random.default_rng(3)
    wide = rng.random(len(vectors)) < 0.3
    narrow = rng.random(len(vectors)) < 0.01
    for mask in (wide, narrow):
        scores, positions = searcher.search(queries, 10, mask)
        assert (positions >= 0).all() and mask[positions].all()
        assert (np.diff(scores, axis=1) <= 1e-6).all()
    assert np.array_equal(
        searcher.search(queries, 10, narrow)[1], ExactSearch(vectors).search(queries, 10, narrow)[1]
    )
    # More neighbours asked for than there are rows: padded, not an error.
    small = make_searcher(vectors[:5], backend)
    _, positions = small.search(queries[:1], 8)
    assert sorted(positions[0][:5]) == [0, 1, 2, 3, 4] and (positions[0][5:] == -1).all()


def test_auto_backend_is_exact_below_the_threshold(monkeypatch: pytest.MonkeyPatch) -> None:
    assert resolve_backend("auto", 1000) == "exact"
    if INSTALLED:
        assert resolve_backend("auto", ann.ANN_MIN_ROWS) == INSTALLED[0]
    monkeypatch.setattr(ann, "available", lambda name: name == "exact")
    with pytest.warns(UserWarning, match="no approximate search library"):
        assert resolve_backend("auto", ann.ANN_MIN_ROWS) == "exact"


def test_missing_library_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ann, "available", lambda name: name == "exact")
    with pytest.raises(MissingDependencyError, match=r"ecs-tagger\[ann\]") as error:
        make_searcher(clustered(20), "usearch")
    assert error.value.package == "usearch"
    with pytest.raises(MissingDependencyError, match="faiss-cpu"):
        resolve_backend("faiss", 10)
    with pytest.raises(InputError, match="backend must be"):
        resolve_backend("annoy", 10)


@pytest.mark.slow
@pytest.mark.usefixtures("corpus_root")
def test_index_uses_the_requested_backend() -> None:
    from similarity_support import pb_index

    index = pb_index()
    query = index.rows.at[0, "id"]
    exact = similar(index, query, k=10, explain=False, backend="exact")
    for backend in INSTALLED:
        approximate = similar(index, query, k=10, explain=False, backend=backend)
        assert len(set(exact.ids) & set(approximate.ids)) >= 8
        assert query not in approximate.ids


@pytest.mark.skipif("faiss" not in INSTALLED, reason="faiss-cpu not installed")
def test_graph_is_kept_beside_a_saved_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ecs_tagger.index import RegistryIndex
    from similarity_support import synthetic_index

    vectors = clustered(300, dimension=16)
    index = synthetic_index([["Uppsala"]] * 300, [[]] * 300, vectors=vectors)
    index.save(tmp_path / "idx")
    loaded = RegistryIndex.load(tmp_path / "idx")
    first = similar(loaded, "P0", k=5, explain=False, backend="faiss")
    graphs = list((tmp_path / "idx").glob("ann-faiss-*.bin"))
    assert len(graphs) == 1
    # The next process reads the graph instead of building it.
    monkeypatch.setattr(ann.FaissSearch, "_build", lambda self: pytest.fail("graph rebuilt"))
    again = similar(RegistryIndex.load(tmp_path / "idx"), "P0", k=5, explain=False, backend="faiss")
    assert again.ids == first.ids
    # A changed index gets a new graph; the stale one is removed.
    monkeypatch.undo()
    loaded.rows.loc[0, "language"] = "en"
    loaded.save(tmp_path / "idx")
    similar(RegistryIndex.load(tmp_path / "idx"), "P0", k=5, explain=False, backend="faiss")
    assert [p.name for p in (tmp_path / "idx").glob("ann-faiss-*.bin")] != [graphs[0].name]
    assert len(list((tmp_path / "idx").glob("ann-faiss-*.bin"))) == 1


def test_benchmark_runs_and_prints_figures(capsys: pytest.CaptureFixture[str]) -> None:
    from benchmarks.bench_similarity import main

    main(["--sizes", "600", "--queries", "5", "--dim", "32", "--backends", "exact,nothing"])
    out = capsys.readouterr().out
    assert "skipping nothing: not installed" in out
    row = next(line for line in out.splitlines() if line.split()[:2] == ["600", "exact"])
    assert row.split()[-2:] == ["1.0000", "1.0000"]  # exact search recalls itself
