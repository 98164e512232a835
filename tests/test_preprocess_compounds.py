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
