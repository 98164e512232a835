"""Cleaning, language routing, lemmatisation, compound splitting and sentence splitting.

A :class:`Preprocessor` turns a raw project description into a :class:`PreprocessedText`:

``clean``
    The text after cleaning; this is what the embedding model reads. Cleaning (in this order):
    truncation to ``max_chars``; control characters and Windows-1252 leftovers; HTML tags and
    entities (``strip_html``); Unicode NFC; UTF-8-read-as-Latin-1 mojibake (``fÃ¶r`` -> ``för``);
    the corpus's ``¿`` mojibake (``¿bra arbetsgivare¿`` -> ``"bra arbetsgivare"``, a free-standing
    ``¿`` -> ``–``); the ``[e-post]``/``[telefon]`` placeholders removed; soft hyphens removed;
    whitespace normalised (runs of spaces -> one space, line breaks kept, at most one blank line);
    line-wrap hyphens repaired (``repair_hyphens``, see :meth:`Preprocessor.clean`).
``language`` / ``language_confidence``
    From :func:`ecs_tagger.language.detect_language` on the clean text.
``lemmas``
    Lower-cased lemmas from a spaCy blank pipeline of the detected language (Swedish for
    ``other`` and for Norwegian/Danish guesses below 0.8 confidence, which on short texts are
    mostly Swedish), with stop words (``remove_stop_words``), punctuation, numbers, URLs, e-mail
    addresses and abbreviations removed. With ``split_compounds`` the parts of Swedish compounds
    (``välfärdsteknik`` -> ``välfärd``, ``teknik``) and of hyphenated words (``e-hälsa`` ->
    ``hälsa``) follow the whole lemma, which stays. (Unknown Swedish compounds are lemmatised on
    their head either way: ``livsmedelsförsörjningen`` -> ``livsmedelsförsörjning``.)
``sentences``
    From spaCy's rule-based ``sentencizer`` (Swedish abbreviations such as ``bl.a.``, ``t.ex.``,
    ``m.m.``, ``ca.`` do not end a sentence) plus line breaks; offsets index ``clean``.

Lemmas come from the lookup tables of ``spacy-lookups-data`` (loaded through spaCy's
``lemmatizer`` pipe in ``lookup`` mode). The tables are case-sensitive and their Swedish table maps
some frequent nouns onto rarer homographs (``företag`` -> ``företa``, ``tillväxt`` ->
``tillväxa``, ``har`` -> ``hare``); :class:`Lexicon` therefore looks up the lower-cased form, keeps
a form that is itself a base form in the table, and resolves passives (``utvecklades`` ->
``utvecklas`` -> ``utveckla``). Norwegian has only a tiny Bokmål table; Danish's table is the
fallback for Norwegian forms it lacks.

Everything is deterministic. spaCy pipelines and lexicons are loaded lazily, once per process.
"""

from __future__ import annotations

import html
import re
import threading
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ecs_tagger.language import LanguageGuess, detect_language

__all__ = [
    "Lexicon",
    "PreprocessSettings",
    "PreprocessedText",
    "Preprocessor",
    "Sentence",
    "get_lexicon",
]


# --------------------------------------------------------------------------------------------
# Public data types
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sentence:
    """A sentence of :attr:`PreprocessedText.clean`: ``clean[start:end] == text``."""

    text: str
    start: int
    end: int


@dataclass(frozen=True)
class PreprocessedText:
    """Result of :meth:`Preprocessor.process`."""

    original: str
    clean: str
    language: str
    language_confidence: float
    lemmas: tuple[str, ...]
    sentences: tuple[Sentence, ...]
    #: True when the input was longer than ``max_chars`` and was cut.
    truncated: bool = False


@dataclass(frozen=True)
class PreprocessSettings:
    """Switches for each step, for ablation studies."""

    strip_html: bool = True
    repair_hyphens: bool = True
    split_compounds: bool = True
    remove_stop_words: bool = True
    #: Longer inputs are cut (at a word boundary) before anything else; see ``truncated``.
    max_chars: int = 100_000

    def __post_init__(self) -> None:
        if self.max_chars <= 0:
            raise ValueError(f"max_chars must be positive, got {self.max_chars}")


