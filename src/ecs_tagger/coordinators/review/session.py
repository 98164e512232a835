"""The registry session: a registry tagged and ranked for review (:class:`TaggedRegistry`), and
the reviews of it (:class:`ReviewSession`: accept, correct, status, queue, retrain), stored in a
corrections file. What the widgets and notebooks/review_tags.ipynb drive."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ecs_tagger.coordinators.corrections.retrain import (
    DEFAULT_WEIGHT,
    BeforeMode,
    RetrainEstimate,
    RetrainReport,
    estimate_retraining,
    retrain_with_corrections,
)
from ecs_tagger.coordinators.corrections.store import (
    ACTION_ACCEPT,
    Correction,
    CorrectionStore,
    text_hash,
)
from ecs_tagger.coordinators.review.queue import (
    DISAGREEMENT_WEIGHT,
    error_probabilities,
    explain_uncertainty,
    row_error_probability,
    signal_disagreement,
)
from ecs_tagger.coordinators.review.render import evidence_html
from ecs_tagger.errors import InputError
from ecs_tagger.model.results import TagResult
from ecs_tagger.model.taxonomy import Taxonomy
from ecs_tagger.words import say

if TYPE_CHECKING:
    from ecs_tagger.model.training import TrainSettings
    from ecs_tagger.tagger import Tagger

REVIEW_NOT_REVIEWED = "not reviewed"
REVIEW_ACCEPTED = "accepted"
REVIEW_CORRECTED = "corrected"
REVIEW_STALE = "text changed"


# -- tagging a registry ----------------------------------------------------------------------------
@dataclass
class TaggedRegistry:
    """A registry with the tagger's tags, scores, signals, review priority and evidence.

    `frame` holds the registry's columns and ``areas`` (tuple), ``score_<code>``,
    ``embedding_<code>`` and ``lexical_<code>`` (each signal's own probability), ``p_wrong``,
    ``disagreement``, ``priority``, ``reason``, ``language`` and ``tag_status``; `results` the
    :class:`TagResult` of every id (with evidence when asked for).
    """

    frame: pd.DataFrame
    results: dict[str, TagResult]
    tagger: Tagger
    thresholds: dict[str, float]

    @property
    def taxonomy(self) -> Taxonomy:
        return self.tagger.taxonomy

    @property
    def codes(self) -> tuple[str, ...]:
        return self.tagger.codes

    @property
    def model_version(self) -> str:
        return self.tagger.model_version

    @property
    def texts(self) -> pd.Series:
        """id -> text, for every row."""
        return pd.Series(self.frame["text"].tolist(), index=self.frame["id"].tolist(), dtype=object)

    @property
    def areas(self) -> dict[str, tuple[str, ...]]:
        """id -> the tagger's areas."""
        return dict(zip(self.frame["id"], self.frame["areas"], strict=True))

    def __len__(self) -> int:
        return len(self.frame)

    def row(self, ident: str) -> pd.Series:
        rows = self.frame.index[self.frame["id"] == str(ident)]
        if not len(rows):
            raise InputError(f"id {ident!r} is not in this registry")
        return self.frame.loc[rows[0]]

    def regions(self) -> list[str]:
        """Every region of the registry, most rows first."""
        counts = pd.Series([r for regions in self.frame["regions"] for r in regions], dtype=object)
        return [str(r) for r in counts.value_counts().index]

    def evidence_html(self, ident: str, **options: Any) -> str:
        """The row's text with the sentences supporting each tag marked (see :func:`evidence_html`)."""
        row = self.row(ident)
        return evidence_html(
            self.results[str(ident)],
            self.taxonomy,
            title=f"{row['id']}: {row['title']}",
            thresholds=self.thresholds,
            **options,
        )


def tag_registry(
    registry: pd.DataFrame,
    tagger: Tagger,
    *,
    evidence: bool = True,
    progress: Callable[[int], None] | None = None,
) -> TaggedRegistry:
    """Tag every row of a registry (from :func:`load_registry`) and rank it for review."""
    for column in ("id", "text"):
        if column not in registry.columns:
            raise InputError(f"the registry has no column {column!r}; load it with load_registry()")
    codes = tagger.codes
    frame = registry.reset_index(drop=True).copy()
    frame["id"] = frame["id"].astype(str)
    texts = frame["text"].tolist()
    results = tagger.tag_many(texts, evidence=evidence, progress=progress)
    thresholds = np.asarray(tagger.classifier.thresholds_, dtype=float)
    n, k = len(frame), len(codes)
    scores = np.array([[r.scores.get(c, math.nan) for c in codes] for r in results], dtype=float)
    scores = scores.reshape(n, k)
    decided = np.array([[c in r.areas for c in codes] for r in results], dtype=bool).reshape(n, k)
    embedding = np.full((n, k), math.nan)
    lexical = np.full((n, k), math.nan)
    tagged_rows = [i for i, r in enumerate(results) if r.tagged]
    if tagged_rows:
        documents = tagger.preprocessor.process_many([str(texts[i]) for i in tagged_rows])
        features = tagger.features(documents)
        emb, lex = tagger.classifier.signal_probabilities(features)
        embedding[tagged_rows], lexical[tagged_rows] = emb, lex
    area_errors = error_probabilities(scores, thresholds, decided)
    p_wrong = row_error_probability(area_errors)
    disagreement = signal_disagreement(embedding, lexical)
    frame["areas"] = [r.areas for r in results]
    for j, code in enumerate(codes):
        frame[f"score_{code}"] = scores[:, j]
    for j, code in enumerate(codes):
        frame[f"embedding_{code}"] = np.round(embedding[:, j], 4)
        frame[f"lexical_{code}"] = np.round(lexical[:, j], 4)
    frame["p_wrong"] = np.round(p_wrong, 4)
    frame["disagreement"] = np.round(disagreement, 4)
    frame["priority"] = np.round(p_wrong + DISAGREEMENT_WEIGHT * disagreement, 4)
    frame["reason"] = [
        explain_uncertainty(
            codes, scores[i], thresholds, results[i].areas, embedding[i], lexical[i]
        )
        for i in range(n)
    ]
    frame["language"] = [r.language for r in results]
    frame["tag_status"] = [r.status_text for r in results]
    return TaggedRegistry(
        frame=frame,
        results={ident: result for ident, result in zip(frame["id"], results, strict=True)},
        tagger=tagger,
        thresholds={c: float(t) for c, t in zip(codes, thresholds, strict=True)},
    )


# -- the review session ----------------------------------------------------------------------------
class ReviewSession:
    """Reviews of one tagged registry, stored in a corrections file; what the widgets call.

    Re-opening a session on the same file shows what was reviewed before: the latest review of
    each id counts, unless the row's text has changed since (status ``text changed``).
    """

    def __init__(self, tagged: TaggedRegistry, store: CorrectionStore, reviewer: str = "") -> None:
        self.tagged = tagged
        self.store = store
        self.reviewer = reviewer

    def __repr__(self) -> str:
        return f"ReviewSession({len(self.tagged)} rows, {self.store!r}, reviewer={self.reviewer!r})"

    # -- recording -------------------------------------------------------------------------------
    def _record(
        self,
        ident: str,
        areas: Iterable[str],
        comment: str,
        reviewer: str | None,
        action: str | None = None,
    ) -> Correction:
        row = self.tagged.row(ident)
        return self.store.record(
            str(ident),
            text=row["text"],
            old_areas=row["areas"],
            new_areas=areas,
            reviewer=reviewer if reviewer is not None else self.reviewer,
            comment=comment,
            action=action,
            model_version=self.tagged.model_version,
        )

    def accept(self, ident: str, comment: str = "", reviewer: str | None = None) -> Correction:
        """The tagger's tags of `ident` are right."""
        return self._record(
            ident, self.tagged.row(ident)["areas"], comment, reviewer, ACTION_ACCEPT
        )

    def set_areas(
        self, ident: str, areas: Iterable[str], comment: str = "", reviewer: str | None = None
    ) -> Correction:
        """The right areas of `ident` are `areas` (codes; empty for none of them)."""
        return self._record(ident, areas, comment, reviewer)

    def withdraw(self, ident: str, comment: str = "", reviewer: str | None = None) -> Correction:
        """Take back the review of `ident`."""
        self.tagged.row(ident)
        return self.store.withdraw(
            str(ident),
            reviewer=reviewer if reviewer is not None else self.reviewer,
            comment=comment,
        )

    # -- reading ---------------------------------------------------------------------------------
    def reviews(self) -> dict[str, Correction]:
        """The current review of every id of this registry."""
        ids = set(self.tagged.frame["id"])
        return {i: c for i, c in self.store.latest().items() if i in ids}

    def status(self) -> pd.DataFrame:
        """Per registry row: review_status, reviewed_areas, final_areas, reviewer, review_time,
        comment (index aligned with the tagged frame)."""
        reviews = self.reviews()
        rows: list[dict[str, Any]] = []
        for ident, text, areas in zip(
            self.tagged.frame["id"],
            self.tagged.frame["text"],
            self.tagged.frame["areas"],
            strict=True,
        ):
            review = reviews.get(ident)
            if review is None:
                rows.append(
                    {
                        "review_status": REVIEW_NOT_REVIEWED,
                        "reviewed_areas": None,
                        "final_areas": areas,
                        "reviewer": "",
                        "review_time": "",
                        "comment": "",
                    }
                )
                continue
            stale = bool(review.text_hash) and review.text_hash != text_hash(text)
            state = (
                REVIEW_STALE
                if stale
                else (
                    REVIEW_ACCEPTED
                    if review.action == ACTION_ACCEPT and not review.changed
                    else REVIEW_CORRECTED
                )
            )
            rows.append(
                {
                    "review_status": state,
                    "reviewed_areas": review.new_areas,
                    "final_areas": areas if stale else review.new_areas,
                    "reviewer": review.reviewer,
                    "review_time": review.time,
                    "comment": review.comment,
                }
            )
        return pd.DataFrame(rows, index=self.tagged.frame.index)

    def reviewed_frame(self) -> pd.DataFrame:
        """The tagged frame with the review columns of :meth:`status`."""
        return pd.concat([self.tagged.frame, self.status()], axis=1)

    def reviewed(self) -> pd.DataFrame:
        """The reviewed rows (accepted, corrected, or with a text changed since), latest first."""
        frame = self.reviewed_frame()
        frame = frame[frame["review_status"] != REVIEW_NOT_REVIEWED]
        return frame.sort_values("review_time", ascending=False, kind="stable")

    def queue(self, n: int | None = 50, *, include_reviewed: bool = False) -> pd.DataFrame:
        """Rows to review, most likely wrong first (rows without text are left out)."""
        frame = self.reviewed_frame()
        frame = frame[frame["p_wrong"].notna()]
        if not include_reviewed:
            frame = frame[frame["review_status"].isin([REVIEW_NOT_REVIEWED, REVIEW_STALE])]
        frame = frame.sort_values(["priority", "id"], ascending=[False, True], kind="stable")
        return frame.head(n) if n is not None else frame

    def summary(self, language: str = "en") -> str:
        """How far the review has come, in one line (in `language`, "en" or "sv")."""
        status = self.status()["review_status"].value_counts()
        tagged = int(self.tagged.frame["p_wrong"].notna().sum())
        done = int(status.get(REVIEW_ACCEPTED, 0) + status.get(REVIEW_CORRECTED, 0))
        text = say(
            "{done} of {tagged} tagged rows reviewed: {accepted} accepted, {corrected} corrected",
            language,
            done=done,
            tagged=tagged,
            accepted=int(status.get(REVIEW_ACCEPTED, 0)),
            corrected=int(status.get(REVIEW_CORRECTED, 0)),
        )
        if status.get(REVIEW_STALE, 0):
            text += say(
                "; {n} reviewed rows whose text has changed since",
                language,
                n=int(status[REVIEW_STALE]),
            )
        return text + say(" (file {path}).", language, path=self.store.path)

    # -- learning ----------------------------------------------------------------------------------
    def retrain_estimate(
        self,
        *,
        data: pd.DataFrame | None = None,
        extra: pd.DataFrame | None = None,
        cross_validation: bool = True,
    ) -> RetrainEstimate:
        """How long :meth:`retrain` with these arguments will take on this machine: the training
        texts it reads, how many are already in the embedding cache, and about how many seconds
        (:func:`ecs_tagger.coordinators.corrections.retrain.estimate_retraining`)."""
        return estimate_retraining(
            self.tagged.tagger,
            self.reviews(),
            self.tagged.texts,
            data=data,
            extra=extra,
            cross_validation=cross_validation,
        )

    def retrain(
        self,
        *,
        data: pd.DataFrame | None = None,
        extra: pd.DataFrame | None = None,
        cross_validation: bool = True,
        before: BeforeMode = "auto",
        weight: float | None = None,
        settings: TrainSettings | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> RetrainReport:
        """Retrain the tagger on its training data plus this registry's reviews (see
        :func:`ecs_tagger.coordinators.corrections.retrain.retrain_with_corrections`)."""
        return retrain_with_corrections(
            self.tagged.tagger,
            self.reviews(),
            self.tagged.texts,
            data=data,
            extra=extra,
            weight=DEFAULT_WEIGHT if weight is None else weight,
            cross_validation=cross_validation,
            before=before,
            settings=settings,
            old_areas=self.tagged.areas,
            progress=progress,
        )


__all__ = [
    "REVIEW_ACCEPTED",
    "REVIEW_CORRECTED",
    "REVIEW_NOT_REVIEWED",
    "REVIEW_STALE",
    "ReviewSession",
    "TaggedRegistry",
    "tag_registry",
]
