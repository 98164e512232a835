"""Multi-label area classifier: per area, two logistic regressions (embeddings, lexical) stacked.

For each area, an L2 logistic regression on the document embedding and one on lemma TF-IDF give two
scores; a small logistic regression learned on their out-of-fold scores combines them into a calibrated
probability (stacking, which is also Platt scaling), and the decision threshold is the one that
maximises out-of-fold F1. "None" is the empty set of tags.

Short texts (titles, one-sentence descriptions) can have a head of their own (`short_text_chars`):
a second classifier of the same kind, trained on the same rows plus title-only copies, decides
every text shorter than `short_text_chars` characters. Its logits are shifted so that its own
F1-best thresholds fall on the main head's, so `predict_proba(X) >= thresholds_` holds for both.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold, StratifiedGroupKFold

_THRESHOLD_GRID = np.round(np.arange(0.05, 0.951, 0.01), 2)


@dataclass(frozen=True)
class AreaFeatures:
    """The views of a set of documents: dense embeddings, sparse lexical features and, optionally,
    the text's kind (`context`: one row per document, see `ecs_tagger.model.features.text_context`)
    and the length of each clean text in characters (`lengths`, for a short-text head).

    `stack_embeddings` (training only, same shape as `embeddings`): each row's vector from an
    encoder that was not tuned on that row (cross-fitting, as in double machine learning,
    Chernozhukov et al. 2018). The inner out-of-fold scores the stacker and the thresholds learn
    from then use them in place of `embeddings`, so that a tuned encoder's fit to its own training
    rows does not make the stacker over-trust the embedding signal; the final heads still learn
    from `embeddings`."""

    embeddings: np.ndarray
    lexical: sp.csr_matrix
    context: np.ndarray | None = None
    lengths: np.ndarray | None = None
    stack_embeddings: np.ndarray | None = None

    def __len__(self) -> int:
        return int(self.embeddings.shape[0])

    def subset(self, rows: np.ndarray) -> AreaFeatures:
        context = None if self.context is None else self.context[rows]
        lengths = None if self.lengths is None else self.lengths[rows]
        stack = None if self.stack_embeddings is None else self.stack_embeddings[rows]
        return AreaFeatures(self.embeddings[rows], self.lexical[rows], context, lengths, stack)

    def for_stacking(self) -> AreaFeatures:
        """These features with `stack_embeddings` (when given) as the embeddings."""
        if self.stack_embeddings is None:
            return self
        return replace(self, embeddings=self.stack_embeddings, stack_embeddings=None)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -50, 50)))


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(np.asarray(p, dtype=np.float64), 1e-12, 1 - 1e-12)
    return np.asarray(np.log(p / (1 - p)))


def folds_for(
    y: np.ndarray, groups: np.ndarray, n_splits: int, random_state: int
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Group-aware folds, stratified on y where every class has enough groups."""
    n_splits = max(2, min(n_splits, len(np.unique(groups))))
    positives = len(np.unique(groups[y])) if y.any() else 0
    index = np.zeros(len(y))
    if positives >= n_splits and len(np.unique(groups[~y])) >= n_splits:
        splitter = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=random_state)
        return list(splitter.split(index, y, groups))
    return list(GroupKFold(n_splits=n_splits).split(index, y, groups))


def best_threshold(y: np.ndarray, probabilities: np.ndarray) -> float:
    """Threshold on the grid maximising F1, smoothed over neighbouring thresholds for stability."""
    if not y.any():
        return 0.5
    f1 = np.empty(len(_THRESHOLD_GRID))
    for i, threshold in enumerate(_THRESHOLD_GRID):
        predicted = probabilities >= threshold
        tp = float((predicted & y).sum())
        denominator = predicted.sum() + y.sum()
        f1[i] = 2 * tp / denominator if denominator else 0.0
    smoothed = np.convolve(np.pad(f1, 2, mode="edge"), np.ones(5) / 5, mode="valid")
    return float(_THRESHOLD_GRID[int(np.argmax(smoothed))])


