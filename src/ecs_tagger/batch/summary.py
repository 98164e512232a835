"""What a tagging run reports: `BatchSummary`, and the counting of the rows it wrote.

`RowCounts` tallies the result columns as the output is written (statuses, areas, rows without an
area, the first problem rows); `BatchSummary` is what `tag_file` returns and `summary_path` holds.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd

from ecs_tagger.errors import counted
from ecs_tagger.model.results import SKIP_STATUSES
from ecs_tagger.statuses import primary_status
from ecs_tagger.tables.cells import is_blank, text_cell

#: How many rows that are not `ok` the summary names.
PROBLEM_EXAMPLES = 20


@dataclass
class BatchSummary:
    """What a `tag_file` run did; `to_dict()` is what `summary_path` holds."""

    rows: int
    statuses: dict[str, int]
    areas: dict[str, int]
    seconds: float
    rows_per_second: float
    encoding: str | None
    separator: str | None
    input: str
    output: str
    model_version: str
    warnings: list[str] = field(default_factory=list)
    sheet: str | None = None
    input_format: str = ""
    output_format: str = ""
    rows_without_area: int = 0
    untagged_rows: int = 0
    chunks: int = 0
    chunks_resumed: int = 0
    chunk_rows: int = 0
    engine: str = "local"
    timings: dict[str, float] = field(default_factory=dict)
    problem_rows: list[dict[str, Any]] = field(default_factory=list)
    #: The first repeated ids of the id column, each `{"id": ..., "rows": [...]}` (data rows from
    #: 1); how many ids repeat, and on how many rows (each marked `duplicate_id` in `tag_status`).
    duplicate_ids: list[dict[str, Any]] = field(default_factory=list)
    duplicate_id_count: int = 0
    duplicate_id_rows: int = 0
    #: The language of most rows: texts too short to tell are taken to be in it.
    language: str = "sv"
    #: Data rows (from 1) that repeat the header: kept, marked `not_text`, not counted as projects.
    repeated_header_rows: list[int] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["seconds"] = round(self.seconds, 3)
        data["rows_per_second"] = round(self.rows_per_second, 2)
        data["timings"] = {k: round(v, 3) for k, v in self.timings.items()}
        return data

    def format(self) -> str:
        """The same as `describe()`."""
        return self.describe()

    def describe(self) -> str:
        """A short human-readable report for the end of a run."""
        lines = [
            f"Tagged {counted(self.rows, 'row')} of {self.input} into {self.output} "
            f"in {self.seconds:.1f} s ({self.rows_per_second:.1f} rows/s), "
            f"model {self.model_version}.",
            "Status: " + ", ".join(f"{k} {v}" for k, v in sorted(self.statuses.items())),
            "Areas: "
            + ", ".join(f"{k} {v}" for k, v in self.areas.items())
            + f", none {self.rows_without_area}",
        ]
        if self.encoding or self.separator:
            found = [f"encoding {self.encoding}"] if self.encoding else []
            if self.separator:
                found.append(f"separator {self.separator!r}")
            lines.append("Read with " + ", ".join(found) + ".")
        if self.chunks_resumed:
            lines.append(
                f"Resumed: {self.chunks_resumed} of {counted(self.chunks, 'chunk')} already done."
            )
        lines.extend(f"Warning: {w}" for w in self.warnings)
        return "\n".join(lines)


@dataclass
class RowCounts:
    """The tally of the rows written: statuses, areas, rows without an area, problem rows."""

    statuses: Counter[str] = field(default_factory=Counter)
    areas: Counter[str] = field(default_factory=Counter)
    without_area: int = 0
    problems: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def add(self, results: pd.DataFrame, chunk: pd.DataFrame, id_column: str | None) -> None:
        """Count the result columns of a chunk (its input rows give the row numbers and ids)."""
        statuses = [str(s) for s in results["tag_status"].tolist()]
        codes_of_rows = [str(a) if not is_blank(a) else "" for a in results["areas"].tolist()]
        ids = chunk[id_column].tolist() if id_column else [None] * len(chunk)
        for position, (status_text, areas, ident) in enumerate(
            zip(statuses, codes_of_rows, ids, strict=True)
        ):
            status = primary_status(status_text)
            self.statuses[status] += 1
            found = [a for a in areas.split(";") if a]
            self.areas.update(found)
            if not found and status not in SKIP_STATUSES:
                self.without_area += 1
            if status != "ok" and len(self.problems) < PROBLEM_EXAMPLES:
                entry: dict[str, Any] = {
                    "row": int(chunk.index[position]) + 1,
                    "status": status_text,
                }
                if id_column:
                    entry["id"] = None if is_blank(ident) else text_cell(ident)
                self.problems.append(entry)

    @property
    def untagged(self) -> int:
        """Rows that could not be tagged (empty, not text)."""
        return sum(n for status, n in self.statuses.items() if status in SKIP_STATUSES)

    def untagged_warning(self) -> str | None:
        """The warning that names the rows that could not be tagged, if any."""
        if not self.untagged:
            return None
        kinds = ", ".join(
            f"{status} {n}"
            for status, n in sorted(self.statuses.items())
            if status in SKIP_STATUSES
        )
        return (
            f"{counted(self.untagged, 'row')} could not be tagged ({kinds}); "
            f"{'it is' if self.untagged == 1 else 'they are'} kept, marked in tag_status"
        )

    def area_counts(self, codes: Sequence[str]) -> dict[str, int]:
        """Rows per area, every area of the taxonomy named (in its order)."""
        return {code: self.areas.get(code, 0) for code in codes}
