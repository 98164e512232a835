"""Why two texts match: a topical pair of sentences and the key words both texts use.

``query_sentence`` / ``hit_sentence`` / ``sentence_similarity``
    the pair of sentences, one from each text, whose embeddings (``embed_sentences``, cached, in
    the index's similarity space) are most alike, boilerplate passed over: a sentence's
    *boilerplate score* is its mean cosine to a seeded sample of the index's own sentences (one
    sentence of each of BOILERPLATE_ROWS rows), and a sentence scoring above the
    BOILERPLATE_QUANTILE of the sample's own scores is near too many texts to be about a topic
    ("Projektet kommer att erbjuda rådgivning, seminarier, utbildning ..." scores in the top of
    Projektbanken's sentences, "Gödsel rötas till biogas ..." in the middle). Such sentences are
    compared only when a text has no other; fragments of fewer than four words likewise, and at
    most the first 60 sentences of a text are compared.
``shared_terms``
    words that both texts use as words (not only as a part of a compound, nor a lemma the
    lemmatiser guessed), that are neither place names nor generic project vocabulary (the derived
    lists of :mod:`ecs_tagger.model.evidence`), rarest in the index first (idf), at most eight.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ecs_tagger.model.evidence import showable
from ecs_tagger.regional.query import Query

if TYPE_CHECKING:
    from ecs_tagger.index import RegistryIndex

MAX_SENTENCES = 60
MIN_SENTENCE_WORDS = 4
SHARED_TERMS = 8
#: Words in more than this share of the index's texts are too common to explain a match.
COMMON_TERM_SHARE = 0.1
#: Rows of the index whose sentences (one each, seeded) tell boilerplate from topic.
BOILERPLATE_ROWS = 200
BOILERPLATE_SEED = 0
#: Sentences closer to the sample than this quantile of the sample's own scores are boilerplate.
BOILERPLATE_QUANTILE = 0.75
_BOILERPLATE: weakref.WeakKeyDictionary[Any, tuple[np.ndarray, float]] = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class MatchReason:
    """Why two texts match: their closest pair of sentences and their shared key terms."""

    query_sentence: str
    hit_sentence: str
    sentence_similarity: float
    shared_terms: tuple[str, ...]

    def summary(self) -> str:
        terms = ", ".join(self.shared_terms) or "(none)"
        return (
            f"«{self.query_sentence}» ~ «{self.hit_sentence}» "
            f"(these two sentences {self.sentence_similarity:.2f}); shared terms: {terms}"
        )


Side = tuple[list[str], set[str], str]  # sentences, words, language of one text


def sentences_of_row(index: RegistryIndex, position: int) -> list[str]:
    row = index.rows.iloc[position]
    clean, bounds = str(row["clean_text"]), list(row["sentence_bounds"])
    sentences = [clean[bounds[i] : bounds[i + 1]].strip() for i in range(0, len(bounds), 2)]
    return [s for s in sentences if s] or [clean.strip()]


def useful(sentences: list[str]) -> list[str]:
    """Sentences worth showing: the first MAX_SENTENCES, fragments dropped when others exist."""
    sentences = sentences[:MAX_SENTENCES]
    long = [s for s in sentences if len(s.split()) >= MIN_SENTENCE_WORDS]
    return long or sentences


def words_of_text(index: RegistryIndex, text: str) -> set[str]:
    """The lemmas a text uses as words (compound parts that are not words of it left out)."""
    document = index.preprocessor.process(text)
    return set(document.words if document.words is not None else document.lemmas)


def _query_side(index: RegistryIndex, query: Query) -> Side:
    if query.id is not None:
        return row_side(index, index.position(query.id))
    document = index.preprocessor.process(query.text)
    sentences = [s.text.strip() for s in document.sentences if s.text.strip()] or [query.text]
    words = document.words if document.words is not None else document.lemmas
    return useful(sentences), set(words), query.language


def row_side(index: RegistryIndex, position: int) -> Side:
    """One indexed text as explain_pairs wants it."""
    row = index.rows.iloc[position]
    return (
        useful(sentences_of_row(index, position)),
        words_of_text(index, str(row["clean_text"])),
        str(row["language"]),
    )


def shared_terms(
    index: RegistryIndex, words_a: set[str], words_b: set[str], limit: int = SHARED_TERMS
) -> tuple[str, ...]:
    """Words in both sets, rarest in the index first (idf); numbers, short words, place names,
    generic words and words in more than COMMON_TERM_SHARE of the index's texts (once it has 50
    rows) left out."""
    idf = index.idf()
    top = max(idf.values(), default=1.0)
    n = len(index)
    floor = float(np.log((1 + n) / (1 + COMMON_TERM_SHARE * n)) + 1) if n >= 50 else 0.0
    common = [word for word in words_a & words_b if showable(word) and idf.get(word, top) > floor]
    common.sort(key=lambda word: (-idf.get(word, top), word))
    return tuple(common[:limit])


def boilerplate_sample(index: RegistryIndex) -> tuple[np.ndarray, float]:
    """(sample sentence vectors, threshold): see the module; computed once per index."""
    if index in _BOILERPLATE:
        return _BOILERPLATE[index]
    rng = np.random.default_rng(BOILERPLATE_SEED)
    rows = np.sort(rng.choice(len(index), size=min(BOILERPLATE_ROWS, len(index)), replace=False))
    sentences, languages = [], []
    for row in rows:
        candidates = useful(sentences_of_row(index, int(row)))
        sentences.append(candidates[int(rng.integers(len(candidates)))])
        languages.append(str(index.rows.iloc[int(row)]["language"]))
    if len(sentences) < 3:
        result = (np.zeros((0, index.search_vectors.shape[1]), dtype=np.float32), np.inf)
    else:
        raw = index.embedder.embed_sentences(sentences)
        vectors = index.centre(raw, languages, [len(s) for s in sentences])
        gram = vectors @ vectors.T
        own = (gram.sum(axis=1) - np.diag(gram)) / (len(sentences) - 1)
        result = (vectors, float(np.quantile(own, BOILERPLATE_QUANTILE)))
    _BOILERPLATE[index] = result
    return result


def boilerplate_scores(index: RegistryIndex, vectors: np.ndarray) -> np.ndarray:
    """Each sentence vector's mean cosine to the index's sample of sentences."""
    sample, _ = boilerplate_sample(index)
    if not len(sample):
        return np.zeros(len(vectors))
    return np.asarray(vectors @ sample.T).mean(axis=1)


def _topical(rows: list[int], boilerplate: np.ndarray) -> list[int]:
    """Positions (into `rows`) of the sentences that are not boilerplate, or all of them."""
    kept = [i for i, row in enumerate(rows) if not boilerplate[row]]
    return kept or list(range(len(rows)))


def explain_pairs(index: RegistryIndex, pairs: Sequence[tuple[Side, Side]]) -> list[MatchReason]:
    """Reasons for pairs of texts, each given as (sentences, words, language)."""
    unique: dict[tuple[str, str], int] = {}
    for side_a, side_b in pairs:
        for sentences, _, language in (side_a, side_b):
            for sentence in sentences:
                unique.setdefault((sentence, language), len(unique))
    if not unique:
        return []
    keys = list(unique)
    raw = index.embedder.embed_sentences([sentence for sentence, _ in keys])
    vectors = index.centre(
        raw, [language for _, language in keys], [len(sentence) for sentence, _ in keys]
    )
    boilerplate = boilerplate_scores(index, vectors) > boilerplate_sample(index)[1]
    reasons = []
    for (sentences_a, words_a, language_a), (sentences_b, words_b, language_b) in pairs:
        rows_a = [unique[(s, language_a)] for s in sentences_a]
        rows_b = [unique[(s, language_b)] for s in sentences_b]
        keep_a, keep_b = _topical(rows_a, boilerplate), _topical(rows_b, boilerplate)
        matrix = vectors[[rows_a[i] for i in keep_a]] @ vectors[[rows_b[j] for j in keep_b]].T
        best_a, best_b = np.unravel_index(int(np.argmax(matrix)), matrix.shape)
        i, j = keep_a[int(best_a)], keep_b[int(best_b)]
        reasons.append(
            MatchReason(
                query_sentence=sentences_a[i],
                hit_sentence=sentences_b[j],
                sentence_similarity=round(float(matrix[best_a, best_b]), 4),
                shared_terms=shared_terms(index, words_a, words_b),
            )
        )
    return reasons


def explain_matches(
    index: RegistryIndex, query: Query, positions: Sequence[int]
) -> list[MatchReason]:
    """Why each row at `positions` matches the query (see the module docstring)."""
    query_side = _query_side(index, query)
    return explain_pairs(index, [(query_side, row_side(index, p)) for p in positions])
