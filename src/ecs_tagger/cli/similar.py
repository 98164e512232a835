"""The `ecs-tagger` commands on a registry index: `index build | update | info`, `similar`,
`match`, `actors` and `portfolio` (registered on the app in cli.py).

`similar`, `match`, `actors` and `portfolio` share the output options of `tag`
(`ecs_tagger.cli.output`): ``-o FILE`` in any table format, ``-o -`` with ``--format`` for
standard output, ``--overwrite``; without ``-o`` they print a table.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ecs_tagger.cli.options import (
    FLAG,
    EncodingOption,
    FlagHelpGroup,
    ModelOption,
    SeparatorOption,
    SheetOption,
    TextColOption,
    fail,
    load_tagger,
    progress_bar,
    read_with_columns,
    reported,
)
from ecs_tagger.cli.output import (
    FormatOption,
    OutputOption,
    OverwriteOption,
    check_output,
    is_stdout,
    stream_suffix,
    write_results,
)
from ecs_tagger.errors import InputError, counted

if TYPE_CHECKING:
    from ecs_tagger.regional.levels import SimilarityLevels
    from ecs_tagger.regional.similarity import Hits

# -- the index: build, update, info -------------------------------------------------------------
index_app = typer.Typer(
    help="Build, update and describe a registry index (embeddings + tags) for similarity search.",
    no_args_is_help=True,
    cls=FlagHelpGroup,
)


@index_app.command("build")
def index_build(
    registry: Annotated[
        Path,
        typer.Argument(metavar="REGISTRY", help="Registry: CSV, JSONL, JSON, Excel or Parquet."),
    ],
    output: Annotated[Path, typer.Option("--output", "-o", metavar="DIR", help="Index folder.")],
    text_col: TextColOption,
    id_col: Annotated[str, typer.Option(metavar="COLUMN", help="Id column (must be unique).")],
    region_col: Annotated[
        str | None,
        typer.Option(metavar="COLUMN", help="Region column; a cell may list several regions."),
    ] = None,
    actor_col: Annotated[
        str | None, typer.Option(metavar="COLUMN", help="Actor (beneficiary) column.")
    ] = None,
    funding_col: Annotated[
        str | None, typer.Option(metavar="COLUMN", help="Funding column (numbers).")
    ] = None,
    keep_col: Annotated[
        list[str] | None,
        typer.Option(metavar="COLUMN", help="Other column to keep in the index; repeatable."),
    ] = None,
    model: ModelOption = None,
    sheet: SheetOption = None,
    encoding: EncodingOption = None,
    separator: SeparatorOption = None,
    fresh: Annotated[
        bool,
        typer.Option(
            "--fresh",
            metavar=FLAG,
            help="Ignore an index already in the folder (re-embed every row).",
        ),
    ] = False,
) -> None:
    """Embed and tag every row of a registry once; onto an existing index, only changed rows."""
    from ecs_tagger.index import RegistryIndex

    named = [
        *((name, "text") for name in text_col),
        (id_col, "id"),
        (region_col, "region"),
        (actor_col, "actor"),
        (funding_col, "funding"),
        *((name, "kept") for name in keep_col or ()),
    ]
    with reported(output):
        frame = read_with_columns(
            registry, named, sheet=sheet, encoding=encoding, separator=separator
        )
        tagger = load_tagger(model)
        previous = None
        if not fresh and RegistryIndex.exists(output):
            previous = RegistryIndex.load(output)
        with progress_bar(len(frame), "indexing") as bar:
            index = RegistryIndex.build(
                frame,
                tagger,
                text_col,
                id_col,
                region_col,
                actor_col,
                funding_col,
                keep_cols=keep_col or (),
                previous=previous,
                progress=bar.update,
            )
        index.save(output)
    typer.echo(f"indexed {counted(len(index), 'row')} into {output}: {index.summary.format()}")


@index_app.command("update")
def index_update(
    index_dir: Annotated[Path, typer.Argument(metavar="INDEX", help="Index folder.")],
    registry: Annotated[
        Path, typer.Argument(metavar="REGISTRY", help="New or changed rows (same columns).")
    ],
    model: ModelOption = None,
    sheet: SheetOption = None,
    encoding: EncodingOption = None,
    separator: SeparatorOption = None,
    remove_missing: Annotated[
        bool,
        typer.Option(
            "--remove-missing",
            metavar=FLAG,
            help="Drop indexed rows that the registry no longer has.",
        ),
    ] = False,
) -> None:
    """Add new rows and re-embed changed ones; unchanged rows are reused."""
    from ecs_tagger.index import RegistryIndex

    with reported(index_dir):
        index = RegistryIndex.load(index_dir)
        columns = index.manifest.get("columns", {})
        named = [(name, "text") for name in columns.get("text_cols", [])]
        named += [
            (columns.get(f"{role}_col"), role) for role in ("id", "region", "actor", "funding")
        ]
        named += [(name, "kept") for name in columns.get("keep_cols", [])]
        frame = read_with_columns(
            registry, named, sheet=sheet, encoding=encoding, separator=separator
        )
        tagger = load_tagger(model)
        with progress_bar(len(frame), "updating") as bar:
            summary = index.update(
                frame, tagger, remove_missing=remove_missing, progress=bar.update
            )
        index.save(index_dir)
    typer.echo(f"{index_dir}: {counted(len(index), 'row')}; {summary.format()}")


@index_app.command("info")
def index_info(
    index_dir: Annotated[Path, typer.Argument(metavar="INDEX", help="Index folder.")],
) -> None:
    """Show an index's size, model, columns and regions."""
    from ecs_tagger.index import RegistryIndex

    with reported():
        index = RegistryIndex.load(index_dir, verify=False)
    manifest = index.manifest
    skipped = len(manifest.get("skipped", []))
    typer.echo(f"{counted(len(index), 'row')} ({skipped} skipped without text)")
    typer.echo(f"model version   {index.model_version}")
    typer.echo(f"embedding model {index.embedding_model_id}")
    typer.echo(f"columns         {json.dumps(manifest['columns'], ensure_ascii=False)}")
    typer.echo(f"updated         {manifest.get('updated', '')}")
    counts = index.rows["regions"].explode().value_counts()
    typer.echo("regions         " + ", ".join(f"{r} {n}" for r, n in counts.items()))


