"""On-disk embedding cache: one SQLite file per embedding model, keyed by a hash of the text.

Re-tagging an unchanged registry reads every vector from here and encodes nothing. SQLite gives atomic
writes, so a run killed half-way leaves every finished batch usable by the next run.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
import unicodedata
from collections.abc import Sequence
from pathlib import Path

import numpy as np


def text_key(kind: str, text: str) -> str:
    """Cache key of a text embedded as `kind` (e.g. "passage", "query", "sentence"), after NFC
    (the embedder encodes the NFC text, so composed and decomposed letters share a vector)."""
    return hashlib.sha256(f"{kind}\x00{unicodedata.normalize('NFC', text)}".encode()).hexdigest()


class EmbeddingCache:
    """Vectors of one embedding model, stored as float32 blobs by text key."""

    def __init__(self, directory: Path, model_id: str, dimension: int | None = None) -> None:
        """Open (or create) the cache of `model_id`. Without `dimension`, the one recorded in the
        file is used (None until `record_dimension`), so that the encoder need not be loaded."""
        directory.mkdir(parents=True, exist_ok=True)
        safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", model_id).strip("_")[:120]
        self.path = directory / f"{safe}.sqlite"
        self._connection = sqlite3.connect(self.path, timeout=60, check_same_thread=False)
        self._connection.execute("PRAGMA journal_mode=WAL")
        self._connection.execute(
            "CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vector BLOB NOT NULL)"
        )
        self._connection.execute(
            "CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)"
        )
        self._connection.commit()
        row = self._connection.execute("SELECT value FROM meta WHERE name = 'dimension'").fetchone()
        recorded = int(row[0]) if row and str(row[0]).isdigit() else None
        self.dimension: int | None = recorded
        if dimension is not None and dimension != recorded:
            self.record_dimension(dimension)

    def record_dimension(self, dimension: int) -> None:
        """Record the model's vector dimension (known once the model has been loaded)."""
        with self._connection:
            self._connection.execute(
                "INSERT OR REPLACE INTO meta (name, value) VALUES ('dimension', ?)",
                (str(int(dimension)),),
            )
        self.dimension = int(dimension)

    def get_many(self, keys: Sequence[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        for start in range(0, len(keys), 500):
            chunk = list(keys[start : start + 500])
            marks = ",".join("?" * len(chunk))
            rows = self._connection.execute(
                f"SELECT key, vector FROM vectors WHERE key IN ({marks})", chunk
            )
            for key, blob in rows:
                vector = np.frombuffer(blob, dtype=np.float32)
                if vector.shape == (self.dimension,):
                    found[key] = vector
        return found

    def put_many(self, items: dict[str, np.ndarray]) -> None:
        """Store float32 vectors by key, replacing any vector a key had."""
        rows = [(key, np.asarray(v, dtype=np.float32).tobytes()) for key, v in items.items()]
        with self._connection:
            self._connection.executemany(
                "INSERT OR REPLACE INTO vectors (key, vector) VALUES (?, ?)", rows
            )

    def put_missing(self, items: dict[str, np.ndarray]) -> None:
        """Like :meth:`put_many`, but a key the cache holds already keeps its vector."""
        rows = [(key, np.asarray(v, dtype=np.float32).tobytes()) for key, v in items.items()]
        with self._connection:
            self._connection.executemany(
                "INSERT OR IGNORE INTO vectors (key, vector) VALUES (?, ?)", rows
            )

    def __len__(self) -> int:
        return int(self._connection.execute("SELECT COUNT(*) FROM vectors").fetchone()[0])

    def close(self) -> None:
        self._connection.close()
