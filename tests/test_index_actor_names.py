"""Actor names: normalisation checked on real variants, display names, the merge report."""

from __future__ import annotations

import difflib
import re

import pandas as pd
import pytest

from ecs_tagger.corpus import load_interreg_partners
from ecs_tagger.index.actor_names import actor_key, display_name, merge_report
from similarity_support import projektbanken

#: Spellings of one organisation, all found in Projektbanken `beneficiary` or the Interreg
#: partners' `organisationsnamn` (except the first group, from the issue).
SAME_ACTOR = [
    ["Agro Öst Ideellförening", "AgroÖst Ideell förening"],
    ["IUC Z-GROUP AB", "Iuc Z-Group AB", "IUC Z-Group AB"],
    ["Lantbrukarnas ekonomi AB", "Lantbrukarnas Ekonomi- AB", "Lantbrukarnas Ekonomi-Aktiebolag"],
    ["Coompanion Östergötland Ekonomisk Förening", "Coompanion Östergötland, Ekonomisk Fören"],
    [
        "Coompanion - Kooperativ Utveckling Jämtlands län",
        "Coompanion - Kooperativ Utveckling Jämtlands län ek. för.",
    ],
    ["JÄMTLAND-HÄRJEDALEN TURISM JHT EK FÖR", "Jämtland-Härjedalen Turism JHT Ekonomisk förening"],
    ["Skogstekniska klustret Ekonomisk förening", "Skogstekniska Klustret Ek. Förening"],
    ["Filmregion Stockholm - Mälardalen AB", "Filmregion Stockholm-Mälardalen AB"],
    ["Stiftelsen Teknikdalen.", "Stiftelsen Teknikdalen"],
    ["Energikontor Norr AB", "Energikontor Norr"],
    ["STIFTELSEN DRIVHUSET", "Drivhuset"],
    ["Vätgas Sverige Ideell Förening", "VÄTGAS SVERIGE IDEELL FÖRENING"],
    [
        "Sveriges Lantbruksuniversitet",
        "SVERIGES LANTBRUKSUNIVERSITET",
        "Sveriges lantbruksuniversitet",
    ],
    ["Länsstyrelsen i Västmanland", "Länsstyrelsen i Västmanlands län"],
    ["LÄNSSTYRELSEN I UPPSALA LÄN", "Länsstyrelsen i Uppsala län"],
    [
        "LÄNSSTYRELSEN I VÄSTRA GÖTALANDS LÄN",
        "Länsstyrelsen Västra Götaland",
        "Länsstyrelsen i Västra Götaland län",
    ],
    ["Länsstyrelsen Dalarna", "Länsstyrelsen I Dalarnas Län"],
    ["Linköpings Universitet", "Linköpings universitet"],
    ["Almi Invest Östra Mellansverige AB", "ALMI Invest Östra Mellansverige AB"],
    ["HÖGSKOLAN I KRISTIANSTAD", "Högskolan Kristianstad"],
    ["Västervik kommun", "Västerviks kommun"],
    ["AB Samarkand 2015", "SAMARKAND 2015 AB"],
]

#: Distinct organisations that must stay apart; all from the same two lists.
DISTINCT = [
    "Örebro kommun",
    "Region Örebro län",
    "Regionförbundet Örebro län",
    "Örebro Läns Landsting",
    "Länsstyrelsen i Örebro län",
    "Inkubera i Örebro AB",
    "Uppsala universitet",
    "Sveriges lantbruksuniversitet",
    "Region Uppsala",
    "Regionförbundet Uppsala län",
    "Länsstyrelsen i Uppsala län",
    "Destination Uppsala AB",
    "Linköpings kommun",
    "Linköpings universitet",
    "Lidköpings Kommun",
    "Nyköpings kommun",
    "Almi Företagspartner Mitt AB",
    "Almi Företagspartner Nord AB",
    "Energikontor Norr",
    "Energikontor Syd",
    "Region Sörmland",
    "Regionförbundet Sörmland",
    "REGIONFÖRBUNDET SÖDRA SMÅLAND",
    "ALVESTA KOMMUN",
    "AVESTA KOMMUN",
    "MORA KOMMUN",
    "ORSA KOMMUN",
    "Skellefteå kommun",
    "Sollefteå kommun",
    "Industriellt Utvecklingscentrum i Halland AB",
    "Industriellt Utvecklingscentrum i Kalmar AB",
    "Agro Öst Ideellförening",
    "Agroväst Livsmedel AB",
    "Västerbottens läns landsting",
    "Västernorrlands Läns Landsting",
    "Malmö stad",
    "Malmö kommun",
]


