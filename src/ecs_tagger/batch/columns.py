"""The columns of a tagging run: the text to tag of each row, and the result columns added.

`join_text_columns` turns the text columns of a chunk into one text per row; `result_columns`
turns tag results into the output columns (`areas`, `score_<code>`, `model_version`,
`tag_status`, and `evidence_<code>` when asked for), `result_schema` gives their Arrow types.
"""

from __future__ import annotations

import hashlib
import math
import unicodedata
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from ecs_tagger.tables.cells import is_blank

if TYPE_CHECKING:
    from ecs_tagger.model.results import TagResult


def join_text_columns(frame: pd.DataFrame, text_cols: Sequence[str]) -> pd.Series:
    """The text to tag of every row: the text cells joined with a newline, empty cells skipped.

    A row whose cells are all empty gives None (status `empty`). Bytes are read as UTF-8. A row
    with no text but a cell of another kind (a number, a date, undecodable bytes) gives that value,
    so that the tagger marks it `not_text`; beside text, such cells are left out. A cell that
    stands for text that cannot be read (it has a `not_text_reason`, such as an Excel formula with
    no calculated value) gives that cell even beside text: the row's text is not all there.
    """
    columns = [frame[name].tolist() for name in text_cols]
    joined: list[Any] = []
    for cells in zip(*columns, strict=True):
        texts: list[str] = []
        other: Any = None
        unreadable: Any = None
        for value in cells:
            if is_blank(value):
                continue
            if unreadable is None and hasattr(type(value), "not_text_reason"):
                unreadable = value
                continue
            if isinstance(value, bytes):
                try:
                    value = value.decode("utf-8")
                except UnicodeDecodeError:
                    other = value if other is None else other
                    continue
            if isinstance(value, str):
                if value.strip():
                    texts.append(value)
            elif other is None:
                other = value
        if unreadable is not None:
            joined.append(unreadable)
        else:
            joined.append("\n".join(texts) if texts else other)
    return pd.Series(joined, index=frame.index, dtype=object)


def text_hash(texts: pd.Series) -> str:
    """A digest of a chunk's texts (values and their types; text after NFC, as it is tagged): a
    part file is reused only for it."""
    digest = hashlib.sha256()
    for value in texts.tolist():
        if isinstance(value, str):
            value = unicodedata.normalize("NFC", value)
        digest.update(repr((type(value).__name__, value)).encode("utf-8", "surrogatepass"))
        digest.update(b"\x00")
    return digest.hexdigest()


def result_names(codes: Sequence[str], evidence: bool = False) -> list[str]:
    """The columns tagging adds, in order."""
    names = ["areas", *(f"score_{code}" for code in codes), "model_version", "tag_status"]
    return [*names, *(f"evidence_{code}" for code in codes)] if evidence else names


def result_columns(
    results: Sequence[TagResult], codes: Sequence[str], evidence: bool, index: Any = None
) -> pd.DataFrame:
    """The output columns for results (the `tag` contract, plus `evidence_<code>` if asked)."""
    frame = pd.DataFrame(
        {
            "areas": [";".join(r.areas) for r in results],
            **{
                f"score_{code}": [float(r.scores.get(code, math.nan)) for r in results]
                for code in codes
            },
            "model_version": [r.model_version for r in results],
            "tag_status": [r.status_text for r in results],
        },
        index=index,
    )
    if evidence:
        for code in codes:
            frame[f"evidence_{code}"] = [
                r.evidence[code].summary() if code in r.areas and code in r.evidence else ""
                for r in results
            ]
    return frame


def result_schema(codes: Sequence[str], evidence: bool = False) -> Any:
    """The Arrow schema of the result columns (as `result_names` orders them)."""
    import pyarrow as pa

    fields = [pa.field("areas", pa.string())]
    fields += [pa.field(f"score_{code}", pa.float64()) for code in codes]
    fields += [pa.field("model_version", pa.string()), pa.field("tag_status", pa.string())]
    if evidence:
        fields += [pa.field(f"evidence_{code}", pa.string()) for code in codes]
    return pa.schema(fields)
