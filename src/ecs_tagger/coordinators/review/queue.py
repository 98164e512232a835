"""The review queue: how likely a row's tags are wrong, which rows to look at, and how well that
ranking finds errors on labelled data.

**The review queue.** The classifier's scores are calibrated probabilities, so for each area the
chance that the decision is wrong is ``1 - score`` when the area was tagged and ``score`` when it
was not; the chance that a row carries at least one wrong decision is ``p_wrong = 1 - Π(1 -
p_wrong_area)``. That is largest for scores near the decision thresholds. The queue orders rows by
``priority = p_wrong + 0.25 × disagreement``, where ``disagreement`` is the largest gap between the
embedding-only and the lexical-only probability of an area (the two signals the classifier
combines). On the 749 labelled corpus texts with out-of-fold scores (:func:`out_of_fold`,
:func:`queue_enrichment`), 56–72 % of the top 50 rows of this queue are wrongly tagged against
14–15 % of random rows: 4.1–4.9 times as many (three fold seeds; tests/test_review_queue.py).
Ranking by the distance to a threshold alone (42 %) or by the disagreement alone (32 %) finds
fewer errors; the disagreement term adds little to p_wrong, but it flags rows whose two signals
tell different stories, which is worth a look.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ecs_tagger.errors import InputError
from ecs_tagger.words import number, say

if TYPE_CHECKING:
    from ecs_tagger.model.taxonomy import Taxonomy
    from ecs_tagger.model.training import TrainSettings

#: The "area" of rows without any tag, in filters.
NO_AREA = "none"
#: Rows whose chance of at least one wrong tag is at least this are "uncertain".
UNCERTAIN_P = 0.2
#: Weight of the signal disagreement in the review priority.
DISAGREEMENT_WEIGHT = 0.25


# -- uncertainty -----------------------------------------------------------------------------------
def error_probabilities(
    probabilities: np.ndarray, thresholds: np.ndarray, decided: np.ndarray | None = None
) -> np.ndarray:
    """Per row and area, the chance that the tagger's decision is wrong (calibrated scores).

    `decided` (boolean, default ``probabilities >= thresholds``) is the tagger's decision.
    """
    probabilities = np.asarray(probabilities, dtype=float)
    if decided is None:
        decided = probabilities >= np.asarray(thresholds, dtype=float)
    return np.where(decided, 1.0 - probabilities, probabilities)


def row_error_probability(area_errors: np.ndarray) -> np.ndarray:
    """The chance that a row holds at least one wrong decision (NaN rows stay NaN)."""
    area_errors = np.atleast_2d(np.asarray(area_errors, dtype=float))
    return 1.0 - np.prod(1.0 - area_errors, axis=1)


def signal_disagreement(embedding: np.ndarray, lexical: np.ndarray) -> np.ndarray:
    """Per row, the largest gap between the embedding-only and the lexical-only probability."""
    gap = np.abs(np.asarray(embedding, dtype=float) - np.asarray(lexical, dtype=float))
    return np.atleast_2d(gap).max(axis=1)


def review_priority(
    probabilities: np.ndarray,
    thresholds: np.ndarray,
    embedding: np.ndarray | None = None,
    lexical: np.ndarray | None = None,
    *,
    decided: np.ndarray | None = None,
    disagreement_weight: float = DISAGREEMENT_WEIGHT,
) -> np.ndarray:
    """The review queue's ordering score: p_wrong + weight × signal disagreement (higher first)."""
    priority = row_error_probability(error_probabilities(probabilities, thresholds, decided))
    if embedding is not None and lexical is not None and disagreement_weight:
        priority = priority + disagreement_weight * signal_disagreement(embedding, lexical)
    return priority


@dataclass(frozen=True)
class ClosestCall:
    """The area whose decision is most likely wrong: its score and threshold (0-1)."""

    area: str
    tagged: bool
    score: float
    threshold: float

    def words(self, language: str = "en") -> str:
        verdict = "tagged" if self.tagged else "not tagged"
        return say(
            "{area} " + verdict + ": score {score}, threshold {limit}",
            language,
            area=say(self.area, language),
            score=number(self.score, language),
            limit=number(self.threshold, language),
        )


