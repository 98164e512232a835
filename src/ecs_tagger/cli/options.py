"""What the `ecs-tagger` commands share: reusable options, the error exits (`reported`), progress
bars on standard error, reading a table with the columns a user names, and loading a model
(main.py and similar.py use them; output.py holds the output options).

Every command reports errors the same way: an `EcsTaggerError` is one line on standard error and
exit status 2; a full disk, or a file that cannot be written, is one line that says what was
kept and what to do, and exit status 1. Flags are shown without a value in the help (``--overwrite``,
not ``--overwrite <bool>``): they take none.
"""

from __future__ import annotations

import errno
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from typer.core import TyperGroup

from ecs_tagger.errors import EcsTaggerError, counted

if TYPE_CHECKING:
    import pandas as pd

    from ecs_tagger.tagger import Tagger

#: The metavar of a flag: none (typer would show ``<bool>``, a value a flag does not take).
FLAG = ""


def _as_flag(option: Any) -> Any:
    if option is not None:
        option.metavar = FLAG
    return option


class FlagHelpGroup(TyperGroup):
    """A command group whose ``--help``, and every command's, is shown as the flag it is
    (typer shows ``--help <bool>``, but ``--help true`` is refused)."""

    def get_help_option(self, ctx: Any) -> Any:
        return _as_flag(super().get_help_option(ctx))

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            _as_flag(command.get_help_option(ctx))
        return command


# Reusable options (one definition, many commands).
ModelOption = Annotated[
    Path | None,
    typer.Option(
        "--model",
        "-m",
        metavar="DIR",
        help="Model folder.",
        show_default="$ECS_TAGGER_MODEL, else the shipped default model",
    ),
]
TextColOption = Annotated[
    list[str],
    typer.Option(
        "--text-col",
        metavar="COLUMN",
        help="Text column; repeat to join several columns with a newline.",
    ),
]
SheetOption = Annotated[
    str | None,
    typer.Option(metavar="NAME", help="Excel sheet name.", show_default="the first sheet"),
]
EncodingOption = Annotated[
    str | None,
    typer.Option(
        metavar="NAME", help="CSV encoding, e.g. utf-8 or cp1252.", show_default="detected"
    ),
]
SeparatorOption = Annotated[
    str | None,
    typer.Option(metavar="CHAR", help="CSV separator, e.g. ';'.", show_default="detected"),
]


def fail(error: Exception) -> NoReturn:
    """Print `error` as the CLI's one-line message on standard error and exit with status 2."""
    typer.echo(f"error: {error}", err=True)
    raise typer.Exit(code=2)


#: errno values of a full disk or an exceeded quota.
_DISK_FULL = frozenset({errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)})


def fail_os(error: OSError, writing: object = None, kept: str | None = None) -> NoReturn:
    """Print an `OSError` in the CLI's words and exit with status 1.

    A full disk (or quota) says so, what was `kept` (default: that nothing was written) and to
    make room and run again; any other says what went wrong with which file.
    """
    target = error.filename or writing
    if error.errno in _DISK_FULL:
        done = kept or "Nothing is lost: nothing was written. Make room on the disk and run again"
        typer.echo(
            f"error: the disk is full (no space left on device) while writing "
            f"{target or 'the output'}. {done}.",
            err=True,
        )
    else:
        reason = error.strerror or str(error)
        typer.echo(f"error: {reason}: {target}" if target else f"error: {reason}", err=True)
    raise typer.Exit(code=1)


@contextmanager
def reported(writing: object = None, kept: str | None = None) -> Iterator[None]:
    """Run a command's body with its errors reported in the CLI's words, never as a traceback:
    `EcsTaggerError` by `fail`, `OSError` by `fail_os` (`writing`: the output, `kept`: what a
    full disk leaves and how to go on). The long waits inside (loading the encoder, the word
    lists) are said on standard error (`said`)."""
    from ecs_tagger.notices import listening

    try:
        with listening(said):  # the long waits inside (the encoder's load) are said
            yield
    except EcsTaggerError as error:
        fail(error)
    except OSError as error:
        fail_os(error, writing, kept)


def read_with_columns(
    path: Path,
    columns: Sequence[tuple[str | None, str]],
    *,
    sheet: str | None = None,
    encoding: str | None = None,
    separator: str | None = None,
) -> pd.DataFrame:
    """Read a table and rename the columns the user named to the names typed.

    `columns` are (name typed, role) pairs, e.g. ``("beskrivning", "text")`` (None: not named).
    Every command finds a column the way `tag` does (`ecs_tagger.tables.find_column`: the exact
    name, else after Unicode NFC, else ignoring invisible characters and spacing), so a header
    written on macOS or with a hidden space is found by the name typed; a missing or ambiguous
    name is an `InputError` naming the file and showing the columns.
    """
    from ecs_tagger.tables import find_column, read_table

    frame = read_table(path, sheet=sheet, encoding=encoding, separator=separator)
    renames: dict[str, str] = {}
    for name, role in columns:
        if name is None:
            continue
        found = find_column(name, list(frame.columns), where=path, role=role, sheet=sheet)
        if found != name:
            renames[found] = name
    return frame.rename(columns=renames) if renames else frame


@contextmanager
def said(what: str) -> Iterator[None]:
    """A wait said on standard error, ``loading the encoder…``: the listener of
    `ecs_tagger.notices` that every command has (`reported`), and a line a command can say
    itself. On a terminal the line is erased when the wait is over, as the progress bars are;
    elsewhere (a log, a pipe) it stays."""
    terminal = sys.stderr.isatty()
    typer.echo(f"{what}…", err=True, nl=not terminal)
    try:
        yield
    finally:
        if terminal:
            typer.echo("\r\033[K", err=True, nl=False)


@contextmanager
def progress_bar(total: int, what: str, unit: str = "row") -> Iterator[Any]:
    """A progress bar on standard error over `total` units of work, noting the waits inside it
    (`ecs_tagger.notices.noted_on`: ``indexing 3/20 [… loading the word lists (sv)…]``, left
    out of its rate). Hidden when standard error is not a terminal: there a line says what is
    being done (``indexing 20 rows…``), and the waits inside are lines of their own."""
    from tqdm import tqdm

    from ecs_tagger.notices import noted_on

    bar = tqdm(total=total, desc=what, unit=unit, file=sys.stderr, disable=None, leave=False)
    line = said(f"{what} {counted(total, unit)}") if bar.disable else nullcontext()
    with bar, line, noted_on(bar):
        yield bar


def load_tagger(model: Path | None) -> Tagger:
    """The model (default: the shipped one) with its encoder loaded, so that a progress bar
    after it measures the work alone; the encoder's load is said on standard error (`said`)."""
    from ecs_tagger.tagger import Tagger

    tagger = Tagger.load(model)
    tagger.embedder.model  # noqa: B018  (loads it now: "loading the encoder…")
    return tagger
