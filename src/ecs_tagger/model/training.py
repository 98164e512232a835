"""Training: labelled DataFrame → features → classifier, with cross-validated metrics."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ecs_tagger.embedding.encoder import Embedder, EmbedderSettings
from ecs_tagger.embedding.finetune import EncoderTuning, FineTuneSettings
from ecs_tagger.errors import InputError
from ecs_tagger.model.classifier import AreaClassifier, AreaFeatures, folds_for
from ecs_tagger.model.features import CONTEXT_COLUMNS, LemmaTfidf, text_context
from ecs_tagger.model.metrics import MultiLabelReport, multilabel_report
from ecs_tagger.model.taxonomy import Taxonomy
from ecs_tagger.preprocess import PreprocessedText, Preprocessor, PreprocessSettings


@dataclass(frozen=True)
class TrainSettings:
    """Everything that decides a trained model besides its data."""

    name: str = "ecs-tagger"
    cv_folds: int = 5
    random_state: int = 0
    c_embedding: float = 16.0
    c_lexical: float = 16.0
    inner_folds: int = 5
    signals: str = "both"
    #: Calibration by text kind: the stacker also sees whether a text is English and how short it
    #: is (`ecs_tagger.model.features.text_context`); with `context_interactions` also each signal score
    #: times each of these, so the weight of each signal can differ by kind.
    context: bool = False
    context_interactions: bool = False
    #: A head for short texts (`AreaClassifier.short_text_chars`): texts shorter than this many
    #: characters are decided by a second classifier trained on the same rows plus the title-only
    #: copies (rows of kind "title") at weight `short_title_weight`; 0: one head for every text.
    short_text_chars: int = 0
    short_title_weight: float = 1.0
    ngram_max: int = 1
    min_df: int = 2
    max_features: int = 20000
    preprocess: PreprocessSettings = field(default_factory=PreprocessSettings)
    embedder: EmbedderSettings = field(default_factory=EmbedderSettings)
    #: Tune the encoder's top layers on the training rows before the classifier learns from its
    #: vectors (`ecs_tagger.embedding.finetune`); in cross-validation each fold tunes its own copy
    #: on its training part. None: the encoder as it is.
    finetune: FineTuneSettings | None = None
    #: With `finetune` and cross-validation: the stacker of the final model learns from each
    #: row's vector of the cross-validation encoder that was not tuned on it (cross-fitting,
    #: `AreaFeatures.stack_embeddings`) instead of the final encoder's, which fits those rows.
    #: On fold 1 of the shared folds, top-4 tuning scored macro-F1 0.848 with the stacker on the
    #: tuned rows' own vectors and 0.874 cross-fitted, against 0.842 frozen (benchmarks/RESULTS.md,
    #: "Screens on the first fold(s)"). Without cross-validation there is nothing to cross-fit.
    crossfit: bool = True

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> TrainSettings:
        """Settings as `to_dict` (or a stored manifest) gives them; unknown keys are ignored,
        missing ones take their defaults (older manifests)."""
        known = set(cls.__dataclass_fields__)
        plain = {k: v for k, v in values.items() if k in known}
        if isinstance(plain.get("preprocess"), dict):
            plain["preprocess"] = PreprocessSettings.from_dict(plain["preprocess"])
        if isinstance(plain.get("embedder"), dict):
            plain["embedder"] = EmbedderSettings(**plain["embedder"])
        if isinstance(plain.get("finetune"), dict):
            plain["finetune"] = FineTuneSettings(**plain["finetune"])
        return cls(**plain)


def parse_areas(value: Any, taxonomy: Taxonomy, where: str) -> tuple[str, ...]:
    """Areas from a list, or a string of codes separated by ';' or ','; empty means none."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ()
    if isinstance(value, str):
        codes = [c.strip() for c in value.replace(",", ";").split(";") if c.strip()]
    elif isinstance(value, list | tuple | np.ndarray):
        codes = [str(c).strip() for c in value if str(c).strip()]
    else:
        raise InputError(f"{where}: areas must be a list or a ';'-separated string, got {value!r}")
    return taxonomy.validate_codes(codes, where)


