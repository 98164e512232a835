"""Tests for ecs_tagger.preprocess.language: Scandinavian confusion, short and empty texts, real corpus."""

from __future__ import annotations

import dataclasses
import gzip
import json
import os
import random
from pathlib import Path

import pytest

from ecs_tagger.preprocess.language import (
    LANGUAGES,
    MIN_RELIABLE_WORDS,
    MIN_WORDS,
    LanguageGuess,
    count_words,
    detect_language,
    dominant_language,
    is_reliable,
)

REPO = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("ECS_TAGGER_CORPUS", REPO.parent / "shared" / "corpus"))
PROJEKTBANKEN = CORPUS / "projektbanken" / "projects.jsonl"
SWECRIS = CORPUS / "swecris_kth" / "projects.jsonl.gz"

needs_projektbanken = pytest.mark.skipif(
    not PROJEKTBANKEN.exists(),
    reason=f"corpus not found at {PROJEKTBANKEN} (set ECS_TAGGER_CORPUS)",
)
needs_swecris = pytest.mark.skipif(
    not SWECRIS.exists(), reason=f"corpus not found at {SWECRIS} (set ECS_TAGGER_CORPUS)"
)

SWEDISH = [
    "Projektet ska stärka konkurrenskraften hos små och medelstora företag i regionen.",
    "Syftet är att utveckla nya metoder för energieffektivisering inom tillverkningsindustrin.",
    "Genom samverkan mellan kommuner, landsting och näringsliv skapas fler arbetstillfällen.",
    "Förstudien kartlägger behovet av livsmedelsförädling och lokal matproduktion i länet.",
]
ENGLISH = [
    "The project develops new methods for energy efficiency in the manufacturing industry.",
    "We study how small companies can use digital tools to reach international markets.",
]
# Short paragraphs written for these tests (not from the corpus).
NORWEGIAN = [
    "Prosjektet skal styrke samarbeidet mellom bedrifter og forskningsmiljøer i regionen. "
    "Målet er å utvikle nye løsninger for fornybar energi og redusere utslippene fra "
    "industrien.",
    "Kommunene ønsker å bedre folkehelsen gjennom økt fysisk aktivitet blant barn og unge. "
    "Tiltakene skal gjennomføres i samarbeid med skolene og frivillige lag.",
    "Bedriftene i næringsmiddelindustrien trenger mer kunnskap om bærekraftig matproduksjon. "
    "Prosjektet vil tilby kurs og veiledning til små og mellomstore bedrifter.",
    "Vi ønsker å etablere et felles kompetansesenter for treforedling og bioøkonomi i "
    "grenseregionen mellom Norge og Sverige.",
    # Nynorsk
    "Prosjektet skal gje kommunane betre kunnskap om korleis dei kan byggje ut fornybar "
    "energi i fjellbygdene.",
]
DANISH = [
    "Projektet skal styrke samarbejdet mellem virksomheder og forskningsinstitutioner i "
    "regionen. Målet er at udvikle nye løsninger inden for vedvarende energi og nedbringe "
    "udledningen fra industrien.",
    "Kommunerne ønsker at forbedre folkesundheden gennem øget fysisk aktivitet blandt børn og "
    "unge. Indsatsen gennemføres i samarbejde med skolerne og de frivillige foreninger.",
    "Virksomhederne i fødevareindustrien har brug for mere viden om bæredygtig "
    "fødevareproduktion. Projektet vil tilbyde kurser og rådgivning til små og mellemstore "
    "virksomheder.",
    "Vi ønsker at etablere et fælles videncenter for træforarbejdning og bioøkonomi i "
    "grænseregionen mellem Danmark og Sverige.",
]

# Interreg descriptions in Projektbanken whose language was identified by reading them.
CORPUS_DANISH_IDS = ["TVV-181330", "TVV-176306", "TVV-163377", "TVV-140255", "TVV-161595"]
CORPUS_NORWEGIAN_IDS = ["TVV-116840", "TVV-42402", "TVV-118607", "TVV-116829"]
CORPUS_NYNORSK_IDS = ["TVV-166055", "TVV-147199"]


def test_guess_is_a_frozen_dataclass() -> None:
    guess = detect_language("Projektet utvecklar nya tjänster för äldre i hemmet.")
    assert isinstance(guess, LanguageGuess)
    with pytest.raises(dataclasses.FrozenInstanceError):
        guess.code = "en"  # type: ignore[misc]
    assert LANGUAGES == ("sv", "en", "no", "da")


