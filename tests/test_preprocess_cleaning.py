"""Tests for ecs_tagger.preprocess.cleaning (through the Preprocessor) on real Swedish sentences
and, where present, the corpus."""

from __future__ import annotations

import pytest

from ecs_tagger.preprocess import Preprocessor, PreprocessSettings
from preprocess_support import _check_sentences, _descriptions, needs_corpus


@pytest.mark.parametrize(
    ("broken", "repaired"),
    [
        ("Företagen har stora int-ressen i regionen.", "intressen"),
        ("Vi undersöker finansierings-möjligheter för företagen.", "finansieringsmöjligheter"),
        ("Målet med pro-jektet är att skapa fler jobb.", "projektet"),
        ("Kursen ska ut-vecklas under året.", "utvecklas"),
        ("Satsningen stärker konkurrens-kraften i länet.", "konkurrenskraften"),
        ("Resultatet blir en bättre kompe-tensförsörjning i regionen.", "kompetensförsörjning"),
    ],
)
def test_hyphen_repair_joins_line_wrap_breaks(
    pre: Preprocessor, broken: str, repaired: str
) -> None:
    clean = pre.clean(broken)
    assert repaired in clean
    assert "-" not in clean


@pytest.mark.parametrize(
    "kept",
    [
        "e-hälsa",
        "IT-företag",
        "Life Science-bolag",
        "bil- och flygindustrin",
        "Öresund-Kattegat-Skagerrak",
        "CO2-utsläpp",
        "e-post",
        "EU-stöd",
        "svensk-norska",
        "lokalt-regionalt",
        "2014-2020",
    ],
)
def test_hyphen_repair_keeps_genuine_hyphens(pre: Preprocessor, kept: str) -> None:
    text = f"Projektet gäller {kept} i hela regionen."
    assert kept in pre.clean(text)


def test_hyphen_repair_can_be_switched_off() -> None:
    text = "Företagen har stora int-ressen i regionen."
    assert "int-ressen" in Preprocessor(PreprocessSettings(repair_hyphens=False)).clean(text)


def test_placeholders_removed(pre: Preprocessor) -> None:
    result = pre.process(
        "Kontakta projektledaren via [e-post] eller [telefon] för mer information."
    )
    assert "[" not in result.clean and "e-post" not in result.clean
    assert "telefon" not in result.clean
    assert not any("telefon" in lemma or "post" in lemma for lemma in result.lemmas)
    assert "projektledare" in result.lemmas


def test_html_tags_and_entities_stripped(pre: Preprocessor) -> None:
    text = "<p>Företagen &amp; kommunerna&nbsp;samarbetar.</p><br/><p align='left'>Nästa steg.</p>"
    result = pre.process(text)
    assert result.clean == "Företagen & kommunerna samarbetar.\n\nNästa steg."
    assert [s.text for s in result.sentences] == [
        "Företagen & kommunerna samarbetar.",
        "Nästa steg.",
    ]
    assert not any(lemma in ("p", "br", "amp", "nbsp") for lemma in result.lemmas)

    raw = Preprocessor(PreprocessSettings(strip_html=False)).clean(text)
    assert "<p>" in raw and "&amp;" in raw


def test_inverted_question_mark_mojibake(pre: Preprocessor) -> None:
    clean = pre.clean("Företag ska uppnå statusen ¿bra arbetsgivare¿. ¿¿¿")
    assert clean == 'Företag ska uppnå statusen "bra arbetsgivare".'
    assert pre.clean("Stöd från idé ¿ affärsidé ¿ eget företag") == (
        "Stöd från idé – affärsidé – eget företag"
    )


def test_unicode_and_whitespace_normalised(pre: Preprocessor) -> None:
    text = (
        "Ma\u0308nniskor  fÃ¶r\ttillva\u0308xt\u00a0i ko\u00adnferens \x13 mer\r\n\r\n\r\n\r\nNytt."
    )
    clean = pre.clean(text)
    assert clean == "Människor för tillväxt i konferens – mer\n\nNytt."


def test_truncation_flag() -> None:
    text = "Projektet utvecklar nya tjänster för äldre i regionen. " * 40
    pre = Preprocessor(PreprocessSettings(max_chars=300))
    result = pre.process(text)
    assert result.truncated is True
    assert len(result.clean) <= 300
    assert result.clean.startswith("Projektet utvecklar")
    assert not result.clean.endswith("tjän")  # cut at a word boundary
    _check_sentences(result)
    assert pre.process("Kort text om projektet.").truncated is False
    with pytest.raises(ValueError):
        PreprocessSettings(max_chars=0)


@needs_corpus
def test_corpus_hyphen_artefacts_are_repaired(pre: Preprocessor) -> None:
    texts = _descriptions()
    cases = {
        "int-ressen": "intressen",
        "interna-tionella": "internationella",
        "finansierings-möjligheter": "finansieringsmöjligheter",
    }
    checked = 0
    for broken, repaired in cases.items():
        for text in (t for t in texts if broken in t):
            clean = pre.clean(text)
            assert repaired in clean and broken not in clean
            checked += 1
    if checked == 0:
        pytest.skip("none of the known hyphenation artefacts occur in this corpus copy")
