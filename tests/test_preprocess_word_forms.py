"""Tests for ecs_tagger.preprocess.word_forms: learning the tables, true case, diacritics."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecs_tagger.errors import ModelError
from ecs_tagger.preprocess import Preprocessor, PreprocessSettings
from ecs_tagger.preprocess.word_forms import (
    WordForms,
    get_word_forms,
    lacks_diacritics,
    learn_word_forms,
    restore_diacritics,
    strip_diacritics,
    true_case,
    word_forms_digest,
)

# Texts of our own, written like registry descriptions.
TEXTS = [
    "Projektet ska hjälpa företag i Örebro att söka EU-stöd. Det gäller för små företag.",
    "Vi bygger en testbädd för AI i vården tillsammans med Region Örebro län och EU.",
    "Företagen i Västmanland får stöd för att använda AI och IoT. Det är för dem.",
    "Målet är att öka kunskapen om AI hos företag i Örebro, Västmanland och Sörmland.",
]
ENGLISH = ["The project in Örebro helps SMEs with AI. It is what I do for the EU and IT."] * 2
FORMS = learn_word_forms(
    TEXTS, names=["Västmanlands län", "Örebro län"] * 2, english=ENGLISH, min_count=2
)


def test_learned_tables_keep_usual_forms_and_skip_sentence_starts() -> None:
    assert FORMS.cased["ai"] == "AI" and FORMS.cased["örebro"] == "Örebro"
    assert FORMS.cased["eu"] == "EU" and FORMS.cased["västmanland"] == "Västmanland"
    # "Det" opens two sentences but is never written mid-sentence: not a cased word
    assert "det" not in FORMS.cased and "projektet" not in FORMS.cased
    # "Region" once (below min_count); lower-case words never enter the cased table
    assert "region" not in FORMS.cased and "stöd" not in FORMS.cased
    assert FORMS.accented["for"] == "för" and FORMS.accented["foretag"] == "företag"
    assert "att" not in FORMS.accented  # no diacritics in its usual form
    # every word of a place name counts as written ("län" is lower case there too)
    assert FORMS.cased["västmanlands"] == "Västmanlands" and "län" not in FORMS.cased
    # English texts make their own table: "I" and "SMEs" there, not in the other
    assert FORMS.cased_en["i"] == "I" and FORMS.cased_en["smes"] == "SMEs"
    assert "i" not in FORMS.cased  # Swedish "i" (in) is lower case


def test_majority_decides_and_ties_are_broken_by_sort_order() -> None:
    forms = learn_word_forms(["Ett bra projekt: har vi här och har vi där."] * 3, min_count=3)
    assert "har" not in forms.accented  # "har" (6) beats "här" (3)
    assert forms.accented["dar"] == "där"
    tie = learn_word_forms(["Ett är och ett ar."] * 3, min_count=3)
    assert "ar" not in tie.accented  # "ar" and "är" 3 each: no majority, so no entry


def test_true_case_writes_names_and_acronyms_and_ignores_input_case() -> None:
    text = "bidrag\nprojektet ska hjälpa FÖRETAG i örebro att söka eu-stöd. det gäller ai."
    cased = true_case(text, FORMS)
    assert cased == "Bidrag\nProjektet ska hjälpa företag i Örebro att söka EU-stöd. Det gäller AI."
    assert len(cased) == len(text)
    assert true_case("i help smes", FORMS, english=True) == "I help SMEs"
    assert true_case("i help smes", FORMS) == "I help smes"  # sentence start; no English table


@settings(max_examples=60, deadline=None)
@given(text=st.sampled_from(TEXTS), flips=st.lists(st.booleans(), min_size=120, max_size=120))
def test_true_case_depends_only_on_the_lower_cased_text(text: str, flips: list[bool]) -> None:
    """Any mix of capitals (not only UPPER, Title and lower) gives the same true-cased string."""
    mixed = "".join(
        c.upper() if flip else c.lower()
        for c, flip in zip(text, (flips * 2)[: len(text)], strict=True)
    )
    assert true_case(mixed, FORMS) == true_case(text, FORMS) == true_case(text.upper(), FORMS)


def test_restoring_diacritics_keeps_capitals_and_length() -> None:
    typed = "FORETAG i Orebro har stod for AI"
    restored = restore_diacritics(typed, FORMS)
    assert restored == "FÖRETAG i Örebro har stöd för AI"  # "har": not in the table
    assert len(restored) == len(typed)
    assert lacks_diacritics(typed, FORMS) and not lacks_diacritics(restored, FORMS)
    assert not lacks_diacritics("Hello world", FORMS)  # no word of the table
    assert strip_diacritics("Åtgärd för hälsa, café") == "Atgard for halsa, cafe"


def test_table_lines_round_trip_and_bad_lines_are_refused() -> None:
    cased, accented, cased_en = FORMS.lines()
    again = WordForms.from_lines(["# comment", *cased, ""], accented, cased_en)
    assert again == FORMS
    with pytest.raises(ValueError, match="not a word"):
        WordForms.from_lines(["EU stöd"], [])
    with pytest.raises(ValueError, match="not a word"):
        WordForms.from_lines(["İstanbul"], [])  # its lower case is one letter longer
    with pytest.raises(ValueError, match="not a word"):
        WordForms.from_lines([], ["för2"])


def test_shipped_tables_hold_regional_names_and_common_swedish_words() -> None:
    forms = get_word_forms()
    for word in ("EU", "Örebro", "Västmanland", "Eskilstuna", "AI"):
        assert forms.cased[word.lower()] == word
    for word in ("för", "är", "hållbar", "företag", "hälsa", "näringsliv"):
        assert forms.accented[strip_diacritics(word)] == word
    assert "och" not in forms.cased and "att" not in forms.accented
    assert len(word_forms_digest()) == 12


def test_preprocessor_truecase_reads_every_capitalisation_alike() -> None:
    text = (
        "Bageri i Örebro\nProjektet utvecklar ett hantverksbageri med EU-stöd och mjöl från "
        "Närke. Vi säljer bröd till skolor och äldreboenden."
    )
    pre = Preprocessor(PreprocessSettings(canonical_case="always", true_case=True))
    documents = pre.process_many([text, text.upper(), text.title(), text.lower()])
    assert {d.model_text for d in documents} == {documents[0].model_text}
    assert "Örebro" in documents[0].model_text and "EU-stöd" in documents[0].model_text
    assert len({(d.lemmas, d.language) for d in documents}) == 1


def test_preprocessor_restores_swedish_but_not_english() -> None:
    settings_ = PreprocessSettings(restore_diacritics=True)
    pre = Preprocessor(settings_)
    swedish, english, written = pre.process_many(
        [
            "Vatgas for tunga transporter i Malardalen",
            "This project develops materials for far better batteries.",
            "Vätgas för tunga transporter i Mälardalen",
        ]
    )
    assert swedish.model_text == written.model_text == "Vätgas för tunga transporter i Mälardalen"
    assert swedish.clean == "Vatgas for tunga transporter i Malardalen"  # shown as written
    assert english.model_text == english.clean
    assert swedish.lemmas == written.lemmas


def test_settings_record_the_tables_and_other_tables_are_refused() -> None:
    plain = PreprocessSettings(true_case=False, restore_diacritics=False)
    assert plain.word_forms == "" and not plain.uses_word_forms
    assert PreprocessSettings(canonical_case="never", restore_diacritics=False).word_forms == ""
    cased = PreprocessSettings(canonical_case="always", true_case=True)
    assert cased.word_forms == PreprocessSettings().word_forms == word_forms_digest()
    assert PreprocessSettings.from_dict({"strip_html": True}).restore_diacritics is False
    stale = replace(cased, word_forms="000000000000")
    with pytest.raises(ModelError, match="word tables 000000000000"):
        Preprocessor(stale)


def test_settings_describe_how_they_read_a_text() -> None:
    assert PreprocessSettings.from_dict({}).describe() == "case as written"
    assert (
        PreprocessSettings(true_case=False, restore_diacritics=False).describe()
        == "unusual case in canonical case, repeated lines dropped"
    )
    described = PreprocessSettings(canonical_case="always").describe()
    assert described.startswith("every text in true case, diacritics restored")
    assert described.endswith(f"(word tables {word_forms_digest()})")
