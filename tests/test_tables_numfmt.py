"""Excel number formats read as Excel shows them: zero-padded ids, dates without a time."""

from __future__ import annotations

import pytest

from ecs_tagger.tables.numfmt import display_text, shows_time


@pytest.mark.parametrize(
    ("value", "number_format", "shown"),
    [
        (180, "0000", "0180"),  # the case
        (180.0, "0000", "0180"),
        (7, "000000", "000007"),
        (75236, "000 00", "752 36"),  # a Swedish postcode
        (180, '"SE"0000', "SE0180"),
        (42, "000\\-0", "004-2"),
        (180, "0000;-0000", "0180"),
        (12345, "0000", None),  # more digits than placeholders: shown whole, as the number
        (180, "0", None),
        (180, "General", None),
        (180, "#,##0", None),  # a quantity, not an id
        (180, "0.00", None),
        (180, "0%", None),
        (180, "[Red]0000", None),
        (0.5, "0000", None),
        (-3, "0000", None),
        (True, "0000", None),
        ("0180", "0000", None),
    ],
)
def test_display_text_of_ids(value: object, number_format: str, shown: str | None) -> None:
    assert display_text(value, number_format) == shown


@pytest.mark.parametrize(
    ("number_format", "time"),
    [
        ("yyyy-mm-dd", False),
        ("mm-dd-yy", False),
        ("d mmm yyyy", False),
        ('d "h" mmm', False),  # a quoted h is text
        ("yyyy-mm-dd hh:mm", True),
        ("h:mm AM/PM", True),
        ("mm:ss", True),
        ("[h]:mm", True),
    ],
)
def test_shows_time(number_format: str, time: bool) -> None:
    assert shows_time(number_format) is time
