"""Loading registries (ecs_tagger.coordinators.review.registry): a coordinator's file and Projektbanken."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from ecs_tagger.coordinators import review
from ecs_tagger.errors import InputError


# -- loading registries -------------------------------------------------------------------------------
def test_a_coordinators_file_is_read_with_swedish_column_names(tmp_path: Path) -> None:
    path = tmp_path / "register.csv"
    pd.DataFrame(
        {
            "Projekt_ID": ["P1", "P2", None],
            "Titel": ["Biogas på gården", "Digital vård", "Utan id"],
            "Beskrivning": ["Gödsel rötas.", None, "Text."],
            "Län": ["Örebro län", "Region Uppsala, Sörmland", ""],
            "Stödmottagare": ["LRF", "Region Uppsala", None],
            "Beviljat": ["1 000 000", "2,5", None],
            "Övrigt": ["x", "y", "z"],
        }
    ).to_csv(path, index=False, sep=";")
    frame = review.load_registry(path)
    assert frame["id"].tolist() == ["P1", "P2", "row-3"]
    assert frame["text"].tolist() == [
        "Biogas på gården\nGödsel rötas.",
        "Digital vård",
        "Utan id\nText.",
    ]
    assert frame["regions"].tolist() == [("Örebro",), ("Uppsala", "Södermanland"), ()]
    assert frame["actor"].tolist()[:2] == ["LRF", "Region Uppsala"]
    assert frame["funding"].tolist()[:2] == [1_000_000.0, 2.5]
    assert frame["title"].tolist()[0] == "Biogas på gården"
    assert "Övrigt" in frame.columns, "other columns are kept"
    assert len(review.load_registry(path, limit=2)) == 2
    only = review.load_registry(path, text_cols="Beskrivning", id_col="Projekt_ID")
    assert only["text"].tolist()[1] is None


def test_an_excel_file_and_clear_errors(tmp_path: Path) -> None:
    path = tmp_path / "register.xlsx"
    pd.DataFrame({"id": ["A", "A"], "description": ["x", "y"]}).to_excel(path, index=False)
    with pytest.raises(InputError, match="unique"):
        review.load_registry(path)
    pd.DataFrame({"nr": [1], "belopp": [3]}).to_excel(path, index=False)
    with pytest.raises(InputError, match="TEXT_COLUMNS"):
        review.load_registry(path)
    with pytest.raises(InputError, match="no text column 'titel'"):
        review.load_registry(path, text_cols=["titel"])


def test_named_columns_are_found_as_tag_finds_them(tmp_path: Path) -> None:
    """A name typed in NFC finds a decomposed (macOS) column, and one with a hidden space."""
    import unicodedata

    path = tmp_path / "register.csv"
    decomposed = unicodedata.normalize("NFD", "Län")
    pd.DataFrame(
        {"Projekt id\u00a0": ["P1"], "Beskrivning ": ["Biogas på gården."], decomposed: ["Örebro"]}
    ).to_csv(path, index=False)
    frame = review.load_registry(
        path, text_cols="Beskrivning", id_col="Projekt id", region_col="Län"
    )
    assert frame["id"].tolist() == ["P1"] and frame["regions"].tolist() == [("Örebro",)]
    assert frame["text"].tolist() == ["Biogas på gården."]


def test_the_default_registry_is_projektbanken_in_ostra_mellansverige(corpus_root: Path) -> None:
    frame = review.load_registry(corpus_root=corpus_root)
    assert len(frame) == 111
    assert frame["id"].is_unique
    assert frame["oms"].all()
    assert frame["regions"].map(len).gt(0).all()
    no_description = frame["description"].isna()
    assert no_description.sum() == 14
    assert (frame.loc[no_description, "text"] == frame.loc[no_description, "title"]).all(), (
        "a project without a description is tagged on its title"
    )
