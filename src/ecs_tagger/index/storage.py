"""An index on disk: the manifest and the two data files, written atomically, checked on reading.

An index folder holds

``rows.parquet``
    One row per project: ``id``, ``title`` (first line of the text), ``regions`` (list of
    normalised region names, see :mod:`ecs_tagger.regions`), ``region_raw``, ``actor``,
    ``actor_key`` (see :func:`ecs_tagger.index.actor_names.actor_key`), ``funding``, ``areas`` (list of
    area codes), ``score_<code>`` per area, ``language``, ``tag_status``, ``text_hash``,
    ``clean_text``, ``lemmas`` (list, for the shared key terms of a match) and ``sentence_bounds``
    (flat list of start/end offsets into ``clean_text``), plus any ``keep_cols``.
``vectors.npy``
    The document embeddings, float32, one L2-normalised row per row of ``rows.parquet``
    (plain ``.npy``: read with ``np.load(path, allow_pickle=False)``, memory-mappable).
``manifest.json``
    Format version, the tagger's model version, the embedding model id and the embedder and
    preprocessing settings (so that queries embed text the same way), the taxonomy codes, the
    registry's column names, the sha256 of each row's text (``text_hashes``), the rows skipped
    (no text), the short-text mean vectors (``short_text_means``, see
    :mod:`ecs_tagger.index.space`) and the sha256 of the two data files.
``ann-<backend>-<hash>.bin``
    Only when an approximate search backend was used (large indexes): its graph, kept so that it
    is built once (see :mod:`ecs_tagger.index.ann`).

Files are written with the permissions of the user's umask (``-rw-r--r--`` under the usual
``022``), like the exports, so that colleagues on a shared drive can open the index.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ecs_tagger.errors import InputError, ModelError
from ecs_tagger.hashing import sha256_file
from ecs_tagger.tables.writing import file_mode

if TYPE_CHECKING:
    from ecs_tagger.index.rows import IndexColumns
    from ecs_tagger.tagger import Tagger

FORMAT = "ecs-tagger-registry-index"
FORMAT_VERSION = 1
ROWS_FILE = "rows.parquet"
VECTORS_FILE = "vectors.npy"
MANIFEST_FILE = "manifest.json"
#: Columns of rows.parquet that hold lists.
LIST_COLUMNS = ("regions", "areas", "lemmas", "sentence_bounds")


def now() -> str:
    """The current time as the manifest writes it (UTC, to the second)."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def new_manifest(tagger: Tagger, columns: IndexColumns) -> dict[str, Any]:
    """The manifest of an index that `tagger` builds from a registry's `columns`."""
    created = now()
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "created": created,
        "updated": created,
        "model_version": tagger.model_version,
        "embedding_model_id": tagger.embedder.model_id,
        "embedder_settings": asdict(tagger.embedder.settings),
        "preprocess_settings": asdict(tagger.preprocessor.settings),
        "taxonomy": {"name": tagger.taxonomy.name, "codes": list(tagger.taxonomy.codes)},
        "thresholds": {
            code: float(t)
            for code, t in zip(tagger.codes, tagger.classifier.thresholds_, strict=True)
        },
        "columns": columns.to_dict(),
    }


def _temporary(folder: Path, name: str) -> Path:
    """A new empty file beside `name` in `folder`, with the permissions the user's umask gives
    (mkstemp makes it owner-only; colleagues on a shared drive must read the index too)."""
    handle, path = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
    os.close(handle)
    os.chmod(path, file_mode())
    return Path(path)


def is_index(directory: str | Path) -> bool:
    return (Path(directory) / MANIFEST_FILE).is_file()


def write_index(
    folder: Path, rows: pd.DataFrame, vectors: np.ndarray, manifest: dict[str, Any]
) -> dict[str, Any]:
    """Write rows.parquet, vectors.npy and manifest.json (each replaced atomically); returns the
    manifest as written (with the sha256 of the data files)."""
    folder.mkdir(parents=True, exist_ok=True)
    rows_tmp = _temporary(folder, ROWS_FILE)
    vectors_tmp = _temporary(folder, VECTORS_FILE)
    manifest_tmp = _temporary(folder, MANIFEST_FILE)
    try:
        rows.to_parquet(rows_tmp, index=False)
        with vectors_tmp.open("wb") as handle:
            np.save(handle, np.ascontiguousarray(vectors, dtype=np.float32), allow_pickle=False)
        manifest = dict(manifest)
        manifest["files"] = {
            ROWS_FILE: sha256_file(rows_tmp),
            VECTORS_FILE: sha256_file(vectors_tmp),
        }
        manifest_tmp.write_text(
            json.dumps(manifest, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        os.replace(rows_tmp, folder / ROWS_FILE)
        os.replace(vectors_tmp, folder / VECTORS_FILE)
        os.replace(manifest_tmp, folder / MANIFEST_FILE)
    finally:
        for path in (rows_tmp, vectors_tmp, manifest_tmp):
            path.unlink(missing_ok=True)
    return manifest


def read_index(
    folder: Path, *, verify: bool = True, mmap: bool = False
) -> tuple[pd.DataFrame, np.ndarray, dict[str, Any]]:
    """(rows, vectors, manifest) of an index folder; `verify` checks the files against the
    manifest's sha256, `mmap` maps the vectors instead of reading them."""
    manifest_path = folder / MANIFEST_FILE
    if not manifest_path.is_file():
        raise InputError(f"{folder} is not a registry index (no {MANIFEST_FILE})")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ModelError(f"{manifest_path} is not valid JSON: {error}") from None
    if manifest.get("format") != FORMAT:
        raise ModelError(f"{folder} is not a registry index (format {manifest.get('format')!r})")
    if int(manifest.get("format_version", 0)) > FORMAT_VERSION:
        raise ModelError(
            f"{folder} was written by a newer ecs-tagger (index format "
            f"{manifest['format_version']}); upgrade ecs-tagger to read it"
        )
    for name in (ROWS_FILE, VECTORS_FILE):
        path = folder / name
        if not path.is_file():
            raise ModelError(f"index file missing: {path}")
        expected = manifest.get("files", {}).get(name)
        if verify and expected and sha256_file(path) != expected:
            raise ModelError(f"{path} does not match its manifest (changed or damaged)")
    rows = pd.read_parquet(folder / ROWS_FILE)
    for column in LIST_COLUMNS:
        rows[column] = [list(value) if value is not None else [] for value in rows[column]]
    vectors = np.load(folder / VECTORS_FILE, allow_pickle=False, mmap_mode="r" if mmap else None)
    if vectors.dtype != np.float32 or vectors.ndim != 2:
        raise ModelError(f"{folder / VECTORS_FILE} must be a 2-d float32 matrix")
    return rows, vectors, manifest


def graph_file(folder: Path | None, manifest: dict[str, Any], backend: str) -> Path | None:
    """Where an approximate backend's graph is kept beside a saved, unchanged index (so that
    it is built once, not at every load); stale graphs of that backend are removed."""
    files = manifest.get("files", {})
    if backend == "exact" or folder is None or not files:
        return None
    digest = hashlib.sha256(json.dumps(files, sort_keys=True).encode()).hexdigest()[:16]
    graph = folder / f"ann-{backend}-{digest}.bin"
    for stale in folder.glob(f"ann-{backend}-*.bin"):
        if stale != graph:
            stale.unlink(missing_ok=True)
    return graph