@pytest.mark.parametrize("text", ["", "   ", "\n\t ", "123 456", "[e-post] [telefon]", "-- !!"])
def test_no_letters_is_empty(text: str) -> None:
    assert detect_language(text) == LanguageGuess("empty", 0.0)


@pytest.mark.parametrize("text", SWEDISH)
def test_swedish(text: str) -> None:
    guess = detect_language(text)
    assert guess.code == "sv"
    assert guess.confidence > 0.9


@pytest.mark.parametrize("text", ENGLISH)
def test_english(text: str) -> None:
    guess = detect_language(text)
    assert guess.code == "en"
    assert guess.confidence > 0.9


@pytest.mark.parametrize("text", NORWEGIAN)
def test_norwegian_paragraphs_are_not_swedish_or_danish(text: str) -> None:
    guess = detect_language(text)
    assert guess.code == "no", guess
    assert guess.confidence > 0.6


@pytest.mark.parametrize("text", DANISH)
def test_danish_paragraphs_are_not_swedish_or_norwegian(text: str) -> None:
    guess = detect_language(text)
    assert guess.code == "da", guess
    assert guess.confidence > 0.6


@pytest.mark.parametrize(
    "text",
    [
        "Das Projekt entwickelt neue Methoden für die Energieeffizienz in der Industrie.",
        "Hankkeen tavoitteena on parantaa pienten yritysten kilpailukykyä alueella.",
        "Le projet vise à renforcer la compétitivité des petites entreprises de la région.",
    ],
)
def test_other_languages(text: str) -> None:
    assert detect_language(text).code == "other"


def test_short_text_still_guessed_with_low_confidence() -> None:
    for text in ["Projektet", "Ej aktuellt", "The project"]:
        guess = detect_language(text)
        assert guess.code in (*LANGUAGES, "other")
        # fewer than MIN_WORDS words: confidence scaled by n_words / (2 * MIN_WORDS)
        assert guess.confidence <= (MIN_WORDS - 1) / (2 * MIN_WORDS) + 1e-9
    long = detect_language("Projektet utvecklar nya tjänster för äldre i hemmet och på sjukhus.")
    assert long.confidence > detect_language("Projektet").confidence


def test_short_swedish_sentences_lean_swedish() -> None:
    sentences = [
        "Projektet omfattar namnbyte.",
        "Företagen ska växa.",
        "Utvecklingsaktiviteter initieras i länet.",
        "Ej aktuellt i detta småprojekt",
    ]
    assert [detect_language(s).code for s in sentences] == ["sv"] * len(sentences)


def test_swedish_prior_can_be_changed() -> None:
    text = "omfattar namnbyte."
    assert detect_language(text).code == "sv"
    assert detect_language(text, priors={"sv": 0.01}).code != "sv"


def test_deterministic() -> None:
    text = NORWEGIAN[0] + " " + SWEDISH[0]
    assert len({detect_language(text) for _ in range(5)}) == 1


def test_markup_and_urls_do_not_decide() -> None:
    text = "<p>Projektet utvecklar nya tjänster för äldre.</p> https://www.example.com/english/page"
    assert detect_language(text).code == "sv"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Mat", 1),
        ("Energi", 1),
        ("Hållbar energi", 2),
        ("Mat i skolan", 3),
        ("Energi 2030 - https://www.example.se/energi [e-post]", 1),
        ("Lokal mat i skolan", 4),
        ("e-hälsa för äldre i Norrland", 5),
    ],
)
def test_short_texts_are_not_reliable(text: str, words: int) -> None:
    assert count_words(text) == words
    assert is_reliable(text) == (words >= MIN_RELIABLE_WORDS) == (words >= 4)


def test_dominant_language_counts_the_four_languages() -> None:
    assert dominant_language({"sv": 3, "no": 5, "other": 9}) == "no"
    assert dominant_language({"en": 2, "sv": 2}) == "sv"  # ties go to Swedish first
    assert dominant_language({"other": 9, "empty": 2}) == "sv"
    assert dominant_language({}) == "sv"
    assert dominant_language({}, default="en") == "en"


# --------------------------------------------------------------------------------------------
# Corpus-based
# --------------------------------------------------------------------------------------------


@needs_projektbanken
def test_corpus_texts_of_four_words_are_reliable_and_of_one_word_not() -> None:
    # Why MIN_RELIABLE_WORDS is 4: the openings of Swedish descriptions, cut to n words.
    texts = [
        str(record["description"])
        for record in _projektbanken()
        if record.get("description") and "Interreg" not in str(record.get("programme"))
    ]
    sample = random.Random(1).sample(texts, 300)

    def swedish_rate(words: int) -> float:
        codes = [detect_language(" ".join(t.split()[:words])).code for t in sample]
        return codes.count("sv") / len(codes)

    assert swedish_rate(1) < 0.9
    assert swedish_rate(MIN_RELIABLE_WORDS) >= 0.98


