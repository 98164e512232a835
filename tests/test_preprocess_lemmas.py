"""Tests for ecs_tagger.preprocess.lemmas (through the Preprocessor): lookup lemmas and stop words."""

from __future__ import annotations

from ecs_tagger.preprocess import Preprocessor, PreprocessSettings


def test_swedish_lookup_lemmas(pre: Preprocessor) -> None:
    result = pre.process("Projekten utvecklades av företagen i regionen under flera år.")
    assert result.language == "sv"
    for lemma in ("projekt", "utveckla", "företag", "region"):
        assert lemma in result.lemmas
    for surface in ("projekten", "utvecklades", "företagen", "regionen"):
        assert surface not in result.lemmas


def test_capitalised_words_get_their_lemma(pre: Preprocessor) -> None:
    result = pre.process("Företagen och Kommunerna samarbetar. Projekten fortsätter.")
    assert "företag" in result.lemmas
    assert "kommun" in result.lemmas
    assert "projekt" in result.lemmas
    assert all(lemma == lemma.lower() for lemma in result.lemmas)


def test_table_homographs_are_corrected(pre: Preprocessor) -> None:
    # The raw sv lookup table maps företag -> företa, tillväxt -> tillväxa, mål -> måla.
    lemmas = pre.process("Företag behöver tillväxt och tydliga mål för sin utveckling.").lemmas
    assert {"företag", "tillväxt", "mål", "utveckling"} <= set(lemmas)
    assert not {"företa", "tillväxa", "måla"} & set(lemmas)


def test_stop_words_punctuation_and_numbers_removed(pre: Preprocessor) -> None:
    text = "Projektet är ett samarbete mellan 12 kommuner och det ska pågå 2014-2020, bl.a. i Umeå."
    lemmas = pre.process(text).lemmas
    for word in ("och", "det", "ett", "är", "ska", "mellan", "i", "12", "2014-2020", ",", "bl.a."):
        assert word not in lemmas
    assert "samarbete" in lemmas and "kommun" in lemmas and "umeå" in lemmas

    keep = Preprocessor(PreprocessSettings(remove_stop_words=False)).process(text).lemmas
    assert "och" in keep and "mellan" in keep
    assert "12" not in keep and "," not in keep