# --------------------------------------------------------------------------------------------
# Lexicon: lemma lookup, known words, compound splitting
# --------------------------------------------------------------------------------------------


def _words(text: str) -> frozenset[str]:
    """A set of whitespace-separated words (keeps the word lists below readable)."""
    return frozenset(text.split())


#: Detected language -> spaCy language of the pipeline that processes it.
_SPACY_LANG: dict[str, str] = {"sv": "sv", "en": "en", "no": "nb", "da": "da"}
#: Lookup tables consulted in order when a form is missing from the pipeline's own table.
_FALLBACK_TABLES: dict[str, tuple[str, ...]] = {"nb": ("da",)}
#: Minimum detection confidence for a text to be analysed by that language's pipeline rather
#: than the Swedish one.
_ROUTE_MIN_CONFIDENCE: dict[str, float] = {"no": 0.8, "da": 0.8}
#: Pipelines whose lexicon splits compounds for lemmas (Swedish is what the corpus is).
_COMPOUND_LANGS = frozenset({"sv"})

#: Extra stop words on top of spaCy's lists (frequent function words spaCy's lists lack).
_EXTRA_STOP_WORDS: dict[str, frozenset[str]] = {
    "sv": _words(
        "är samt kring via såväl därmed därigenom dessutom respektive utifrån gentemot ca etc "
        "dvs osv varav vars sådan sådana sådant ska finnas vara ha hos dessa denna både vilka "
        "vilket annars"
    ),
    "en": frozenset(),
    "nb": _words("samt ca"),
    "da": _words("samt ca"),
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
_DEPONENTS = _words(
    "finnas hoppas lyckas misslyckas trivas andas minnas synas låtsas fattas vistas åldras "
    "kräkas svettas brottas skämmas envisas samsas töras avundas hämnas umgås slåss kännas "
    "märkas längtas"
)

#: Endings of adjectives whose definite/plural -a form the table maps back to the bare form
#: (``svenska`` -> ``svensk``).
_ADJ_ENDINGS = ("isk", "sk", "ig", "lig", "iv", "ell", "al", "ent", "ant", "är")
#: Swedish inflectional endings: ``word == lemma + ending`` means the table's lemma is right.
_INFLECTIONS = _words("s n en et t na er ar or erna arna orna ens ets d de des r te ts")
_VOWELS = frozenset("aeiouyåäö")

#: Known words that look like compounds of two known words but are not (tran|sport).
_NO_SPLIT = _words(
    "transport transporter kombination fortsätta fortsättning fortsatt landsting plattform "
    "materiel förutom livsmedel beskrivning"
)
#: Short first elements that are productive in this domain's compounds (sol|energi, vind|kraft),
#: allowed even where short unlinked parts are not.
_PRODUCTIVE_SHORT = _words(
    "sol vind bio kol gas mat vård skog trä jord sjö hav risk gods rest flyg bil tåg järn stål "
    "sjuk fisk kött mjölk olja data miljö el "
)
#: Linking forms whose table entry is a homograph (livs is also a noun in the table).
_LINKING_FORMS = {"livs": "liv"}
#: First elements after which Swedish always puts a linking s (aktivitet-s-park, not
#: aktivitet|spark).
_NEEDS_LINKING_S = ("ing", "het", "tet", "tion", "sion", "dom", "skap", "else", "ande", "ende")


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


#: Strings that are words in the table but, as compound parts, are derivational prefixes or
#: suffixes (``till|växt``, ``före|tag``, ``verksam|het``) and would create misleading parts.
_BAD_PARTS = _words(
    # prefixes / particles
    "åter sam upp bak miss van icke all över under mot med efter fram genom före för till "
    "mellan utan inom kring bort hem ned när vid väl "
    # suffixes
    "ande ende ning ningen het heten else skap dom are ing tion ism ist ens ant ent era bar "
    "lig ligt liga isk iska ell ella ellt ala alt ighet lighet sam samt ings ion iv ivt iva "
    "lös löst lösa full nad ör ur ar er kap vis"
)

_MIN_COMPOUND_LEN = 7  # shorter words are never split
_MIN_KNOWN_COMPOUND_LEN = 9  # words the lexicon knows are split only from this length
_MIN_RECURSE_LEN = 10  # a part is split again only when at least this long
_MIN_LEFT = 3
_MIN_RIGHT = 3

_ALPHA_RE = re.compile(r"^[^\W\d_]+$")


class Lexicon:
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
            if isinstance(value, str) and value.islower() and _ALPHA_RE.match(value)
        )
        self.stop_words: frozenset[str] = frozenset(w.lower() for w in stop_words)
        self.overrides = _LEMMA_OVERRIDES.get(lang, {})
        self.compounds = split_compounds
        #: Whether hyphen repair may treat a join that splits into two known words as a
        #: compound (not for English, whose compounds are written open).
        self.hyphen_compounds = lang != "en"
        #: Whether the tables are large enough to call a word unknown with some confidence
        #: (the Norwegian Bokmål table has ~1,500 entries, mostly function words).
        self.rich = len(self.base_forms) > 20_000
        self.lemma: Callable[[str], str] = lru_cache(maxsize=200_000)(self._lemma)
        self.split: Callable[[str], tuple[str, str, str] | None] = lru_cache(maxsize=200_000)(
            self._split
        )
        self._simple_split: Callable[[str], tuple[str, str, str] | None] = lru_cache(
            maxsize=200_000
        )(lambda word: self._split(word, compound_left=False))
        self.compound_parts: Callable[[str], tuple[str, ...]] = lru_cache(maxsize=200_000)(
            self._compound_parts
        )

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
    def _lemma(self, word: str) -> str:
        """Lemma of the lower-case ``word`` (the word itself if unknown and not a compound)."""
        if word in self.overrides:
            return self.overrides[word]
        looked_up = self.lookup(word)
        if looked_up is None:
            if self.compounds and len(word) >= _MIN_COMPOUND_LEN:
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

    # -- compounds -----------------------------------------------------------------------
    def _left_base(self, left: str, strict: bool) -> str | None:
        """Base form of a compound's first element, allowing Swedish linking forms.

        ``livsmedels`` -> ``livsmedel``, ``arbets`` -> ``arbete``, ``kvinno`` -> ``kvinna``;
        unless ``strict``, also three-letter elements (``sol``) and a dropped final ``a``
        (``skol`` -> ``skola``).
        """
        if left in _LINKING_FORMS:
            return _LINKING_FORMS[left]
        min_len = _MIN_LEFT + 1 if strict and left not in _PRODUCTIVE_SHORT else _MIN_LEFT
        candidates = [left]
        if left.endswith("s"):
            candidates += [left[:-1], left[:-1] + "e"]  # närings -> näring, arbets -> arbete
        if left.endswith(("o", "u", "e")) and len(left) >= 5:
            candidates.append(left[:-1] + "a")  # kvinno -> kvinna, hälso -> hälsa, räkne
        if left.endswith("e") and len(left) >= 6:
            candidates.append(left[:-1])  # tjänste -> tjänst
        if not strict and len(left) >= 4:
            candidates += [left + "a", left + "e"]  # skol -> skola, företagar -> företagare
        for cand in candidates:
            if (
                len(cand) >= min_len
                and cand in self.base_forms
                and cand not in _BAD_PARTS
                and cand not in self.stop_words
            ):
                return cand
        return None

    def _right_ok(self, right: str, strict: bool) -> bool:
        if right in _BAD_PARTS or right in self.stop_words:
            return False
        if strict:
            return len(right) > _MIN_RIGHT and right in self.base_forms
        if len(right) == _MIN_RIGHT:
            return right in self.base_forms  # 3-letter heads only as lemmas (kol, mål, bil)
        return len(right) > _MIN_RIGHT and self.is_known(right)

    def _split(self, word: str, compound_left: bool = True) -> tuple[str, str, str] | None:
        """Split ``word`` once into ``(surface_left, left_base, right_surface)`` or None.

        The left part must be a known base form, possibly with a linking ``s`` or vowel
        (``livsmedels``, ``kvinno``); the right part (the head) a known word. Of the valid splits
        the one whose shorter part is longest wins, then the one with the longest head. Words
        the lexicon knows are split strictly (longer words, base-form parts of four letters or
        more, short parts only with a linking element), so that derivations such as
        ``företagande`` or ``kontakta`` stay whole. For unknown words the left part may itself
        be a compound (``hemsjukhus|vården``) when ``compound_left``.
        """
        if not _ALPHA_RE.match(word) or word in _NO_SPLIT:
            return None
        strict = self.is_known(word)
        if len(word) < (_MIN_KNOWN_COMPOUND_LEN if strict else _MIN_COMPOUND_LEN):
            return None
        best: tuple[str, str, str] | None = None
        best_score = 0
        for i in range(_MIN_LEFT, len(word) - _MIN_RIGHT + 1):
            right = word[i:]
            if not self._right_ok(right, strict):
                continue
            left = word[:i]
            base = self._left_base(left, strict)
            if base is None and compound_left and not strict:
                stem = left[:-1] if left.endswith("s") else left
                base = next(
                    (c for c in (left, stem) if len(c) >= 6 and self._simple_split(c)), None
                )
            if base is None:
                continue
            if right.startswith("s") and base == left and base.endswith(_NEEDS_LINKING_S):
                continue  # aktivitet|sparker: the s is a linking s, aktivitets|parker follows
            shorter = min(len(base), len(right))
            if strict and base == left and shorter < 5 and base not in _PRODUCTIVE_SHORT:
                continue  # tran|sport, fort|sätta, besk|rivning: short part, no linking element
            # Balanced splits first (näringsliv|utveckling over näring|livsutveckling); among
            # equals the longest head, which comes first in this loop.
            if shorter > best_score:
                best, best_score = (left, base, right), shorter
        return best

    def _compound_parts(self, lemma: str) -> tuple[str, ...]:
        """Lemmatised parts of the lemma ``lemma`` (empty if it is not a compound).

        One split, then one more level for long parts: ``arbetsmarknadsutbildning`` ->
        ``arbetsmarknad``, ``arbete``, ``marknad``, ``utbildning``.
        """
        if not self.compounds:
            return ()
        split = self.split(lemma)
        if split is None:
            return ()
        _, left_base, right = split
        parts: list[str] = []
        for part in (left_base, self.lemma(right)):
            parts.append(part)
            if len(part) >= _MIN_RECURSE_LEN:
                sub = self.split(part)
                if sub is not None:
                    parts += [sub[1], self.lemma(sub[2])]
        return tuple(dict.fromkeys(p for p in parts if p != lemma))

    def splittable(self, word: str) -> bool:
        """Whether ``word`` splits into two known words (used by hyphen repair)."""
        return self.split(word) is not None


