"""Preprocessing by step: a raw project description in, a :class:`PreprocessedText` out.

:mod:`~ecs_tagger.preprocess.preprocessor` holds the :class:`Preprocessor` that runs the steps,
each in its own module: :mod:`~ecs_tagger.preprocess.cleaning` (HTML, mojibake, placeholders,
whitespace, hyphen repair), language detection (:mod:`ecs_tagger.preprocess.language`),
:mod:`~ecs_tagger.preprocess.lemmas` (lookup lemmas, stop words),
:mod:`~ecs_tagger.preprocess.compounds` (compound splitting),
:mod:`~ecs_tagger.preprocess.sentences` (sentence splitting), and
:mod:`~ecs_tagger.preprocess.pipelines` (the spaCy pipeline of each language).
"""

from ecs_tagger.preprocess.lemmas import Lexicon, get_lexicon
from ecs_tagger.preprocess.preprocessor import PreprocessedText, Preprocessor, PreprocessSettings
from ecs_tagger.preprocess.sentences import Sentence

__all__ = [
    "Lexicon",
    "PreprocessSettings",
    "PreprocessedText",
    "Preprocessor",
    "Sentence",
    "get_lexicon",
]
