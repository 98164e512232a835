"""Shared data of the table tests: Swedish text and a CSV copy made chunk by chunk."""

from __future__ import annotations

from pathlib import Path

from ecs_tagger.tables import TableWriter, detect_format, iter_chunks, output_format

SWEDISH = "Projektet stärker företagens förmåga att växa i Östergötland och Gävleborg."


def write_csv_copy(source: Path, target: Path) -> None:
    fmt = detect_format(source)
    with TableWriter(target, output_format(target, fmt), header=fmt.header) as writer:
        for chunk in iter_chunks(source, fmt, 2):
            writer.write(chunk)
