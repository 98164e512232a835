"""Export a reviewed registry to Excel: tags, scores, review status and comments.

>>> export_reviewed(session, "out/reviewed_registry.xlsx", swedish=True)
>>> export_reviewed(session, timestamped_export_path("out", "registry"), overwrite=False)

The workbook has three sheets: the registry (one row per project: the tagger's areas, the
reviewed/final areas, a score per area, the chance of a wrong tag, the review status, reviewer,
time and comment), the full review log (every line of the corrections file for the registry's
ids, earlier reviews included) and a short "about" sheet (model, thresholds, date, files). Column
headings and status words are English, or Swedish with ``swedish=True``; areas are written by
their labels in the same language. Cells are written as values only: a text starting with "="
stays text, never a formula; control characters Excel cannot store are removed and over-long
texts cut at Excel's limit of 32,767 characters.
"""

from __future__ import annotations

import math
import os
import re
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from ecs_tagger.coordinators.review.queue import reason_in
from ecs_tagger.coordinators.review.render import area_names
from ecs_tagger.coordinators.review.session import (
    REVIEW_ACCEPTED,
    REVIEW_CORRECTED,
    REVIEW_NOT_REVIEWED,
    REVIEW_STALE,
)
from ecs_tagger.errors import InputError

if TYPE_CHECKING:
    from ecs_tagger.coordinators.review.session import ReviewSession
    from ecs_tagger.model.taxonomy import Taxonomy

EXCEL_CELL_LIMIT = 32767
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

#: Column headings: key -> (English, Swedish); score columns are added per area.
HEADINGS: dict[str, tuple[str, str]] = {
    "id": ("ID", "ID"),
    "title": ("Title", "Titel"),
    "regions": ("Regions", "Län"),
    "actor": ("Actor", "Aktör"),
    "funding": ("Funding (SEK)", "Beviljat (kr)"),
    "areas": ("Tags (tagger)", "Taggar (modellen)"),
    "final_areas": ("Tags (after review)", "Taggar (efter granskning)"),
    "review_status": ("Review status", "Granskningsstatus"),
    "reviewer": ("Reviewer", "Granskare"),
    "review_time": ("Reviewed at (UTC)", "Granskad (UTC)"),
    "comment": ("Comment", "Kommentar"),
    "p_wrong": ("Chance of a wrong tag (%)", "Risk för fel tagg (%)"),
    "reason": ("Why uncertain", "Varför osäker"),
    "score": ("Score: {area}", "Poäng: {area}"),
    "tag_status": ("Tagging status", "Taggningsstatus"),
    "model_version": ("Model version", "Modellversion"),
    "text": ("Text", "Text"),
}

#: Review status words: status -> (English, Swedish).
STATUS_WORDS: dict[str, tuple[str, str]] = {
    REVIEW_NOT_REVIEWED: ("not reviewed", "ej granskad"),
    REVIEW_ACCEPTED: ("accepted", "godkänd"),
    REVIEW_CORRECTED: ("corrected", "rättad"),
    REVIEW_STALE: ("text changed since review", "texten ändrad efter granskning"),
}

_LOG_HEADINGS: dict[str, tuple[str, str]] = {
    "id": ("ID", "ID"),
    "time": ("Time (UTC)", "Tid (UTC)"),
    "reviewer": ("Reviewer", "Granskare"),
    "action": ("Action", "Åtgärd"),
    "old_areas": ("Tags before", "Taggar före"),
    "new_areas": ("Tags after", "Taggar efter"),
    "comment": ("Comment", "Kommentar"),
    "model_version": ("Model version", "Modellversion"),
    "text_hash": ("Text fingerprint", "Textens fingeravtryck"),
}
_ACTION_WORDS = {
    "accept": ("accepted", "godkänd"),
    "correct": ("corrected", "rättad"),
    "withdraw": ("withdrawn", "återtagen"),
}
_SHEETS = {
    "registry": ("Registry", "Register"),
    "log": ("Review log", "Granskningslogg"),
    "about": ("About", "Om"),
}


def _pick(pair: tuple[str, str], swedish: bool) -> str:
    return pair[1] if swedish else pair[0]


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.astimezone(UTC).replace(tzinfo=None, microsecond=0)


def _areas(value: Any, names: dict[str, str]) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, str):
        value = [a for a in value.split(";") if a]
    return "; ".join(names.get(code, code) for code in value)


