"""Tests for ecs_tagger.preprocess.sentences (through the Preprocessor): abbreviations, line breaks."""

from __future__ import annotations

from ecs_tagger.preprocess import Preprocessor
from preprocess_support import _check_sentences


def test_sentences_and_abbreviations(pre: Preprocessor) -> None:
    text = (
        "Projektet drivs bl.a. av kommunen, t.ex. i Umeå, med partner m.m. och kostar ca. 15 mkr. "
        "Nästa steg är en förstudie! Vad händer sedan?"
    )
    result = pre.process(text)
    assert [s.text for s in result.sentences] == [
        "Projektet drivs bl.a. av kommunen, t.ex. i Umeå, med partner m.m. och kostar ca. 15 mkr.",
        "Nästa steg är en förstudie!",
        "Vad händer sedan?",
    ]
    _check_sentences(result)


def test_line_breaks_start_sentences_but_hard_wraps_do_not(pre: Preprocessor) -> None:
    text = (
        "Syfte och mål:\nProjektet ska ta fram en\nmodell för samverkan\n\nResultat\n· ett nätverk"
    )
    result = pre.process(text)
    assert [s.text for s in result.sentences] == [
        "Syfte och mål:",
        "Projektet ska ta fram en\nmodell för samverkan",
        "Resultat",
        "· ett nätverk",
    ]
    _check_sentences(result)
