"""Command-line interface: `ecs-tagger train | tag | evaluate | info`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

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
                resume=resume,
                chunk_rows=chunk_rows,
                evidence=evidence,
                progress=True,
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
    from ecs_tagger.recipes import (
        SHIPPED_TITLES,
        corpus_training_frames,
        shipped_train_settings,
    )
    from ecs_tagger.tables import read_table
    from ecs_tagger.tagger import Tagger
    from ecs_tagger.taxonomy import Taxonomy

    try:
        chosen = Taxonomy.from_file(taxonomy) if taxonomy else None
        if labels is None:
            data, extra = corpus_training_frames(
                parallel_english=parallel_english, titles=SHIPPED_TITLES
            )
            text_col, labels_col = "text", "areas"
        else:
            data, extra = read_table(labels), None
        tagger = Tagger.train(
            data,
            text_col,
            labels_col,
            taxonomy=chosen,
            settings=shipped_train_settings(name),
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
        for kind, data in (cv.get("by_kind") or {}).items():  # English parallels, titles, sources
            kind_report = MultiLabelReport.from_dict(data)
            typer.echo(f"CV {kind:<14}macro-F1 {kind_report.macro_f1:.3f} ({kind_report.n_documents} rows)")
    if manifest.get("training_time"):
        typer.echo(f"training time   {sum(manifest['training_time'].values()) / 60:.1f} min")


# -- similar initiatives: index, similar, match, actors, portfolio ------------------------------
index_app = typer.Typer(
    help="Build, update and describe a registry index (embeddings + tags) for similarity search.",
    no_args_is_help=True,
)
app.add_typer(index_app, name="index")


def _progress_bar(total: int, what: str) -> Any:
    from tqdm import tqdm

    return tqdm(total=total, desc=what, unit="row", disable=None, leave=False)


@index_app.command("build")
def index_build(
    registry: Annotated[Path, typer.Argument(help="Registry: CSV, JSONL, Excel or Parquet.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Index folder.")],
    text_col: TextColOption,
    id_col: Annotated[str, typer.Option(help="Id column (must be unique).")],
    region_col: Annotated[
        str | None, typer.Option(help="Region column; a cell may list several regions.")
    ] = None,
    actor_col: Annotated[str | None, typer.Option(help="Actor (beneficiary) column.")] = None,
    funding_col: Annotated[str | None, typer.Option(help="Funding column (numbers).")] = None,
    keep_col: Annotated[
        list[str] | None, typer.Option(help="Other column to keep in the index; repeatable.")
    ] = None,
    model: ModelOption = None,
    sheet: SheetOption = None,
    encoding: EncodingOption = None,
    separator: SeparatorOption = None,
    fresh: Annotated[
        bool, typer.Option(help="Ignore an index already in the folder (re-embed every row).")
    ] = False,
) -> None:
    """Embed and tag every row of a registry once; onto an existing index, only changed rows."""
    from ecs_tagger.index import RegistryIndex
    from ecs_tagger.tables import read_table

    try:
        frame = read_table(registry, sheet=sheet, encoding=encoding, separator=separator)
        tagger = _load_tagger(model)
        previous = None
        if not fresh and RegistryIndex.exists(output):
            previous = RegistryIndex.load(output)
        with _progress_bar(len(frame), "indexing") as bar:
            index = RegistryIndex.build(
                frame, tagger, text_col, id_col, region_col, actor_col, funding_col,
                keep_cols=keep_col or (), previous=previous, progress=bar.update,
            )
        index.save(output)
    except EcsTaggerError as error:
        _fail(error)
    typer.echo(f"indexed {len(index)} rows into {output}: {index.summary.format()}")


@index_app.command("update")
def index_update(
    index_dir: Annotated[Path, typer.Argument(metavar="INDEX", help="Index folder.")],
    registry: Annotated[Path, typer.Argument(help="New or changed rows (same columns).")],
    model: ModelOption = None,
    sheet: SheetOption = None,
    encoding: EncodingOption = None,
    separator: SeparatorOption = None,
    remove_missing: Annotated[
        bool, typer.Option(help="Drop indexed rows that the registry no longer has.")
    ] = False,
) -> None:
    """Add new rows and re-embed changed ones; unchanged rows are reused."""
    from ecs_tagger.index import RegistryIndex
    from ecs_tagger.tables import read_table

    try:
        index = RegistryIndex.load(index_dir)
        frame = read_table(registry, sheet=sheet, encoding=encoding, separator=separator)
        with _progress_bar(len(frame), "updating") as bar:
            summary = index.update(
                frame, _load_tagger(model), remove_missing=remove_missing, progress=bar.update
            )
        index.save(index_dir)
    except EcsTaggerError as error:
        _fail(error)
    typer.echo(f"{index_dir}: {len(index)} rows; {summary.format()}")


@index_app.command("info")
def index_info(
    index_dir: Annotated[Path, typer.Argument(metavar="INDEX", help="Index folder.")],
) -> None:
    """Show an index's size, model, columns and regions."""
    from ecs_tagger.index import RegistryIndex

    try:
        index = RegistryIndex.load(index_dir, verify=False)
    except EcsTaggerError as error:
        _fail(error)
    manifest = index.manifest
    typer.echo(f"{len(index)} rows ({len(manifest.get('skipped', []))} skipped without text)")
    typer.echo(f"model version   {index.model_version}")
    typer.echo(f"embedding model {index.embedding_model_id}")
    typer.echo(f"columns         {json.dumps(manifest['columns'], ensure_ascii=False)}")
    typer.echo(f"updated         {manifest.get('updated', '')}")
    counts = index.rows["regions"].explode().value_counts()
    typer.echo("regions         " + ", ".join(f"{r} {n}" for r, n in counts.items()))


