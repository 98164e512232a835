"""Lemmas and stop words: corrected spaCy lookup lemmas, and the lemma step of a text.

Lemmas come from the lookup tables of ``spacy-lookups-data`` (loaded through spaCy's
``lemmatizer`` pipe in ``lookup`` mode). The tables are case-sensitive and their Swedish table maps
some frequent nouns onto rarer homographs (``företag`` -> ``företa``, ``tillväxt`` ->
``tillväxa``, ``har`` -> ``hare``); :class:`Lexicon` therefore looks up the lower-cased form, keeps
a form that is itself a base form in the table, and resolves passives (``utvecklades`` ->
``utvecklas`` -> ``utveckla``). Norwegian has only a tiny Bokmål table; Danish's table is the
fallback for Norwegian forms it lacks. Lexicons are built lazily, once per process.

:func:`lemmas_of` turns an analysed spaCy ``Doc`` into lower-cased lemmas with stop words,
punctuation, numbers, URLs, e-mail addresses and abbreviations removed; with compound splitting
the parts of a compound (:mod:`ecs_tagger.preprocess.compounds`) and of a hyphenated word follow
the whole lemma.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from typing import Any

from ecs_tagger.notices import waiting
from ecs_tagger.preprocess.compounds import ALPHA_RE, MIN_COMPOUND_LEN, CompoundSplitter, words
from ecs_tagger.preprocess.pipelines import SPACY_LANG, get_pipeline, language_name

__all__ = ["Lexicon", "get_lexicon", "lemmas_and_words", "lemmas_of"]

#: Lookup tables consulted in order when a form is missing from the pipeline's own table.
_FALLBACK_TABLES: dict[str, tuple[str, ...]] = {"nb": ("da",)}
#: Pipelines whose lexicon splits compounds for lemmas (Swedish is what the corpus is).
_COMPOUND_LANGS = frozenset({"sv"})

#: Extra stop words on top of spaCy's lists (frequent function words spaCy's lists lack).
_EXTRA_STOP_WORDS: dict[str, frozenset[str]] = {
    "sv": words(
        "är samt kring via såväl därmed därigenom dessutom respektive utifrån gentemot ca etc "
        "dvs osv varav vars sådan sådana sådant ska finnas vara ha hos dessa denna både vilka "
        "vilket annars"
    ),
    "en": frozenset(),
    "nb": words("samt ca"),
    "da": words("samt ca"),
}


def _paradigm(lemma: str, *forms: str) -> dict[str, str]:
    """``{form: lemma}`` for the lemma itself and each of ``forms``."""
    return {form: lemma for form in (lemma, *forms)}


#: Swedish forms the lookup table maps onto a rare homograph although the corpus uses them as
#: nouns (or, for a few, as another word): ``mjölk`` -> ``mjölke`` (milt), ``bilar`` -> ``bila``
#: (to hew), ``regler`` -> ``reglera``, ``städer`` -> ``städja``, ``fallet`` -> ``fallen``.
#: Checked against the Projektbanken descriptions (``benchmarks/lemma_check.py``); each entry
#: is tested in ``tests/test_preprocess_lemmas.py``.
_SV_NOUN_EXCEPTIONS: dict[str, str] = {
    **_paradigm("mjölk", "mjölken", "mjölkens", "mjölks"),
    **_paradigm("bil", "bilar", "bilarna", "bilars", "bilarnas"),
    **_paradigm("väg", "vägar", "vägarna", "vägars", "vägarnas"),
    **_paradigm("järnväg", "järnvägar", "järnvägarna"),
    **_paradigm("regel", "regler", "reglerna", "reglers"),
    **_paradigm("stad", "städer", "städerna", "städers"),
    **_paradigm("land", "länder", "länderna", "länders"),
    **_paradigm("fall", "fallet", "fallen", "fallens", "fallets"),
    **_paradigm("slut", "slutet", "slutets"),
    **_paradigm("beslut", "beslutet", "besluten", "beslutets"),
    **_paradigm("val", "valet", "valen", "valets"),
    **_paradigm("tryck", "trycket"),
    **_paradigm("avfall", "avfallet", "avfallets"),
    **_paradigm("innehåll", "innehållet"),
    **_paradigm("underhåll", "underhållet"),
    **_paradigm("inspel", "inspelet"),
    **_paradigm("utfall", "utfallet"),
    **_paradigm("bortfall", "bortfallet"),
    **_paradigm("studie", "studier", "studierna"),
    "visar": "visa",
    "nytt": "ny",
    "vill": "vilja",
    "fick": "få",
    "tog": "ta",
}

#: Hand-made corrections of the lookup tables for frequent, harmful mappings.
_LEMMA_OVERRIDES: dict[str, dict[str, str]] = {
    "sv": {
        "ska": "ska",
        "skall": "ska",
        "skulle": "ska",
        "har": "ha",
        "hade": "ha",
        "haft": "ha",
        "finns": "finnas",
        "fanns": "finnas",
        "funnits": "finnas",
        "är": "vara",
        "minska": "minska",
        "data": "data",
        "en": "en",
        "ens": "ens",
        **_SV_NOUN_EXCEPTIONS,
    },
    "en": {
        "data": "data",
        "media": "media",
        "species": "species",
        "developing": "develop",
        "developed": "develop",
    },
    "nb": {},
    "da": {},
}

#: Swedish deponent verbs: their -s is not a passive and must stay (``lyckas`` is not ``lycka``).
_DEPONENTS = words(
    "finnas hoppas lyckas misslyckas trivas andas minnas synas låtsas fattas vistas åldras "
    "kräkas svettas brottas skämmas envisas samsas töras avundas hämnas umgås slåss kännas "
    "märkas längtas"
)

#: Endings of adjectives whose definite/plural -a form the table maps back to the bare form
#: (``svenska`` -> ``svensk``).
_ADJ_ENDINGS = ("isk", "sk", "ig", "lig", "iv", "ell", "al", "ent", "ant", "är")
#: Swedish inflectional endings: ``word == lemma + ending`` means the table's lemma is right.
_INFLECTIONS = words("s n en et t na er ar or erna arna orna ens ets d de des r te ts")
_VOWELS = frozenset("aeiouyåäö")


def _is_inflection(word: str, lemma: str) -> bool:
    """Whether ``word`` is ``lemma`` plus a regular Swedish inflectional ending."""
    if not word.startswith(lemma):
        return False
    ending = word[len(lemma) :]
    if ending == "s":
        return lemma[-1:] in _VOWELS  # passive utvecklas -> utveckla, not gräns -> grän
    if ending == "a":
        return lemma.endswith(_ADJ_ENDINGS)  # svenska -> svensk, but leda is not led + a
    return ending in _INFLECTIONS


class Lexicon(CompoundSplitter):
    """Lemma lookup and compound splitting over spaCy lookup tables for one language.

    ``table`` maps inflected forms to lemmas (spaCy ``Table``: membership by string works, keys
    are hashes); ``base_forms`` is the set of lower-case lemmas (the table's values). Both are
    what "known word" means here.
    """

    def __init__(
        self,
        lang: str,
        tables: Sequence[Any],
        stop_words: Iterable[str],
        split_compounds: bool,
    ) -> None:
        self.lang = lang
        self.tables = tuple(tables)
        self.base_forms: frozenset[str] = frozenset(
            value
            for table in self.tables
            for value in table.values()
            if isinstance(value, str) and value.islower() and ALPHA_RE.match(value)
        )
        self.stop_words: frozenset[str] = frozenset(w.lower() for w in stop_words)
        self.overrides = _LEMMA_OVERRIDES.get(lang, {})
        # The overrides' lemmas are words too (mjölk, which the table lacks).
        self.base_forms |= frozenset(
            lemma for lemma in self.overrides.values() if ALPHA_RE.match(lemma)
        )
        self.compounds = split_compounds
        #: Whether hyphen repair may treat a join that splits into two known words as a
        #: compound (not for English, whose compounds are written open).
        self.hyphen_compounds = lang != "en"
        #: Whether the tables are large enough to call a word unknown with some confidence
        #: (the Norwegian Bokmål table has ~1,500 entries, mostly function words).
        self.rich = len(self.base_forms) > 20_000
        self.lemma: Callable[[str], str] = lru_cache(maxsize=200_000)(self._lemma)
        super().__init__()

    # -- known words ---------------------------------------------------------------------
    def is_known(self, word: str) -> bool:
        """Whether the lower-case ``word`` is a form or a lemma of the tables, or a stop word."""
        return (
            word in self.base_forms
            or word in self.stop_words
            or any(word in table for table in self.tables)
        )

    def lookup(self, word: str) -> str | None:
        """The raw table lemma of ``word`` (first table that has it), or None."""
        for table in self.tables:
            value = table.get(word)
            if isinstance(value, str):
                return value
        return None

    # -- lemmas --------------------------------------------------------------------------
    def _noun_reading(self, word: str, lemma: str) -> str | None:
        """The noun ``word`` is a form of where the table gives a verb or participle, or None.

        ``bussar`` -> ``buss`` (not the verb ``bussa``) when the table's definite plural
        ``bussarna`` is the noun ``buss``: a noun with an -ar plural, used as such in this
        field's texts. ``slutet`` -> ``slut`` (not the participle ``sluten``) when ``slut`` is a
        form of the table: the -et is the noun's definite ending.
        """
        if word.endswith(("ar", "or", "er")) and lemma == word[:-2] + "a":
            stem = word[:-2]
            if self.lookup(word + "na") == stem:
                return stem
        if word.endswith("et") and lemma == word[:-2] + "en" and len(word) >= 5:
            stem = word[:-2]
            if stem in self.base_forms or self.lookup(stem) is not None:
                return stem
        return None

    def _lemma(self, word: str) -> str:
        """Lemma of the lower-case ``word`` (the word itself if unknown and not a compound)."""
        if word in self.overrides:
            return self.overrides[word]
        looked_up = self.lookup(word)
        if looked_up is None:
            if self.compounds and len(word) >= MIN_COMPOUND_LEN:
                split = self.split(word)
                if split is not None:
                    surface_left, _, right = split
                    return surface_left + self.lemma(right)
            if (
                self.lang == "sv"
                and word.endswith("s")
                and len(word) > 4
                and self.lookup(word[:-1]) is not None
            ):
                return self.lemma(word[:-1])  # genitive of a known inflected form
            return word
        lemma = looked_up.lower()
        if self.lang == "sv":
            if word in _DEPONENTS:
                return word  # lyckas is not lycka + passive s
            if word.endswith("ar") and lemma == word + "e" and word[:-1] in self.base_forms:
                return word[:-1]  # handlar -> handla, not handlare (whose plural is handlare)
            noun = self._noun_reading(word, lemma)
            if noun is not None:
                return noun
            if word in self.base_forms and lemma != word and not _is_inflection(word, lemma):
                # A base form in its own right that the table maps to a homograph (företag ->
                # företa, tillväxt -> tillväxa, mål -> måla): keep it. Real inflections of the
                # lemma (fasen -> fas, svenska -> svensk, utvecklas -> utveckla) go through.
                lemma = word
            if (
                lemma.endswith("s")
                and lemma not in _DEPONENTS
                and len(lemma) > 4
                and lemma[-2] in _VOWELS
                and self.lookup(lemma) == lemma[:-1]
            ):
                lemma = lemma[:-1]  # passive: utvecklades -> utvecklas -> utveckla
        return lemma


# --------------------------------------------------------------------------------------------
# Lazy, cached lexicons
# --------------------------------------------------------------------------------------------

_lock = threading.RLock()
_lexicons: dict[str, Lexicon] = {}


def _get_table(spacy_lang: str) -> Any | None:
    """The lookup table loaded by the pipeline's ``lemmatizer`` (None if it has none)."""
    nlp = get_pipeline(spacy_lang)
    if "lemmatizer" not in nlp.pipe_names:
        return None
    try:
        return nlp.get_pipe("lemmatizer").lookups.get_table("lemma_lookup")
    except KeyError:
        return None


def get_lexicon(lang: str) -> Lexicon:
    """The :class:`Lexicon` for a detected language code (``sv``/``en``/``no``/``da``; anything
    else gets the Swedish one). Built once per process."""
    spacy_lang = SPACY_LANG.get(lang, "sv")
    with _lock:
        lexicon = _lexicons.get(spacy_lang)
        if lexicon is None:
            with waiting(f"loading the {language_name(spacy_lang)} word lists"):
                tables = [
                    table
                    for name in (spacy_lang, *_FALLBACK_TABLES.get(spacy_lang, ()))
                    if (table := _get_table(name)) is not None
                ]
                if not tables:  # no table at all for this language: use Swedish
                    return get_lexicon("sv")
                nlp = get_pipeline(spacy_lang)
                stop_words = set(nlp.Defaults.stop_words) | _EXTRA_STOP_WORDS.get(
                    spacy_lang, frozenset()
                )
                lexicon = Lexicon(spacy_lang, tables, stop_words, spacy_lang in _COMPOUND_LANGS)
            _lexicons[spacy_lang] = lexicon
        return lexicon


def lemmas_of(
    doc: Any, lexicon: Lexicon, *, split_compounds: bool, remove_stop_words: bool
) -> tuple[str, ...]:
    """Lemmas of the tokens of ``doc`` (see the module docstring), in text order."""
    return lemmas_and_words(
        doc, lexicon, split_compounds=split_compounds, remove_stop_words=remove_stop_words
    )[0]


def lemmas_and_words(
    doc: Any, lexicon: Lexicon, *, split_compounds: bool, remove_stop_words: bool
) -> tuple[tuple[str, ...], frozenset[str]]:
    """:func:`lemmas_of` and the set of the text's word lemmas: the lemmas of its words, without
    the compound and hyphen parts that follow them (``välfärdsteknik`` is a word lemma of
    "välfärdsteknik", ``teknik`` only if the text also has the word "teknik")."""
    stops = lexicon.stop_words if remove_stop_words else frozenset()
    out: list[str] = []
    whole: set[str] = set()
    for token in doc:
        if (
            token.is_space
            or token.is_punct
            or token.like_num
            or token.like_url
            or token.like_email
            or "." in token.text
            or not any(ch.isalpha() for ch in token.text)
        ):
            continue
        word = token.lower_.strip("-–'’\"")
        if len(word) < 2 or word in stops:
            continue
        if "-" in word:
            pieces = [p for p in word.split("-") if p]
            if not pieces:
                continue
            # Only the head is inflected; modifiers are kept as written (IT-, CO2-, e-).
            head = lexicon.lemma(pieces[-1])
            lemma = "-".join([*pieces[:-1], head])
            parts: tuple[str, ...] = tuple(
                p for p in (*pieces[:-1], head) if len(p) >= 2 and any(c.isalpha() for c in p)
            )
        else:
            lemma = lexicon.lemma(word)
            parts = ()
            if split_compounds and (token.is_sent_start or not token.text[:1].isupper()):
                parts = lexicon.compound_parts(lemma)
        if lemma in stops or len(lemma) < 2:
            continue
        out.append(lemma)
        whole.add(lemma)
        if split_compounds:
            out.extend(p for p in parts if p not in stops and len(p) >= 2 and p != lemma)
    return tuple(out), frozenset(whole)
