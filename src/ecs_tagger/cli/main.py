"""Command-line interface: `ecs-tagger tag | train | evaluate | info`, and (from similar.py)
the commands on a registry index."""

from __future__ import annotations

import json
import logging
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ecs_tagger.cli import serve as cli_serve
from ecs_tagger.cli import similar as cli_similar
from ecs_tagger.cli.options import (
    FLAG,
    EncodingOption,
    FlagHelpGroup,
    ModelOption,
    SeparatorOption,
    SheetOption,
    TextColOption,
    load_tagger,
    progress_bar,
    read_with_columns,
    reported,
)
from ecs_tagger.cli.output import (
    OUTPUT_HELP,
    FormatOption,
    OverwriteOption,
    is_stdout,
    stream_suffix,
)
from ecs_tagger.errors import EcsTaggerError, InputError, counted

if TYPE_CHECKING:
    from ecs_tagger.embedding.encoder import Embedder
    from ecs_tagger.embedding.finetune import FineTuneSettings

app = typer.Typer(
    help="Tag project and actor descriptions with the smart-specialisation areas of East Central Sweden.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    cls=FlagHelpGroup,
)


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        from ecs_tagger import __version__

        try:
            installed = version("ecs-tagger")
        except PackageNotFoundError:  # run from a checkout that is not installed
            installed = __version__
        typer.echo(f"ecs-tagger {installed}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_version,
            is_eager=True,
            metavar=FLAG,
            help="Show the version and exit.",
        ),
    ] = False,
) -> None:
    """The options before any command (the app's help is given to `typer.Typer` above)."""


@app.command()
def tag(
    input_path: Annotated[
        Path, typer.Argument(metavar="INPUT", help="Registry: CSV, JSONL, JSON, Excel or Parquet.")
    ],
    output: Annotated[
        Path,
        typer.Option(
            "--output",
            "-o",
            metavar="FILE",
            help=OUTPUT_HELP.replace("the results", "the registry with its tags"),
        ),
    ],
    text_col: TextColOption,
    id_col: Annotated[
        str | None,
        typer.Option(
            metavar="COLUMN",
            help="Id column: names rows in the summary; rows whose id repeats are tagged and "
            "marked duplicate_id.",
        ),
    ] = None,
    unique_ids: Annotated[
        bool,
        typer.Option(
            "--unique-ids", metavar=FLAG, help="Refuse the file if an id of --id-col repeats."
        ),
    ] = False,
    model: ModelOption = None,
    sheet: SheetOption = None,
    encoding: EncodingOption = None,
    separator: SeparatorOption = None,
    output_format: FormatOption = None,
    overwrite: OverwriteOption = False,
    resume: Annotated[
        bool,
        typer.Option(
            "--resume", metavar=FLAG, help="Continue an interrupted run from its part files."
        ),
    ] = False,
    evidence: Annotated[
        bool,
        typer.Option("--evidence", metavar=FLAG, help="Add an evidence_<area> column per area."),
    ] = False,
    escape_formulas: Annotated[
        bool,
        typer.Option(
            "--escape-formulas",
            metavar=FLAG,
            help="CSV output: put an apostrophe before text cells starting with = + - @, a tab "
            "or a carriage return, so that Excel shows them as text instead of running them as "
            "formulas (changes those cells; .xlsx output always writes text as text).",
        ),
    ] = False,
    summary: Annotated[
        Path | None,
        typer.Option(
            "--summary",
            "--json",
            metavar="FILE",
            help="Also write a JSON summary of the run (- for standard output).",
        ),
    ] = None,
    chunk_rows: Annotated[int, typer.Option(help="Rows read, tagged and written at a time.")] = 500,
    engine: Annotated[str, typer.Option(help="Where to tag: local or dask.")] = "local",
    scheduler: Annotated[
        str | None,
        typer.Option(
            metavar="ADDRESS",
            help="Dask scheduler, e.g. tcp://host:8786 (with --engine dask).",
            show_default="a local cluster",
        ),
    ] = None,
) -> None:
    """Tag every row of a registry file."""
    import tempfile
    from contextlib import ExitStack

    from ecs_tagger.batch import TaggingJob, run_job
    from ecs_tagger.config import default_model_dir
    from ecs_tagger.tables import atomic_write_bytes

    to_stdout = is_stdout(output)
    kept = (
        None
        if to_stdout
        else f"Nothing is lost: the input is untouched, no partial output was left, and the "
        f"chunks tagged so far are kept in {output.name}.parts. Make room on the disk and run "
        "the same command again with --resume"
    )
    with reported(output, kept), ExitStack() as stack:
        suffix = stream_suffix(output, output_format)
        if to_stdout and resume:
            raise InputError("--resume needs an output file; standard output cannot be continued")
        if to_stdout and is_stdout(summary):
            raise InputError("only one of --output and --summary can be - (standard output)")
        target = output
        if suffix is not None:  # tagged into a temporary file, then copied to standard output
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="ecs-tagger-")))
            target = folder / f"{input_path.stem}-tagged{suffix}"
        own_summary = summary is not None and (to_stdout or is_stdout(summary))
        job = TaggingJob(
            input_path,
            target,
            tuple(text_col),
            id_col=id_col,
            unique_ids=unique_ids,
            sheet=sheet,
            encoding=encoding,
            separator=separator,
            overwrite=overwrite,
            resume=resume,
            chunk_rows=chunk_rows,
            evidence=evidence,
            escape_formulas=escape_formulas,
            summary_path=None if own_summary else summary,
            engine=engine,
            scheduler=scheduler,
        )
        result = run_job(job, model or default_model_dir())
        if to_stdout:
            with target.open("rb") as written:
                while block := written.read(1 << 20):
                    typer.echo(block, nl=False)
            result.output = "-"
        if own_summary and summary is not None:
            text = json.dumps(result.to_dict(), ensure_ascii=False, indent=2) + "\n"
            if is_stdout(summary):
                typer.echo(text, nl=False)
            else:
                atomic_write_bytes(summary, text.encode("utf-8"))
    typer.echo(result.describe(), err=True)