class AreaClassifier(ClassifierMixin, BaseEstimator):
    """One stacked, calibrated, thresholded classifier per area (columns of Y)."""

    def __init__(
        self,
        c_embedding: float = 16.0,
        c_lexical: float = 16.0,
        inner_folds: int = 5,
        class_weight: str | None = "balanced",
        random_state: int = 0,
        signals: str = "both",
        context_features: int = 0,
        context_interactions: bool = False,
        short_text_chars: int = 0,
    ) -> None:
        self.c_embedding = c_embedding
        self.c_lexical = c_lexical
        self.signals = signals
        self.context_features = context_features
        self.context_interactions = context_interactions
        self.short_text_chars = short_text_chars
        self.inner_folds = inner_folds
        self.class_weight = class_weight
        self.random_state = random_state

    # -- fitting -------------------------------------------------------------------------------
    @property
    def n_stack_inputs(self) -> int:
        """Inputs of the stacker: the two signal scores, then the context columns and, with
        `context_interactions`, each signal score times each context column."""
        c = self.context_features
        return 2 + c + (2 * c if self.context_interactions else 0)

    def _context(self, X: AreaFeatures) -> np.ndarray:
        if self.context_features == 0:
            return np.zeros((len(X), 0))
        if X.context is None:
            raise ValueError(
                "this classifier calibrates by text kind: AreaFeatures need their `context` "
                "(ecs_tagger.model.features.text_context of the documents)"
            )
        context = np.asarray(X.context, dtype=np.float64)
        if context.shape != (len(X), self.context_features):
            raise ValueError(
                f"context has shape {context.shape}, expected ({len(X)}, {self.context_features})"
            )
        return context

    def _stack_inputs(self, scores: np.ndarray, context: np.ndarray) -> np.ndarray:
        """Stacker design matrix from the two signal scores (n × 2) and the context (n × c)."""
        if context.shape[1] == 0:
            return scores
        parts = [scores, context]
        if self.context_interactions:
            parts += [scores[:, [0]] * context, scores[:, [1]] * context]
        return np.hstack(parts)

    def _base(self, c: float) -> LogisticRegression:
        return LogisticRegression(
            C=c, class_weight=self.class_weight, solver="liblinear", max_iter=1000, tol=1e-4
        )

    def _fit_base(
        self, X: AreaFeatures, y: np.ndarray, weight: np.ndarray | None
    ) -> tuple[LogisticRegression | None, LogisticRegression | None]:
        if not y.any() or y.all():
            return None, None
        if self.signals not in ("both", "embedding", "lexical"):
            raise ValueError(
                f"signals must be 'both', 'embedding' or 'lexical', not {self.signals!r}"
            )
        # A switched-off signal (for ablations) is fitted on a constant: its score carries nothing.
        embeddings = X.embeddings if self.signals != "lexical" else np.zeros((len(y), 1))
        lexical = X.lexical if self.signals != "embedding" else sp.csr_matrix((len(y), 1))
        emb = self._base(self.c_embedding).fit(embeddings, y, sample_weight=weight)
        lex = self._base(self.c_lexical).fit(lexical, y, sample_weight=weight)
        return emb, lex

    def fit(
        self,
        X: AreaFeatures,
        Y: np.ndarray,
        sample_weight: np.ndarray | None = None,
        groups: np.ndarray | None = None,
    ) -> AreaClassifier:
        """Fit on features X and a boolean matrix Y (documents × areas).

        `groups` keeps related documents (e.g. a text and its translation) in the same inner fold;
        `sample_weight` lowers the weight of weakly labelled or augmented documents.
        """
        Y = np.asarray(Y, dtype=bool)
        n, k = Y.shape
        groups = np.arange(n) if groups is None else np.asarray(groups)
        weight = None if sample_weight is None else np.asarray(sample_weight, dtype=float)
        d, v = X.embeddings.shape[1], X.lexical.shape[1]
        self.embedding_coef_ = np.zeros((k, d), dtype=np.float64)
        self.embedding_intercept_ = np.zeros(k)
        self.lexical_coef_ = np.zeros((k, v), dtype=np.float64)
        self.lexical_intercept_ = np.zeros(k)
        # weights of the stacker's inputs (see n_stack_inputs), then its bias
        self.stack_coef_ = np.zeros((k, self.n_stack_inputs + 1))
        context = self._context(X)
        self.signal_calibration_ = np.zeros((k, 4))  # Platt (slope, bias) of each signal alone
        self.thresholds_ = np.full(k, 0.5)
        self.oof_probabilities_ = np.zeros((n, k))
        for area in range(k):
            self._fit_area(area, X, Y[:, area], weight, groups, context)
        self.n_areas_ = k
        self.short_head_: AreaClassifier | None = None
        return self

    def fit_short_head(
        self,
        X: AreaFeatures,
        Y: np.ndarray,
        sample_weight: np.ndarray | None = None,
        groups: np.ndarray | None = None,
    ) -> AreaClassifier:
        """Fit the head for texts shorter than `short_text_chars` (after `fit`), on its own rows:
        typically the main rows plus title-only copies. Same arguments as `fit`."""
        if self.short_text_chars <= 0:
            raise ValueError("short_text_chars must be positive to fit a short-text head")
        params = {**self.get_params(), "short_text_chars": 0}
        self.short_head_ = AreaClassifier(**params).fit(X, Y, sample_weight, groups)
        return self

    def _fit_area(
        self,
        area: int,
        X: AreaFeatures,
        y: np.ndarray,
        weight: np.ndarray | None,
        groups: np.ndarray,
        context: np.ndarray,
    ) -> None:
        if (
            not y.any() or y.all()
        ):  # constant label: a fixed probability, never crossing 0.5 wrongly
            bias = 10.0 if y.all() else -10.0
            self.stack_coef_[area] = 0.0
            self.stack_coef_[area, -1] = bias
            self.signal_calibration_[area] = [0.0, bias, 0.0, bias]
            self.oof_probabilities_[:, area] = float(y.all())
            return
        oof = np.zeros((len(y), 2))
        inner = X.for_stacking()
        for train, test in folds_for(y, groups, self.inner_folds, self.random_state):
            w = None if weight is None else weight[train]
            emb, lex = self._fit_base(inner.subset(train), y[train], w)
            if emb is None or lex is None:
                oof[test] = 0.0
                continue
            oof[test, 0] = (
                emb.decision_function(inner.embeddings[test]) if self.signals != "lexical" else 0
            )
            oof[test, 1] = (
                lex.decision_function(X.lexical[test]) if self.signals != "embedding" else 0
            )
        design = self._stack_inputs(oof, context)
        stack = LogisticRegression(C=1.0, max_iter=1000).fit(design, y, sample_weight=weight)
        for signal in range(2):
            platt = LogisticRegression(C=1.0, max_iter=1000)
            platt.fit(oof[:, [signal]], y, sample_weight=weight)
            self.signal_calibration_[area, 2 * signal] = platt.coef_[0, 0]
            self.signal_calibration_[area, 2 * signal + 1] = platt.intercept_[0]
        # Out-of-fold calibrated probabilities, for the threshold and for reporting.
        stacked_oof = np.zeros(len(y))
        for train, test in folds_for(y, groups, self.inner_folds, self.random_state + 1):
            w = None if weight is None else weight[train]
            if y[train].any() and not y[train].all():
                meta = LogisticRegression(C=1.0, max_iter=1000).fit(
                    design[train], y[train], sample_weight=w
                )
                stacked_oof[test] = meta.predict_proba(design[test])[:, 1]
            else:
                stacked_oof[test] = float(y[train].mean())
        emb, lex = self._fit_base(X, y, weight)
        assert emb is not None and lex is not None
        if self.signals != "lexical":
            self.embedding_coef_[area] = emb.coef_[0]
            self.embedding_intercept_[area] = emb.intercept_[0]
        if self.signals != "embedding":
            self.lexical_coef_[area] = lex.coef_[0]
            self.lexical_intercept_[area] = lex.intercept_[0]
        self.stack_coef_[area] = [*stack.coef_[0], stack.intercept_[0]]
        self.oof_probabilities_[:, area] = stacked_oof
        self.thresholds_[area] = best_threshold(y, stacked_oof)

    # -- prediction ----------------------------------------------------------------------------
    def embedding_scores(self, embeddings: np.ndarray) -> np.ndarray:
        """Raw embedding-model logits (documents × areas); also used to score single sentences."""
        return (
            np.asarray(embeddings, dtype=np.float64) @ self.embedding_coef_.T
            + self.embedding_intercept_
        )

    def lexical_scores(self, lexical: sp.csr_matrix) -> np.ndarray:
        return np.asarray(lexical @ self.lexical_coef_.T) + self.lexical_intercept_

    def short_rows(self, X: AreaFeatures) -> np.ndarray:
        """Indices of the documents the short-text head decides (none without one)."""
        head = getattr(self, "short_head_", None)
        if head is None or self.short_text_chars <= 0:
            return np.zeros(0, dtype=int)
        if X.lengths is None:
            raise ValueError(
                "this classifier has a short-text head: AreaFeatures need the `lengths` of the "
                "clean texts"
            )
        return np.flatnonzero(np.asarray(X.lengths) < self.short_text_chars)

    def signal_probabilities(self, X: AreaFeatures) -> tuple[np.ndarray, np.ndarray]:
        """Each signal's own calibrated probability (embedding, lexical), to show disagreement;
        short texts get their head's."""
        emb, lex = self.embedding_scores(X.embeddings), self.lexical_scores(X.lexical)
        cal = self.signal_calibration_
        emb_p, lex_p = _sigmoid(emb * cal[:, 0] + cal[:, 1]), _sigmoid(lex * cal[:, 2] + cal[:, 3])
        short = self.short_rows(X)
        if len(short):
            assert self.short_head_ is not None
            emb_p[short], lex_p[short] = self.short_head_.signal_probabilities(X.subset(short))
        return emb_p, lex_p

    def predict_proba(self, X: AreaFeatures) -> np.ndarray:
        """Calibrated probability per document and area (documents × areas, 0-1).

        Texts shorter than `short_text_chars` get the short-text head's probability, shifted on
        the logit scale by logit(main threshold) - logit(its threshold), so that comparing with
        `thresholds_` gives that head's own decisions."""
        probabilities = self._stacked_proba(X)
        short = self.short_rows(X)
        if len(short):
            assert self.short_head_ is not None
            head = self.short_head_
            shift = _logit(self.thresholds_) - _logit(head.thresholds_)
            probabilities[short] = _sigmoid(_logit(head._stacked_proba(X.subset(short))) + shift)
        return probabilities

    def _stacked_proba(self, X: AreaFeatures) -> np.ndarray:
        emb, lex = self.embedding_scores(X.embeddings), self.lexical_scores(X.lexical)
        context = self._context(X)
        z = np.empty_like(emb)
        for area in range(emb.shape[1]):
            design = self._stack_inputs(np.column_stack([emb[:, area], lex[:, area]]), context)
            z[:, area] = design @ self.stack_coef_[area, :-1] + self.stack_coef_[area, -1]
        return _sigmoid(z)

    def predict(self, X: AreaFeatures) -> np.ndarray:
        """Boolean tags per document and area, at the per-area thresholds."""
        return self.predict_proba(X) >= self.thresholds_
