"""Cleaning: truncation, control characters, HTML, mojibake, placeholders, whitespace, hyphens.

:func:`normalise` does everything but hyphen repair, in this order: UTF-8-read-as-Latin-1/cp1252
mojibake (:func:`repair_mojibake`: ``fÃ¶r`` -> ``för``, ``â€“`` -> ``–``, by ftfy, backed by a pair
repair for texts ftfy leaves half-fixed); control characters and Windows-1252 leftovers; HTML tags
and entities (``strip_html``); Unicode NFC (so composed and decomposed letters give the same text
and lemmas); the corpus's ``¿`` mojibake (``¿bra arbetsgivare¿`` ->
``"bra arbetsgivare"``, a free-standing ``¿`` -> ``–``); the ``[e-post]``/``[telefon]``
placeholders removed; soft hyphens removed; whitespace normalised (runs of spaces -> one space,
line breaks kept, at most one blank line). :func:`truncate` cuts a long text at a word boundary
first; :func:`repair_hyphens` joins words broken by a line-wrap hyphen, deciding with the
:class:`~ecs_tagger.preprocess.lemmas.Lexicon` of the text's language.
"""

from __future__ import annotations

import functools
import html
import re
import unicodedata
from typing import TYPE_CHECKING, Any

from ecs_tagger.preprocess.compounds import NEEDS_LINKING_S, words

if TYPE_CHECKING:
    from ecs_tagger.preprocess.lemmas import Lexicon