def _write_or_print(
    frame: Any, output: Path | None, format_name: str | None, overwrite: bool
) -> None:
    """Write a results table as `-o` says (`write_results`), or print it when there is no `-o`."""
    if output is None:
        stream_suffix(output, format_name)  # --format without -o -: say so
        typer.echo(frame.to_string(index=False, max_colwidth=60))
        return
    where = write_results(frame, output, format_name=format_name, overwrite=overwrite)
    if not is_stdout(output):
        typer.echo(f"wrote {counted(len(frame), 'row')} to {where}", err=True)


def _check_before(output: Path | None, format_name: str | None, overwrite: bool) -> None:
    """The output options checked before the work starts (an output that exists, say)."""
    stream_suffix(output, format_name)
    if output is not None and not is_stdout(output):
        check_output(output, overwrite)


def similar(
    index_dir: Annotated[Path, typer.Argument(metavar="INDEX", help="Index folder.")],
    project_id: Annotated[
        str | None, typer.Option("--id", metavar="ID", help="Query: a project id.")
    ] = None,
    text: Annotated[str | None, typer.Option(metavar="TEXT", help="Query: a text.")] = None,
    k: Annotated[int, typer.Option("-k", help="Number of hits.")] = 10,
    other_regions: Annotated[
        bool,
        typer.Option(
            "--other-regions",
            metavar=FLAG,
            help="Only projects in none of the query's regions (a --text query needs "
            "--query-region).",
        ),
    ] = False,
    region: Annotated[
        list[str] | None,
        typer.Option(metavar="REGION", help="Only projects in this region; repeatable."),
    ] = None,
    exclude_region: Annotated[
        list[str] | None,
        typer.Option(metavar="REGION", help="No projects in this region; repeatable."),
    ] = None,
    query_region: Annotated[
        list[str] | None,
        typer.Option(metavar="REGION", help="Region of a --text query (for --other-regions)."),
    ] = None,
    area: Annotated[
        list[str] | None,
        typer.Option(metavar="CODE", help="Only projects tagged with this area; repeatable."),
    ] = None,
    min_score: Annotated[
        float | None,
        typer.Option(
            help="Minimum similarity (same text 1, unrelated about 0; related from 0.16, close "
            "from 0.21).",
            show_default="none",
        ),
    ] = None,
    explain: Annotated[bool, typer.Option(metavar=FLAG, help="Show why each hit matches.")] = True,
    backend: Annotated[
        str, typer.Option(help="Search backend: auto, exact, usearch, faiss or hnswlib.")
    ] = "auto",
    output: OutputOption = None,
    output_format: FormatOption = None,
    overwrite: OverwriteOption = False,
) -> None:
    """The projects most similar to a project of the index (--id) or to a text (--text)."""
    from ecs_tagger.index import RegistryIndex
    from ecs_tagger.regional import similarity

    if (project_id is None) == (text is None):
        fail(typer.BadParameter("give exactly one of --id and --text"))
    if text is not None and other_regions and not query_region:
        fail(
            InputError(
                "--other-regions with a --text query needs the region the text is from: add "
                "--query-region REGION (repeatable), or query a project of the index with --id"
            )
        )
    with reported(output):
        _check_before(output, output_format, overwrite)
        index = RegistryIndex.load(index_dir, verify=False)
        hits = similarity.similar(
            index,
            project_id or text or "",
            k,
            by="id" if project_id else "text",
            other_regions=other_regions,
            regions=region,
            exclude_regions=exclude_region,
            query_regions=query_region,
            areas=area,
            min_score=min_score,
            explain=explain,
            backend=backend,
        )
        if output is not None:
            _write_or_print(hits.to_frame(), output, output_format, overwrite)
            return
    _print_hits(hits)