def _projektbanken() -> list[dict[str, object]]:
    with PROJEKTBANKEN.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


@needs_projektbanken
def test_corpus_swedish_descriptions_are_swedish() -> None:
    # Mål 2 and Regionalfonden projects are Swedish-only programmes (Interreg is cross-border).
    texts = [
        str(record["description"])
        for record in _projektbanken()
        if record.get("description")
        and "Interreg" not in str(record.get("programme"))
        and len(str(record["description"]).split()) >= 10
    ]
    assert len(texts) >= 200
    sample = random.Random(20240601).sample(texts, 200)
    codes = [detect_language(text).code for text in sample]
    rate = codes.count("sv") / len(codes)
    assert rate >= 0.97, f"sv rate {rate:.3f}; others: {[c for c in codes if c != 'sv']}"


@needs_projektbanken
def test_corpus_norwegian_and_danish_interreg_descriptions() -> None:
    by_id = {str(record["id"]): str(record.get("description") or "") for record in _projektbanken()}
    expected = [(i, "da") for i in CORPUS_DANISH_IDS] + [
        (i, "no") for i in CORPUS_NORWEGIAN_IDS + CORPUS_NYNORSK_IDS
    ]
    present = [(i, code) for i, code in expected if by_id.get(i)]
    if len(present) < len(expected) // 2:
        pytest.skip("the hand-identified Norwegian/Danish records are not in this corpus copy")
    wrong = [(i, code, detect_language(by_id[i])) for i, code in present]
    wrong = [item for item in wrong if item[2].code != item[1]]
    assert not wrong


@needs_swecris
def test_corpus_english_abstracts_are_english() -> None:
    with gzip.open(SWECRIS, "rt", encoding="utf-8") as handle:
        records = [json.loads(line) for line in handle if line.strip()]
    texts = sorted(
        {
            str(record["projectAbstractEn"])
            for record in records
            if record.get("projectAbstractEn")
            and len(str(record["projectAbstractEn"]).split()) >= 10
        }
    )
    assert len(texts) >= 200
    sample = random.Random(20240601).sample(texts, 200)
    codes = [detect_language(text).code for text in sample]
    rate = codes.count("en") / len(codes)
    assert rate >= 0.97, f"en rate {rate:.3f}"


# -- scripts the model does not cover: `other`, whatever the length -----------------------------
OTHER_SCRIPTS = {  # the languages: Arabic was 'en', the others 'no'
    "arabic": "مشروع لدعم الزراعة المستدامة والغذاء المحلي في المنطقة",
    "ukrainian": "Проєкт підтримує цифрові послуги для літніх людей у регіоні",
    "persian": "این پروژه از کشاورزی پایدار و غذای محلی در منطقه حمایت می کند",
    "russian": "Проект поддерживает цифровые услуги для пожилых людей в регионе",
    "tigrinya": "እዚ ፕሮጀክት ንዘላቒ ሕርሻን ከባቢያዊ መግብን ይድግፍ",
}


@pytest.mark.parametrize("text", OTHER_SCRIPTS.values(), ids=OTHER_SCRIPTS.keys())
def test_scripts_the_model_does_not_cover_are_other(text: str) -> None:
    guess = detect_language(text)
    assert guess.code == "other" and guess.confidence == 1.0
    assert is_reliable(text)  # a sure guess: never given the registry's language


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Проект", "other"),  # one word: still sure
        ("食品供应链", "other"),  # no spaces at all
        ("Ἔργο ἐνέργειας", "other"),  # Greek
        ("Projektet samarbetar med föreningen بيت الثقافة i Örebro län.", "sv"),
        ("Projektet studerar α-synuklein och β-amyloid hos äldre patienter.", "sv"),
    ],
)
def test_one_word_in_another_script_and_swedish_with_a_foreign_name(text: str, code: str) -> None:
    """Variant: a one-word title, CJK and Greek are other; Swedish text quoting an Arabic name or
    Greek letters is still Swedish (most of its letters are Latin)."""
    assert detect_language(text).code == code


def test_other_scripts_never_decide_the_registry_language() -> None:
    counts = {"other": 2, "sv": 1}
    assert dominant_language(counts) == "sv"
    assert dominant_language({"other": 5}) == "sv"