@pytest.fixture(scope="module")
def corpus_names(corpus_root: object) -> list[str]:
    partners = load_interreg_partners()
    return [*projektbanken()["beneficiary"].dropna(), *partners["organisationsnamn"].dropna()]


def test_known_variants_are_one_actor(corpus_names: list[str]) -> None:
    present = set(corpus_names)
    for group in SAME_ACTOR[1:]:
        assert set(group) <= present, f"not in the corpus any more: {set(group) - present}"
    for group in SAME_ACTOR:
        assert len({actor_key(name) for name in group}) == 1, group


def test_distinct_organisations_stay_apart(corpus_names: list[str]) -> None:
    present = set(corpus_names)
    assert set(DISTINCT) <= present, set(DISTINCT) - present
    keys = [actor_key(name) for name in DISTINCT]
    clashes = [
        (a, b)
        for a, ka in zip(DISTINCT, keys, strict=True)
        for b, kb in zip(DISTINCT, keys, strict=True)
        if a < b and ka == kb
    ]
    assert clashes == []


def test_every_merge_on_the_corpus_is_a_spelling_variant(corpus_names: list[str]) -> None:
    report = merge_report(corpus_names)
    distinct = {name.strip() for name in corpus_names}
    actors = {actor_key(name) for name in corpus_names}
    # 1,342 spellings -> 1,170 actors when written (172 spellings merged into 149 groups).
    assert 100 <= len(distinct) - len(actors) <= 250
    assert report["spellings"].sum() - len(report) == len(distinct) - len(actors)

    def squash(name: str) -> str:
        return re.sub(r"[\W_]+", "", name.casefold())

    def first_word(name: str) -> str:
        words = re.findall(r"[^\W_]+", name.casefold())
        return next((w for w in words if w not in ("stiftelsen", "ab")), "")

    for variants in report["variants"]:
        for a in variants:
            for b in variants:
                # Independent of the rules: merged spellings are close as strings, or one
                # contains the other, or (a legal form spelled out) they start alike.
                close = difflib.SequenceMatcher(None, squash(a), squash(b)).ratio() >= 0.75
                contained = squash(a) in squash(b) or squash(b) in squash(a)
                assert close or contained or first_word(a) == first_word(b), (a, b)


def test_display_name_prefers_the_common_mixed_case_spelling() -> None:
    assert (
        display_name(["IUC Z-GROUP AB", "Iuc Z-Group AB", "IUC Z-Group AB", "IUC Z-Group AB"])
        == "IUC Z-Group AB"
    )
    assert display_name(["SVERIGES LANTBRUKSUNIVERSITET", "Sveriges lantbruksuniversitet"]) == (
        "Sveriges lantbruksuniversitet"
    )
    assert actor_key(None) is None and actor_key(float("nan")) is None and actor_key("  ") is None


def test_merge_report_lists_groups() -> None:
    report = merge_report(
        [
            "Energikontor Norr AB",
            "Energikontor Norr",
            "ENERGIKONTOR NORR",
            "Energikontor Syd",
            None,
            float("nan"),
        ]
    )
    assert isinstance(report, pd.DataFrame) and len(report) == 1
    assert report.iloc[0]["spellings"] == 3 and report.iloc[0]["mentions"] == 3


def test_part_of_a_name_finds_actors_as_one_types() -> None:
    """Issue 18: typing "Örebro" in the actor search answered "type part of the name"."""
    from ecs_tagger.index.actor_names import actors_named_in_part

    names = [
        "Örebro kommun",
        "Örebro kommun",
        "Region Örebro län",
        "Regionförbundet Örebro län",
        "Regionförbundet Uppsala län",
        "Uppsala universitet",
        "Sveriges lantbruksuniversitet",
        None,
    ]
    found = actors_named_in_part(names, "Örebro")
    assert found[0] == "Örebro kommun", "the most mentioned first"
    assert set(found) == {"Örebro kommun", "Region Örebro län", "Regionförbundet Örebro län"}
    assert actors_named_in_part(names, "regionförbundet upp") == ["Regionförbundet Uppsala län"]
    assert actors_named_in_part(names, "Region Örebro") == ["Region Örebro län"], (
        "whole words before the last: Regionförbundet is another body"
    )
    assert actors_named_in_part(names, "Uppsala univ") == ["Uppsala universitet"]
    assert actors_named_in_part(names, "REGIONFÖRBUNDET UPPSALA LÄN") == [
        "Regionförbundet Uppsala län"
    ]
    assert actors_named_in_part(names, "Up") == [], "two letters are too few to go on"
    assert actors_named_in_part(names, "Nobody") == [] and actors_named_in_part(names, "") == []