@app.command()
def train(
    output: Annotated[
        Path, typer.Option("--output", "-o", metavar="DIR", help="Model folder to write.")
    ],
    labels: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE",
            help="Labelled table (CSV, JSONL, JSON, Excel, Parquet).",
            show_default="the corpus labels",
        ),
    ] = None,
    text_col: Annotated[
        str, typer.Option(metavar="COLUMN", help="Text column of --labels.")
    ] = "text",
    labels_col: Annotated[
        str, typer.Option(metavar="COLUMN", help="Areas column of --labels (codes joined by ';').")
    ] = "areas",
    taxonomy: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE",
            help="Taxonomy TOML.",
            show_default="the four areas of East Central Sweden",
        ),
    ] = None,
    name: Annotated[str, typer.Option(help="Model name.")] = "ecs-tagger",
    parallel_english: Annotated[
        bool,
        typer.Option(
            metavar=FLAG, help="With the corpus labels: add the English parallel abstracts."
        ),
    ] = True,
    cross_validate: Annotated[
        bool, typer.Option(metavar=FLAG, help="Report 5-fold cross-validated metrics (slower).")
    ] = True,
    every_labels_file: Annotated[
        bool,
        typer.Option(
            "--every-labels-file",
            metavar=FLAG,
            help="With the corpus labels: also those the shipped recipe leaves out (round 3).",
        ),
    ] = False,
    vectors_from: Annotated[
        Path | None,
        typer.Option(
            metavar="DIR",
            help="Model folder whose saved training-text vectors are copied into the embedding "
            "cache first (texts it holds are not embedded again).",
            show_default="the default model, when training on the corpus labels",
        ),
    ] = None,
    finetune: Annotated[
        str,
        typer.Option(
            metavar="PROTOCOL",
            help="Tune the encoder's top layers first: none, top2 (1 epoch) or top4 (3 epochs; "
            "about 25 min a run on 2 cores with bf16, run again in each cross-validation fold).",
        ),
    ] = "none",
) -> None:
    """Train a model (default: on the corpus labels) and save it."""
    from tqdm import tqdm

    from ecs_tagger.corpus import label_file_digests
    from ecs_tagger.embedding.encoder import Embedder
    from ecs_tagger.model.recipes import (
        SHIPPED_LEFT_OUT_LABEL_FILES,
        SHIPPED_TITLES,
        corpus_training_frames,
        shipped_label_files,
        shipped_train_settings,
    )
    from ecs_tagger.model.taxonomy import Taxonomy
    from ecs_tagger.tagger import Tagger

    with reported(output):
        chosen = Taxonomy.from_file(taxonomy) if taxonomy else None
        learned_from: dict[str, str] | None = None
        left_out: dict[str, str] | None = None
        if labels is None:
            names = None if every_labels_file else shipped_label_files()
            data, extra = corpus_training_frames(
                parallel_english=parallel_english, titles=SHIPPED_TITLES, label_files=names
            )
            text_col, labels_col = "text", "areas"
            learned_from = label_file_digests(names=names)
            left_out = {
                name: why
                for name, why in SHIPPED_LEFT_OUT_LABEL_FILES.items()
                if name not in learned_from
            }
        else:
            columns = [(text_col, "text"), (labels_col, "labels")]
            data, extra = read_with_columns(labels, columns), None
        settings = replace(shipped_train_settings(name), finetune=_finetune_settings(finetune))
        embedder = Embedder(settings.embedder)
        if labels is None or vectors_from is not None:  # the default model's texts: the corpus's
            _reuse_vectors(embedder, vectors_from)
        rows = len(data) + (len(extra) if extra is not None else 0)
        typer.echo(
            f"training on {counted(rows, 'text')}"
            + (" (with 5-fold cross-validation)" if cross_validate else ""),
            err=True,
        )
        with tqdm(
            total=rows,
            desc="preprocessing and embedding",
            unit="text",
            file=sys.stderr,
            disable=None,
            leave=False,
        ) as bar:
            tagger = Tagger.train(
                data,
                text_col,
                labels_col,
                taxonomy=chosen,
                settings=settings,
                extra=extra,
                embedder=embedder,
                cross_validation=cross_validate,
                progress=bar.update,
                label_files=learned_from,
                label_files_left_out=left_out,
            )
        tagger.save(output)
    typer.echo(f"saved {tagger.model_version} to {output}")
    if tagger.metrics is not None:
        typer.echo(tagger.metrics.format_table())


