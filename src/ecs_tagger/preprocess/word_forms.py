"""Usual written forms of words: true case and restored Swedish diacritics.

Three tables, learned from how the corpus writes its words and shipped in ``ecs_tagger/data``
(derived by ``benchmarks/derive_word_forms.py``; never edited by hand):

``cased_words.txt``
    Words usually written with capitals in the middle of a sentence of a text not in English
    (``EU``, ``Örebro``, ``Västmanland``, ``IT``, ``IoT``), one per line as usually written.
``cased_words_en.txt``
    The same for English texts (``I``, ``Sweden``, ``EU``).
``accented_words.txt``
    Swedish words usually written with å, ä, ö or é, lower-cased (``för``, ``är``,
    ``hållbar``), one per line; looked up by the word with those letters stripped (``for``).

:func:`true_case` writes a text in one case whatever case it came in: every letter lower-cased,
sentence starts and line starts capitalised (as
:func:`~ecs_tagger.preprocess.cleaning.canonical_case`, which leaves line starts alone), then
every word found in the cased table of the text's language written as the table has it. UPPER
CASE, Title Case, lower case and ordinary writing of the same words therefore give the same
string, and names and acronyms keep their capitals. This is truecasing by the most frequent written form (Lita et al., "tRuEcasIng",
ACL 2003, the unigram baseline), without their language model.

:func:`restore_diacritics` writes the å, ä, ö and é back into a Swedish text typed without them
(``hallbar energi for regionen`` -> ``hållbar energi för regionen``), each word in its most
frequent diacritic form; :func:`lacks_diacritics` says when a text looks so typed. Both are
length-preserving, so offsets into the result index the original text too.

Tables are read once per process; :func:`word_forms_digest` identifies them (models record it).
"""

from __future__ import annotations

import hashlib
import re
import threading
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from types import MappingProxyType

from ecs_tagger.preprocess.cleaning import (
    LINE_START_RE,
    SENTENCE_START_RE,
    canonical_case,
    unusual_case,
)

__all__ = [
    "DATA_FILES",
    "MIN_COUNT",
    "WordForms",
    "get_word_forms",
    "lacks_diacritics",
    "learn_word_forms",
    "restore_diacritics",
    "strip_diacritics",
    "true_case",
    "word_forms_digest",
]

#: A word: a run of letters (digits, hyphens and apostrophes separate words).
_WORD_RE = re.compile(r"[^\W\d_]+")
#: The letters whose absence marks a Swedish text typed without diacritics.
_SWEDISH_DIACRITICS = frozenset("åäöÅÄÖ")
#: Letters of Norwegian and Danish: a text with any of them is not a Swedish text without
#: diacritics.
_NORDIC_LETTERS = frozenset("æøÆØ")
#: A form enters a table when it is at least this frequent and the majority of its word's uses.
MIN_COUNT = 3
#: Restoring needs at least this many words found in the accented table, and this share of the
#: text's words (one word: titles are short).
MIN_RESTORED_WORDS, MIN_RESTORED_SHARE = 1, 0.04

DATA_FILES = ("cased_words.txt", "accented_words.txt", "cased_words_en.txt")


def strip_diacritics(text: str) -> str:
    """`text` with combining marks removed (å, ä -> a; ö -> o; é -> e), as typed on a keyboard
    without them. Length-preserving for composed (NFC) letters. Shape: str -> str."""
    return "".join(
        unicodedata.normalize("NFD", char)[0] if not char.isascii() else char for char in text
    )


@dataclass(frozen=True)
class WordForms:
    """The two tables (see the module docstring).

    ``cased`` maps a lower-cased word to its usual written form (same length) in texts not in
    English, ``cased_en`` in English texts; ``accented`` maps a lower-cased word without
    diacritics to its usual form with them (same length).
    """

    cased: Mapping[str, str]
    accented: Mapping[str, str]
    cased_en: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    def lines(self) -> tuple[list[str], list[str], list[str]]:
        """The three tables as the data files hold them (`DATA_FILES`'s order): forms, sorted."""
        return (
            sorted(self.cased.values()),
            sorted(self.accented.values()),
            sorted(self.cased_en.values()),
        )

    @classmethod
    def from_lines(
        cls, cased: Iterable[str], accented: Iterable[str], cased_en: Iterable[str] = ()
    ) -> WordForms:
        """Tables from the data files' lines (lines starting with ``#`` are comments).

        Raises ValueError for a line that is not one word or whose lower-cased form changes
        length (``ß``)."""
        tables: list[dict[str, str]] = [{}, {}, {}]
        for table, lines, key in (
            (tables[0], cased, str.lower),
            (tables[1], accented, strip_diacritics),
            (tables[2], cased_en, str.lower),
        ):
            for line in lines:
                word = line.strip()
                if not word or word.startswith("#"):
                    continue
                if _WORD_RE.fullmatch(word) is None or len(key(word)) != len(word):
                    raise ValueError(f"not a word of letters: {word!r}")
                table[key(word)] = word
        return cls(*(MappingProxyType(table) for table in tables))


def _starts(text: str) -> set[int]:
    """Offsets of the first letters of sentences and of lines."""
    return {
        match.start(1)
        for pattern in (SENTENCE_START_RE, LINE_START_RE)
        for match in pattern.finditer(text)
    }


