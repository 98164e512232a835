"""Column names as users type them: NFC, look-alikes, and hints that never look the same."""

from __future__ import annotations

import unicodedata

from ecs_tagger.tables.names import column_hint, look_alike_key, match_columns, nfc, visible

NFD_NAME = unicodedata.normalize("NFD", "Beskrivning på svenska")


def test_a_decomposed_name_is_found_by_the_composed_name_typed() -> None:
    """The issue's case: macOS wrote å decomposed (NFD); the user typed it composed (NFC)."""
    assert NFD_NAME != "Beskrivning på svenska" and nfc(NFD_NAME) == "Beskrivning på svenska"
    columns = ("id", NFD_NAME)
    assert match_columns("Beskrivning på svenska", columns) == [NFD_NAME]
    # and the other way round: a decomposed name typed (copied from Finder), a composed column
    assert match_columns(NFD_NAME, ("id", "Beskrivning på svenska")) == ["Beskrivning på svenska"]


def test_invisible_characters_and_odd_spaces_do_not_hide_a_column() -> None:
    """Variant: a zero-width space, a BOM, a no-break space and a trailing space in the header."""
    columns = ("\ufeffid", "Titel\u200b", "Kort\u00a0beskrivning ", "Övrigt")
    assert match_columns("id", columns) == ["\ufeffid"]
    assert match_columns("Titel", columns) == ["Titel\u200b"]
    assert match_columns("Kort beskrivning", columns) == ["Kort\u00a0beskrivning "]
    assert match_columns("Saknas", columns) == []
    assert look_alike_key(" Kort\u00a0\u00a0beskrivning\u00ad ") == "Kort beskrivning"


def test_header_cells_are_matched_as_the_file_has_them() -> None:
    """A repeated name is `text.1` in the frame, but its header cell says `text`."""
    assert match_columns("2021", ("id", "2021"), ("id", 2021)) == ["2021"]
    assert match_columns("text", ("text", "text.1"), ("text", "text")) == ["text"]


def test_two_look_alike_columns_are_both_returned() -> None:
    columns = ("Text", "Text\u00a0")
    assert match_columns("Text", columns) == ["Text"]  # exact wins
    assert match_columns("Text ", columns) == ["Text", "Text\u00a0"]  # ambiguous
    assert visible("Text\u00a0") == "'Text\\u00a0'"
    assert visible(NFD_NAME) == "'Beskrivning pa\\u030a svenska'"


def test_a_hint_never_looks_the_same_as_the_name_typed() -> None:
    assert column_hint("beskrivning", ["id", "Beskrivning"]) == "Beskrivning"
    assert column_hint("Beskrivnig", ["id", "Beskrivning"]) == "Beskrivning"
    # the only near name looks exactly like the typed one: no hint rather than a look-alike
    assert column_hint("Titel", ["Titel\u200b"]) is None
    assert column_hint("Är det så", [unicodedata.normalize("NFD", "Är det så")]) is None
    assert column_hint("Helt annat", ["id", "text"]) is None
