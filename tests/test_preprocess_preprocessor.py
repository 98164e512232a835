"""Tests for ecs_tagger.preprocess.preprocessor: empty texts, batches, frozen results, the corpus."""

from __future__ import annotations

import dataclasses
import random
import re

import pytest

from ecs_tagger.preprocess import Preprocessor
from preprocess_support import _check_sentences, _descriptions, needs_corpus


@pytest.mark.parametrize("text", ["", "   \n\t", "[e-post]"])
def test_empty_text(pre: Preprocessor, text: str) -> None:
    result = pre.process(text)
    assert result.language == "empty"
    assert result.language_confidence == 0.0
    assert result.lemmas == () and result.sentences == ()
    assert result.original == text
    assert result.truncated is False


def test_process_many_matches_process_and_keeps_order(pre: Preprocessor) -> None:
    texts = [
        "Projekten utvecklades av företagen.",
        "The companies were developing new technologies.",
        "",
        "Virksomhederne har brug for mere viden om bæredygtig energi.",
        "Livsmedelsförsörjningen i länet ska tryggas.",
    ]
    batch = pre.process_many(texts, batch_size=2)
    assert [r.original for r in batch] == texts
    assert [r.language for r in batch] == ["sv", "en", "empty", "da", "sv"]
    assert batch == [pre.process(text) for text in texts]


def test_results_are_frozen_and_deterministic(pre: Preprocessor) -> None:
    text = "Projektet stärker konkurrenskraften. Företagen utvecklar e-hälsa och int-ressen."
    first = pre.process(text)
    second = Preprocessor().process(text)
    assert first == second
    with pytest.raises(dataclasses.FrozenInstanceError):
        first.clean = ""  # type: ignore[misc]


@needs_corpus
def test_corpus_descriptions_are_cleaned_consistently(pre: Preprocessor) -> None:
    texts = _descriptions()
    sample = random.Random(7).sample(texts, 60)
    # include the texts with the artefacts this module exists for
    sample += [t for t in texts if "¿" in t][:10] + [t for t in texts if "[e-post]" in t][:3]
    for result in pre.process_many(sample):
        assert "¿" not in result.clean
        assert "[e-post]" not in result.clean and "[telefon]" not in result.clean
        assert not re.search(r"\s{2,}", result.clean.replace("\n\n", "\n"))
        assert all(lemma == lemma.lower() and len(lemma) >= 2 for lemma in result.lemmas)
        assert result.language in ("sv", "en", "no", "da", "other", "empty")
        _check_sentences(result)
        if result.clean:
            assert result.sentences and result.lemmas


def test_capitals_change_nothing_the_models_read() -> None:
    """UPPER CASE, Title Case and lower case give the same language, lemmas and model text with
    ``canonical_case="always"`` (plain canonical case here; true case in
    test_preprocess_word_forms); the sentences keep the writer's own capitals."""
    from ecs_tagger.preprocess import Preprocessor, PreprocessSettings

    text = (
        "Bageri i Örebro\nProjektet utvecklar ett hantverksbageri med lokalt mjöl från gårdar i "
        "Närke. Vi säljer bröd till skolor och äldreboenden."
    )
    variants = [text, text.upper(), text.title(), text.lower()]
    plain = PreprocessSettings(canonical_case="always", true_case=False)
    documents = Preprocessor(plain).process_many(variants)
    first = documents[0]
    assert "örebro" in first.model_text and "Örebro" in first.clean
    for document in documents[1:]:
        assert document.model_text == first.model_text
        assert (document.lemmas, document.language) == (first.lemmas, first.language)
        assert [(s.start, s.end) for s in document.sentences] == [
            (s.start, s.end) for s in first.sentences
        ]
    assert first.sentences[-1].text == "Vi säljer bröd till skolor och äldreboenden."
    assert documents[1].sentences[-1].text == "VI SÄLJER BRÖD TILL SKOLOR OCH ÄLDREBOENDEN."


def test_unusual_case_is_read_in_canonical_case_and_ordinary_writing_as_written() -> None:
    """The default (`canonical_case="unusual"`, true case): a text in UPPER CASE, Title Case or
    without capitals is read in true case, all three alike; ordinary writing keeps its capitals."""
    from ecs_tagger.preprocess import Preprocessor

    text = (
        "Bageri i Örebro\nProjektet utvecklar ett hantverksbageri med EU-stöd och mjöl från "
        "Närke. Vi säljer bröd till skolor och äldreboenden."
    )
    documents = Preprocessor().process_many([text, text.upper(), text.title(), text.lower()])
    assert documents[0].model_text == documents[0].clean == text
    unusual = {d.model_text for d in documents[1:]}
    # true case gives back the writer's capitals, but for a name the corpus seldom writes
    assert unusual == {text.replace("Närke", "närke")}
    assert documents[1].sentences[-1].text == "VI SÄLJER BRÖD TILL SKOLOR OCH ÄLDREBOENDEN."
    # Variant of our own: an English Title Case title; a short ordinary title stays as written
    title, plain = Preprocessor().process_many(
        ["Smart Grids For Rural Energy Communities", "Vätgas för tunga transporter i Mälardalen"]
    )
    assert title.model_text == "Smart grids for rural energy communities"
    assert plain.model_text == plain.clean


def test_settings_stored_before_canonical_case_read_as_never() -> None:
    from ecs_tagger.preprocess import Preprocessor, PreprocessSettings

    old = PreprocessSettings.from_dict({"strip_html": True})
    assert old.canonical_case == "never" and PreprocessSettings().canonical_case == "unusual"
    assert PreprocessSettings.from_dict({"canonical_case": True}).canonical_case == "always"
    assert PreprocessSettings(canonical_case=False).canonical_case == "never"
    with pytest.raises(ValueError, match="canonical_case"):
        PreprocessSettings(canonical_case="sometimes")
    document = Preprocessor(old).process("BIOGAS PÅ GÅRDAR")
    assert document.model_text == document.clean == "BIOGAS PÅ GÅRDAR"
