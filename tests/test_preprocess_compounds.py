"""Tests for ecs_tagger.preprocess.compounds: compound parts in the lemmas, and the splitter."""

from __future__ import annotations

import pytest

from ecs_tagger.preprocess import Preprocessor, PreprocessSettings, get_lexicon


@pytest.mark.parametrize(
    ("text", "whole", "parts"),
    [
        (
            "Livsmedelsförsörjningen är sårbar.",
            "livsmedelsförsörjning",
            ("livsmedel", "försörjning"),
        ),
        (
            "Energieffektivisering i fastigheter.",
            "energieffektivisering",
            ("energi", "effektivisering"),
        ),
        ("Vi inför välfärdsteknik i hemtjänsten.", "välfärdsteknik", ("välfärd", "teknik")),
        ("Kommunen bygger ut solenergin i hela länet.", "solenergi", ("sol", "energi")),
        (
            "Behovet av kompetensutveckling växer.",
            "kompetensutveckling",
            ("kompetens", "utveckling"),
        ),
    ],
)
def test_compound_parts_follow_the_whole_lemma(
    pre: Preprocessor, text: str, whole: str, parts: tuple[str, ...]
) -> None:
    lemmas = pre.process(text).lemmas
    assert whole in lemmas
    index = lemmas.index(whole)
    assert lemmas[index + 1 : index + 1 + len(parts)] == parts


def test_compound_recursion_goes_one_level() -> None:
    parts = get_lexicon("sv").compound_parts("arbetsmarknadsutbildning")
    assert parts == ("arbetsmarknad", "arbete", "marknad", "utbildning")


def test_derivations_and_short_words_are_not_split(pre: Preprocessor) -> None:
    lemmas = pre.process("Företagande och tillväxt kräver transporter och beskrivning.").lemmas
    assert "företagande" in lemmas and "tillväxt" in lemmas
    for junk in ("föra", "tagande", "växt", "tran", "sport", "besk", "rivning"):
        assert junk not in lemmas


def test_compound_splitting_can_be_switched_off() -> None:
    off = Preprocessor(PreprocessSettings(split_compounds=False))
    lemmas = off.process("Vi inför välfärdsteknik och e-hälsa.").lemmas
    assert "välfärdsteknik" in lemmas and "e-hälsa" in lemmas
    assert "teknik" not in lemmas and "hälsa" not in lemmas


def test_hyphenated_words_contribute_their_parts(pre: Preprocessor) -> None:
    lemmas = pre.process("IT-företagen satsar på e-hälsa och minskade CO2-utsläpp.").lemmas
    assert lemmas[:3] == ("it-företag", "it", "företag")
    index = lemmas.index("e-hälsa")
    assert lemmas[index + 1] == "hälsa"  # "e" is too short to be a part
    index = lemmas.index("co2-utsläpp")
    assert lemmas[index + 1 : index + 3] == ("co2", "utsläpp")


@pytest.mark.parametrize(
    "word",
    [
        "medicinering",  # issue 12: medicin + ring
        "digitalisering",  # issue 12: digitalis + ring
        "planering",
        "rekryteringen",  # an inflected suffix (-eringen)
        "positioneringar",
    ],
)
def test_derivational_suffixes_are_never_split(pre: Preprocessor, word: str) -> None:
    lexicon = get_lexicon("sv")
    assert lexicon.split(word) is None
    lemmas = pre.process(f"Projektet gäller {word} i regionen.").lemmas
    assert not {"ring", "ringen", "digitalis", "plana", "medicin"} & set(lemmas)


@pytest.mark.parametrize(
    ("word", "parts"),
    [
        ("problemformulering", ("problem", "formulering")),  # the head keeps its -ering
        ("kunskapsspridning", ("kunskap", "spridning")),
        ("idégenerering", ("idé", "generering")),
    ],
)
def test_compounds_with_a_derived_head_still_split(word: str, parts: tuple[str, ...]) -> None:
    assert get_lexicon("sv").compound_parts(word) == parts


@pytest.mark.parametrize(
    ("word", "lemma", "parts"),
    [
        ("solcellsparker", "solcellspark", ("solcell", "park")),  # issue 12: not solcell + spark
        ("vindkraftsparker", "vindkraftspark", ("vindkraft", "park")),
        ("marknadsandelar", "marknadsandel", ("marknad", "andel")),  # not marknad + sandel
        ("kilometerskatt", "kilometerskatt", ("kilometer", "skatt")),  # s-head stays whole
        ("transportsträcka", "transportsträcka", ("transport", "sträcka")),
        ("energislag", "energislag", ("energi", "slag")),
        ("sjötransporter", "sjötransport", ("sjö", "transport")),  # not sjötran + sport
    ],
)
def test_linking_s_and_protected_words(word: str, lemma: str, parts: tuple[str, ...]) -> None:
    lexicon = get_lexicon("sv")
    assert lexicon.lemma(word) == lemma
    assert lexicon.compound_parts(lemma) == parts


def test_compound_parts_are_known_content_words() -> None:
    lexicon = get_lexicon("sv")
    words = [
        "medicinering",
        "digitalisering",
        "solcellsparker",
        "livsmedelsförsörjning",
        "välfärdsteknik",
        "arbetsmarknadsutbildning",
        "energieffektivisering",
        "vindkraftsparker",
        "mjölkgårdar",
        "kompetensutveckling",
        "produktpaketering",
        "företagsgrupperingar",
        "landsbygdsenheten",
    ]
    for word in words:
        for part in lexicon.compound_parts(lexicon.lemma(word)):
            assert len(part) >= 3, (word, part)
            assert part in lexicon.base_forms, (word, part)
            assert part not in lexicon.stop_words, (word, part)


def test_parts_are_not_word_lemmas_of_the_text(pre: Preprocessor) -> None:
    result = pre.process("Vi bygger solcellsparker och satsar på välfärdsteknik och teknik.")
    assert {"solcell", "park", "välfärd", "teknik"} <= set(result.lemmas)
    assert result.words is not None
    assert {"solcellspark", "välfärdsteknik", "teknik"} <= result.words
    assert not {"solcell", "park", "välfärd"} & result.words  # parts only, not words