__all__ = [
    "LINE_START_RE",
    "SENTENCE_START_RE",
    "canonical_case",
    "drop_repeated_lines",
    "normalise",
    "repair_hyphens",
    "repair_mojibake",
    "truncate",
    "unusual_case",
]

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
#: Where ftfy may have mojibake to repair: a UTF-8 lead byte read as Latin-1/cp1252 (``Ã``, ``â``)
#: before a continuation byte read the same way (``¶``, ``€``, ``\x93``); texts without one are
#: left to the cheap steps.
_MOJIBAKE_HINT_RE = re.compile(
    "[\u00c2-\u00f4][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6"
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
#: A hyphen that ends a line inside a word (``sjuk-⏎sköterskor``): a word character before it,
#: optional spaces, one line end (``\n``, ``\r\n`` or ``\r``), optional spaces, and the next
#: word (group 1).
_LINE_END_HYPHEN_RE = re.compile(r"(?<=\w)-[^\S\r\n]*(?:\r\n|\r|\n)[^\S\r\n]*(?=(\w+))")
#: Words after which a line-end hyphen is a suspended compound (``livsmedels-⏎och
#: energiföretag``), not a broken word: the hyphen and the line break stay.
_SUSPENSION_NEXT = words("och eller samt respektive resp som men än till and or nor to")

#: First elements that form coordinations with a hyphen (``svensk-norska``, ``öst-västlig``).
_COORDINATION_LEFT = words(
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


@functools.cache
def _ftfy_config() -> Any:
    """ftfy's settings: mojibake and C1 controls only (quotes, widths, ligatures stay as written)."""
    import ftfy

    return ftfy.TextFixerConfig(
        unescape_html=False,
        remove_terminal_escapes=False,
        fix_latin_ligatures=False,
        fix_character_width=False,
        uncurl_quotes=False,
        fix_line_breaks=False,
        remove_control_chars=False,
        normalization="NFC",
        explain=False,
    )


def repair_mojibake(text: str) -> str:
    """``text`` with UTF-8-read-as-Latin-1/cp1252 mojibake repaired (``fÃ¶rÃ¤dling`` -> ``förädling``).

    ftfy (the well-kept library for this) repairs whole sequences, including three-byte ones
    (``â€“`` -> ``–``) and bytes cp1252 lacks; a two-character repair backs it where ftfy leaves
    a text half-fixed because of a byte lost on the way (``fÃ¶rstÃ¥else`` beside ``¶kad``). For
    tagging only: the user's cell is never changed.
    """
    if _MOJIBAKE_HINT_RE.search(text):
        import ftfy

        text = ftfy.fix_text(text, _ftfy_config())
    if "\u00c3" in text or "\u00c2" in text:
        text = _MOJIBAKE_RE.sub(_fix_mojibake_pair, text)
    return text


def truncate(text: str, max_chars: int) -> tuple[str, bool]:
    """``text`` cut to ``max_chars`` (at a word boundary when one is near), and whether it was."""
    if len(text) <= max_chars:
        return text, False
    cut = text[:max_chars]
    space = max(cut.rfind(" "), cut.rfind("\n"))
    if space >= max_chars - 200:
        cut = cut[:space]
    return cut, True


def normalise(text: str, strip_html: bool) -> str:
    """Everything in cleaning except hyphen repair."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n")
    text = text.replace("\u2029", "\n\n")
    text = repair_mojibake(text)  # first: the C1 step below would break ftfy's byte sequences
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
    if "\u00c3" in text or "\u00c2" in text:  # mojibake that HTML entities spelled out
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


def drop_repeated_lines(text: str) -> str:
    """`text` without a line that repeats the line before it (blank lines between them passed
    over), as when a registry's description is its title again: ``"Title\nTitle"`` ->
    ``"Title"``. Compared after stripping spaces at the ends, case-sensitively.
    Shape: str -> str (shorter or the same)."""
    kept: list[str] = []
    last = None
    for line in text.split("\n"):
        key = line.strip()
        if key and key == last:
            while kept and not kept[-1].strip():
                kept.pop()
            continue
        if key:
            last = key
        kept.append(line)
    return "\n".join(kept)


#: Where canonical case puts a capital: the first letter of the text, the first after sentence-end
#: punctuation and white space, and the first after a blank line (bullets, quotes and digits
#: between them are passed over). A single line break is not a sentence start: hard-wrapped lines
#: stay together, as :mod:`~ecs_tagger.preprocess.sentences` keeps them.
SENTENCE_START_RE = re.compile(r"(?:^|[.!?]\s+|\n[^\S\n]*\n\s*)[\W\d_]*?([^\W\d_])")
#: The first letter of a line (bullets, quotes, digits and spaces before it passed over): where
#: ``canonical_case(..., line_starts=True)`` puts a capital too.
LINE_START_RE = re.compile(r"(?:^|\n)[\W\d_]*?([^\W\d_])")


def _one_char(char: str, mapped: str) -> str:
    return mapped if len(mapped) == 1 else char


def canonical_case(text: str, line_starts: bool = False) -> str:
    """`text` in one case whatever case it was written in: every letter lower-cased, then the
    first letter of the text, of each sentence (after ``.``, ``!`` or ``?`` and white space) and
    after a blank line upper-cased; with `line_starts`, the first letter of every line too (a
    title on the line above its description).

    UPPER CASE, Title Case, lower case and ordinary writing of the same words give the same
    string, so the tags cannot depend on how a text was capitalised. Length-preserving (a letter
    whose case mapping has another length, such as ``ß`` -> ``SS``, stays as it is), so offsets
    into the result index the original text too. Shape: str -> str of the same length.
    """
    lowered = "".join(_one_char(char, char.lower()) for char in text)

    def capital(match: re.Match[str]) -> str:
        letter = match.group(1)
        return match.group(0)[:-1] + _one_char(letter, letter.upper())

    cased = SENTENCE_START_RE.sub(capital, lowered)
    return LINE_START_RE.sub(capital, cased) if line_starts else cased


#: A word for `unusual_case`: letters only, at least two.
_CASE_WORD_RE = re.compile(r"[^\W\d_]{2,}")
#: `unusual_case` thresholds: the share of capitals among cased letters above which a text is
#: "mostly capitals" (ordinary Swedish or English prose has 3-6 %), the share of capitalised words
#: above which it is Title Case, and the fewest words for either judgement.
UPPER_SHARE, TITLE_SHARE, CASE_MIN_WORDS = 0.5, 0.6, 3


def unusual_case(text: str) -> bool:
    """Whether `text` is written in an unusual case: mostly capitals (UPPER CASE), Title Case
    (most words capitalised) or with no capital at all; ordinary writing is not.

    A text of fewer than three words of two or more letters is unusual only when it is mostly
    capitals (a one-word title in capitals). Shape: str -> bool.
    """
    words = _CASE_WORD_RE.findall(text)
    cased = [c for word in words for c in word if c.isupper() or c.islower()]
    if not cased:
        return False
    upper = sum(c.isupper() for c in cased)
    if upper / len(cased) >= UPPER_SHARE:
        return True
    if len(words) < CASE_MIN_WORDS:
        return False
    capitalised = sum(word[0].isupper() for word in words)
    return upper == 0 or capitalised / len(words) >= TITLE_SHARE


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
_LEFT_INFLECTIONS = words("t a e na en et er ar or erna arna orna")


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
        if left_known and low_left.endswith(NEEDS_LINKING_S):
            return False  # rehabilitering-behandling: a compound would have a linking s
    if lexicon.hyphen_compounds:
        if lexicon.splittable(joined):
            return True  # finansierings-möjligheter, tek-nikbaserade
        stem = low_left[:-1] if low_left.endswith("s") else low_left
        if right_known and (lexicon.splittable(low_left) or lexicon.splittable(stem)):
            return True  # tjänstekoncessions-förfarande: the left part is itself a compound
    # Two fragments that are not words on their own (work-shops); only with a full lexicon.
    return lexicon.rich and not title and not left_known and not right_known


def repair_hyphens(text: str, lexicon: Lexicon) -> str:
    r"""``text`` with line-wrap hyphens joined (rules: :meth:`ecs_tagger.preprocess.Preprocessor.clean`).

    A hyphen at the end of a line (``sjuk-⏎sköterskor``, ``livsmedels- ⏎ företag``, with ``\n``,
    ``\r\n`` or ``\r`` and spaces around the break) is first closed up to ``sjuk-sköterskor``
    and then decided like any ``word-word``: joined when it is a wrapped word
    (``sjuksköterskor``, ``livsmedelsföretag``), kept as ``IT-företag`` otherwise. Before a
    conjunction (``livsmedels-⏎och energiföretag``) it is a suspended compound and stays as
    written.
    """
    text = _LINE_END_HYPHEN_RE.sub(_close_line_end_hyphen, text)

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


def _close_line_end_hyphen(match: re.Match[str]) -> str:
    """``-`` for a line-end hyphen inside a word; the match unchanged before a conjunction."""
    return match.group(0) if match.group(1).lower() in _SUSPENSION_NEXT else "-"