def scale_note(levels: SimilarityLevels) -> str:
    """One line on what `similar`'s figures mean (printed under the hits, on standard error)."""
    related = f"{levels.related:.2f}"
    close = (
        ""
        if math.isnan(levels.close)
        else f", from {levels.close:.2f} on most were counterparts (close)"
    )
    return (
        "similarity: the whole texts compared, by meaning and by the words they share; 1 is the "
        f"same text, about 0 unrelated. From {related} on most pairs a person read were related"
        f"{close}; below {related} a hit is weak. A sentence pair's own figure compares those two "
        "sentences alone, so it runs higher."
    )


def _print_hits(hits: Hits) -> None:
    """The hits as text: figure and level, id, title, then regions, actor, areas and why."""
    if not hits:
        typer.echo("no hits (filters too narrow?)")
        return
    if not hits.matches():
        typer.echo(
            f"no close match in this registry: every hit is below {hits.levels.related:.2f} "
            "(weak, probably unrelated); the nearest:"
        )
    for hit in hits:
        typer.echo(
            f"{hit.rank:>2}. {hit.similarity:.2f} {hits.level(hit):<7}  {hit.id}  {hit.title}\n"
            f"    regions: {', '.join(hit.regions) or '-'} | actor: {hit.actor or '-'} | "
            f"areas: {', '.join(hit.areas) or 'none'}"
        )
        if hit.reason is not None:
            typer.echo(f"    why: {hit.reason.summary()}")
    typer.echo(scale_note(hits.levels), err=True)


