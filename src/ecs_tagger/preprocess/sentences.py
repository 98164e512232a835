"""Sentence splitting: spaCy's rule-based ``sentencizer`` plus line breaks.

Swedish abbreviations such as ``bl.a.``, ``t.ex.``, ``m.m.``, ``ca.`` do not end a sentence; a
blank line, and a line break before a bullet, a capital or a digit or after ``:``/``;``, starts
one (hard-wrapped lines stay together). :func:`sentences_of` gives the sentences of an analysed
``Doc`` as :class:`Sentence` spans whose offsets index the text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["Sentence", "add_sentence_pipes", "sentences_in", "sentences_of"]


@dataclass(frozen=True)
class Sentence:
    """A sentence of :attr:`PreprocessedText.clean`: ``clean[start:end] == text``."""

    text: str
    start: int
    end: int


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


def add_sentence_pipes(nlp: Any, spacy_lang: str) -> None:
    """Add the ``sentencizer`` and the line-break rule to ``nlp`` and keep the abbreviations
    whole in its tokenizer (Swedish, Norwegian, Danish)."""
    from spacy.symbols import ORTH

    _register_newline_component()
    nlp.add_pipe("sentencizer")
    nlp.add_pipe(_NEWLINE_COMPONENT)
    if spacy_lang in ("sv", "nb", "da"):
        tokenizer: Any = nlp.tokenizer
        for abbr in _EXTRA_ABBREVIATIONS:
            tokenizer.add_special_case(abbr, [{ORTH: abbr}])


def sentences_of(doc: Any) -> tuple[Sentence, ...]:
    """The sentences of an analysed ``doc``, trimmed of whitespace; offsets index ``doc.text``."""
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


def sentences_in(sentences: tuple[Sentence, ...], text: str) -> tuple[Sentence, ...]:
    """The same sentence spans with their text taken from `text`, a string of the same length as
    the one they were found in (the clean text, whose case the analysed model text lost)."""
    return tuple(Sentence(text[s.start : s.end], s.start, s.end) for s in sentences)
