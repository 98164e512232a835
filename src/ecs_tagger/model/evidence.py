"""Evidence for each tag: the sentences that support it most and the terms that weighed most.

A term's weight for an area is its real contribution to the area's score: its tf-idf weight times
the lexical coefficient (0 for words outside the model's vocabulary), plus, when the tagger gives
its embedder, the probability the embedding signal gives the area for the word alone (so
"mjölk", "yoghurt" count for food and "biogas" for energy even where the lexical model never saw
them). Place names and generic project or verb vocabulary are never shown: both lists are derived
from the corpus by ``benchmarks/explanations/derive_terms.py`` and shipped in
``ecs_tagger/data`` (``place_names.txt``, ``generic_terms.txt``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from functools import cache
from importlib import resources

import numpy as np
import scipy.sparse as sp

from ecs_tagger.model.classifier import AreaClassifier, _sigmoid
from ecs_tagger.model.results import AreaEvidence, SentenceEvidence, TermEvidence
from ecs_tagger.preprocess import PreprocessedText

#: A term is shown when its weight (lexical contribution + word probability) reaches this.
MIN_TERM_WEIGHT = 0.3
MIN_TERM_CHARS = 3
#: What a shown word looks like: letters (digits, hyphens inside), no quotes or slashes.
_WORD = re.compile(r"[^\W\d_][\w-]*\Z")
#: Embeds words (one vector per word), e.g. ``embedder.embed_sentences``.
WordEmbedder = Callable[[Sequence[str]], np.ndarray]


@cache
def hidden_terms() -> frozenset[str]:
    """Lemmas never shown as evidence: the derived place names and generic vocabulary."""
    out: set[str] = set()
    for name in ("place_names.txt", "generic_terms.txt"):
        text = resources.files("ecs_tagger").joinpath("data", name).read_text(encoding="utf-8")
        out.update(line.strip() for line in text.splitlines() if line and line[0] != "#")
    return frozenset(out)


def showable(term: str, words: Collection[str] | None = None) -> bool:
    """Whether a term may be shown: each of its lemmas a content word of the text (when `words`
    is given), of at least MIN_TERM_CHARS letters, and neither a place name nor generic."""
    hidden = hidden_terms()
    return all(
        (words is None or w in words)
        and len(w) >= MIN_TERM_CHARS
        and _WORD.match(w) is not None
        and w not in hidden
        for w in term.split(" ")
    )


def word_probabilities(
    classifier: AreaClassifier, embed_words: WordEmbedder, words: Sequence[str]
) -> np.ndarray:
    """Each word's probability of each area from the embedding signal, the word alone."""
    if not words:
        return np.zeros((0, classifier.lexical_coef_.shape[0]))
    return sentence_scores(classifier, np.asarray(embed_words(list(words))))


def top_terms(
    classifier: AreaClassifier,
    terms: Sequence[str],
    lexical_row: sp.csr_matrix,
    area: int,
    limit: int = 5,
    words: Collection[str] | None = None,
    word_probs: dict[str, np.ndarray] | None = None,
) -> tuple[TermEvidence, ...]:
    """Terms of one document with the largest contribution to `area`, heaviest first.

    ``lexical_row``: the document's 1 × n_terms tf-idf row; ``terms``: the vocabulary by column.
    A term's weight is tf-idf × coefficient plus, with ``word_probs`` (word -> probability per
    area, :func:`word_probabilities`), the word's own probability of the area. Only
    :func:`showable` terms with a weight of at least MIN_TERM_WEIGHT are shown: with ``words``
    (the document's word lemmas, :attr:`PreprocessedText.words`) a compound part that is not
    itself a word of the text (``ring`` of "medicinering") still counts in the score but is never
    shown, nor are place names and generic words. At most ``limit`` terms.
    """
    row = lexical_row.tocsr()
    weights: dict[str, float] = {}
    contributions = row.data * classifier.lexical_coef_[area, row.indices]
    for column, value in zip(row.indices, contributions, strict=True):
        if value > 0:
            weights[terms[column]] = float(value)
    for word, probs in (word_probs or {}).items():
        weights[word] = weights.get(word, 0.0) + float(probs[area])
    shown = [
        (term, weight)
        for term, weight in weights.items()
        if weight >= MIN_TERM_WEIGHT and showable(term, words)
    ]
    shown.sort(key=lambda item: (-item[1], item[0]))  # ties by term: deterministic
    return tuple(TermEvidence(term, round(weight, 4)) for term, weight in shown[:limit])


def sentence_scores(classifier: AreaClassifier, sentence_embeddings: np.ndarray) -> np.ndarray:
    """Probability-like score of each sentence for each area, from the embedding signal alone."""
    calibration = classifier.signal_calibration_
    logits = classifier.embedding_scores(sentence_embeddings)
    return _sigmoid(logits * calibration[:, 0] + calibration[:, 1])


def build_evidence(
    classifier: AreaClassifier,
    codes: Sequence[str],
    terms: Sequence[str],
    document: PreprocessedText,
    lexical_row: sp.csr_matrix,
    sentence_embeddings: np.ndarray | None,
    areas: Sequence[int],
    max_sentences: int = 3,
    max_terms: int = 5,
    embed_words: WordEmbedder | None = None,
) -> dict[str, AreaEvidence]:
    """Evidence for the given area indices of one document (`embed_words`: see the module)."""
    word_probs: dict[str, np.ndarray] | None = None
    if embed_words is not None and areas:
        candidates = sorted(w for w in (document.words or ()) if showable(w))
        probs = word_probabilities(classifier, embed_words, candidates)
        word_probs = dict(zip(candidates, probs, strict=True))
    scores = (
        sentence_scores(classifier, sentence_embeddings)
        if sentence_embeddings is not None and len(sentence_embeddings)
        else None
    )
    evidence: dict[str, AreaEvidence] = {}
    for area in areas:
        sentences: tuple[SentenceEvidence, ...] = ()
        if scores is not None:
            order = np.argsort(-scores[:, area], kind="stable")[:max_sentences]
            sentences = tuple(
                SentenceEvidence(
                    text=document.sentences[i].text,
                    start=document.sentences[i].start,
                    end=document.sentences[i].end,
                    score=round(float(scores[i, area]), 4),
                )
                for i in order
            )
        evidence[codes[area]] = AreaEvidence(
            code=codes[area],
            sentences=sentences,
            terms=top_terms(
                classifier, terms, lexical_row, area, max_terms, document.words, word_probs
            ),
        )
    return evidence