def learn_word_forms(
    texts: Iterable[str],
    names: Iterable[str] = (),
    english: Iterable[str] = (),
    min_count: int = MIN_COUNT,
) -> WordForms:
    """Learn the tables from `texts` (not in English), `names` (place names from registry
    fields, such as ``Västmanlands län``) and `english` texts.

    Cased: from texts in ordinary case (not :func:`~ecs_tagger.preprocess.cleaning.unusual_case`),
    every word not at the start of a sentence or a line counts as written, and every word of a
    name not mostly in capitals; a word enters the table when its most frequent written form is
    not all lower case, is used at least `min_count` times and in more than half of the word's
    uses. English texts make their own cased table the same way. Accented: from texts and names
    with ä or ö (Swedish), the same rule over the lower-cased forms that share one stripped
    form. Ties go to the form that sorts first, so the tables depend only on the input.
    Returns a :class:`WordForms`.
    """
    cased: dict[str, Counter[str]] = defaultdict(Counter)
    cased_en: dict[str, Counter[str]] = defaultdict(Counter)
    accented: dict[str, Counter[str]] = defaultdict(Counter)

    def count_cased(table: dict[str, Counter[str]], text: str, every_word: bool) -> None:
        starts = set() if every_word else _starts(text)
        for match in _WORD_RE.finditer(text):
            word = match.group(0)
            if match.start() not in starts and len(word.lower()) == len(word):
                table[word.lower()][word] += 1

    texts = [text for text in texts if text]
    names = [name for name in names if name]
    for name in names:
        if sum(c.isupper() for c in name) <= sum(c.islower() for c in name):  # not shouted
            count_cased(cased, name, every_word=True)
    for table, group in ((cased, texts), (cased_en, english)):
        for text in group:
            if text and not unusual_case(text):
                count_cased(table, text, every_word=False)
    for text in (*texts, *names):  # Swedish ones: with ä or ö
        if any(char in "äöÄÖ" for char in text):
            for word in _WORD_RE.findall(text.lower()):
                accented[strip_diacritics(word)][word] += 1

    def usual(counts: Counter[str]) -> tuple[str, int, int]:
        form, count = min(counts.items(), key=lambda item: (-item[1], item[0]))
        return form, count, sum(counts.values())

    tables: list[dict[str, str]] = [{}, {}, {}]
    for out, counted in zip(tables, (cased, accented, cased_en), strict=True):
        for key, counts in counted.items():
            form, count, total = usual(counts)
            if form != key and len(form) == len(key) and count >= min_count and 2 * count > total:
                out[key] = form
    return WordForms(*(MappingProxyType(table) for table in tables))


def true_case(text: str, forms: WordForms, english: bool = False) -> str:
    """`text` in true case: canonical case with line starts capitalised too, then each word in
    the cased table (``cased_en`` when `english`) as usually written.

    The result depends only on ``text.lower()`` (and `english`). Shape: str -> str of the same
    length.
    """
    canonical = canonical_case(text, line_starts=True)
    table = forms.cased_en if english else forms.cased

    def written(match: re.Match[str]) -> str:
        word = match.group(0)
        return table.get(word.lower(), word)

    return _WORD_RE.sub(written, canonical)


def lacks_diacritics(text: str, forms: WordForms) -> bool:
    """Whether `text` looks like Swedish typed without å, ä and ö: it has none of them (nor æ, ø),
    and at least one of its words, and 4 % of them, are in the accented table.

    Decided on the lower-cased text, so the answer does not depend on capitals. English also
    has words of the table ("for", "far"): callers exclude English texts by their language
    (the preprocessor does). Shape: str -> bool.
    """
    if any(char in _SWEDISH_DIACRITICS or char in _NORDIC_LETTERS for char in text):
        return False
    words = _WORD_RE.findall(text.lower())
    found = sum(word in forms.accented for word in words)
    return found >= MIN_RESTORED_WORDS and found >= MIN_RESTORED_SHARE * len(words)


def restore_diacritics(text: str, forms: WordForms) -> str:
    """`text` with each word found in the accented table written with its diacritics, keeping
    the word's capitals (``FOR`` -> ``FÖR``, ``Malardalen`` -> ``Mälardalen``). A word the table
    lacks stays as typed (``hemtjansten``): restoring compounds from a tail the table has gained
    one of our short texts and lost two of the 320 texts of the perturbation benchmark.

    Apply only where :func:`lacks_diacritics` says so: a text that has diacritics uses them as
    meant (``har`` and ``här`` both occur). Shape: str -> str of the same length.
    """

    def accent(match: re.Match[str]) -> str:
        word = match.group(0)
        form = forms.accented.get(word.lower())
        if form is None:
            return word
        return "".join(
            new.upper() if old.isupper() and len(new.upper()) == 1 else new
            for old, new in zip(word, form, strict=True)
        )

    return _WORD_RE.sub(accent, text)


_lock = threading.Lock()
_loaded: dict[str, WordForms | str] = {}


def _read_data() -> tuple[str, ...]:
    folder = resources.files("ecs_tagger").joinpath("data")
    return tuple(folder.joinpath(name).read_text(encoding="utf-8") for name in DATA_FILES)


def get_word_forms() -> WordForms:
    """The shipped tables (``ecs_tagger/data``), read once per process."""
    with _lock:
        forms = _loaded.get("forms")
        if not isinstance(forms, WordForms):
            forms = WordForms.from_lines(*(part.splitlines() for part in _read_data()))
            _loaded["forms"] = forms
        return forms


def word_forms_digest() -> str:
    """sha256 (first 12 hex digits) of the shipped tables' files, as bytes: the identity a model
    records when its preprocessing uses them."""
    with _lock:
        digest = _loaded.get("digest")
        if not isinstance(digest, str):
            sha = hashlib.sha256()
            for part in _read_data():
                sha.update(part.encode("utf-8"))
                sha.update(b"\x00")
            digest = sha.hexdigest()[:12]
            _loaded["digest"] = digest
        return digest