def _write_or_print(frame: Any, output: Path | None) -> None:
    from ecs_tagger.matching import write_pairs

    if output is not None:
        write_pairs(frame, output)
        typer.echo(f"wrote {len(frame)} rows to {output}", err=True)
    else:
        typer.echo(frame.to_string(index=False, max_colwidth=60))


@app.command()
def similar(
    index_dir: Annotated[Path, typer.Argument(metavar="INDEX", help="Index folder.")],
    project_id: Annotated[str | None, typer.Option("--id", help="Query: a project id.")] = None,
    text: Annotated[str | None, typer.Option(help="Query: a text.")] = None,
    k: Annotated[int, typer.Option("-k", help="Number of hits.")] = 10,
    other_regions: Annotated[
        bool, typer.Option(help="Only projects in none of the query's regions.")
    ] = False,
    region: Annotated[list[str] | None, typer.Option(help="Only projects in this region.")] = None,
    exclude_region: Annotated[
        list[str] | None, typer.Option(help="No projects in this region.")
    ] = None,
    query_region: Annotated[
        list[str] | None, typer.Option(help="Region(s) of a --text query (for --other-regions).")
    ] = None,
    area: Annotated[list[str] | None, typer.Option(help="Only projects tagged with this area.")] = None,
    min_score: Annotated[float | None, typer.Option(help="Minimum cosine similarity.")] = None,
    explain: Annotated[bool, typer.Option(help="Show why each hit matches.")] = True,
    backend: Annotated[str, typer.Option(help="auto, exact, usearch, faiss or hnswlib.")] = "auto",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the hits (.csv or .xlsx).")
    ] = None,
) -> None:
    """The projects most similar to a project of the index (--id) or to a text (--text)."""
    from ecs_tagger.index import RegistryIndex

    if (project_id is None) == (text is None):
        _fail(typer.BadParameter("give exactly one of --id and --text"))
    try:
        index = RegistryIndex.load(index_dir, verify=False)
        hits = index.similar(
            project_id or text or "", k, by="id" if project_id else "text",
            other_regions=other_regions, regions=region, exclude_regions=exclude_region,
            query_regions=query_region, areas=area, min_score=min_score, explain=explain,
            backend=backend,
        )
    except EcsTaggerError as error:
        _fail(error)
    if output is not None:
        _write_or_print(hits.to_frame(), output)
        return
    if not hits:
        typer.echo("no hits (filters too narrow?)")
    for hit in hits:
        typer.echo(
            f"{hit.rank:>2}. {hit.similarity:.3f}  {hit.id}  {hit.title}\n"
            f"    regions: {', '.join(hit.regions) or '-'} | actor: {hit.actor or '-'} | "
            f"areas: {', '.join(hit.areas) or 'none'}"
        )
        if hit.reason is not None:
            typer.echo(f"    why: {hit.reason.summary()}")


