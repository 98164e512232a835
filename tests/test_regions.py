"""Region names: normalised, and a cell may list several regions."""

from __future__ import annotations

import pytest

from ecs_tagger.regions import normalise_region, split_regions


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Sörmland", "Södermanland"),
        ("Södermanlands län", "Södermanland"),
        ("Region Sörmland", "Södermanland"),
        ("Örebro län", "Örebro"),
        ("Region Örebro län", "Örebro"),
        ("Västmanlands län", "Västmanland"),
        ("uppsala län", "Uppsala"),
        ("Östergötlands län", "Östergötland"),
        ("Västra Götalands län", "Västra Götaland"),
        ("Stockholms län", "Stockholm"),
        ("  Kalmar  län ", "Kalmar"),
        ("Region Hovedstaden", "Region Hovedstaden"),  # not Swedish: kept as written
        ("Nord tröndelags fylke", "Nord tröndelags fylke"),
    ],
)
def test_region_names_are_normalised(raw: str, expected: str) -> None:
    assert normalise_region(raw) == expected


def test_a_cell_may_list_several_regions() -> None:
    assert split_regions("Södermanland, Uppsala") == ("Södermanland", "Uppsala")
    assert split_regions("Uppsala län; Sörmland / Örebro län") == (
        "Uppsala",
        "Södermanland",
        "Örebro",
    )
    assert split_regions("Västmanland och Örebro") == ("Västmanland", "Örebro")
    assert split_regions("Sörmland, Södermanlands län") == ("Södermanland",)
    assert (
        split_regions(None) == () and split_regions(float("nan")) == () and split_regions("") == ()
    )
    assert split_regions(["Uppsala län", "Gävleborgs län"]) == ("Uppsala", "Gävleborg")
