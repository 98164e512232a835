from __future__ import annotations

from pathlib import Path

import pytest

from ecs_tagger.errors import TaxonomyError
from ecs_tagger.model.taxonomy import Taxonomy, default_taxonomy

OTHER = """
name = "nordic-test"
version = "2"
[[area]]
code = "forest"
name_sv = "Skog"
name_en = "Forest"
description_sv = "Skogsbruk och trä."
alt_labels = ["skog", "trä"]
[[area]]
code = "sea"
name_sv = "Hav"
"""


def test_default_taxonomy_has_the_four_areas_in_order() -> None:
    taxonomy = default_taxonomy()
    assert taxonomy.codes == ("food", "health", "energy", "industry")
    assert taxonomy["health"].name_sv == "Välfärdsteknik och e-hälsa"
    assert taxonomy["energy"].label("en") == "Energy solutions of tomorrow"
    assert all(area.description_sv and area.description_en and area.alt_labels for area in taxonomy)


def test_areas_are_immutable() -> None:
    area = default_taxonomy()["food"]
    with pytest.raises(AttributeError):
        area.code = "mat"  # type: ignore[misc]


def test_swapped_taxonomy_from_file(tmp_path: Path) -> None:
    path = tmp_path / "other.toml"
    path.write_text(OTHER, encoding="utf-8")
    taxonomy = Taxonomy.from_file(path)
    assert taxonomy.codes == ("forest", "sea")
    assert taxonomy["sea"].name_en == "Hav"  # falls back to the Swedish name
    assert taxonomy.fingerprint != default_taxonomy().fingerprint


def test_toml_round_trip_keeps_everything() -> None:
    taxonomy = default_taxonomy()
    import tomllib

    assert Taxonomy.from_dict(tomllib.loads(taxonomy.to_toml())) == taxonomy


def test_validate_codes_orders_and_rejects_unknown() -> None:
    taxonomy = default_taxonomy()
    assert taxonomy.validate_codes(["industry", "food"]) == ("food", "industry")
    with pytest.raises(TaxonomyError, match=r"'tourism' in row 7"):
        taxonomy.validate_codes(["tourism"], where="row 7")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('name = "x"\n', "missing or wrong field"),
        ('name = "x"\narea = []\n', "no areas"),
        ('name="x"\n[[area]]\ncode="a"\nname_sv="A"\n[[area]]\ncode="a"\nname_sv="B"\n', "repeats"),
        ('name="x"\n[[area]]\ncode="Bad Code"\nname_sv="A"\n', "lower-case"),
        ("name = \n", "cannot parse"),
    ],
)
def test_malformed_taxonomies_are_rejected(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(TaxonomyError, match=message):
        Taxonomy.from_file(path)


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(TaxonomyError, match="not found"):
        Taxonomy.from_file(tmp_path / "nope.toml")
