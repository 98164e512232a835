"""The rows of a registry as an index keeps them: which columns hold what, the checks a registry
must pass, each row's text (and its hash) and its metadata (id, regions, actor, funding)."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from ecs_tagger.errors import InputError
from ecs_tagger.index.actor_names import actor_key
from ecs_tagger.regions import split_regions

#: Columns of what preprocessing finds in a text, after the title, areas and scores.
TEXT_ANALYSIS_COLUMNS = (
    "language",
    "tag_status",
    "text_hash",
    "clean_text",
    "lemmas",
    "sentence_bounds",
)
#: Columns the index itself writes; a registry column kept with `keep_cols` may not use them.
RESERVED_COLUMNS = (
    "id",
    "title",
    "regions",
    "region_raw",
    "actor",
    "actor_key",
    "funding",
    "areas",
    *TEXT_ANALYSIS_COLUMNS,
)


@dataclass(frozen=True)
class IndexColumns:
    """Which registry columns hold the text, id, region(s), actor and funding."""

    text_cols: tuple[str, ...]
    id_col: str
    region_col: str | None = None
    actor_col: str | None = None
    funding_col: str | None = None
    keep_cols: tuple[str, ...] = ()

    def required(self) -> list[str]:
        named = [*self.text_cols, self.id_col, self.region_col, self.actor_col, self.funding_col]
        return [name for name in [*named, *self.keep_cols] if name]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["text_cols"] = list(self.text_cols)
        data["keep_cols"] = list(self.keep_cols)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> IndexColumns:
        return cls(
            text_cols=tuple(data["text_cols"]),
            id_col=data["id_col"],
            region_col=data.get("region_col"),
            actor_col=data.get("actor_col"),
            funding_col=data.get("funding_col"),
            keep_cols=tuple(data.get("keep_cols", ())),
        )


def analysis_columns(codes: Sequence[str]) -> list[str]:
    """The columns that embedding and tagging a text give (see :mod:`ecs_tagger.index.build`)."""
    return ["title", "areas", *(f"score_{c}" for c in codes), *TEXT_ANALYSIS_COLUMNS]


def text_hash(text: str) -> str:
    """sha256 of a row's text as indexed (the text columns joined with a newline), after NFC
    (a text re-saved with decomposed letters is the same text)."""
    return hashlib.sha256(unicodedata.normalize("NFC", text).encode("utf-8")).hexdigest()


def joined_texts(frame: pd.DataFrame, text_cols: Sequence[str]) -> list[str | None]:
    """Each row's text: its non-empty text cells joined with a newline, None when there is none."""
    out: list[str | None] = []
    for cells in zip(*(frame[name].tolist() for name in text_cols), strict=True):
        parts = []
        for value in cells:
            if isinstance(value, bytes):
                value = value.decode("utf-8", errors="replace")
            if isinstance(value, str) and value.strip():
                parts.append(value.strip())
        out.append("\n".join(parts) if parts else None)
    return out


def check_frame(frame: pd.DataFrame, columns: IndexColumns) -> None:
    """InputError unless `frame` has the named columns and one non-empty, unique id per row."""
    missing = [name for name in columns.required() if name not in frame.columns]
    if missing:
        raise InputError(
            f"the registry has no column(s) {', '.join(repr(m) for m in missing)}; its columns "
            f"are {', '.join(repr(str(c)) for c in frame.columns)}"
        )
    clashes = [name for name in columns.keep_cols if name in RESERVED_COLUMNS]
    if clashes or any(str(name).startswith("score_") for name in columns.keep_cols):
        raise InputError(
            f"keep_cols may not be named like the index's own columns: {', '.join(clashes)} "
            f"(reserved: {', '.join(RESERVED_COLUMNS)}, score_*)"
        )
    ids = frame[columns.id_col]
    blank = ids.isna() | (ids.astype(str).str.strip() == "")
    if blank.any():
        rows = [str(r) for r in frame.index[blank][:10]]
        raise InputError(f"id column {columns.id_col!r} is empty in row(s) {', '.join(rows)}")
    counts = Counter(ids.astype(str).str.strip())
    duplicates = sorted(ident for ident, count in counts.items() if count > 1)
    if duplicates:
        shown = ", ".join(f"{ident!r} ({counts[ident]}x)" for ident in duplicates[:10])
        more = f" and {len(duplicates) - 10} more" if len(duplicates) > 10 else ""
        raise InputError(
            f"ids must be unique, but {len(duplicates)} id(s) in column {columns.id_col!r} repeat: "
            f"{shown}{more}. A project in several regions is one row whose region cell lists "
            f"them all (e.g. 'Södermanland, Uppsala')."
        )


def _funding(values: pd.Series) -> np.ndarray:
    """Amounts as floats (NaN where missing or not a number); text such as "1 200 000" or
    "1200000,50" is read too."""

    def tidy(value: Any) -> Any:
        if isinstance(value, str):
            value = re.sub(r"[\s\u00a0]|kr|sek", "", value.strip(), flags=re.IGNORECASE)
            return value.replace(",", ".") if "." not in value else value.replace(",", "")
        return value

    return pd.to_numeric(values.map(tidy), errors="coerce").to_numpy(dtype=float)


def _optional_text(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return None
    text = str(value).strip()
    return text or None


def metadata(frame: pd.DataFrame, columns: IndexColumns) -> pd.DataFrame:
    """The index's metadata columns of every registry row (ids as stripped strings)."""
    actors = (
        [_optional_text(v) for v in frame[columns.actor_col]]
        if columns.actor_col
        else [None] * len(frame)
    )
    meta = pd.DataFrame(
        {
            "id": frame[columns.id_col].astype(str).str.strip().to_numpy(),
            "regions": [list(split_regions(v)) for v in frame[columns.region_col]]
            if columns.region_col
            else [[] for _ in range(len(frame))],
            "region_raw": [_optional_text(v) for v in frame[columns.region_col]]
            if columns.region_col
            else [None] * len(frame),
            "actor": actors,
            "actor_key": [actor_key(a) if a else None for a in actors],
            "funding": _funding(frame[columns.funding_col])
            if columns.funding_col
            else [float("nan")] * len(frame),
        }
    )
    for name in columns.keep_cols:
        meta[name] = frame[name].to_numpy()
    return meta
