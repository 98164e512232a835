"""Excel export of a reviewed registry: columns, review status, Swedish headings, safe cells."""

from __future__ import annotations

import datetime as dt
import math
import os
from pathlib import Path
from typing import TYPE_CHECKING, cast

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from ecs_tagger.coordinators.corrections import CorrectionStore
from ecs_tagger.coordinators.export import export_reviewed, reviewed_export_frame, write_workbook
from ecs_tagger.coordinators.review import ReviewSession, TaggedRegistry
from ecs_tagger.model.taxonomy import Taxonomy, default_taxonomy

if TYPE_CHECKING:
    from ecs_tagger.tagger import Tagger

CODES = ("food", "health", "energy", "industry")
THRESHOLDS = {"food": 0.43, "health": 0.36, "energy": 0.37, "industry": 0.47}


class _StubTagger:
    """What a TaggedRegistry asks of its tagger when only pictures and exports are made."""

    taxonomy: Taxonomy = default_taxonomy()
    codes = CODES
    model_version = "test-model"


def registry_frame() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    n = 40
    regions = [("Örebro",), ("Uppsala",), ("Örebro", "Västmanland"), ("Östergötland",), ("Skåne",)]
    frame = pd.DataFrame(
        {
            "id": [f"P{i}" for i in range(n)],
            "title": [f"Projekt {i}" for i in range(n)],
            "text": [f"Projekt {i}\nText." for i in range(n - 1)] + [None],
            "regions": [regions[i % len(regions)] for i in range(n)],
            "funding": rng.integers(1, 10, n) * 1e5,
        }
    )
    scores = rng.beta(0.5, 2.0, size=(n, len(CODES)))
    scores[-1] = math.nan
    for j, code in enumerate(CODES):
        frame[f"score_{code}"] = scores[:, j].round(4)
    frame["areas"] = [
        tuple(c for j, c in enumerate(CODES) if scores[i, j] >= THRESHOLDS[c]) for i in range(n)
    ]
    frame["p_wrong"] = 0.1
    frame["reason"] = "clear"
    frame["tag_status"] = "ok"
    return frame


def tagged_registry() -> TaggedRegistry:
    return TaggedRegistry(registry_frame(), {}, cast("Tagger", _StubTagger()), dict(THRESHOLDS))


def _session(tmp_path: Path) -> ReviewSession:
    tagged: TaggedRegistry = tagged_registry()
    tagged.frame.loc[0, "title"] = '=HYPERLINK("http://evil")'
    tagged.frame.loc[0, "text"] = "=1+1 kontroll\x07tecken"
    session = ReviewSession(tagged, CorrectionStore(tmp_path / "c.jsonl"), reviewer="Anna")
    session.set_areas("P1", ["food", "energy"], comment="även energi")
    session.accept("P2")
    session.set_areas("P3", [], comment="first thought")
    session.set_areas("P3", ["health"], comment="second thought")
    return session


def _rows(path: Path, sheet: str) -> list[dict[str, object]]:
    book = load_workbook(path)
    values = list(book[sheet].values)
    header = [str(v) for v in values[0]]
    return [dict(zip(header, row, strict=True)) for row in values[1:]]


def test_export_holds_tags_scores_review_status_and_comments(tmp_path: Path) -> None:
    session = _session(tmp_path)
    path = export_reviewed(session, tmp_path / "out" / "reviewed.xlsx")
    book = load_workbook(path)
    assert book.sheetnames == ["Registry", "Review log", "About"]
    rows = {r["ID"]: r for r in _rows(path, "Registry")}
    assert len(rows) == 40
    p1 = rows["P1"]
    assert p1["Tags (after review)"] == "Sustainable food supply; Energy solutions of tomorrow"
    assert p1["Review status"] == "corrected" and p1["Reviewer"] == "Anna"
    assert p1["Comment"] == "även energi"
    assert isinstance(p1["Reviewed at (UTC)"], dt.datetime)
    assert rows["P2"]["Review status"] == "accepted"
    assert rows["P3"]["Comment"] == "second thought", "the latest review of an id counts"
    assert rows["P4"]["Review status"] == "not reviewed" and rows["P4"]["Reviewer"] is None
    frame = session.tagged.frame.set_index("id")
    assert rows["P5"]["Score: Smart industry"] == pytest.approx(frame.loc["P5", "score_industry"])
    assert rows["P5"]["Model version"] == "test-model"
    log = _rows(path, "Review log")
    assert len(log) == 4 and [r["Action"] for r in log][:2] == ["corrected", "accepted"]
    assert [r["Comment"] for r in log][-2:] == ["first thought", "second thought"]
    about = {r["What"]: r["Value"] for r in _rows(path, "About")}
    assert about["Reviewed"] == 3 and about["Threshold: Smart industry"] == 0.47