def reviewed_export_frame(
    frame: pd.DataFrame,
    taxonomy: Taxonomy,
    *,
    swedish: bool = False,
    include_text: bool = True,
    model_version: str = "",
) -> pd.DataFrame:
    """The registry sheet as a DataFrame (headings in the chosen language), from
    :meth:`ecs_tagger.coordinators.review.ReviewSession.reviewed_frame`."""
    names = area_names(taxonomy, "sv" if swedish else "en")
    out: dict[str, Any] = {}

    def put(key: str, values: Any) -> None:
        out[_pick(HEADINGS[key], swedish)] = values

    put("id", frame["id"].astype(str).to_numpy())
    put("title", frame["title"].to_numpy())
    if "regions" in frame.columns:
        put("regions", frame["regions"].map(lambda r: ", ".join(r) if r else "").to_numpy())
    if "actor" in frame.columns and frame["actor"].notna().any():
        put("actor", frame["actor"].to_numpy())
    if "funding" in frame.columns and frame["funding"].notna().any():
        put("funding", frame["funding"].to_numpy())
    put("areas", frame["areas"].map(lambda a: _areas(a, names)).to_numpy())
    if "final_areas" in frame.columns:
        put("final_areas", frame["final_areas"].map(lambda a: _areas(a, names)).to_numpy())
        put(
            "review_status",
            frame["review_status"]
            .map(lambda s: _pick(STATUS_WORDS.get(s, (s, s)), swedish))
            .to_numpy(),
        )
        put("reviewer", frame["reviewer"].to_numpy())
        put("review_time", frame["review_time"].map(_time).to_numpy())
        put("comment", frame["comment"].to_numpy())
    for code in taxonomy.codes:
        heading = _pick(HEADINGS["score"], swedish).format(area=names[code])
        out[heading] = frame[f"score_{code}"].round(4).to_numpy()
    put("p_wrong", (frame["p_wrong"] * 100).round(1).to_numpy())
    put("reason", frame["reason"].map(lambda r: reason_in(r, "sv" if swedish else "en")).to_numpy())
    put("tag_status", frame["tag_status"].to_numpy())
    put("model_version", [model_version] * len(frame))
    if include_text:
        put("text", frame["text"].to_numpy())
    return pd.DataFrame(out)


def review_log_frame(
    reviews: list[Any], taxonomy: Taxonomy, *, swedish: bool = False
) -> pd.DataFrame:
    """Every review line (oldest first) as a DataFrame with headings in the chosen language."""
    names = area_names(taxonomy, "sv" if swedish else "en")
    rows = []
    for review in reviews:
        rows.append(
            {
                _pick(_LOG_HEADINGS["id"], swedish): review.id,
                _pick(_LOG_HEADINGS["time"], swedish): _time(review.time),
                _pick(_LOG_HEADINGS["reviewer"], swedish): review.reviewer,
                _pick(_LOG_HEADINGS["action"], swedish): _pick(
                    _ACTION_WORDS.get(review.action, (review.action, review.action)), swedish
                ),
                _pick(_LOG_HEADINGS["old_areas"], swedish): _areas(review.old_areas, names),
                _pick(_LOG_HEADINGS["new_areas"], swedish): _areas(review.new_areas, names),
                _pick(_LOG_HEADINGS["comment"], swedish): review.comment,
                _pick(_LOG_HEADINGS["model_version"], swedish): review.model_version,
                _pick(_LOG_HEADINGS["text_hash"], swedish): review.text_hash,
            }
        )
    columns = [_pick(pair, swedish) for pair in _LOG_HEADINGS.values()]
    return pd.DataFrame(rows, columns=columns)


def _cell_value(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if value is pd.NaT or value is pd.NA:
        return None
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, str):
        value = _ILLEGAL.sub("", value)
        if len(value) > EXCEL_CELL_LIMIT:
            value = value[: EXCEL_CELL_LIMIT - 1] + "…"
    elif not isinstance(value, int | float | bool | datetime):
        value = str(value)
    return value


def _write_sheet(sheet: Any, frame: pd.DataFrame, wide: set[str]) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    sheet.append([str(c) for c in frame.columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in frame.itertuples(index=False):
        sheet.append([_cell_value(v) for v in row])
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str) and cell.data_type in ("f", "e"):
                cell.data_type = "s"  # text, never a formula (=...) or an error (#N/A)
            elif isinstance(cell.value, datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"
    for index, name in enumerate(frame.columns, start=1):
        letter = get_column_letter(index)
        if name in wide:
            width = 80
            for cell in sheet[letter][1:]:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        else:
            longest = max(
                [len(str(name))] + [len(str(v)) for v in frame[name].head(500) if v is not None]
            )
            width = min(max(8, longest + 2), 45)
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "B2"
    if len(frame.columns):
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(frame.columns))}{len(frame) + 1}"


