"""The perturbation suite's rewrites and flip counting (benchmarks/perturbations.py)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from benchmarks import perturbations as pert


def test_rewrites_do_what_their_names_say() -> None:
    text = "Hållbar mat i Örebro. Nya <idéer> & café!"
    assert pert.PERTURBATIONS["upper"](text) == text.upper()
    assert pert.PERTURBATIONS["no_diacritics"](text) == "Hallbar mat i Orebro. Nya <ideer> & cafe!"
    entities = pert.PERTURBATIONS["html_entities"](text)
    assert "&aring;" in entities and "&Ouml;" in entities and "&lt;id&#233;er&gt;" in entities
    assert "å" not in entities and all(ord(c) < 128 for c in entities)
    spaced = pert.PERTURBATIONS["whitespace"](text)
    assert " ".join(spaced.split()) == " ".join(text.split()) and "\t" in spaced
    assert pert.PERTURBATIONS["bullets"](text) == "• Hållbar mat i Örebro.\n• Nya <idéer> & café!"


@dataclass
class _Result:
    areas: tuple[str, ...]


class _CaseSensitiveTagger:
    """Tags "food" when the text holds "MAT" in capitals: flips under every case rewrite."""

    model_version = "fake@1"

    def tag_many(self, texts: list[str]) -> list[_Result]:
        return [_Result(("food",) if "MAT" in t else ()) for t in texts]


def test_flips_are_counted_per_rewrite() -> None:
    sample = pd.DataFrame(
        {
            "id": ["A", "B", "C"],
            "text": ["Lokal mat", "Energi", "Industri och MAT"],
            "title": ["Mat", None, "MAT"],
            "areas": [["food"], ["energy"], ["industry"]],
            "source": ["projektbanken"] * 3,
        }
    )
    result = pert.flip_rates(_CaseSensitiveTagger(), sample)
    flips = result["flips"]
    assert flips["upper"] == {"compared": 3, "flipped": 1, "share": 0.3333, "examples": ["A"]}
    assert flips["lower"]["examples"] == ["C"] and flips["whitespace"]["flipped"] == 0
    assert flips["title_as_text"]["compared"] == 2 and flips["title_as_text"]["flipped"] == 0
    table = pert.format_table([result])
    assert "| upper | 33.3% (1/3) |" in table and "`fake@1`" in table
