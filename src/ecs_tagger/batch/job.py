"""The description of one tagging run: `TaggingJob`, what every engine executes.

The CLI's `tag` builds one from its options, `tag_file` from its keywords; the shared core
(`ecs_tagger.batch.core`) and the engines read nothing else. Its fields are checked when it is
made, so a bad job fails before any file is touched.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ecs_tagger.errors import InputError


@dataclass(frozen=True)
class TaggingJob:
    """Tag the text columns of `input` and write it, with the tags added, to `output`.

    `text_cols` are joined with a newline; `id_col` names rows in the summary, and rows whose id
    is on another row too are tagged and marked `duplicate_id` in `tag_status` (with
    `unique_ids`, a repeated id is an error instead). `sheet`, `encoding` and `separator`
    override what is detected. The input is read and tagged in chunks of `chunk_rows` rows;
    `evidence` adds `evidence_<code>` columns;
    `escape_formulas` escapes would-be formulas in CSV output. An existing
    output is replaced only with `overwrite`; an interrupted run goes on with `resume`. The
    summary is also written to `summary_path` as JSON. `engine` is "local" (this process) or
    "dask" (`scheduler` address, or a local cluster of `n_workers` processes).
    """

    input: Path
    output: Path
    text_cols: tuple[str, ...]
    id_col: str | None = None
    unique_ids: bool = False
    sheet: str | None = None
    encoding: str | None = None
    separator: str | None = None
    overwrite: bool = False
    resume: bool = False
    chunk_rows: int = 500
    evidence: bool = False
    #: CSV output: an apostrophe before text cells a spreadsheet would run as formulas (OWASP).
    escape_formulas: bool = False
    progress: bool = True
    summary_path: Path | None = None
    engine: str = "local"
    scheduler: str | None = None
    n_workers: int = 2

    def __post_init__(self) -> None:
        if self.scheduler is not None and self.engine != "dask":
            raise InputError("a scheduler address only makes sense with engine='dask'")
        if not self.text_cols:
            raise InputError("name at least one text column (--text-col)")
        if self.unique_ids and not self.id_col:
            raise InputError("--unique-ids needs an id column (--id-col)")
        if self.chunk_rows < 1:
            raise InputError(f"chunk_rows must be at least 1, got {self.chunk_rows}")
        if self.n_workers < 1:
            raise InputError(f"n_workers must be at least 1, got {self.n_workers}")

    @classmethod
    def of(
        cls,
        input_path: str | Path,
        output_path: str | Path,
        text_cols: Sequence[str] | str,
        **options: Any,
    ) -> TaggingJob:
        """The job of `tag_file`'s arguments: paths as text or `Path`, one column name or several.

        `options` are the other fields, by name (`id_col=`, `chunk_rows=`, `summary_path=`, ...).
        """
        summary_path = options.pop("summary_path", None)
        return cls(
            Path(input_path),
            Path(output_path),
            (text_cols,) if isinstance(text_cols, str) else tuple(text_cols),
            summary_path=None if summary_path is None else Path(summary_path),
            **options,
        )