def _finetune_settings(protocol: str) -> FineTuneSettings | None:
    """The tuning protocol `--finetune` names (UsageError for an unknown one); its steps are
    reported on standard error."""
    from ecs_tagger.embedding.finetune import LOGGER, TOP4_PROTOCOL, FineTuneSettings

    protocols = {"none": None, "top2": FineTuneSettings(), "top4": TOP4_PROTOCOL}
    if protocol not in protocols:
        raise typer.BadParameter(
            f"{protocol!r} is not one of {', '.join(protocols)}", param_hint="--finetune"
        )
    if protocols[protocol] is not None and not LOGGER.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("fine-tuning: %(message)s"))
        LOGGER.addHandler(handler)
        LOGGER.setLevel(logging.INFO)
    return protocols[protocol]


def _reuse_vectors(embedder: Embedder, folder: Path | None) -> None:
    """Copy the training vectors saved in `folder` (default: the default model) into the
    embedding cache of `embedder`; say on standard error what was used, or why nothing was."""
    from ecs_tagger.config import default_model_dir
    from ecs_tagger.errors import ModelError
    from ecs_tagger.model.files import prefill_from_model

    directory = folder if folder is not None else default_model_dir()
    if folder is None and not (directory / "manifest.json").is_file():
        return
    try:
        offered = prefill_from_model(embedder, directory)
    except ModelError as error:
        typer.echo(f"not reusing the training vectors of {directory}: {error}", err=True)
        return
    if offered:
        typer.echo(
            f"reusing the saved vectors of {counted(offered, 'training text')} from {directory}",
            err=True,
        )
    elif folder is not None:
        typer.echo(
            f"{directory} has no saved training vectors for encoder {embedder.model_id}",
            err=True,
        )