def combine_training_frames(data: pd.DataFrame, extra: pd.DataFrame | None) -> pd.DataFrame:
    """Labelled rows (scored in cross-validation) plus `extra` rows (training only, by default)."""
    frame = data.copy()
    if "evaluate" not in frame.columns:
        frame["evaluate"] = True
    if extra is not None and len(extra):
        extra = extra.copy()
        if "evaluate" not in extra.columns:
            extra["evaluate"] = False
        frame = pd.concat([frame, extra], ignore_index=True)
    return frame


@dataclass
class TrainingSet:
    """Validated training rows: texts, label matrix, CV groups, weights and which rows are scored."""

    texts: list[str]
    labels: np.ndarray
    groups: np.ndarray
    weights: np.ndarray
    evaluate: np.ndarray
    #: What each row is (column `kind`, e.g. projektbanken / swecris_kth / english / title), or "".
    kinds: np.ndarray | None = None

    @classmethod
    def from_frame(
        cls,
        data: pd.DataFrame,
        taxonomy: Taxonomy,
        text_col: str = "text",
        labels_col: str = "areas",
    ) -> TrainingSet:
        """Rows of `data`; optional columns `group` (CV group), `weight`, `evaluate` (bool)."""
        for column in (text_col, labels_col):
            if column not in data.columns:
                raise InputError(
                    f"training data has no column {column!r} (columns: {', '.join(map(str, data.columns))})"
                )
        if data.empty:
            raise InputError("training data is empty")
        texts: list[str] = []
        labels = np.zeros((len(data), len(taxonomy)), dtype=bool)
        for row, (text, value) in enumerate(zip(data[text_col], data[labels_col], strict=True)):
            if not isinstance(text, str) or not text.strip():
                raise InputError(
                    f"training row {row}: column {text_col!r} holds no text ({text!r})"
                )
            texts.append(text)
            for code in parse_areas(value, taxonomy, f"training row {row}, column {labels_col!r}"):
                labels[row, taxonomy.index(code)] = True
        groups = (
            pd.factorize(data["group"].astype(str))[0]
            if "group" in data.columns
            else np.arange(len(data))
        )
        # a row without a weight (e.g. labelled rows beside weighted extra rows) weighs 1
        weights = (
            data["weight"].astype(float).fillna(1.0).to_numpy()
            if "weight" in data.columns
            else np.ones(len(data))
        )
        evaluate = (
            data["evaluate"].to_numpy(bool)
            if "evaluate" in data.columns
            else np.ones(len(data), bool)
        )
        kinds = data["kind"].fillna("").astype(str).to_numpy() if "kind" in data.columns else None
        return cls(texts, labels, np.asarray(groups), weights, evaluate, kinds)


@dataclass
class PreparedData:
    """Training texts after preprocessing and embedding (computed once, shared by all folds)."""

    documents: list[PreprocessedText]
    embeddings: np.ndarray
    #: each row's vector from an encoder not tuned on it, for the stacker (`AreaFeatures`)
    stack_embeddings: np.ndarray | None = None


def prepare(
    texts: Sequence[str],
    preprocessor: Preprocessor,
    embedder: Embedder,
    progress: Callable[[int], None] | None = None,
) -> PreparedData:
    documents = preprocessor.process_many(texts)
    embeddings = embedder.embed_documents([doc.model_text for doc in documents], progress=progress)
    return PreparedData(documents, embeddings)


def tuned_preparation(
    training: TrainingSet,
    preprocessor: Preprocessor,
    base: Embedder,
    finetune: FineTuneSettings,
    progress: Callable[[int], None] | None = None,
) -> tuple[EncoderTuning, Embedder, PreparedData]:
    """Preprocess the training texts, tune the encoder's top layers on every row and embed the
    texts with the tuned encoder (as tagging will); the tuning keeps the lower states for the
    cross-validation folds."""
    documents = preprocessor.process_many(training.texts)
    tuning = EncoderTuning(base, [d.model_text for d in documents], training.labels, finetune)
    embedder = tuning.tuned_embedder()
    embeddings = embedder.embed_documents([d.model_text for d in documents], progress=progress)
    return tuning, embedder, PreparedData(documents, embeddings)


