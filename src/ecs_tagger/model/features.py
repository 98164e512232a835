"""Lexical features: TF-IDF over lemma unigrams and bigrams from the preprocessing step."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer


def lemma_ngrams(lemmas: Sequence[str], ngram_max: int = 2) -> list[str]:
    """Unigrams and joined n-grams (up to `ngram_max`) of a lemma sequence."""
    grams = list(lemmas)
    for n in range(2, ngram_max + 1):
        grams += [" ".join(lemmas[i : i + n]) for i in range(len(lemmas) - n + 1)]
    return grams


def _identity(tokens: list[str]) -> list[str]:
    return tokens


class LemmaTfidf(BaseEstimator, TransformerMixin):
    """TF-IDF of lemma n-grams; input is one lemma sequence per document."""

    def __init__(self, ngram_max: int = 1, min_df: int = 2, max_features: int = 20000) -> None:
        self.ngram_max = ngram_max
        self.min_df = min_df
        self.max_features = max_features

    def _vectorizer(self, vocabulary: dict[str, int] | None = None) -> TfidfVectorizer:
        return TfidfVectorizer(
            analyzer=_identity,
            min_df=self.min_df,
            max_features=self.max_features,
            sublinear_tf=True,
            vocabulary=vocabulary,
            dtype=np.float32,
        )

    def fit(self, documents: Sequence[Sequence[str]], y: Any = None) -> LemmaTfidf:
        grams = [lemma_ngrams(doc, self.ngram_max) for doc in documents]
        # Tiny training sets cannot meet min_df; fall back to keeping every term.
        min_df = self.min_df if len(grams) >= 4 * self.min_df else 1
        vectorizer = self._vectorizer()
        vectorizer.set_params(min_df=min_df)
        vectorizer.fit(grams)
        self.vocabulary_: dict[str, int] = {k: int(v) for k, v in vectorizer.vocabulary_.items()}
        self.idf_: np.ndarray = vectorizer.idf_.astype(np.float64)
        return self

    def transform(self, documents: Sequence[Sequence[str]]) -> sp.csr_matrix:
        vectorizer = self._vectorizer(self.vocabulary_)
        vectorizer.idf_ = self.idf_
        return vectorizer.transform([lemma_ngrams(doc, self.ngram_max) for doc in documents])

    @property
    def terms_(self) -> list[str]:
        """Feature names by column index."""
        terms = [""] * len(self.vocabulary_)
        for term, column in self.vocabulary_.items():
            terms[column] = term
        return terms


#: The columns of `text_context`, in order.
CONTEXT_COLUMNS = ("english", "shortness")
_SHORT_CHARS, _LONG_CHARS = 50.0, 1000.0


def text_context(languages: Sequence[str], lengths: Sequence[int]) -> np.ndarray:
    """The kind of each text, as inputs for the stacker's calibration (documents × 2).

    `english` is 1 for texts detected as English; `shortness` is 1 for a text of at most 50
    characters (a title), 0 from 1,000 characters on (a registry description or an abstract), and
    linear in log(length) between.
    """
    english = np.array([1.0 if lang == "en" else 0.0 for lang in languages])
    chars = np.maximum(np.asarray(lengths, dtype=np.float64), 1.0)
    span = np.log(_LONG_CHARS) - np.log(_SHORT_CHARS)
    shortness = np.clip((np.log(_LONG_CHARS) - np.log(chars)) / span, 0.0, 1.0)
    return np.column_stack([english, shortness]) if len(chars) else np.zeros((0, 2))