@app.command()
def match(
    index_dir: Annotated[Path, typer.Argument(metavar="INDEX", help="Index folder.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="pairs.xlsx or pairs.csv.")],
    region: Annotated[
        str | None, typer.Option(help="Pairs of this region's projects [default: all five].")
    ] = None,
    threshold: Annotated[
        float, typer.Option(help="Minimum similarity (0.3: closely related; 0.25 to explore).")
    ] = 0.3,
    all_regions: Annotated[
        bool, typer.Option(help="Partners in every region, not only Östra Mellansverige.")
    ] = False,
    area: Annotated[list[str] | None, typer.Option(help="Only this area (or 'none').")] = None,
    duplicates: Annotated[bool, typer.Option(help="Include near-duplicates.")] = True,
    explain: Annotated[bool, typer.Option(help="Add closest sentences and shared terms.")] = False,
) -> None:
    """Pairs of similar projects in different regions, per area, near-duplicates flagged."""
    from ecs_tagger.corpus import OMS_REGIONS
    from ecs_tagger.index import RegistryIndex

    try:
        index = RegistryIndex.load(index_dir, verify=False)
        pairs = index.match(
            region=region, regions=None if all_regions else OMS_REGIONS, threshold=threshold,
            areas=area, include_duplicates=duplicates, explain=explain,
        )
        _write_or_print(pairs, output)
    except EcsTaggerError as error:
        _fail(error)
    kinds = pairs["kind"].value_counts().to_dict() if len(pairs) else {}
    typer.echo(
        f"{kinds.get('match', 0)} match rows, {kinds.get('near_duplicate', 0)} near-duplicate rows"
    )


@app.command()
def actors(
    index_dir: Annotated[Path, typer.Argument(metavar="INDEX", help="Index folder.")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the table (.csv or .xlsx).")
    ] = None,
    similar_to: Annotated[
        str | None, typer.Option(help="List the actors most like this one instead.")
    ] = None,
    k: Annotated[int, typer.Option("-k", help="Number of similar actors.")] = 10,
    other_regions: Annotated[bool, typer.Option(help="With --similar-to: elsewhere only.")] = True,
    by_funding: Annotated[bool, typer.Option(help="Add funding-weighted area shares.")] = False,
) -> None:
    """Actor profiles (projects, regions, funding, area shares), or actors similar to one."""
    from ecs_tagger.actors import actor_profiles, similar_actors
    from ecs_tagger.index import RegistryIndex

    try:
        index = RegistryIndex.load(index_dir, verify=False)
        if similar_to:
            table = similar_actors(
                index, similar_to, k, other_regions=other_regions, weight_by_funding=by_funding
            )
        else:
            table = actor_profiles(index, weight_by_funding=by_funding)
        table = table.drop(columns=["ids"], errors="ignore")
        for column in ("variants", "regions", "areas", "shared_areas"):
            if column in table.columns:
                table[column] = ["; ".join(v) for v in table[column]]
        _write_or_print(table, output)
    except EcsTaggerError as error:
        _fail(error)


@app.command()
def portfolio(
    index_dir: Annotated[Path, typer.Argument(metavar="INDEX", help="Index folder.")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the table (.csv or .xlsx).")
    ] = None,
    figure: Annotated[
        Path | None, typer.Option(help="Write a heat map (.png or .svg).")
    ] = None,
    value: Annotated[str, typer.Option(help="Heat map colour: lq, share, count, funding_lq.")] = "lq",
    all_regions: Annotated[
        bool, typer.Option(help="Every region of the index, not only Östra Mellansverige.")
    ] = False,
) -> None:
    """Region x area counts, shares and specialisation (location quotient)."""
    from ecs_tagger.corpus import OMS_REGIONS
    from ecs_tagger.index import RegistryIndex
    from ecs_tagger.portfolio import portfolio_figure, region_portfolio

    try:
        index = RegistryIndex.load(index_dir, verify=False)
        table = region_portfolio(index, regions=None if all_regions else OMS_REGIONS)
        _write_or_print(table, output)
        if figure is not None:
            portfolio_figure(table, value, path=figure)
            typer.echo(f"wrote {figure}", err=True)
    except EcsTaggerError as error:
        _fail(error)


if __name__ == "__main__":
    app()