@dataclass(frozen=True)
class SignalSplit:
    """An area where the embedding-only and the lexical-only probability (0-1) disagree."""

    area: str
    meaning: float
    words_say: float

    def words(self, language: str = "en") -> str:
        return say(
            "{area}: meaning says {meaning}, words say {words}",
            language,
            area=say(self.area, language),
            meaning=number(self.meaning, language),
            words=number(self.words_say, language),
        )


@dataclass(frozen=True)
class Uncertainty:
    """Why a row is (un)certain, as data: the closest call and any signal disagreement.

    Worded only when shown: :meth:`words` (``str()`` gives English), e.g. "food tagged: score
    0.52, threshold 0.49; food: meaning says 0.20, words say 0.90", or "clear" when neither part
    applies, or "not tagged (no text)".
    """

    closest: ClosestCall | None = None
    split: SignalSplit | None = None
    no_text: bool = False

    @property
    def clear(self) -> bool:
        return not self.no_text and self.closest is None and self.split is None

    def words(self, language: str = "en") -> str:
        if self.no_text:
            return say("not tagged (no text)", language)
        parts = [part.words(language) for part in (self.closest, self.split) if part is not None]
        return "; ".join(parts) if parts else say("clear", language)

    def __str__(self) -> str:
        return self.words("en")


def explain_uncertainty(
    codes: Sequence[str],
    scores: Sequence[float] | np.ndarray,
    thresholds: Sequence[float] | np.ndarray,
    areas: Iterable[str],
    embedding: Sequence[float] | np.ndarray | None = None,
    lexical: Sequence[float] | np.ndarray | None = None,
) -> Uncertainty:
    """Why a row is (un)certain: the closest call (chance of a wrong decision ≥ 0.1) and the
    largest signal disagreement (≥ 0.3), as an :class:`Uncertainty`."""
    tagged = set(areas)
    values = np.asarray(scores, dtype=float)
    if not np.isfinite(values).all():
        return Uncertainty(no_text=True)
    limits = np.asarray(thresholds, dtype=float)
    decided = np.array([c in tagged for c in codes])
    errors = error_probabilities(values, limits, decided)
    closest = split = None
    worst = int(np.argmax(errors))
    if errors[worst] >= 0.1:
        closest = ClosestCall(
            codes[worst], bool(decided[worst]), float(values[worst]), float(limits[worst])
        )
    if embedding is not None and lexical is not None:
        meaning = np.asarray(embedding, dtype=float)
        words = np.asarray(lexical, dtype=float)
        gaps = np.abs(meaning - words)
        at = int(np.argmax(gaps))
        if gaps[at] >= 0.3:
            split = SignalSplit(codes[at], float(meaning[at]), float(words[at]))
    return Uncertainty(closest, split)


def reason_in(reason: Uncertainty | str, language: str = "en") -> str:
    """A reason worded in `language` (areas as the short words of :func:`ecs_tagger.words.say`):
    an :class:`Uncertainty` by its :meth:`~Uncertainty.words`, any other text through
    :func:`~ecs_tagger.words.say` (unknown text passes as it is)."""
    if isinstance(reason, Uncertainty):
        return reason.words(language)
    if not isinstance(reason, str):
        return reason
    return say(reason, language)


