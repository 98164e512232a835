"""What a similarity figure means: the levels above which judged pairs were related.

A similar-initiative search always has a nearest project, even in a registry with nothing like the
query (a biogas project among bazaars and rail terminals finds them at 0.01-0.08). A hit is shown
as a match only when its similarity reaches :attr:`SimilarityLevels.related`; a search whose best
hit is below it says that the registry holds no close match (the nearest can still be shown,
marked as weak).

The levels are derived from the judged similarity set (benchmarks/similarity_judged: 40 query
projects of Östra Mellansverige, 1,638 pooled candidate pairs in other regions, each graded by
reading both texts: 0 unrelated, 1 related, 2 counterparts), never set by feel:
:func:`derive_levels` takes every judged pair's similarity (in the all-Projektbanken index the
grades were made on) and returns

``related``
    the lowest similarity from which on most judged pairs are graded related (1 or 2): the
    share of related pairs, fitted as a function of the similarity that never decreases
    (isotonic regression), is above one half there and at every higher similarity, so a hit at
    that level is more likely related than not (and the pairs at and above it, taken together,
    are mostly related too);
``close``
    the same for pairs graded counterparts (2).

Both are rounded up to two decimals, the figure people see.

``python -m benchmarks.similarity_judged.levels`` recomputes the pairs' similarities from the index
(into ``similarities.tsv`` beside the grades) and derives the levels again;
tests/test_regional_levels.py re-derives them from the stored similarities and checks the
constants below.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

#: Pairs that must lie at or above a level for the share there to count (a share of 2 pairs
#: says nothing).
MIN_PAIRS = 20
#: What a level's share must exceed: "most" pairs.
MOST = 0.5

LEVEL_CLOSE = "close"
LEVEL_RELATED = "related"
LEVEL_WEAK = "weak"


@dataclass(frozen=True)
class SimilarityLevels:
    """Similarities at and above which most judged pairs were related (`related`) and
    counterparts (`close`), on one method's scale (see the module docstring)."""

    related: float
    close: float

    def level(self, similarity: float) -> str:
        """The level of a similarity: "close", "related" or "weak" (below `related`). The
        similarity is taken as people see it, with two decimals: a hit shown as 0.16 is related
        when the level is 0.16. A level that is NaN (too few judged pairs) is never reached."""
        shown = float(f"{float(similarity):.2f}")
        if shown >= self.close:
            return LEVEL_CLOSE
        if shown >= self.related:
            return LEVEL_RELATED
        return LEVEL_WEAK


def _lowest_level(similarities: np.ndarray, good: np.ndarray) -> float:
    """The lowest similarity at which the share of `good` pairs, fitted as a non-decreasing
    function of the similarity (isotonic regression, ties pooled), exceeds MOST: at and above it,
    pairs of every similarity are mostly good. Rounded up to two decimals (the figure people
    see); NaN when fewer than MIN_PAIRS pairs lie at or above it."""
    from sklearn.isotonic import IsotonicRegression

    fitted = IsotonicRegression(increasing=True).fit_transform(similarities, good.astype(float))
    above = fitted > MOST
    if not above.any():
        return float("nan")
    level = float(similarities[above].min())
    if int((similarities >= level).sum()) < MIN_PAIRS:
        return float("nan")
    return float(np.ceil(round(level * 100, 6)) / 100)


def derive_levels(similarities: Sequence[float], grades: Sequence[int]) -> SimilarityLevels:
    """The levels of judged pairs with these similarities and grades (0, 1, 2); see the module."""
    values = np.asarray(similarities, dtype=float)
    graded = np.asarray(grades, dtype=int)
    if values.shape != graded.shape:
        raise ValueError("one grade per similarity")
    return SimilarityLevels(
        related=_lowest_level(values, graded >= 1), close=_lowest_level(values, graded >= 2)
    )


#: The levels of each ranking method of :func:`ecs_tagger.regional.similarity.similar`, derived
#: by :func:`derive_levels` from the 1,638 judged pairs of benchmarks/similarity_judged (grades.tsv:
#: 1,152 graded 0, 352 graded 1, 134 graded 2; the pairs' similarities in the all-Projektbanken
#: index in similarities.tsv; `python -m benchmarks.similarity_judged.levels` derives them again).
#:
#: hybrid (the default): the fitted share of related pairs passes one half at 0.156 (a logistic
#: fit: 0.154), so related = 0.16; 238 pairs are shown as 0.16 or more, 70 % of them related,
#: against 23 % of the 1,400 below. Share of related pairs by band: 0.05-0.10 13 %, 0.10-0.15 32 %,
#: 0.15-0.20 61 %, 0.20-0.25 79 %, 0.25-0.30 95 %. Counterparts (grade 2) pass one half at 0.210
#: (logistic: 0.222), so close = 0.21 (46 % of the pairs at 0.20-0.25 are counterparts, 68 % at
#: 0.25-0.30). The issue's unrelated hits at 0.01-0.08 lie where 1-13 % of pairs are related.
#:
#: dense (the cosine alone): related = 0.30 (fitted 0.292, logistic 0.305; 126 pairs at or
#: above it, 69 % related, 26 % below; 67 % related at 0.30-0.40, 36 % at 0.25-0.30); the fitted share of counterparts passes one half only at 0.42,
#: with 19 pairs above it, fewer than MIN_PAIRS: no close level (NaN, never reached).
LEVELS: dict[str, SimilarityLevels] = {
    "hybrid": SimilarityLevels(related=0.16, close=0.21),
    "dense": SimilarityLevels(related=0.30, close=float("nan")),
}


def levels_for(method: str = "hybrid") -> SimilarityLevels:
    """The levels of a ranking method ("hybrid" or "dense")."""
    return LEVELS[method]


__all__ = [
    "LEVELS",
    "LEVEL_CLOSE",
    "LEVEL_RELATED",
    "LEVEL_WEAK",
    "SimilarityLevels",
    "derive_levels",
    "levels_for",
]