# --------------------------------------------------------------------------------------------
# Lazy, cached spaCy pipelines and lexicons
# --------------------------------------------------------------------------------------------

_lock = threading.RLock()
_pipelines: dict[str, Any] = {}
_lexicons: dict[str, Lexicon] = {}

_NEWLINE_COMPONENT = "ecs_newline_sentences"

#: Abbreviations that must not end a sentence and that spaCy's Swedish tokenizer splits.
_EXTRA_ABBREVIATIONS = (
    "ca.", "Ca.", "enl.", "Enl.", "jfr.", "Jfr.", "nr.", "Nr.", "st.", "tex.",
    "mfl.", "milj.",
)  # fmt: skip
_BULLETS = frozenset("·•-–—*▪◦")


def _register_newline_component() -> None:
    from spacy.language import Language

    if Language.has_factory(_NEWLINE_COMPONENT):
        return

    @Language.component(_NEWLINE_COMPONENT)
    def newline_sentences(doc: Any) -> Any:
        """Start a sentence after a blank line, and after a line break that precedes a bullet,
        a capital or a digit or that follows ``:``/``;`` (hard-wrapped lines stay together)."""
        for i in range(1, len(doc)):
            prev = doc[i - 1]
            token = doc[i]
            if token.is_space:
                continue
            if not prev.is_space or "\n" not in prev.text:
                continue
            before = doc[i - 2].text if i >= 2 else ""
            first = token.text[0]
            if (
                "\n\n" in prev.text
                or first in _BULLETS
                or first.isupper()
                or first.isdigit()
                or before[-1:] in (":", ";")
            ):
                token.is_sent_start = True
        return doc