def match(
    index_dir: Annotated[Path, typer.Argument(metavar="INDEX", help="Index folder.")],
    output: OutputOption = None,
    output_format: FormatOption = None,
    overwrite: OverwriteOption = False,
    region: Annotated[
        str | None,
        typer.Option(
            metavar="REGION", help="Pairs of this region's projects.", show_default="all five"
        ),
    ] = None,
    threshold: Annotated[
        float, typer.Option(help="Minimum similarity (0.3: closely related; 0.25 to explore).")
    ] = 0.3,
    all_regions: Annotated[
        bool,
        typer.Option(
            "--all-regions",
            metavar=FLAG,
            help="Partners in every region, not only Östra Mellansverige.",
        ),
    ] = False,
    area: Annotated[
        list[str] | None,
        typer.Option(metavar="CODE", help="Only this area (or 'none'); repeatable."),
    ] = None,
    duplicates: Annotated[bool, typer.Option(metavar=FLAG, help="Include near-duplicates.")] = True,
    explain: Annotated[
        bool,
        typer.Option("--explain", metavar=FLAG, help="Add the closest sentences and shared terms."),
    ] = False,
) -> None:
    """Pairs of similar projects in different regions, per area, near-duplicates flagged."""
    from ecs_tagger.corpus import OMS_REGIONS
    from ecs_tagger.index import RegistryIndex
    from ecs_tagger.regional.matching import cross_region_pairs

    with reported(output):
        _check_before(output, output_format, overwrite)
        index = RegistryIndex.load(index_dir, verify=False)
        pairs = cross_region_pairs(
            index,
            region=region,
            regions=None if all_regions else OMS_REGIONS,
            threshold=threshold,
            areas=area,
            include_duplicates=duplicates,
            explain=explain,
        )
        _write_or_print(pairs, output, output_format, overwrite)
    kinds = pairs["kind"].value_counts().to_dict() if len(pairs) else {}
    typer.echo(
        f"{counted(kinds.get('match', 0), 'match row')}, "
        f"{counted(kinds.get('near_duplicate', 0), 'near-duplicate row')}",
        err=is_stdout(output),
    )


def actors(
    index_dir: Annotated[Path, typer.Argument(metavar="INDEX", help="Index folder.")],
    output: OutputOption = None,
    output_format: FormatOption = None,
    overwrite: OverwriteOption = False,
    similar_to: Annotated[
        str | None,
        typer.Option(metavar="ACTOR", help="List the actors most like this one instead."),
    ] = None,
    k: Annotated[int, typer.Option("-k", help="Number of similar actors.")] = 10,
    other_regions: Annotated[
        bool, typer.Option(metavar=FLAG, help="With --similar-to: elsewhere only.")
    ] = True,
    by_funding: Annotated[
        bool,
        typer.Option("--by-funding", metavar=FLAG, help="Add funding-weighted area shares."),
    ] = False,
) -> None:
    """Actor profiles (projects, regions, funding, area shares), or actors similar to one."""
    from ecs_tagger.index import RegistryIndex
    from ecs_tagger.regional.actors import actor_profiles, similar_actors

    with reported(output):
        _check_before(output, output_format, overwrite)
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
        _write_or_print(table, output, output_format, overwrite)


def portfolio(
    index_dir: Annotated[Path, typer.Argument(metavar="INDEX", help="Index folder.")],
    output: OutputOption = None,
    output_format: FormatOption = None,
    overwrite: OverwriteOption = False,
    figure: Annotated[
        Path | None, typer.Option(metavar="FILE", help="Write a heat map (.png or .svg).")
    ] = None,
    value: Annotated[
        str, typer.Option(help="Heat map colour: lq, share, count, funding_lq.")
    ] = "lq",
    all_regions: Annotated[
        bool,
        typer.Option(
            "--all-regions",
            metavar=FLAG,
            help="Every region of the index, not only Östra Mellansverige.",
        ),
    ] = False,
) -> None:
    """Region × area counts, shares and specialisation (location quotient)."""
    from ecs_tagger.corpus import OMS_REGIONS
    from ecs_tagger.index import RegistryIndex
    from ecs_tagger.regional.portfolio import portfolio_figure, region_portfolio

    with reported(output):
        _check_before(output, output_format, overwrite)
        index = RegistryIndex.load(index_dir, verify=False)
        table = region_portfolio(index, regions=None if all_regions else OMS_REGIONS)
        _write_or_print(table, output, output_format, overwrite)
        if figure is not None:
            portfolio_figure(table, value, path=figure)
            typer.echo(f"wrote {figure}", err=True)


#: Registered as top-level commands of the app (beside the `index` group).
COMMANDS = (similar, match, actors, portfolio)
