"""Command-line interface: `ecs-tagger train | tag | evaluate | info`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ecs_tagger.errors import EcsTaggerError

if TYPE_CHECKING:
    from ecs_tagger.tagger import Tagger

app = typer.Typer(
    help="Tag project and actor descriptions with the smart-specialisation areas of East Central Sweden.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Reusable options (one definition, many commands).
ModelOption = Annotated[
    Path | None, typer.Option("--model", "-m", help="Model folder [default: models/default].")
]
TextColOption = Annotated[
    list[str],
    typer.Option("--text-col", help="Text column; repeat to join several with a newline."),
]
SheetOption = Annotated[str | None, typer.Option(help="Excel sheet name [default: first].")]
EncodingOption = Annotated[str | None, typer.Option(help="CSV encoding [default: detect].")]
SeparatorOption = Annotated[str | None, typer.Option(help="CSV separator [default: detect].")]


def _fail(error: Exception) -> None:
    typer.echo(f"error: {error}", err=True)
    raise typer.Exit(code=2)


def _load_tagger(model: Path | None) -> Tagger:
    from ecs_tagger.tagger import Tagger

    return Tagger.load(model)


@app.command()
def tag(
    input_path: Annotated[
        Path, typer.Argument(metavar="INPUT", help="CSV, JSONL, Excel or Parquet.")
    ],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Output file (format by extension).")
    ],
    text_col: TextColOption,
    id_col: Annotated[str | None, typer.Option(help="Id column (checked for duplicates).")] = None,
    model: ModelOption = None,
    sheet: SheetOption = None,
    encoding: EncodingOption = None,
    separator: SeparatorOption = None,
    overwrite: Annotated[bool, typer.Option(help="Replace an existing output.")] = False,
    resume: Annotated[bool, typer.Option(help="Continue an interrupted run.")] = False,
    evidence: Annotated[bool, typer.Option(help="Add evidence_<area> columns.")] = False,
    summary: Annotated[Path | None, typer.Option(help="Write a JSON summary here.")] = None,
    chunk_rows: Annotated[int, typer.Option(help="Rows per chunk.")] = 500,
    engine: Annotated[str, typer.Option(help="local or dask.")] = "local",
    scheduler: Annotated[str | None, typer.Option(help="Dask scheduler address.")] = None,
) -> None:
    """Tag every row of a registry file."""
    from ecs_tagger.batch import tag_file

    try:
        if engine == "dask":
            from ecs_tagger.config import default_model_dir
            from ecs_tagger.distributed import tag_with_dask

            result = tag_with_dask(
                model or default_model_dir(),
                input_path,
                output,
                text_col,
                id_col=id_col,
                sheet=sheet,
                encoding=encoding,
                separator=separator,
                overwrite=overwrite,
                chunk_rows=chunk_rows,
                summary_path=summary,
                scheduler=scheduler,
            )
        elif engine == "local":
            result = tag_file(
                _load_tagger(model),
                input_path,
                output,
                text_col,
                id_col=id_col,
                sheet=sheet,
                encoding=encoding,
                separator=separator,
                overwrite=overwrite,
                resume=resume,
                chunk_rows=chunk_rows,
                evidence=evidence,
                progress=True,
                summary_path=summary,
            )
        else:
            raise typer.BadParameter(f"--engine must be 'local' or 'dask', not {engine!r}")
    except EcsTaggerError as error:
        _fail(error)
    typer.echo(
        result.format() if hasattr(result, "format") else json.dumps(result.to_dict()), err=True
    )


@app.command()
def train(
    output: Annotated[Path, typer.Option("--output", "-o", help="Model folder to write.")],
    labels: Annotated[
        Path | None, typer.Option(help="Labelled table [default: the corpus labels].")
    ] = None,
    text_col: Annotated[str, typer.Option(help="Text column of --labels.")] = "text",
    labels_col: Annotated[str, typer.Option(help="Areas column of --labels.")] = "areas",
    taxonomy: Annotated[Path | None, typer.Option(help="Taxonomy TOML.")] = None,
    name: Annotated[str, typer.Option(help="Model name.")] = "ecs-tagger",
    parallel_english: Annotated[bool, typer.Option(help="Add English parallel abstracts.")] = True,
    cross_validate: Annotated[bool, typer.Option(help="Report 5-fold CV metrics.")] = True,
) -> None:
    """Train a model (default: on the corpus labels) and save it."""
    from ecs_tagger.recipes import corpus_training_frames
    from ecs_tagger.tables import read_table
    from ecs_tagger.tagger import Tagger
    from ecs_tagger.taxonomy import Taxonomy
    from ecs_tagger.training import TrainSettings

    try:
        chosen = Taxonomy.from_file(taxonomy) if taxonomy else None
        if labels is None:
            data, extra = corpus_training_frames(parallel_english=parallel_english)
            text_col, labels_col = "text", "areas"
        else:
            data, extra = read_table(labels), None
        tagger = Tagger.train(
            data,
            text_col,
            labels_col,
            taxonomy=chosen,
            settings=TrainSettings(name=name),
            extra=extra,
            cross_validation=cross_validate,
        )
        tagger.save(output)
    except EcsTaggerError as error:
        _fail(error)
    typer.echo(f"saved {tagger.model_version} to {output}")
    if tagger.metrics is not None:
        typer.echo(tagger.metrics.format_table())


@app.command()
def evaluate(
    labels: Annotated[Path, typer.Option(help="Labelled table (CSV, JSONL, Excel, Parquet).")],
    text_col: Annotated[str, typer.Option(help="Text column.")] = "text",
    labels_col: Annotated[
        str, typer.Option(help="Areas column (';'-separated codes or lists).")
    ] = "areas",
    model: ModelOption = None,
    json_output: Annotated[
        Path | None, typer.Option("--json", help="Write metrics as JSON.")
    ] = None,
) -> None:
    """Print per-area precision, recall and F1 of a model on labelled data."""
    from ecs_tagger.tables import read_table

    try:
        tagger = _load_tagger(model)
        report = tagger.evaluate(read_table(labels), text_col, labels_col)
    except EcsTaggerError as error:
        _fail(error)
    typer.echo(report.format_table())
    if json_output:
        payload = {"model_version": tagger.model_version, **report.to_dict()}
        json_output.write_text(
            json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )


@app.command()
def info(model: ModelOption = None) -> None:
    """Show a model's version, taxonomy, embedding model and metrics."""
    from ecs_tagger.config import default_model_dir
    from ecs_tagger.model_io import read_manifest

    try:
        manifest = read_manifest(model or default_model_dir())
    except EcsTaggerError as error:
        _fail(error)
    typer.echo(f"model version   {manifest['model_version']}")
    typer.echo(
        f"taxonomy        {manifest['taxonomy']['name']} ({', '.join(manifest['taxonomy']['codes'])})"
    )
    typer.echo(f"embedding model {manifest.get('embedding_model_id', '')}")
    typer.echo(f"thresholds      {manifest.get('thresholds', {})}")
    cv = manifest.get("cross_validation")
    if cv:
        from ecs_tagger.metrics import MultiLabelReport

        typer.echo(MultiLabelReport.from_dict(cv["report"]).format_table())


if __name__ == "__main__":
    app()