def _get_table(spacy_lang: str) -> Any | None:
    """The lookup table loaded by the pipeline's ``lemmatizer`` (None if it has none)."""
    nlp = _get_pipeline(spacy_lang)
    if "lemmatizer" not in nlp.pipe_names:
        return None
    try:
        return nlp.get_pipe("lemmatizer").lookups.get_table("lemma_lookup")
    except KeyError:
        return None


def _get_pipeline(spacy_lang: str) -> Any:
    """Blank spaCy pipeline (tokenizer, lookup ``lemmatizer``, ``sentencizer``), built once."""
    with _lock:
        nlp = _pipelines.get(spacy_lang)
        if nlp is None:
            import spacy
            from spacy.symbols import ORTH

            _register_newline_component()
            nlp = spacy.blank(spacy_lang)
            try:
                nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
                nlp.initialize()
            except Exception:  # no lookup table: the lexicon falls back to Swedish
                nlp = spacy.blank(spacy_lang)
            nlp.add_pipe("sentencizer")
            nlp.add_pipe(_NEWLINE_COMPONENT)
            if spacy_lang in ("sv", "nb", "da"):
                tokenizer: Any = nlp.tokenizer
                for abbr in _EXTRA_ABBREVIATIONS:
                    tokenizer.add_special_case(abbr, [{ORTH: abbr}])
            _pipelines[spacy_lang] = nlp
        return nlp