# -- filtering -------------------------------------------------------------------------------------
def filter_rows(
    frame: pd.DataFrame,
    *,
    region: str | None = None,
    area: str | None = None,
    score_range: tuple[float, float] = (0.0, 1.0),
    uncertain_only: bool = False,
    min_p_wrong: float = UNCERTAIN_P,
    review_status: str | None = None,
) -> pd.DataFrame:
    """The rows of a tagged (or reviewed) frame that pass the filters; ``None`` means any.

    `area` is an area code (rows tagged with it; `score_range` then applies to its score) or
    ``"none"`` (rows without tags; `score_range` applies to their highest score); with no
    `area`, `score_range` applies to a row's highest score. `uncertain_only` keeps rows whose
    chance of a wrong tag is at least `min_p_wrong`. `review_status` filters on the
    ``review_status`` column of :meth:`ReviewSession.reviewed_frame`.
    """
    keep = np.ones(len(frame), dtype=bool)
    if region:
        keep &= frame["regions"].map(lambda regions: region in regions).to_numpy(bool)
    score_columns = [c for c in frame.columns if str(c).startswith("score_")]
    low, high = score_range
    if area and area != NO_AREA:
        column = f"score_{area}"
        if column not in frame.columns:
            raise InputError(
                f"unknown area {area!r}; areas: {', '.join(c[6:] for c in score_columns)}"
            )
        keep &= frame["areas"].map(lambda areas: area in areas).to_numpy(bool)
        values = frame[column].to_numpy(float)
    else:
        if area == NO_AREA:
            keep &= frame["areas"].map(lambda areas: len(areas) == 0).to_numpy(bool)
        values = (
            frame[score_columns].max(axis=1).to_numpy(float)
            if score_columns
            else np.zeros(len(frame))
        )
    if (low, high) != (0.0, 1.0):
        keep &= np.nan_to_num(values, nan=-1.0) >= low
        keep &= np.nan_to_num(values, nan=2.0) <= high
    if uncertain_only:
        keep &= frame["p_wrong"].fillna(0.0).to_numpy(float) >= min_p_wrong
    if review_status:
        keep &= (frame["review_status"] == review_status).to_numpy(bool)
    return frame[keep]


# -- measuring the queue on labelled data ----------------------------------------------------------
@dataclass
class OutOfFold:
    """Out-of-fold scores of labelled rows: what the queue would see on unseen texts."""

    ids: list[str]
    codes: tuple[str, ...]
    labels: np.ndarray
    probabilities: np.ndarray
    embedding: np.ndarray
    lexical: np.ndarray
    thresholds: np.ndarray  # per row: the thresholds of the fold that scored it

    @property
    def predicted(self) -> np.ndarray:
        return self.probabilities >= self.thresholds

    @property
    def area_errors(self) -> np.ndarray:
        """Boolean rows × areas: wrong decisions."""
        return self.predicted != self.labels

    @property
    def row_errors(self) -> np.ndarray:
        """Boolean per row: at least one wrong decision."""
        return np.asarray(self.area_errors.any(axis=1), dtype=bool)

    def priority(self, disagreement_weight: float = DISAGREEMENT_WEIGHT) -> np.ndarray:
        return review_priority(
            self.probabilities,
            self.thresholds,
            self.embedding,
            self.lexical,
            disagreement_weight=disagreement_weight,
        )


