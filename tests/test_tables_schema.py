"""Arrow schemas for Parquet output: mixed values fall back to text."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ecs_tagger.tables import TableWriter


def test_parquet_from_mixed_json_values_falls_back_to_text(tmp_path: Path) -> None:
    from ecs_tagger.tables import infer_schema

    frame = pd.DataFrame({"id": pd.Series([1, "A-2", None], dtype=object), "n": [1, 2, 3]})
    schema = infer_schema([frame])
    assert schema.field("id").type == pa.string() and schema.field("n").type == pa.int64()
    target = tmp_path / "mixed.parquet"
    with TableWriter(target, schema=schema) as writer:
        writer.write(frame)
    assert pq.read_table(target).column("id").to_pylist() == ["1", "A-2", None]
