"""Loading a registry: a coordinator's file (or the corpus's Projektbanken projects) as a
frame with ``id``, ``title``, ``text``, ``regions``, ``actor`` and ``funding``, and its
similarity index."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from ecs_tagger.errors import InputError
from ecs_tagger.regions import split_regions
from ecs_tagger.tables.names import find_column

if TYPE_CHECKING:
    from ecs_tagger.index import RegistryIndex
    from ecs_tagger.tagger import Tagger

# Column names, lower-cased, a coordinator's file may use (Swedish and English).
_ID_NAMES = (
    "id",
    "projekt_id",
    "projektid",
    "project_id",
    "projectid",
    "diarienummer",
    "ärendenummer",
    "arendenummer",
    "projektnummer",
)
_TITLE_NAMES = ("titel", "title", "projektnamn", "projekttitel", "project_name", "namn", "name")
_BODY_NAMES = (
    "text",
    "beskrivning",
    "description",
    "projektbeskrivning",
    "sammanfattning",
    "summary",
    "abstract",
    "syfte",
)
_REGION_NAMES = ("region", "regions", "län", "lan", "county", "nuts3", "regioner")
_ACTOR_NAMES = (
    "aktör",
    "aktor",
    "actor",
    "stödmottagare",
    "stodmottagare",
    "beneficiary",
    "organisation",
    "organization",
    "projektägare",
)
_FUNDING_NAMES = (
    "funding",
    "beviljat",
    "beviljat_belopp",
    "granted_sek",
    "stöd",
    "belopp",
    "budget",
)

#: Columns `load_registry` writes; other columns of a file are kept beside them.
REGISTRY_COLUMNS = ("id", "title", "text", "regions", "actor", "funding")


# -- loading ---------------------------------------------------------------------------------------
def _find(columns: Sequence[str], names: Sequence[str]) -> str | None:
    lowered = {str(c).strip().casefold(): str(c) for c in columns}
    for name in names:
        if name in lowered:
            return lowered[name]
    return None


def _blank(value: Any) -> bool:
    if value is None or value is pd.NA:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def _join(cells: Iterable[Any]) -> str | None:
    parts = [str(c).strip() for c in cells if not _blank(c)]
    return "\n".join(parts) if parts else None


def _funding(value: Any) -> float:
    if _blank(value):
        return math.nan
    try:
        return float(str(value).replace(" ", "").replace("\u00a0", "").replace(",", "."))
    except ValueError:
        return math.nan


def _title(text: str | None) -> str:
    if not text:
        return ""
    first = text.strip().split("\n", 1)[0].strip()
    return first if len(first) <= 120 else first[:117] + "…"


def load_registry(
    path: str | Path | None = None,
    *,
    text_cols: Sequence[str] | str | None = None,
    id_col: str | None = None,
    region_col: str | None = None,
    actor_col: str | None = None,
    funding_col: str | None = None,
    sheet: str | None = None,
    limit: int | None = None,
    oms_only: bool = True,
    corpus_root: Path | None = None,
) -> pd.DataFrame:
    """A registry as a frame with ``id``, ``title``, ``text``, ``regions``, ``actor``, ``funding``.

    Without `path`: the Projektbanken projects of the shared corpus, those of Östra Mellansverige
    (``oms``) unless `oms_only` is False (then all, those of Östra Mellansverige first). With `path`: a CSV, Excel, JSONL or Parquet file (read
    by :func:`ecs_tagger.tables.read_table`); columns not named are found by their usual names
    (``titel``/``title`` and ``beskrivning``/``description`` for the text, ``projekt_id``/``id``,
    ``län``/``region``, ``stödmottagare``/``beneficiary``, ...). Several text columns are joined
    with a new line. Rows without an id get ``row-<number>``; ids must be unique (reviews are
    stored by id). `limit` keeps the first rows only. Other columns of the file are kept.
    """
    if path is None:
        from ecs_tagger.corpus import load_projektbanken

        source = load_projektbanken(corpus_root)
        in_oms = source["oms"].fillna(False).astype(bool)
        # Östra Mellansverige first: `limit` keeps its projects.
        source = source[in_oms] if oms_only else pd.concat([source[in_oms], source[~in_oms]])
        text_cols, id_col = ["title", "description"], "id"
        region_col, actor_col, funding_col = "county", "beneficiary", "granted_sek"
    else:
        from ecs_tagger.tables import read_table

        source = read_table(path, sheet=sheet)
    source = source.reset_index(drop=True)
    if limit is not None and limit > 0:
        source = source.head(int(limit))
    columns = [str(c) for c in source.columns]
    source.columns = pd.Index(columns)
    if isinstance(text_cols, str):
        text_cols = [text_cols]
    where = path or "registry"
    # Named columns are found as `ecs-tagger tag` finds them (NFC, look-alikes, hidden spaces).
    if text_cols:
        text_cols = [find_column(c, columns, where=where, role="text") for c in text_cols]
    id_col, region_col, actor_col, funding_col = (
        None if name is None else find_column(name, columns, where=where, role=role)
        for name, role in (
            (id_col, "id"),
            (region_col, "region"),
            (actor_col, "actor"),
            (funding_col, "funding"),
        )
    )
    if not text_cols:
        found = [c for c in (_find(columns, _TITLE_NAMES), _find(columns, _BODY_NAMES)) if c]
        if not found:
            raise InputError(
                f"{path}: no text column found among {', '.join(columns)}; name it in the "
                "notebook's first cell (TEXT_COLUMNS = ['title', 'description'])"
            )
        text_cols = found
    id_col = id_col or _find(columns, _ID_NAMES)
    region_col = region_col or _find(columns, _REGION_NAMES)
    actor_col = actor_col or _find(columns, _ACTOR_NAMES)
    funding_col = funding_col or _find(columns, _FUNDING_NAMES)
    for name in [*text_cols, id_col, region_col, actor_col, funding_col]:
        if name is not None and name not in source.columns:
            raise InputError(
                f"{path or 'registry'}: no column {name!r} (columns: {', '.join(columns)})"
            )
    texts = [_join(cells) for cells in zip(*(source[c] for c in text_cols), strict=True)]
    ids = (
        [f"row-{i + 1}" if _blank(v) else str(v).strip() for i, v in enumerate(source[id_col])]
        if id_col
        else [f"row-{i + 1}" for i in range(len(source))]
    )
    counts = pd.Series(ids).value_counts()
    repeated = counts[counts > 1]
    if len(repeated):
        raise InputError(
            f"{path or 'registry'}: ids must be unique (reviews are stored by id); repeated: "
            + ", ".join(f"{i} ({n}×)" for i, n in repeated.head(5).items())
        )
    frame = pd.DataFrame(
        {
            "id": ids,
            "title": [_title(t) for t in texts],
            "text": pd.Series(texts, dtype=object),
            "regions": [split_regions(v) for v in source[region_col]]
            if region_col
            else [()] * len(source),
            "actor": [None if _blank(v) else str(v).strip() for v in source[actor_col]]
            if actor_col
            else [None] * len(source),
            "funding": [_funding(v) for v in source[funding_col]]
            if funding_col
            else [math.nan] * len(source),
        }
    )
    kept = [c for c in columns if c not in REGISTRY_COLUMNS and c not in frame.columns]
    return pd.concat([frame, source[kept]], axis=1)


def index_registry(
    registry: pd.DataFrame,
    tagger: Tagger,
    directory: str | Path | None = None,
    *,
    progress: Callable[[int], None] | None = None,
) -> RegistryIndex:
    """A :class:`ecs_tagger.index.RegistryIndex` of a registry from :func:`load_registry` (for
    similar initiatives). With `directory`, the index is saved there and reused next time: only
    new or changed rows are embedded again."""
    from ecs_tagger.index import RegistryIndex, build_or_update

    frame = registry.assign(region_text=registry["regions"].map(", ".join))
    columns = (["text"], "id", "region_text", "actor", "funding")
    if directory is not None:
        return build_or_update(directory, frame, tagger, *columns, progress=progress)
    return RegistryIndex.build(frame, tagger, *columns, progress=progress)


__all__ = ["REGISTRY_COLUMNS", "index_registry", "load_registry"]
