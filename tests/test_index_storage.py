"""Index files: saved in open formats, loaded back, damaged files refused."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from ecs_tagger.errors import InputError, ModelError
from ecs_tagger.index import RegistryIndex
from similarity_support import pb_frame, pb_index, tagger

pytestmark = pytest.mark.usefixtures("corpus_root")


def test_saved_index_is_open_format_and_loads_back(tmp_path: Path) -> None:
    index = pb_index()
    index.save(tmp_path / "idx")
    manifest = json.loads((tmp_path / "idx" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["model_version"] == tagger().model_version
    assert manifest["embedding_model_id"] == tagger().embedder.model_id
    assert manifest["columns"]["text_cols"] == ["title", "description"]
    assert manifest["columns"]["region_col"] == "county"
    assert manifest["text_hashes"] == dict(
        zip(index.rows["id"], index.rows["text_hash"], strict=True)
    )
    assert {s["id"] for s in manifest["skipped"]}.isdisjoint(index.rows["id"])
    # Plain Parquet and plain .npy, readable without ecs-tagger.
    table = pq.read_table(tmp_path / "idx" / "rows.parquet")
    assert table.num_rows == len(index)
    matrix = np.load(tmp_path / "idx" / "vectors.npy", allow_pickle=False)
    assert np.array_equal(matrix, index.vectors)
    loaded = RegistryIndex.load(tmp_path / "idx")
    assert loaded.rows["id"].tolist() == index.rows["id"].tolist()
    assert loaded.rows["regions"].tolist() == index.rows["regions"].tolist()
    assert loaded.rows["areas"].tolist() == index.rows["areas"].tolist()
    assert np.array_equal(loaded.vectors, index.vectors)


def test_damaged_index_is_refused(tmp_path: Path) -> None:
    index = RegistryIndex.build(
        pb_frame().iloc[:5], tagger(), ["title", "description"], "id", "county"
    )
    index.save(tmp_path / "idx")
    vectors = np.load(tmp_path / "idx" / "vectors.npy")
    np.save(tmp_path / "idx" / "vectors.npy", vectors * 2)
    with pytest.raises(ModelError, match="does not match its manifest"):
        RegistryIndex.load(tmp_path / "idx")
    with pytest.raises(InputError, match="not a registry index"):
        RegistryIndex.load(tmp_path)


# -- files others can read ------------------------------------------------------------------------
def _write_tiny_index(folder: Path) -> None:
    import pandas as pd

    from ecs_tagger.index.storage import write_index

    rows = pd.DataFrame({"id": ["a"], "regions": [["Uppsala"]], "areas": [["food"]]})
    write_index(folder, rows, np.ones((1, 4), dtype=np.float32), {"format": "x"})


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o027, 0o640)])
def test_index_files_get_the_users_umask(tmp_path: Path, umask: int, mode: int) -> None:
    """The issue's case (umask 022: -rw-r--r--, not -rw-------) and a variant (a group-only
    share, umask 027: -rw-r-----)."""
    import os

    previous = os.umask(umask)
    try:
        _write_tiny_index(tmp_path / "idx")
    finally:
        os.umask(previous)
    names = sorted(p.name for p in (tmp_path / "idx").iterdir())
    assert names == ["manifest.json", "rows.parquet", "vectors.npy"]  # no temporary left
    for name in names:
        assert (tmp_path / "idx" / name).stat().st_mode & 0o777 == mode, name