def document_context(documents: Sequence[PreprocessedText]) -> np.ndarray:
    """`text_context` of preprocessed documents (language detected, length of the clean text)."""
    return text_context([d.language for d in documents], [len(d.clean) for d in documents])


def features_for(
    prepared: PreparedData, lexical: LemmaTfidf, rows: np.ndarray, settings: TrainSettings
) -> AreaFeatures:
    """The classifier's features of the given rows of prepared data."""
    documents = [prepared.documents[i] for i in rows]
    return AreaFeatures(
        prepared.embeddings[rows],
        lexical.transform([d.lemmas for d in documents]),
        document_context(documents) if settings.context else None,
        document_lengths(documents),
        None if prepared.stack_embeddings is None else prepared.stack_embeddings[rows],
    )


def document_lengths(documents: Sequence[PreprocessedText]) -> np.ndarray:
    """Length of each clean text in characters (what a short-text head is routed by)."""
    return np.array([len(d.clean) for d in documents], dtype=np.int64)


def new_classifier(settings: TrainSettings, context_features: int | None = None) -> AreaClassifier:
    """An unfitted AreaClassifier with the parameters of `settings`; `context_features` replaces
    the number of context columns the settings give (`CONTEXT_COLUMNS` with `context`, else 0)."""
    return AreaClassifier(
        c_embedding=settings.c_embedding,
        c_lexical=settings.c_lexical,
        inner_folds=settings.inner_folds,
        random_state=settings.random_state,
        signals=settings.signals,
        context_features=(
            (len(CONTEXT_COLUMNS) if settings.context else 0)
            if context_features is None
            else context_features
        ),
        context_interactions=settings.context_interactions,
    )


def fit_classifier(
    prepared: PreparedData,
    labels: np.ndarray,
    settings: TrainSettings,
    rows: np.ndarray,
    weights: np.ndarray,
    groups: np.ndarray,
    kinds: np.ndarray | None = None,
) -> tuple[LemmaTfidf, AreaClassifier]:
    """Fit the lexical vocabulary and the classifier on the given rows (rows of weight 0 excepted:
    they are only predicted, e.g. title copies scored in cross-validation).

    With `settings.short_text_chars`, the short-text head is fitted too, on the same rows plus
    those of kind "title" (`kinds`, one per row of `prepared`) at `settings.short_title_weight`,
    over the same vocabulary; without title rows among `rows` there is no short-text head."""
    all_rows = rows
    rows = rows[weights[rows] > 0]
    lexical = LemmaTfidf(settings.ngram_max, settings.min_df, settings.max_features)
    lemmas = [prepared.documents[i].lemmas for i in rows]
    lexical.fit(lemmas)
    documents = [prepared.documents[i] for i in rows]
    features = AreaFeatures(
        prepared.embeddings[rows],
        lexical.transform(lemmas),
        document_context(documents) if settings.context else None,
        document_lengths(documents),
        None if prepared.stack_embeddings is None else prepared.stack_embeddings[rows],
    )
    classifier = new_classifier(settings)
    classifier.fit(features, labels[rows], sample_weight=weights[rows], groups=groups[rows])
    if settings.short_text_chars > 0 and kinds is not None:
        titles = np.asarray(kinds)[all_rows] == "title"
        short_weights = np.asarray(weights, dtype=float).copy()
        short_weights[all_rows[titles]] = settings.short_title_weight
        short = all_rows[short_weights[all_rows] > 0]
        if titles.any():
            classifier.set_params(short_text_chars=settings.short_text_chars)
            classifier.fit_short_head(
                features_for(prepared, lexical, short, settings),
                labels[short],
                sample_weight=short_weights[short],
                groups=groups[short],
            )
    return lexical, classifier


#: Row kinds that never decide the folds: they follow their group (a title copy goes with its record).
FOLLOWER_KINDS = ("title",)


