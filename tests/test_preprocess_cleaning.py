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


@pytest.mark.parametrize(
    ("broken", "repaired"),
    [
        ("Regionen saknar sjuk-\nsköterskor i hemtjänsten.", "sjuksköterskor"),  # issue 12
        ("Stödet riktar sig till livsmedels-\nföretag i länet.", "livsmedelsföretag"),
        ("Stödet riktar sig till livsmedels-\r\nföretag i länet.", "livsmedelsföretag"),
        ("Stödet riktar sig till livsmedels- \r\n  företag i länet.", "livsmedelsföretag"),
        ("Behovet av kompetens-\rutveckling växer.", "kompetensutveckling"),
    ],
)
def test_hyphen_at_the_end_of_a_line_is_joined(
    pre: Preprocessor, broken: str, repaired: str
) -> None:
    clean = pre.clean(broken)
    assert repaired in clean
    assert "-" not in clean and "\n" not in clean


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("Stöd till livsmedels- och energiföretag i länet.", "livsmedels- och energiföretag"),
        ("Stöd till livsmedels-\noch energiföretag i länet.", "livsmedels-\noch energiföretag"),
        ("Många IT-\nföretag växer i länet.", "IT-företag"),
        ("Programmet gäller åren 2014-\n2020 i länet.", "2014-2020"),
    ],
)
def test_hyphen_at_the_end_of_a_line_keeps_genuine_hyphens(
    pre: Preprocessor, text: str, kept: str
) -> None:
    assert kept in pre.clean(text)


# -- mojibake (repaired for tagging only) and Unicode normalisation ------------------------------
@pytest.mark.parametrize(
    ("broken", "repaired"),
    [
        # the case: UTF-8 read as Windows-1252 once
        ("Stöd till fÃ¶rÃ¤dling av mjÃ¶lk", "Stöd till förädling av mjölk"),
        # three-byte sequences (dashes, quotes) that the old pair repair left as they were
        ("Energi â€“ och â€œsmarta nÃ¤tâ€\x9d i Ã–rebro", "Energi – och “smarta nät” i Örebro"),
        # read as Latin-1 (C1 control characters) instead of cp1252
        ("V\u00c3\u00a5rd p\u00c3\u00a5 distans \u00e2\u0080\u0093 nu", "Vård på distans – nu"),
        # a byte lost on the way: ftfy leaves it half-fixed, the pair repair finishes the job
        ("ge ¶kad fÃ¶rstÃ¥else", "ge ökad förståelse"),
    ],
)
def test_mojibake_is_repaired(pre: Preprocessor, broken: str, repaired: str) -> None:
    assert pre.clean(broken) == repaired


def test_correct_text_is_not_changed_by_the_mojibake_repair() -> None:
    """Letters of the Latin-1 range next to quotes, dashes and no-break spaces stay as written."""
    from ecs_tagger.preprocess.cleaning import repair_mojibake

    for text in (
        "MALMÖ”",
        "på\u00a0Åland",
        "Ärende § 5 – “Öppet” hus för 5 €",
        "Straße und Größe",
        "Ødegaard, Æsir, Ñandú, façade",
    ):
        assert repair_mojibake(text) == text


def test_decomposed_text_gives_the_composed_text_and_lemmas(pre: Preprocessor) -> None:
    """NFD (macOS) and NFC text clean to the same text, sentences and lemmas."""
    import unicodedata

    text = "Mjölkföretagen på Åland förädlar råvaror. Äldre får stöd."
    decomposed = pre.process(unicodedata.normalize("NFD", text))
    composed = pre.process(text)
    assert decomposed.clean == composed.clean == text
    assert decomposed.lemmas == composed.lemmas
    assert [s.text for s in decomposed.sentences] == [s.text for s in composed.sentences]


def test_canonical_case_is_one_string_for_every_way_of_capitalising() -> None:
    from ecs_tagger.preprocess.cleaning import canonical_case

    text = "Bageri i Örebro\nVi bakar bröd. Nytt är EU-mjöl!\n\n• Lokal råg\nfrån Närke"
    want = "Bageri i örebro\nvi bakar bröd. Nytt är eu-mjöl!\n\n• Lokal råg\nfrån närke"
    for variant in (text, text.upper(), text.title(), text.lower()):
        assert canonical_case(variant) == want
    # Variant of our own: an English title in Title Case, quotes and a numbered point.
    english = 'SMART "Steel" Plants. 2. Digital Twins For Mills'
    assert canonical_case(english) == 'Smart "steel" plants. 2. Digital twins for mills'
    assert canonical_case(english.lower()) == canonical_case(english)


def test_canonical_case_keeps_the_length_for_offsets() -> None:
    from ecs_tagger.preprocess.cleaning import canonical_case

    for text in ("Straße und İstanbul", "ÆØÅ ß ẞ ﬁ", ""):
        assert len(canonical_case(text)) == len(text)


def test_unusual_case_tells_shouting_title_case_and_no_capitals_from_ordinary_writing() -> None:
    from ecs_tagger.preprocess.cleaning import unusual_case

    ordinary = "Projektet i Örebro län utvecklar AI för EU:s småföretag. Det leds av RISE."
    assert not unusual_case(ordinary)
    assert unusual_case(ordinary.upper()) and unusual_case(ordinary.title())
    assert unusual_case(ordinary.lower())
    assert unusual_case("BIOGAS") and not unusual_case("Biogas") and not unusual_case("biogas")
    assert not unusual_case("") and not unusual_case("123 456")
    # a title with two proper nouns among five words is ordinary writing
    assert not unusual_case("Vätgas för tunga transporter i Mälardalen")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Vätgas i Mälardalen\nVätgas i Mälardalen", "Vätgas i Mälardalen"),
        ("Titel\n\nTitel \nText om titeln.", "Titel\nText om titeln."),
        ("Ett\nTvå\nEtt", "Ett\nTvå\nEtt"),  # not consecutive: kept
        ("Titel\ntitel", "Titel\ntitel"),  # case-sensitive
    ],
)
def test_a_line_repeating_the_line_before_is_dropped(text: str, expected: str) -> None:
    from ecs_tagger.preprocess.cleaning import drop_repeated_lines

    assert drop_repeated_lines(text) == expected
    on = Preprocessor(PreprocessSettings(drop_repeated_lines=True))
    assert on.clean(text) == expected
    assert PreprocessSettings.from_dict({}).drop_repeated_lines is False  # older models
