"""Parquet: columns keep their Arrow types exactly (frames use `pd.ArrowDtype`).

Rows are streamed by record batch. Output is zstd-compressed, in row groups of `row_group_rows`
rows, with the schema given or inferred from the first frame (`ecs_tagger.tables.schema`).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from ecs_tagger.errors import InputError
from ecs_tagger.tables.base import (
    WHOLE_CHUNK_ROWS,
    FormatWriter,
    ReadOptions,
    TableFormat,
    WriteOptions,
    close_quietly,
    whole_table,
)
from ecs_tagger.tables.schema import infer_schema, to_arrow

EXTENSIONS = (".parquet",)
SHEETS = False


def detect(path: Path, options: ReadOptions) -> TableFormat:
    """Columns and row count of a Parquet file (the options do not apply)."""
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
    except Exception as error:  # pyarrow raises ArrowInvalid, OSError, ...
        raise InputError(f"{path}: not a readable Parquet file: {error}") from None
    names = tuple(parquet.schema_arrow.names)
    if len(set(names)) != len(names):
        raise InputError(f"{path}: the Parquet file repeats column names: {', '.join(names)}")
    return TableFormat(
        "parquet", None, None, None, False, "\n", names, names, parquet.metadata.num_rows
    )


def parquet_schema(path: str | Path) -> Any:
    """The Arrow schema of a Parquet file (pandas metadata dropped)."""
    import pyarrow.parquet as pq

    return pq.ParquetFile(path).schema_arrow.remove_metadata()


def iter_chunks(path: Path, fmt: TableFormat, chunk_rows: int) -> Iterator[pd.DataFrame]:
    """Frames of exactly `chunk_rows` rows (the last one shorter), whatever the row groups are."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    parquet = pq.ParquetFile(path)
    schema = parquet.schema_arrow.remove_metadata()
    buffer: list[Any] = []
    buffered = 0
    start = 0

    def emit(table: Any) -> pd.DataFrame:
        frame = table.to_pandas(types_mapper=pd.ArrowDtype, ignore_metadata=True)
        frame.index = pd.RangeIndex(start, start + table.num_rows)
        return frame

    for batch in parquet.iter_batches(batch_size=chunk_rows):
        buffer.append(batch)
        buffered += batch.num_rows
        while buffered >= chunk_rows:
            table = pa.Table.from_batches(buffer, schema=schema)
            yield emit(table.slice(0, chunk_rows))
            start += chunk_rows
            rest = table.slice(chunk_rows)
            buffer, buffered = rest.to_batches(), rest.num_rows
    if buffered or start == 0:
        yield emit(pa.Table.from_batches(buffer, schema=schema))


def read(path: Path, fmt: TableFormat) -> pd.DataFrame:
    """The whole file as one frame."""
    return whole_table(iter_chunks(path, fmt, WHOLE_CHUNK_ROWS))


def output_format(path: Path, like: TableFormat | None = None) -> TableFormat:
    """Parquet output has no options to take from the input."""
    return TableFormat("parquet", encoding=None)


class _ParquetWriter:
    """Converts frames to Arrow and writes them in row groups of `row_group_rows` rows."""

    def __init__(self, temp: Path, options: WriteOptions) -> None:
        self.temp = temp
        self.options = options
        self.schema = options.schema
        self._parquet: Any = None
        self._pending: list[Any] = []
        self._pending_rows = 0

    def write(self, frame: pd.DataFrame) -> None:
        if self._parquet is None:
            import pyarrow.parquet as pq

            if self.schema is None:
                self.schema = infer_schema([frame])
            self._parquet = pq.ParquetWriter(self.temp, self.schema, compression="zstd")
        self._pending.append(to_arrow(frame, self.schema, where=self.options.where))
        self._pending_rows += len(frame)
        if self._pending_rows >= self.options.row_group_rows:
            self._flush()

    def _flush(self) -> None:
        import pyarrow as pa

        if self._pending:
            table = pa.concat_tables(self._pending)
            self._parquet.write_table(table, row_group_size=max(1, table.num_rows))
        self._pending, self._pending_rows = [], 0

    def finish(self) -> list[str]:
        self._flush()
        self._parquet.close()
        return []

    def abort(self) -> None:
        close_quietly(self._parquet)


def open_writer(temp: Path, fmt: TableFormat, options: WriteOptions) -> FormatWriter:
    """A writer of Parquet row groups into `temp`; the file is made at the first frame."""
    return _ParquetWriter(temp, options)