def get_lexicon(lang: str) -> Lexicon:
    """The :class:`Lexicon` for a detected language code (``sv``/``en``/``no``/``da``; anything
    else gets the Swedish one). Built once per process."""
    spacy_lang = _SPACY_LANG.get(lang, "sv")
    with _lock:
        lexicon = _lexicons.get(spacy_lang)
        if lexicon is None:
            tables = [
                table
                for name in (spacy_lang, *_FALLBACK_TABLES.get(spacy_lang, ()))
                if (table := _get_table(name)) is not None
            ]
            if not tables:  # no table at all for this language: use Swedish
                return get_lexicon("sv")
            nlp = _get_pipeline(spacy_lang)
            stop_words = set(nlp.Defaults.stop_words) | _EXTRA_STOP_WORDS.get(
                spacy_lang, frozenset()
            )
            lexicon = Lexicon(spacy_lang, tables, stop_words, spacy_lang in _COMPOUND_LANGS)
            _lexicons[spacy_lang] = lexicon
        return lexicon


# --------------------------------------------------------------------------------------------
# Cleaning
# --------------------------------------------------------------------------------------------

_CONTROL_MAP = {
    "\x12": "–",  # seen as a dash in the corpus
    "\x13": "–",  # U+2013 with its high byte lost
    "\x14": "—",
    "\x18": "'",
    "\x19": "'",
    "\x1c": '"',
    "\x1d": '"',
}
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200d\u2060\ufeff]")
_BLOCK_TAGS = (
    "p|br|div|li|ul|ol|h[1-6]|tr|td|th|table|blockquote|section|article|header|footer|hr|dd|dt"
)
_SCRIPT_RE = re.compile(r"<(script|style)\b[^>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_COMMENT_RE = re.compile(r"<!--.*?-->", re.DOTALL)
_BLOCK_TAG_RE = re.compile(rf"</?(?:{_BLOCK_TAGS})\b[^<>]*>", re.IGNORECASE)
_TAG_RE = re.compile(r"</?[A-Za-z][A-Za-z0-9:_-]*(?:\s[^<>]*)?/?>")
_PARTIAL_TAG_RE = re.compile(r"<[A-Za-z/!][^<>]*$")
_MOJIBAKE_RE = re.compile(
    "[\u00c2\u00c3][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6"
    "\u02dc\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]"
)
_ORPHAN_MOJIBAKE_RE = re.compile(r"(?<=[^\W\d_])[¤¥¶]|[¤¥¶](?=[^\W\d_])")
_ORPHAN_MAP = {"¤": "ä", "¥": "å", "¶": "ö"}
_QMARK_RUN_RE = re.compile(r"¿{2,}")
_QMARK_FREE_RE = re.compile(r"(?:(?<=\s)|^)¿(?=\s|$)", re.MULTILINE)
_PLACEHOLDER_RE = re.compile(r"[^\S\n]*\[(?:e-post|telefon)\]", re.IGNORECASE)
_NOT_SIGN_RE = re.compile(r"(?<=[\w-])¬|¬(?=[\w-])")
_SPACES_RE = re.compile(r"[^\S\n]+")
_NEWLINES_RE = re.compile(r" *\n[ \n]*")
#: A chain of word characters joined by single hyphens (``e-hälsa``, ``int-ressen``).
_HYPHEN_CHAIN_RE = re.compile(r"\w+(?:-\w+)+")

#: First elements that form coordinations with a hyphen (``svensk-norska``, ``öst-västlig``).
_COORDINATION_LEFT = _words(
    "svensk norsk dansk finsk tysk nordisk europeisk engelsk öst väst nord syd norr söder "
    "lokal regional nationell internationell privat offentlig kvinnlig manlig icke "
    "januari februari mars april maj juni juli augusti september oktober november december "
    "måndag tisdag onsdag torsdag fredag lördag söndag"
)


def _fix_mojibake_pair(match: re.Match[str]) -> str:
    pair = match.group(0)
    for encoding in ("cp1252", "latin-1"):
        try:
            return pair.encode(encoding).decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
    return pair


def _truncate(text: str, max_chars: int) -> tuple[str, bool]:
    if len(text) <= max_chars:
        return text, False
    cut = text[:max_chars]
    space = max(cut.rfind(" "), cut.rfind("\n"))
    if space >= max_chars - 200:
        cut = cut[:space]
    return cut, True


def _normalise(text: str, strip_html: bool) -> str:
    """Everything in cleaning except hyphen repair."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n")
    text = text.replace("\u2029", "\n\n")
    # C0 controls: dashes/quotes per _CONTROL_MAP, otherwise dropped. C1 controls are usually
    # Windows-1252 bytes read as Latin-1 (\x92 -> ’).
    text = _CONTROL_RE.sub(_c1_or_nothing, text)
    if strip_html:
        text = _SCRIPT_RE.sub(" ", text)
        text = _COMMENT_RE.sub(" ", text)
        text = _BLOCK_TAG_RE.sub("\n", text)
        text = _TAG_RE.sub("", text)
        text = _PARTIAL_TAG_RE.sub("", text)
        text = html.unescape(text)
        text = _CONTROL_RE.sub(_c1_or_nothing, text)
    text = unicodedata.normalize("NFC", text)
    if "\u00c3" in text or "\u00c2" in text:
        text = _MOJIBAKE_RE.sub(_fix_mojibake_pair, text)
    text = _ORPHAN_MOJIBAKE_RE.sub(lambda m: _ORPHAN_MAP[m.group(0)], text)
    if "¿" in text:
        text = _QMARK_RUN_RE.sub(" ", text)
        text = _QMARK_FREE_RE.sub("–", text)
        text = text.replace("¿", '"')
    text = _PLACEHOLDER_RE.sub("", text)
    text = text.replace("\u00ad", "")
    text = _NOT_SIGN_RE.sub("", text)
    text = _SPACES_RE.sub(" ", text)
    text = _NEWLINES_RE.sub(lambda m: "\n\n" if m.group(0).count("\n") > 1 else "\n", text)
    return text.strip()


def _c1_or_nothing(match: re.Match[str]) -> str:
    ch = match.group(0)
    if "\x80" <= ch <= "\x9f":
        try:
            decoded = ch.encode("latin-1").decode("cp1252")
        except UnicodeDecodeError:
            return ""
        return decoded if not decoded.isspace() else " "
    return _CONTROL_MAP.get(ch, "")


#: Endings that mark an inflected (not compound-initial) left part in hyphen repair.
_LEFT_INFLECTIONS = _words("t a e na en et er ar or erna arna orna")


def _should_join(
    left: str, right: str, before: str, lexicon: Lexicon, known_only: bool = False
) -> bool:
    """Decide whether ``left-right`` is a line-wrap artefact to write as one word.

    ``before`` is the text preceding ``left`` (to spot multi-word names: ``Life Science-bolag``);
    ``known_only`` (for chains of three or more parts) joins only when the result is a known
    word.
    """
    if not right[:1].isalpha() or not right[:1].islower():
        return False  # Öresund-Kattegat, 2014-2020
    if not left.isalpha() or not right.isalpha() or any(ch.isupper() for ch in left[1:]):
        return False  # EU-, CO2-, IT-, FoU-, SME-
    if len(left) <= 2:
        # ut-veckla, be-står are wrapped words; e-hälsa, m-handel, vi-känsla are not.
        joined = left + right
        return (
            left.islower()
            and left not in ("e", "m")
            and (
                lexicon.is_known(joined)
                or (lexicon.hyphen_compounds and lexicon.splittable(joined))
            )
        )
    joined = (left + right).lower()
    if lexicon.is_known(joined):
        return True  # int-ressen, pro-jektet, Metoder-na
    if known_only:
        return False
    title = left[0].isupper()
    if title:
        stripped = before.rstrip()
        sentence_start = not stripped or stripped[-1] in ".!?:;\"'”»–-•·*("
        if not sentence_start:
            return False  # Vinnova-projektet, Life Science-bolag: a name, not a wrapped word
    low_left = left.lower()
    if low_left == right:
        return False  # företag-företag
    if low_left in _COORDINATION_LEFT or right in _COORDINATION_LEFT:
        return False  # svensk-norska, öst-västliga, augusti-december
    left_known = lexicon.is_known(low_left)
    right_known = lexicon.is_known(right)
    if right_known:
        table_lemma = (lexicon.lookup(low_left) or low_left).lower()
        if table_lemma in _COORDINATION_LEFT:
            return False  # svenska-norska
        for lemma in (table_lemma, lexicon.lemma(low_left)):
            ending = low_left[len(lemma) :]
            if low_left != lemma and low_left.startswith(lemma) and ending in _LEFT_INFLECTIONS:
                # lokalt-regionalt, hela-resan, affärsnätverken-hitta: an inflected word is
                # not the first part of a compound (nor a fragment of a wrapped word).
                return False
        if left_known and low_left.endswith(_NEEDS_LINKING_S):
            return False  # rehabilitering-behandling: a compound would have a linking s
    if lexicon.hyphen_compounds:
        if lexicon.splittable(joined):
            return True  # finansierings-möjligheter, tek-nikbaserade
        stem = low_left[:-1] if low_left.endswith("s") else low_left
        if right_known and (lexicon.splittable(low_left) or lexicon.splittable(stem)):
            return True  # tjänstekoncessions-förfarande: the left part is itself a compound
    # Two fragments that are not words on their own (work-shops); only with a full lexicon.
    return lexicon.rich and not title and not left_known and not right_known


def _repair_hyphens(text: str, lexicon: Lexicon) -> str:
    def fix(match: re.Match[str]) -> str:
        segments = match.group(0).split("-")
        before = text[max(0, match.start() - 40) : match.start()]
        out = segments[0]
        current = segments[0]  # the word since the last kept hyphen
        chain = len(segments) > 2  # triple-helix-konstellationer: join only true fragments
        for segment in segments[1:]:
            if _should_join(current, segment, before, lexicon, known_only=chain):
                out += segment
                current += segment
            else:
                out += "-" + segment
                current = segment
                before = ""
        return out

    return _HYPHEN_CHAIN_RE.sub(fix, text)


# --------------------------------------------------------------------------------------------
# The preprocessor
# --------------------------------------------------------------------------------------------


class Preprocessor:
    """Cleans and analyses texts; see the module docstring for what each step does."""

    def __init__(self, settings: PreprocessSettings | None = None) -> None:
        self.settings = settings or PreprocessSettings()

    # -- cleaning ------------------------------------------------------------------------
    def _clean(self, text: str) -> tuple[str, bool, LanguageGuess | None]:
        """Cleaned text, whether it was truncated, and its language if already known."""
        text, truncated = _truncate(text or "", self.settings.max_chars)
        clean = _normalise(text, self.settings.strip_html)
        guess: LanguageGuess | None = None
        if self.settings.repair_hyphens and "-" in clean:
            guess = detect_language(clean)
            repaired = _repair_hyphens(clean, get_lexicon(guess.code))
            if repaired != clean:
                clean, guess = repaired, None  # re-detect on the final text
        return clean, truncated, guess

    def clean(self, text: str) -> str:
        """The cleaned text (see the module docstring).

        Hyphen repair (``repair_hyphens``) joins a word broken by a line-wrap hyphen when the
        hyphen is inside a word and followed by a lower-case letter and the joined word is known
        to the lexicon of the text's language, or splits into two known words (Swedish compound),
        or both halves are unknown fragments (``int-ressen`` -> ``intressen``,
        ``finansierings-möjligheter`` -> ``finansieringsmöjligheter``). It keeps acronyms and
        short prefixes (``IT-företag``, ``EU-stöd``, ``CO2-utsläpp``, ``e-hälsa``), capitals after
        the hyphen (``Öresund-Kattegat``), multi-word names (``Life Science-bolag``),
        coordinations (``svensk-norska``, ``lokalt-regionalt``) and ``bil- och`` (hyphen before
        a space).
        """
        return self._clean(text)[0]

    # -- analysis ------------------------------------------------------------------------
    def process(self, text: str) -> PreprocessedText:
        """Clean and analyse one text."""
        return self.process_many([text])[0]

    def process_many(self, texts: Iterable[str], batch_size: int = 64) -> list[PreprocessedText]:
        """Clean and analyse many texts, in order, running spaCy with ``nlp.pipe`` per language."""
        originals = list(texts)
        cleaned = [self._clean(text) for text in originals]
        guesses = [guess or detect_language(clean) for clean, _, guess in cleaned]

        by_lang: dict[str, list[int]] = {}
        for index, ((clean, _, _), guess) in enumerate(zip(cleaned, guesses, strict=True)):
            if guess.code == "empty" or not clean:
                continue
            by_lang.setdefault(_pipeline_lang(guess), []).append(index)

        analysed: dict[int, tuple[tuple[str, ...], tuple[Sentence, ...]]] = {}
        for spacy_lang in sorted(by_lang):
            indices = by_lang[spacy_lang]
            nlp = _get_pipeline(spacy_lang)
            lexicon = get_lexicon(_code_for(spacy_lang))
            docs = nlp.pipe(
                (cleaned[i][0] for i in indices),
                batch_size=batch_size,
                disable=["lemmatizer"],  # we look lemmas up ourselves, lower-cased
            )
            for index, doc in zip(indices, docs, strict=True):
                analysed[index] = (self._lemmas(doc, lexicon), _sentences(doc))

        results: list[PreprocessedText] = []
        for index, original in enumerate(originals):
            clean, truncated, _ = cleaned[index]
            guess = guesses[index]
            lemmas, sentences = analysed.get(index, ((), ()))
            results.append(
                PreprocessedText(
                    original=original,
                    clean=clean,
                    language=guess.code,
                    language_confidence=guess.confidence,
                    lemmas=lemmas,
                    sentences=sentences,
                    truncated=truncated,
                )
            )
        return results

    def _lemmas(self, doc: Any, lexicon: Lexicon) -> tuple[str, ...]:
        settings = self.settings
        stops = lexicon.stop_words if settings.remove_stop_words else frozenset()
        out: list[str] = []
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
                if settings.split_compounds and (
                    token.is_sent_start or not token.text[:1].isupper()
                ):
                    parts = lexicon.compound_parts(lemma)
            if lemma in stops or len(lemma) < 2:
                continue
            out.append(lemma)
            if settings.split_compounds:
                out.extend(p for p in parts if p not in stops and len(p) >= 2 and p != lemma)
        return tuple(out)


def _pipeline_lang(guess: LanguageGuess) -> str:
    """spaCy language that analyses a text: the detected one, except that weak Norwegian or
    Danish guesses (short Swedish sentences are sometimes taken for them) and ``other`` go to
    the Swedish pipeline, the corpus's language."""
    if guess.confidence < _ROUTE_MIN_CONFIDENCE.get(guess.code, 0.0):
        return "sv"
    return _SPACY_LANG.get(guess.code, "sv")


def _code_for(spacy_lang: str) -> str:
    for code, lang in _SPACY_LANG.items():
        if lang == spacy_lang:
            return code
    return "sv"


def _sentences(doc: Any) -> tuple[Sentence, ...]:
    text: str = doc.text
    out: list[Sentence] = []
    for span in doc.sents:
        start, end = span.start_char, span.end_char
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start < end:
            out.append(Sentence(text[start:end], start, end))
    return tuple(out)
