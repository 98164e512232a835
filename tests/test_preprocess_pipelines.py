"""Tests for ecs_tagger.preprocess.pipelines (through the Preprocessor): which language's pipeline
analyses a text."""

from __future__ import annotations

from ecs_tagger.preprocess import Preprocessor


def test_english_path(pre: Preprocessor) -> None:
    result = pre.process(
        "The companies were developing new technologies for renewable energy. It worked."
    )
    assert result.language == "en"
    assert {"company", "develop", "technology", "renewable", "energy"} <= set(result.lemmas)
    assert "the" not in result.lemmas and "were" not in result.lemmas
    assert len(result.sentences) == 2


def test_weak_scandinavian_guess_is_analysed_as_swedish(pre: Preprocessor) -> None:
    # A four-word Swedish sentence that the detector takes for Norwegian with low confidence.
    result = pre.process("Kommunen bygger ut solenergin.")
    assert result.language_confidence < 0.8
    assert {"kommun", "bygga", "solenergi", "sol", "energi"} <= set(result.lemmas)


def test_danish_path(pre: Preprocessor) -> None:
    result = pre.process(
        "Virksomhederne i regionen har brug for mere viden om bæredygtig fødevareproduktion."
    )
    assert result.language == "da"
    assert "virksomhed" in result.lemmas
    assert "i" not in result.lemmas and "om" not in result.lemmas
