"""spaCy pipelines: which language's pipeline analyses a text, and the pipelines themselves.

A pipeline is a blank spaCy pipeline of its language with the lookup ``lemmatizer`` (whose tables
:mod:`ecs_tagger.preprocess.lemmas` reads) and the sentence pipes of
:mod:`ecs_tagger.preprocess.sentences`; each is built lazily, once per process.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from ecs_tagger.notices import waiting
from ecs_tagger.preprocess.sentences import add_sentence_pipes

if TYPE_CHECKING:
    from ecs_tagger.preprocess.language import LanguageGuess

__all__ = ["SPACY_LANG", "get_pipeline", "language_code", "language_name", "pipeline_lang"]

#: Detected language -> spaCy language of the pipeline that processes it.
SPACY_LANG: dict[str, str] = {"sv": "sv", "en": "en", "no": "nb", "da": "da"}
#: Minimum detection confidence for a text to be analysed by that language's pipeline rather
#: than the Swedish one.
_ROUTE_MIN_CONFIDENCE: dict[str, float] = {"no": 0.8, "da": 0.8}

_NAMES = {"sv": "Swedish", "en": "English", "nb": "Norwegian", "da": "Danish"}

_lock = threading.RLock()
_pipelines: dict[str, Any] = {}


def get_pipeline(spacy_lang: str) -> Any:
    """Blank spaCy pipeline (tokenizer, lookup ``lemmatizer``, ``sentencizer``), built once."""
    with _lock:
        nlp = _pipelines.get(spacy_lang)
        if nlp is None:
            with waiting(f"loading the {language_name(spacy_lang)} language pipeline (spaCy)"):
                import spacy

                nlp = spacy.blank(spacy_lang)
                try:
                    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
                    nlp.initialize()
                except Exception:  # no lookup table: the lexicon falls back to Swedish
                    nlp = spacy.blank(spacy_lang)
                add_sentence_pipes(nlp, spacy_lang)
            _pipelines[spacy_lang] = nlp
        return nlp


def language_name(spacy_lang: str) -> str:
    """The English name of a pipeline's language, for messages (``sv`` -> ``Swedish``)."""
    return _NAMES.get(spacy_lang, spacy_lang)


def pipeline_lang(guess: LanguageGuess) -> str:
    """spaCy language that analyses a text: the detected one, except that weak Norwegian or
    Danish guesses (short Swedish sentences are sometimes taken for them) and ``other`` go to
    the Swedish pipeline, the corpus's language."""
    if guess.confidence < _ROUTE_MIN_CONFIDENCE.get(guess.code, 0.0):
        return "sv"
    return SPACY_LANG.get(guess.code, "sv")


def language_code(spacy_lang: str) -> str:
    """The detected-language code whose texts ``spacy_lang`` analyses (``nb`` -> ``no``)."""
    for code, lang in SPACY_LANG.items():
        if lang == spacy_lang:
            return code
    return "sv"