def training_folds(
    training: TrainingSet, n_splits: int, random_state: int
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Group folds stratified on "has any area", computed over the rows that are not followers
    (title copies), so adding title copies leaves the folds of every record unchanged."""
    leaders = np.ones(len(training.texts), dtype=bool)
    if training.kinds is not None:
        leaders = ~np.isin(training.kinds, FOLLOWER_KINDS)
    rows = np.flatnonzero(leaders)
    any_area = np.asarray(training.labels[rows].any(axis=1), dtype=bool)
    fold_of_group: dict[int, int] = {}
    splits = folds_for(any_area, training.groups[rows], n_splits, random_state)
    for fold, (_, test) in enumerate(splits):
        for group in training.groups[rows[test]]:
            fold_of_group[int(group)] = fold
    # a follower whose group has no leader row joins fold 0 (never happens in the recipe)
    fold_of_row = np.array([fold_of_group.get(int(g), 0) for g in training.groups])
    everything = np.arange(len(fold_of_row))
    return [
        (everything[fold_of_row != f], everything[fold_of_row == f]) for f in range(len(splits))
    ]


def kind_reports(
    training: TrainingSet,
    predicted: np.ndarray,
    codes: tuple[str, ...],
    rows: np.ndarray | None = None,
) -> dict[str, dict[str, Any]]:
    """Out-of-fold reports per row kind (every row is predicted by the fold that held it out);
    `rows` (a boolean mask), when given, limits them to those rows."""
    if training.kinds is None:
        return {}
    out = {}
    for kind in sorted(set(training.kinds) - {""}):
        mask = training.kinds == kind
        if rows is not None:
            mask &= rows
        out[kind] = multilabel_report(codes, training.labels[mask], predicted[mask]).to_dict()
    return out


def cross_validate(
    training: TrainingSet,
    prepared: PreparedData,
    settings: TrainSettings,
    codes: tuple[str, ...],
    by_kind: dict[str, Any] | None = None,
    fold_embeddings: Callable[[int, np.ndarray], np.ndarray] | None = None,
) -> tuple[MultiLabelReport, list[dict[str, Any]], np.ndarray]:
    """Out-of-fold report over the rows marked `evaluate`, per-fold reports, OOF probabilities.

    `by_kind`, when given, is filled with an out-of-fold report per row kind (`kind_reports`: the
    labelled sources, English parallels, title copies), every row predicted by the fold holding it.
    `fold_embeddings(fold, train_rows)`, when given, returns the vectors of every row (rows ×
    dimensions) that fold uses in place of `prepared.embeddings` (an encoder tuned on the fold's
    training part, `EncoderTuning.fold_embeddings`).

    Folds keep each group together and are stratified on "has any area"; every step that learns
    (vocabulary, classifiers, stacking, thresholds) is fitted inside the training part of each fold.
    """
    n = len(training.texts)
    probabilities = np.full((n, len(codes)), np.nan)
    predicted = np.zeros((n, len(codes)), dtype=bool)
    per_fold: list[dict[str, Any]] = []
    for fold, (train, test) in enumerate(
        training_folds(training, settings.cv_folds, settings.random_state)
    ):
        if fold_embeddings is not None:
            prepared = PreparedData(prepared.documents, fold_embeddings(fold, train))
        lexical, classifier = fit_classifier(
            prepared,
            training.labels,
            settings,
            train,
            training.weights,
            training.groups,
            training.kinds,
        )
        features = features_for(prepared, lexical, test, settings)
        probabilities[test] = classifier.predict_proba(features)
        predicted[test] = probabilities[test] >= classifier.thresholds_
        scored = test[training.evaluate[test]]
        fold_report = multilabel_report(codes, training.labels[scored], predicted[scored])
        per_fold.append({"fold": fold, **fold_report.to_dict()})
    mask = training.evaluate
    report = multilabel_report(codes, training.labels[mask], predicted[mask])
    if by_kind is not None:
        by_kind.update(kind_reports(training, predicted, codes))
    return report, per_fold, probabilities