def write_workbook(
    sheets: dict[str, pd.DataFrame], path: str | Path, wide_columns: set[str] | None = None
) -> Path:
    """Write DataFrames as the sheets of one .xlsx file (atomically: a temporary file, renamed)."""
    from openpyxl import Workbook

    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise ValueError(f"{path}: the export is an Excel workbook, name it ….xlsx")
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, frame in sheets.items():
        _write_sheet(workbook.create_sheet(name[:31]), frame, wide_columns or set())
    handle, temporary = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".xlsx", dir=path.parent)
    os.close(handle)
    try:
        workbook.save(temporary)
        # mkstemp makes the file owner-only; an export is for colleagues too (umask respected).
        os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def dated_export_path(
    directory: str | Path, registry: str, *, when: datetime | None = None, suffix: str = ".xlsx"
) -> Path:
    """A new file for one registry and day: ``<directory>/<registry>_<YYYY-MM-DD>.xlsx``, or
    ``..._2.xlsx``, ``..._3.xlsx`` when an export of that day exists (never an existing file)."""
    stem = re.sub(r"[^\w.-]+", "_", Path(str(registry)).stem).strip("_.") or "registry"
    day = (when or datetime.now(UTC)).strftime("%Y-%m-%d")
    directory = Path(directory)
    path = directory / f"{stem}_{day}{suffix}"
    number = 2
    while path.exists():
        path = directory / f"{stem}_{day}_{number}{suffix}"
        number += 1
    return path


def timestamped_export_path(
    directory: str | Path, registry: str, *, when: datetime | None = None, suffix: str = ".xlsx"
) -> Path:
    """A new file for one export: ``<directory>/<registry>_<YYYY-MM-DD_HHMMSS>.xlsx`` (local
    time, to the second), or ``..._2.xlsx``, ``..._3.xlsx`` when a file of that name exists: an
    export never replaces an earlier one."""
    stem = re.sub(r"[^\w.-]+", "_", Path(str(registry)).stem).strip("_.") or "registry"
    stamp = (when or datetime.now().astimezone()).strftime("%Y-%m-%d_%H%M%S")
    directory = Path(directory)
    path = directory / f"{stem}_{stamp}{suffix}"
    number = 2
    while path.exists():
        path = directory / f"{stem}_{stamp}_{number}{suffix}"
        number += 1
    return path


def export_reviewed(
    session: ReviewSession,
    path: str | Path,
    *,
    swedish: bool = False,
    include_text: bool = True,
    overwrite: bool = True,
) -> Path:
    """Write the reviewed registry of `session` to an Excel workbook (see the module docstring).

    With ``overwrite=False`` an existing file is an error (:func:`dated_export_path` names a new
    one per registry and day). The "about" sheet names the model that tagged the rows."""
    if not overwrite and Path(path).exists():
        raise InputError(f"{path} exists: choose another name (earlier exports are kept)")
    tagged = session.tagged
    taxonomy = tagged.taxonomy
    registry = reviewed_export_frame(
        session.reviewed_frame(),
        taxonomy,
        swedish=swedish,
        include_text=include_text,
        model_version=tagged.model_version,
    )
    ids = set(tagged.frame["id"])
    log = review_log_frame(
        [r for r in session.store.read() if r.id in ids], taxonomy, swedish=swedish
    )
    names = area_names(taxonomy, "sv" if swedish else "en")
    status = session.status()["review_status"].value_counts()
    about_rows = [
        (
            "Exported" if not swedish else "Exporterad",
            datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        ),
        ("Model version" if not swedish else "Modellversion", tagged.model_version),
        ("Rows" if not swedish else "Rader", len(tagged)),
        (
            "Reviewed" if not swedish else "Granskade",
            int(status.get(REVIEW_ACCEPTED, 0) + status.get(REVIEW_CORRECTED, 0)),
        ),
        ("Corrections file" if not swedish else "Rättelsefil", str(session.store.path)),
        *[
            (
                (f"Threshold: {names[c]}" if not swedish else f"Tröskel: {names[c]}"),
                round(tagged.thresholds[c], 2),
            )
            for c in tagged.codes
        ],
    ]
    about = pd.DataFrame(about_rows, columns=["What", "Value"] if not swedish else ["Vad", "Värde"])
    return write_workbook(
        {
            _pick(_SHEETS["registry"], swedish): registry,
            _pick(_SHEETS["log"], swedish): log,
            _pick(_SHEETS["about"], swedish): about,
        },
        path,
        wide_columns={_pick(HEADINGS["text"], swedish)},
    )


__all__ = [
    "HEADINGS",
    "STATUS_WORDS",
    "dated_export_path",
    "export_reviewed",
    "review_log_frame",
    "reviewed_export_frame",
    "timestamped_export_path",
    "write_workbook",
]
