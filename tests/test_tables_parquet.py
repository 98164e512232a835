"""Parquet tables: Arrow types survive a round trip exactly."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from ecs_tagger.tables import TableWriter, detect_format, iter_chunks


def test_parquet_types_survive_exactly(tmp_path: Path) -> None:
    source = tmp_path / "in.parquet"
    table = pa.table(
        {
            "id": pa.array(["007", "008", None, "010", "011"]),
            "n": pa.array([1, None, 3, 4, 5], pa.int32()),
            "when": pa.array(
                [dt.datetime(2021, 1, 1)] * 5, pa.timestamp("ms", tz="Europe/Stockholm")
            ),
            "kind": pa.array(["a", "b", "a", None, "b"]).dictionary_encode(),
            "raw": pa.array([b"x", None, b"\xff", b"", b"y"]),
        }
    )
    pq.write_table(table, source, row_group_size=2)
    fmt = detect_format(source)
    chunks = list(iter_chunks(source, fmt, 3))
    assert [len(c) for c in chunks] == [3, 2]
    assert chunks[0]["raw"].tolist()[2] == b"\xff"
    outputs = []
    for name in ("a.parquet", "b.parquet"):
        target = tmp_path / name
        with TableWriter(target, schema=table.schema) as writer:
            for chunk in chunks:
                writer.write(chunk)
        outputs.append(target.read_bytes())
        assert pq.read_table(target).equals(table)
    assert outputs[0] == outputs[1]
