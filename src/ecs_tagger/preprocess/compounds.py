"""Compound splitting: Swedish compounds into known words (``välfärdsteknik`` -> ``välfärd``,
``teknik``; ``arbetsmarknadsutbildning`` -> ``arbetsmarknad``, ``arbete``, ``marknad``,
``utbildning``), for lemmas and for hyphen repair.

:class:`CompoundSplitter` is the splitting half of :class:`ecs_tagger.preprocess.lemmas.Lexicon`,
which supplies what "known word" means (``base_forms``, ``stop_words``, :meth:`is_known`) and the
``lemma`` of a compound's head.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable
from functools import lru_cache

__all__ = [
    "ALPHA_RE",
    "DERIVATIONAL_SUFFIXES",
    "MIN_COMPOUND_LEN",
    "NEEDS_LINKING_S",
    "CompoundSplitter",
    "derivational_suffix",
    "words",
]


def words(text: str) -> frozenset[str]:
    """A set of whitespace-separated words (keeps word lists readable)."""
    return frozenset(text.split())


#: Known words that look like compounds of two known words but are not (tran|sport).
_NO_SPLIT = words(
    "transport transporter kombination fortsätta fortsättning fortsatt landsting plattform "
    "materiel förutom livsmedel beskrivning"
)
#: Short first elements that are productive in this domain's compounds (sol|energi, vind|kraft),
#: allowed even where short unlinked parts are not.
_PRODUCTIVE_SHORT = words(
    "sol vind bio kol gas mat vård skog trä jord sjö hav risk gods rest flyg bil tåg järn stål "
    "sjuk fisk kött mjölk olja data miljö el "
)
#: Heads beginning with ``s`` that stay whole after a compound first element although the
#: ``s`` could be a linking s before another word (kilometer|skatt, not kilometers|katt;
#: transport|sträcka, not transports|träcka). Other such heads lose the ``s`` to the first
#: element (solcells|park, not solcell|spark; marknads|andel, landsbygds|enhet).
_S_HEADS = words(
    "skatt skola sträcka sträck stråk sport skapande skapare skapa skick skicka skörd sköld "
    "skugga slott släkt spelare spegel spill spricka stall stycke styre stopp stång syster "
    "socker sångare sökande svamp svett sparande spara spalt spion slagg slätt svält släpp "
    "stiga sluta stjäla sticka stick stack skiss skissa spruta slump sänka smälta svälja "
    "skärva skära slita spik spika"
)
#: Rare words beginning with ``s`` that, after any first element, are a linking s and a common
#: head (marknads|andel, not marknad|sandel; herrgårds|udde, not herrgård|sudd).
_S_LINKED = words("sandel spark senhet sudd svika sinka stråke")
#: Linking forms whose table entry is a homograph (livs is also a noun in the table).
_LINKING_FORMS = {"livs": "liv"}
#: First elements after which Swedish always puts a linking s (aktivitet-s-park, not
#: aktivitet|spark).
NEEDS_LINKING_S = ("ing", "het", "tet", "tion", "sion", "dom", "skap", "else", "ande", "ende")

#: Strings that are words in the table but, as compound parts, are derivational prefixes or
#: suffixes (``till|växt``, ``före|tag``, ``verksam|het``) and would create misleading parts.
_BAD_PARTS = words(
    # prefixes / particles
    "åter sam upp bak miss van icke all över under mot med efter fram genom före för till "
    "mellan utan inom kring bort hem ned när vid väl "
    # suffixes
    "ande ende ning ningen het heten else skap dom are ing tion ism ist ens ant ent era bar "
    "lig ligt liga isk iska ell ella ellt ala alt ighet lighet sam samt ings ion iv ivt iva "
    "lös löst lösa full nad ör ur ar er kap vis"
)

#: Derivational suffixes with their inflections (``-ering``, ``-eringen``, ``-heten``). A word
#: ending in one is a derivation there: a split may not cut inside the suffix
#: (``medicine|ring``, ``digitalis|ering`` -> ``digitalis|ring``), since its "head" would be a
#: piece of the suffix that happens to spell a word (ring, ring).
DERIVATIONAL_SUFFIXES: tuple[str, ...] = tuple(
    sorted(
        (
            stem + ending
            for stem, endings in (
                ("ering", ("", "en", "ar", "arna", "ens", "ars", "arnas")),
                ("ning", ("", "en", "ar", "arna", "ens", "ars", "arnas")),
                ("ing", ("", "en", "ar", "arna", "ens", "ars", "arnas")),
                ("het", ("", "en", "er", "erna", "ens", "ers", "ernas")),
                ("else", ("", "n", "r", "rna", "ns", "rs", "rnas")),
                ("tion", ("", "en", "er", "erna", "ens", "ers", "ernas")),
                ("sion", ("", "en", "er", "erna", "ens", "ers", "ernas")),
            )
            for ending in endings
        ),
        key=len,
        reverse=True,
    )
)

MIN_COMPOUND_LEN = 7  # shorter words are never split
_MIN_KNOWN_COMPOUND_LEN = 9  # words the lexicon knows are split only from this length
_MIN_RECURSE_LEN = 10  # a part is split again only when at least this long
_MIN_LEFT = 3
_MIN_RIGHT = 3

ALPHA_RE = re.compile(r"^[^\W\d_]+$")


def derivational_suffix(word: str) -> str:
    """The longest of :data:`DERIVATIONAL_SUFFIXES` that ``word`` ends in (``""`` if none).

    ``derivational_suffix("medicineringen") == "eringen"``; a head that is shorter than this
    suffix would cut the suffix apart.
    """
    return next((suffix for suffix in DERIVATIONAL_SUFFIXES if word.endswith(suffix)), "")


def _occurrences(word: str, part: str) -> list[int]:
    """Start offsets of ``part`` in ``word`` (overlapping ones included)."""
    starts: list[int] = []
    start = word.find(part)
    while start >= 0:
        starts.append(start)
        start = word.find(part, start + 1)
    return starts


class CompoundSplitter(ABC):
    """Splits a word into a known first element (possibly with a linking form) and a known head.

    Subclasses provide the known words: ``base_forms`` (lower-case lemmas), ``stop_words``,
    :meth:`is_known`, and ``lemma`` for the head; ``compounds`` switches :meth:`compound_parts`.
    """

    base_forms: frozenset[str]
    stop_words: frozenset[str]
    compounds: bool
    lemma: Callable[[str], str]

    def __init__(self) -> None:
        self.split: Callable[[str], tuple[str, str, str] | None] = lru_cache(maxsize=200_000)(
            self._split
        )
        self._simple_split: Callable[[str], tuple[str, str, str] | None] = lru_cache(
            maxsize=200_000
        )(lambda word: self._split(word, compound_left=False))
        self.compound_parts: Callable[[str], tuple[str, ...]] = lru_cache(maxsize=200_000)(
            self._compound_parts
        )

    @abstractmethod
    def is_known(self, word: str) -> bool:
        """Whether the lower-case ``word`` is a known form, lemma or stop word."""

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

    def _is_compound(self, word: str) -> bool:
        """Whether the base form ``word`` is itself two known words (``solcell`` = sol + cell,
        ``vindkraft`` = vind + kraft), with parts of four letters or productive short ones."""
        if word in _NO_SPLIT:
            return False
        for i in range(_MIN_LEFT, len(word) - _MIN_RIGHT):
            left, right = word[:i], word[i:]
            if (
                (len(left) > _MIN_LEFT or left in _PRODUCTIVE_SHORT)
                and self._left_base(left, strict=True) is not None
                and self._right_ok(right, strict=True)
            ):
                return True
        return False

    def _linking_s_head(self, base: str, right: str, strict: bool) -> bool:
        """Whether ``base|right`` (right starting with ``s``) is better read ``base-s|right[1:]``.

        A first element that is itself a compound takes a linking s in Swedish
        (``solcells|park``, ``vindkrafts|park``), so when ``right`` without its ``s`` is a known
        head the ``s`` links; simple first elements keep the head (``energi|slag``).
        """
        if right in _S_LINKED and self._right_ok(right[1:], strict):
            return True
        return (
            right not in _S_HEADS
            and len(right) > _MIN_RIGHT + 1
            and self._right_ok(right[1:], strict)
            and self._is_compound(base)
        )

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
        if not ALPHA_RE.match(word) or word in _NO_SPLIT:
            return None
        strict = self.is_known(word)
        if len(word) < (_MIN_KNOWN_COMPOUND_LEN if strict else MIN_COMPOUND_LEN):
            return None
        best: tuple[str, str, str] | None = None
        best_score = 0
        suffix = derivational_suffix(word)
        # Cuts inside a word that must not be split (kombitran|sporter, sjötran|sport).
        protected = {
            cut
            for whole in _NO_SPLIT
            for start in _occurrences(word, whole)
            for cut in range(start + 1, start + len(whole))
        }
        for i in range(_MIN_LEFT, len(word) - _MIN_RIGHT + 1):
            right = word[i:]
            if len(right) <= len(suffix):
                break  # medicine|ring, digitalis|ring: the cut would split the suffix -ering
            if i in protected:
                continue
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
            if (
                right.startswith("s")
                and base == left
                and (base.endswith(NEEDS_LINKING_S) or self._linking_s_head(base, right, strict))
            ):
                # aktivitet|sparker, solcell|spark: the s is a linking s, aktivitets|parker and
                # solcells|park follow in this loop.
                continue
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
