"""Evidence for each tag: the sentences that support it most and the lexical terms that weighed most."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from itertools import islice

import numpy as np
import scipy.sparse as sp

from ecs_tagger.classifier import AreaClassifier, _sigmoid
from ecs_tagger.preprocess import PreprocessedText
from ecs_tagger.results import AreaEvidence, SentenceEvidence, TermEvidence


def top_terms(
    classifier: AreaClassifier,
    terms: Sequence[str],
    lexical_row: sp.csr_matrix,
    area: int,
    limit: int = 5,
    words: Collection[str] | None = None,
) -> tuple[TermEvidence, ...]:
    """Terms of one document with the largest positive contribution (tf-idf × coefficient).

    ``lexical_row``: the document's 1 × n_terms tf-idf row; ``terms``: the vocabulary by column.
    With ``words`` (the document's word lemmas, :attr:`PreprocessedText.words`) a term is shown
    only when each of its lemmas is one of them: a compound part that is not itself a word of
    the text (``ring`` of "medicinering", ``teknik`` of "välfärdsteknik") still counts in the
    score but is never shown to a coordinator as evidence. At most ``limit`` terms, heaviest
    first, positive contributions only.
    """
    row = lexical_row.tocsr()
    columns, values = row.indices, row.data
    contributions = values * classifier.lexical_coef_[area, columns]
    order = np.lexsort((columns, -contributions))  # ties broken by column: deterministic
    shown = (
        i
        for i in order
        if contributions[i] > 0
        and (words is None or all(w in words for w in terms[columns[i]].split(" ")))
    )
    return tuple(
        TermEvidence(terms[columns[i]], round(float(contributions[i]), 4))
        for i in islice(shown, limit)
    )


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
) -> dict[str, AreaEvidence]:
    """Evidence for the given area indices of one document."""
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
            terms=top_terms(classifier, terms, lexical_row, area, max_terms, document.words),
        )
    return evidence