def test_cells_are_values_never_formulas(tmp_path: Path) -> None:
    path = export_reviewed(_session(tmp_path), tmp_path / "reviewed.xlsx")
    sheet = load_workbook(path)["Registry"]
    title = next(c for c in sheet[2] if isinstance(c.value, str) and c.value.startswith("=HYPER"))
    assert title.data_type == "s"
    text = next(c for c in sheet[2] if isinstance(c.value, str) and c.value.startswith("=1+1"))
    assert text.data_type == "s" and text.value == "=1+1 kontrolltecken"
    assert sheet.freeze_panes == "B2"


def test_swedish_headings_and_words(tmp_path: Path) -> None:
    path = export_reviewed(
        _session(tmp_path), tmp_path / "granskat.xlsx", swedish=True, include_text=False
    )
    assert load_workbook(path).sheetnames == ["Register", "Granskningslogg", "Om"]
    rows = {r["ID"]: r for r in _rows(path, "Register")}
    p1 = rows["P1"]
    assert p1["Granskningsstatus"] == "rättad" and p1["Kommentar"] == "även energi"
    assert p1["Taggar (efter granskning)"] == (
        "Hållbar livsmedelsförsörjning; Morgondagens energilösningar"
    )
    assert "Poäng: Smart industri" in p1 and "Län" in p1 and "Text" not in p1
    assert rows["P2"]["Granskningsstatus"] == "godkänd"
    assert rows["P4"]["Granskningsstatus"] == "ej granskad"
    assert p1["Varför osäker"] == "tydlig", "the reasons are Swedish too"
    assert [r["Åtgärd"] for r in _rows(path, "Granskningslogg")][:2] == ["rättad", "godkänd"]


def test_export_frame_without_reviews_and_bad_names(tmp_path: Path) -> None:
    frame = reviewed_export_frame(registry_frame(), default_taxonomy())
    assert "Review status" not in frame.columns and "Tags (tagger)" in frame.columns
    with pytest.raises(ValueError, match="xlsx"):
        write_workbook({"x": frame}, tmp_path / "x.csv")
    assert not list(tmp_path.iterdir()), "nothing is left behind"


def test_exports_are_new_dated_files_readable_by_others(tmp_path: Path) -> None:
    from ecs_tagger.coordinators.export import dated_export_path
    from ecs_tagger.errors import InputError

    when = dt.datetime(2026, 11, 30, tzinfo=dt.UTC)
    first = dated_export_path(tmp_path, "../data/vårt register.xlsx", when=when)
    assert first.name == "vårt_register_2026-11-30.xlsx"
    session = _session(tmp_path)
    mask = os.umask(0o022)
    try:
        export_reviewed(session, first, overwrite=False)
    finally:
        os.umask(mask)
    assert first.stat().st_mode & 0o777 == 0o644, "readable by others, not owner-only"
    second = dated_export_path(tmp_path, "../data/vårt register.xlsx", when=when)
    assert second.name == "vårt_register_2026-11-30_2.xlsx"
    with pytest.raises(InputError, match="exists"):
        export_reviewed(session, first, overwrite=False)
    about = load_workbook(first)["About"]
    assert ["Model version", "test-model"] in [[c.value for c in row] for row in about.iter_rows()]


def test_every_export_is_a_new_file_named_by_the_time(tmp_path: Path) -> None:
    """Issue 18: the notebook exports when asked; each export is a new, timestamped file."""
    from ecs_tagger.coordinators.export import timestamped_export_path

    when = dt.datetime(2026, 11, 30, 14, 5, 9)
    first = timestamped_export_path(tmp_path, "../data/vårt register.xlsx", when=when)
    assert first.name == "vårt_register_2026-11-30_140509.xlsx"
    session = _session(tmp_path)
    export_reviewed(session, first, overwrite=False)
    second = timestamped_export_path(tmp_path, "../data/vårt register.xlsx", when=when)
    assert second.name == "vårt_register_2026-11-30_140509_2.xlsx", "the same second: no overwrite"
    later = timestamped_export_path(tmp_path, "registry")
    assert later.parent == tmp_path and later.name.startswith("registry_") and not later.exists()