@app.command()
def evaluate(
    labels: Annotated[
        Path,
        typer.Option(metavar="FILE", help="Labelled table (CSV, JSONL, JSON, Excel, Parquet)."),
    ],
    text_col: Annotated[str, typer.Option(metavar="COLUMN", help="Text column.")] = "text",
    labels_col: Annotated[
        str,
        typer.Option(metavar="COLUMN", help="Areas column: codes joined by ';', empty for none."),
    ] = "areas",
    model: ModelOption = None,
    json_output: Annotated[
        Path | None,
        typer.Option(
            "--json",
            "--summary",
            metavar="FILE",
            help="Also write the metrics as JSON (- for standard output).",
        ),
    ] = None,
) -> None:
    """Print per-area precision, recall and F1 of a model on labelled data."""
    from ecs_tagger.tables import atomic_write_bytes

    with reported(json_output):
        data = read_with_columns(labels, [(text_col, "text"), (labels_col, "labels")])
        tagger = load_tagger(model)
        with progress_bar(len(data), "tagging", "text") as bar:
            report = tagger.evaluate(data, text_col, labels_col, progress=bar.update)
        payload = {"model_version": tagger.model_version, **report.to_dict()}
        text = json.dumps(payload, indent=2, ensure_ascii=False) + "\n"
        if is_stdout(json_output):
            typer.echo(text, nl=False)
            return
        typer.echo(report.format_table())
        if json_output is not None:
            atomic_write_bytes(json_output, text.encode("utf-8"))


@app.command()
def info(model: ModelOption = None) -> None:
    """Show a model's version, taxonomy, embedding model and metrics."""
    from ecs_tagger.config import default_model_dir
    from ecs_tagger.corpus import unseen_label_files
    from ecs_tagger.model.files import read_manifest

    with reported():
        manifest = read_manifest(model or default_model_dir())
    codes = list(manifest["taxonomy"]["codes"])  # the taxonomy's order (the JSON sorts keys)
    thresholds = manifest.get("thresholds", {})
    typer.echo(f"model version   {manifest['model_version']}")
    typer.echo(f"taxonomy        {manifest['taxonomy']['name']} ({', '.join(codes)})")
    typer.echo(f"embedding model {manifest.get('embedding_model_id', '')}")
    preprocess = manifest.get("settings", {}).get("preprocess")
    if preprocess is not None:
        from ecs_tagger.preprocess import PreprocessSettings

        typer.echo(f"reads text      {PreprocessSettings.from_dict(preprocess).describe()}")
    typer.echo(
        "thresholds      " + ", ".join(f"{c} {thresholds[c]:.2f}" for c in codes if c in thresholds)
    )
    cv = manifest.get("cross_validation")
    if cv:
        from ecs_tagger.model.metrics import MultiLabelReport

        report = dict(cv["report"])
        areas = report["areas"]
        report["areas"] = {c: areas[c] for c in [*codes, *sorted(set(areas) - set(codes))]}
        typer.echo("cross-validated metrics (out of fold):")
        typer.echo(MultiLabelReport.from_dict(report).format_table())
        for kind, data in (cv.get("by_kind") or {}).items():  # English parallels, titles, sources
            kind_report = MultiLabelReport.from_dict(data)
            typer.echo(
                f"CV {kind:<14}macro-F1 {kind_report.macro_f1:.3f} ({kind_report.n_documents} rows)"
            )
    if manifest.get("training_time"):
        typer.echo(f"training time   {sum(manifest['training_time'].values()) / 60:.1f} min")
    vectors = manifest.get("training_vectors")
    if vectors:
        typer.echo(
            f"training vectors {vectors.get('texts', 0)} texts ({vectors.get('dtype', '')}), "
            "copied into the embedding cache before retraining"
        )
    learned = manifest.get("training_data", {}).get("label_files")
    left_out = manifest.get("training_data", {}).get("label_files_left_out") or {}
    if learned:
        typer.echo(f"learned from    {', '.join(sorted(learned))}")
        for name, why in sorted(left_out.items()):
            typer.echo(f"left out        {name}: {why}")
        try:
            unseen = unseen_label_files(learned, left_out=left_out)
        except EcsTaggerError:
            unseen = {}  # no corpus here: nothing to compare with
        if unseen:
            listed = ", ".join(f"{name} ({why})" for name, why in sorted(unseen.items()))
            typer.echo(
                f"note: the corpus holds labels this model has not learned from: {listed}; "
                "`ecs-tagger train` retrains on all of them"
            )


# -- similar initiatives: index, similar, match, actors, portfolio (similar.py) ------------
app.add_typer(cli_similar.index_app, name="index")
for _command in cli_similar.COMMANDS:
    app.command()(_command)
app.command()(cli_serve.serve)  # the web service (serve.py)


if __name__ == "__main__":
    app()