def out_of_fold(
    data: pd.DataFrame,
    extra: pd.DataFrame | None = None,
    *,
    settings: TrainSettings | None = None,
    taxonomy: Taxonomy | None = None,
    progress: Callable[[int], None] | None = None,
) -> OutOfFold:
    """Cross-validate like `Tagger.train` and keep, for every scored row, the stacked and the
    two signal probabilities and its fold's thresholds (rows of `extra` only train)."""
    from ecs_tagger.embedding.encoder import Embedder
    from ecs_tagger.model.classifier import AreaFeatures, folds_for
    from ecs_tagger.model.taxonomy import default_taxonomy
    from ecs_tagger.model.training import (
        TrainingSet,
        TrainSettings,
        combine_training_frames,
        fit_classifier,
        prepare,
    )
    from ecs_tagger.preprocess import Preprocessor

    taxonomy = taxonomy or default_taxonomy()
    settings = settings or TrainSettings()
    frame = combine_training_frames(data, extra)
    training = TrainingSet.from_frame(frame, taxonomy)
    prepared = prepare(
        training.texts, Preprocessor(settings.preprocess), Embedder(settings.embedder), progress
    )
    n, k = len(training.texts), len(taxonomy)
    arrays = {name: np.full((n, k), np.nan) for name in ("p", "e", "l", "t")}
    folds = folds_for(
        np.asarray(training.labels.any(axis=1)),
        training.groups,
        settings.cv_folds,
        settings.random_state,
    )
    for train, test in folds:
        lexical, classifier = fit_classifier(
            prepared, training.labels, settings, train, training.weights, training.groups
        )
        features = AreaFeatures(
            prepared.embeddings[test],
            lexical.transform([prepared.documents[i].lemmas for i in test]),
        )
        arrays["p"][test] = classifier.predict_proba(features)
        arrays["e"][test], arrays["l"][test] = classifier.signal_probabilities(features)
        arrays["t"][test] = classifier.thresholds_
    scored = training.evaluate
    ids = frame["id"].astype(str).tolist() if "id" in frame.columns else [str(i) for i in range(n)]
    return OutOfFold(
        ids=[i for i, s in zip(ids, scored, strict=True) if s],
        codes=taxonomy.codes,
        labels=training.labels[scored],
        probabilities=arrays["p"][scored],
        embedding=arrays["e"][scored],
        lexical=arrays["l"][scored],
        thresholds=arrays["t"][scored],
    )


@dataclass(frozen=True)
class QueueEnrichment:
    """How many wrongly tagged rows the top of a ranking holds, against random samples."""

    k: int
    rows: int
    queue_error_rate: float
    base_error_rate: float
    random_error_rate: float
    random_error_rate_p95: float
    queue_area_errors: int
    random_area_errors: float

    @property
    def enrichment(self) -> float:
        """Error rate of the queue's top k over the error rate of all rows."""
        return self.queue_error_rate / self.base_error_rate if self.base_error_rate else math.inf

    def format(self) -> str:
        return (
            f"top {self.k} of {self.rows}: {self.queue_error_rate:.0%} of rows wrongly tagged "
            f"({self.queue_area_errors} wrong tags) vs {self.random_error_rate:.0%} in random "
            f"samples of {self.k} (95th percentile {self.random_error_rate_p95:.0%}; "
            f"{self.random_area_errors:.1f} wrong tags): {self.enrichment:.1f}× enrichment"
        )


def queue_enrichment(
    oof: OutOfFold,
    k: int = 50,
    *,
    scores: np.ndarray | None = None,
    samples: int = 2000,
    seed: int = 0,
) -> QueueEnrichment:
    """Error rate of the `k` rows with the highest `scores` (default: the review priority) next
    to that of `samples` random samples of `k` rows."""
    ranking = oof.priority() if scores is None else np.asarray(scores, dtype=float)
    errors = oof.row_errors
    area_errors = oof.area_errors.sum(axis=1)
    order = np.argsort(-ranking, kind="stable")[:k]
    rng = np.random.default_rng(seed)
    picks = np.array([rng.choice(len(errors), size=k, replace=False) for _ in range(samples)])
    random_rates = errors[picks].mean(axis=1)
    return QueueEnrichment(
        k=k,
        rows=len(errors),
        queue_error_rate=float(errors[order].mean()),
        base_error_rate=float(errors.mean()),
        random_error_rate=float(random_rates.mean()),
        random_error_rate_p95=float(np.percentile(random_rates, 95)),
        queue_area_errors=int(area_errors[order].sum()),
        random_area_errors=float(area_errors[picks].sum(axis=1).mean()),
    )


__all__ = [
    "DISAGREEMENT_WEIGHT",
    "NO_AREA",
    "UNCERTAIN_P",
    "ClosestCall",
    "OutOfFold",
    "QueueEnrichment",
    "SignalSplit",
    "Uncertainty",
    "error_probabilities",
    "explain_uncertainty",
    "filter_rows",
    "out_of_fold",
    "queue_enrichment",
    "reason_in",
    "review_priority",
    "row_error_probability",
    "signal_disagreement",
]
