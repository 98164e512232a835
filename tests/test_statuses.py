"""Which status a text gets: cells without words, short texts' language, joined statuses."""

from __future__ import annotations

import math

import pytest

from ecs_tagger.statuses import (
    NULL_MARKERS,
    SPREADSHEET_ERRORS,
    check_text,
    join_statuses,
    language_status,
    primary_status,
)

TRAINED = ("sv", "en")


# -- cells without words: `empty` or `not_text`, with the reason ---------------------------------
@pytest.mark.parametrize(
    ("cell", "status", "message"),
    [
        # the examples
        ("\x00\x00", "empty", "no words, only invisible characters (U+0000)"),
        ("-", "empty", "no words, only punctuation or symbols ('-')"),
        ("...", "empty", "no words, only punctuation or symbols ('...')"),
        ("123 456", "not_text", "no words, only numbers ('123 456')"),
        (
            "https://www.example.se/projekt?id=12",
            "not_text",
            "no words, only a web address ('https://www.example.se/projekt?id=12')",
        ),
        ("\u200b", "empty", "no words, only invisible characters (U+200B)"),
        ("\u00ad", "empty", "no words, only invisible characters (U+00AD)"),
        ("\ufeff", "empty", "no words, only invisible characters (U+FEFF)"),
        ("N/A", "empty", "no words, only a missing-value marker ('N/A')"),
        ("#N/A", "empty", "no words, only a missing-value marker ('#N/A')"),
        ("NULL", "empty", "no words, only a missing-value marker ('NULL')"),
        ("None", "empty", "no words, only a missing-value marker ('None')"),
        ("nan", "empty", "no words, only a missing-value marker ('nan')"),
        ("Ej aktuellt", "empty", "no words, only a missing-value marker ('Ej aktuellt')"),
        # variants of our own, one a kind
        ("\u2060 \u200d\x01", "empty", "no words, only invisible characters (U+0001, U+200D"),
        ("– / * ?", "empty", "no words, only punctuation or symbols ('– / * ?')"),
        ("1,5 %", "not_text", "no words, only numbers and punctuation or symbols ('1,5 %')"),
        ("energimyndigheten.se", "not_text", "no words, only a web address"),
        ("info@energi.se", "not_text", "no words, only an e-mail address ('info@energi.se')"),
        ("  (Saknas) ", "empty", "no words, only a missing-value marker ('(Saknas)')"),
        ("<NA>", "empty", "no words, only a missing-value marker ('<NA>')"),
        ("#DIV/0!", "not_text", "no words, only a spreadsheet error value ('#DIV/0!')"),
        ("<p><br/></p>&nbsp;", "empty", "no words, only markup"),
        ("[e-post]", "empty", "no words, only a contact placeholder"),
        # two text columns joined with a line break, neither with a word
        ("N/A\n-", "empty", "no words, only a missing-value marker and punctuation or symbols"),
        ("2024\nhttp://x.se", "not_text", "no words, only a web address and numbers"),
    ],
)
def test_a_cell_without_words_is_not_tagged(cell: str, status: str, message: str) -> None:
    text, found, reason = check_text(cell)
    assert text is None and found == status
    assert reason.startswith(message), reason
    assert "; " not in reason  # `; ` separates the statuses of a row


def test_every_listed_null_marker_and_spreadsheet_error_is_recognised() -> None:
    for marker in sorted(NULL_MARKERS):
        for written in (marker, marker.upper(), f" {marker.title()} ", f"({marker})"):
            assert check_text(written)[:2] == (None, "empty"), written
    for error in sorted(SPREADSHEET_ERRORS):
        assert check_text(error.upper())[:2] == (None, "not_text"), error


@pytest.mark.parametrize(
    ("value", "status", "message"),
    [
        (None, "empty", "no text"),
        (math.nan, "empty", "no text"),
        ("  \n\t\xa0", "empty", "only white space"),
        (12345, "not_text", "a int ('12345'), not text"),
        (b"\xff\xfe", "not_text", "bytes that are not UTF-8 text"),
    ],
)
def test_values_that_are_not_text(value: object, status: str, message: str) -> None:
    assert check_text(value) == (None, status, message)


@pytest.mark.parametrize(
    "cell",
    [
        "Mat",
        "x",
        "Energi\nN/A",  # a word in one column is enough; the text is kept as it is
        "ener\u00adgi",
        "Nej",
        "Tomater",  # not the marker 'tom'
        "Projekt 12, se www.example.se",
        "NA-projektet",
        b"Mat i skolan",
    ],
)
def test_a_cell_with_a_word_is_tagged_unchanged(cell: str | bytes) -> None:
    expected = cell.decode("utf-8") if isinstance(cell, bytes) else cell
    assert check_text(cell) == (expected, "ok", "")


# -- the language of a tagged text ---------------------------------------------------------------
def test_a_short_text_takes_the_registry_language() -> None:
    assert language_status("other", False, "sv", TRAINED) == ("sv", "ok", "")
    assert language_status("no", False, "en", TRAINED) == ("en", "ok", "")
    language, status, message = language_status("sv", False, "no", TRAINED)
    assert (language, status) == ("no", "untrained_language")
    assert message.startswith("language 'no' assumed (the text is too short to tell")


def test_a_long_text_keeps_its_detected_language() -> None:
    assert language_status("en", True, "sv", TRAINED) == ("en", "ok", "")
    assert language_status("da", True, "sv", TRAINED) == (
        "da",
        "untrained_language",
        "language 'da' detected, the model was trained on sv and en (tagged anyway)",
    )


def test_statuses_are_joined_and_read_back() -> None:
    joined = join_statuses("ok", "duplicate_id: also in row 9")
    assert joined == "ok; duplicate_id: also in row 9"
    assert join_statuses("empty: no text", "") == "empty: no text"
    assert primary_status(joined) == "ok"
    assert primary_status("untrained_language: language 'no' detected, ...") == (
        "untrained_language"
    )
    assert primary_status("empty: no text; duplicate_id: also in rows 1, 2") == "empty"


# -- cells that say why they are not text ---------------------------------------------------------
def test_a_formula_with_no_calculated_value_is_not_text() -> None:
    from ecs_tagger.tables import FormulaCell

    assert check_text(FormulaCell("=A1&B1")) == (
        None,
        "not_text",
        "a formula with no calculated value (open and save the file in Excel or LibreOffice)",
    )


def test_any_cell_with_a_not_text_reason_is_not_text() -> None:
    """Variant: the rule is the cell's `not_text_reason`, not the formula class."""

    class Placeholder:
        not_text_reason = "a linked object, not text"

    assert check_text(Placeholder()) == (None, "not_text", "a linked object, not text")
