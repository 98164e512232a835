"""What the `ecs-tagger` commands share: reusable options, the error exit, progress bars on standard
error, and loading a model (main.py and similar.py use them)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

if TYPE_CHECKING:
    from ecs_tagger.tagger import Tagger

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


def progress_steps(description: str, total: int) -> Any:
    """A progress bar on standard error over `total` named steps (hidden when not a terminal)."""
    from tqdm import tqdm

    return tqdm(
        total=total,
        desc=description,
        unit="step",
        file=sys.stderr,
        disable=None,
        leave=False,
        bar_format="{desc} {n}/{total}{postfix}",  # loading model 1/2, <step>
    )


def load_tagger(model: Path | None) -> Tagger:
    """The model (default: the shipped one) with its embedding model loaded, progress on stderr."""
    from ecs_tagger.tagger import Tagger

    with progress_steps("loading model", 2) as bar:
        bar.set_postfix_str("reading the model files")
        tagger = Tagger.load(model)
        bar.update()
        bar.set_postfix_str("loading the embedding model")
        tagger.embedder.model  # noqa: B018  (loads it now, under the progress bar)
        bar.update()
    return tagger
