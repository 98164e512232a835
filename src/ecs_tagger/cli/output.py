"""The output options every command that writes results shares, and the writing itself.

One rule for `tag`, `similar`, `match`, `actors` and `portfolio`: ``-o FILE`` writes CSV (.csv,
.tsv), JSON Lines (.jsonl), JSON (.json, an array of objects), Excel (.xlsx) or Parquet
(.parquet), the format told by the extension; ``-o -`` writes to standard output, as CSV or
as ``--format`` says (csv, tsv, jsonl or json: Excel and Parquet are not text); an existing
file is replaced only with ``--overwrite``, atomically (`ecs_tagger.tables.TableWriter`).
"""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ecs_tagger.cli.options import FLAG
from ecs_tagger.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

#: The output path that means standard output.
STDOUT = "-"
#: The formats standard output can take, and the extension each stands for.
STREAM_FORMATS = {"csv": ".csv", "tsv": ".tsv", "jsonl": ".jsonl", "json": ".json"}

OUTPUT_HELP = (
    "Write the results to FILE: .csv, .tsv, .jsonl, .json, .xlsx or .parquet (by extension); "
    "- for standard output (CSV, or as --format says)."
)
OutputOption = Annotated[
    Path | None, typer.Option("--output", "-o", metavar="FILE", help=OUTPUT_HELP)
]
FormatOption = Annotated[
    str | None,
    typer.Option(
        "--format",
        metavar="FORMAT",
        help="Format of standard output (-o -): csv, tsv, jsonl or json.",
        show_default="csv",
    ),
]
OverwriteOption = Annotated[
    bool, typer.Option("--overwrite", metavar=FLAG, help="Replace an existing output file.")
]


def is_stdout(path: Path | str | None) -> bool:
    """Whether `path` is ``-``, standard output."""
    return path is not None and str(path) == STDOUT


def stream_suffix(output: Path | str | None, format_name: str | None) -> str | None:
    """The extension of what goes to standard output (`output` is ``-``), else None.

    `InputError` for an unknown ``--format``, or ``--format`` with an output file (whose
    extension tells its format).
    """
    if format_name is not None and not is_stdout(output):
        raise InputError(
            "--format is for standard output (-o -); a file's format comes from its extension "
            "(.csv, .tsv, .jsonl, .json, .xlsx, .parquet)"
        )
    if not is_stdout(output):
        return None
    name = (format_name or "csv").lower().lstrip(".")
    if name in ("xlsx", "excel", "parquet"):
        raise InputError(
            f"{name} is not text and cannot go to standard output: name a file (-o out.{name})"
        )
    if name not in STREAM_FORMATS:
        raise InputError(
            f"unknown --format {format_name!r}: use one of {', '.join(STREAM_FORMATS)}"
        )
    return STREAM_FORMATS[name]


def check_output(output: Path, overwrite: bool) -> None:
    """`InputError` for an output file of an unknown format, in a missing folder, or that exists
    (without `overwrite`): checked before the work starts."""
    from ecs_tagger.tables import kind_of

    kind_of(output)
    if output.exists() and not overwrite:
        raise InputError(f"{output}: the output file exists; use --overwrite to replace it")
    if not output.parent.is_dir():
        raise InputError(f"{output}: the folder {output.parent} does not exist")


def write_results(
    frame: pd.DataFrame,
    output: Path,
    *,
    format_name: str | None = None,
    overwrite: bool = False,
) -> str:
    """Write a results table to `output` (``-``: standard output); returns where, for messages.

    CSV files start with a byte-order mark, so that Excel opens them with å, ä and ö intact
    (standard output has none).
    """
    suffix = stream_suffix(output, format_name)
    frame = frame.reset_index(drop=True)
    if suffix is not None:
        with tempfile.TemporaryDirectory(prefix="ecs-tagger-") as folder:
            target = Path(folder) / f"results{suffix}"
            _write_file(frame, target, bom=False)
            typer.echo(target.read_text(encoding="utf-8"), nl=False)
        return "standard output"
    check_output(output, overwrite)
    _write_file(frame, output, overwrite=overwrite, bom=True)
    return str(output)


def _write_file(frame: pd.DataFrame, path: Path, *, overwrite: bool = False, bom: bool) -> None:
    from ecs_tagger.tables import TableWriter, output_format

    fmt = output_format(path)
    if fmt.kind == "csv" and bom:
        fmt = dataclasses.replace(fmt, encoding="utf-8-sig", had_bom=True)
    with TableWriter(path, fmt, overwrite=overwrite) as writer:
        writer.write(frame)
    for warning in writer.warnings:
        typer.echo(f"warning: {warning}", err=True)
