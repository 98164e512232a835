"""Atomic writing: tables frame by frame (`TableWriter`), small files at once (`atomic_write_bytes`).

Output goes to a hidden temporary file beside the target that is renamed into place when it is
complete; an aborted write leaves no partial output. The format's module writes the rows.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from ecs_tagger.errors import InputError
from ecs_tagger.tables.base import FormatWriter, TableFormat, WriteOptions
from ecs_tagger.tables.cells import text_cell
from ecs_tagger.tables.registry import FORMATS, kind_of


def output_format(path: str | Path, like: TableFormat | None = None) -> TableFormat:
    """How to write `path`: its kind by extension, in the style of the input `like` where it fits.

    CSV output is always UTF-8; it keeps the input's separator and line ends, and starts with a BOM
    when the input had one or was in a legacy encoding (so that Excel opens it with the right
    letters). `.tsv` output is tab-separated. Excel output keeps the input's sheet name.
    """
    return FORMATS[kind_of(path)].output_format(Path(path), like)


def file_mode() -> int:
    """The permissions a new file gets from the user's umask (``0o644`` under the usual ``022``):
    for files made private by `tempfile.mkstemp` that are meant to be shared like any other."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write a small file atomically (temp file beside it, then rename)."""
    temp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with temp.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temp, path)


class TableWriter:
    """Appends frames to a table file; a temporary file is renamed into place by `close()`.

    `fmt` comes from `output_format`; `header` (optional) gives the header cells to write instead of
    the frame's column names, for the leading columns (CSV and Excel). `schema` fixes the Arrow
    schema of Parquet output (otherwise taken from the first frame). `escape_formulas` (CSV output
    only) puts an apostrophe before every text cell that starts with ``=`` ``+`` ``-`` ``@``, a
    tab or a carriage return, so that a spreadsheet shows it as text instead of running it as a
    formula (OWASP's advice on CSV injection); other formats need no escaping (Excel output writes
    every text as a text cell). Used as a context manager, the
    file is committed on success and removed on error. `warnings` lists what was changed to fit the
    format (e.g. Excel's 32,767-character cell limit).
    """

    #: A cell as CSV writes it (kept here for callers that use it through the writer).
    _text_cell = staticmethod(text_cell)

    def __init__(
        self,
        path: str | Path,
        fmt: TableFormat | None = None,
        *,
        overwrite: bool = False,
        header: Sequence[Any] | None = None,
        schema: Any = None,
        row_group_rows: int = 20_000,
        escape_formulas: bool = False,
    ) -> None:
        self.path = Path(path)
        self.fmt = fmt or output_format(self.path)
        if self.path.exists() and not overwrite:
            raise InputError(f"{self.path}: the output file exists; use --overwrite to replace it")
        if not self.path.parent.is_dir():
            raise InputError(f"{self.path}: the folder {self.path.parent} does not exist")
        self.overwrite = overwrite
        self.header = list(header) if header is not None else None
        self.schema = schema
        self.row_group_rows = row_group_rows
        self.escape_formulas = escape_formulas
        self.temp = self.path.with_name(f".{self.path.name}.partial-{os.getpid()}")
        self.rows = 0
        self.warnings: list[str] = []
        self._columns: list[str] | None = None
        self._writer: FormatWriter | None = None
        self._closed = False

    # -- context manager -----------------------------------------------------------------------
    def __enter__(self) -> TableWriter:
        return self

    def __exit__(self, kind: Any, error: Any, traceback: Any) -> None:
        if kind is None:
            self.close()
        else:
            self.abort()

    # -- writing -------------------------------------------------------------------------------
    def _header_cells(self, columns: list[str]) -> list[Any]:
        if self.header is None:
            return list(columns)
        cells = list(self.header[: len(columns)])
        return cells + list(columns[len(cells) :])

    def _open(self, columns: list[str]) -> FormatWriter:
        options = WriteOptions(
            header=tuple(self._header_cells(columns)),
            schema=self.schema,
            row_group_rows=self.row_group_rows,
            where=str(self.path),
            escape_formulas=self.escape_formulas,
        )
        self._writer = FORMATS[self.fmt.kind].open_writer(self.temp, self.fmt, options)
        return self._writer

    def write(self, frame: pd.DataFrame) -> None:
        """Append the rows of `frame`; every frame must have the same columns as the first."""
        if self._closed:
            raise ValueError("the writer is closed")
        columns = [str(c) for c in frame.columns]
        if self._columns is None:
            self._columns = columns
            writer = self._open(columns)
        elif columns != self._columns:
            raise ValueError(f"columns changed between chunks: {self._columns} then {columns}")
        else:
            assert self._writer is not None
            writer = self._writer
        writer.write(frame)
        self.rows += len(frame)

    # -- finishing -----------------------------------------------------------------------------
    def close(self) -> Path:
        """Finish the file and move it into place; returns the final path."""
        if self._closed:
            return self.path
        if self._columns is None:
            raise ValueError("nothing was written: write at least one (possibly empty) frame")
        try:
            assert self._writer is not None
            self.warnings.extend(self._writer.finish())
            if self.path.exists() and not self.overwrite:
                raise InputError(
                    f"{self.path}: the output file appeared while writing; not replaced"
                )
            os.replace(self.temp, self.path)
        except BaseException:
            self.abort()
            raise
        self._closed = True
        return self.path

    def abort(self) -> None:
        """Drop the temporary file; the target is left as it was."""
        self._closed = True
        if self._writer is not None:
            self._writer.abort()
        self.temp.unlink(missing_ok=True)
