"""Variants of the training recipe, cross-validated on the shared folds and scored by kind of text.

A variant is the shipped recipe (the TrainSettings of models/default) changed in a few respects,
named by joining modifiers with ``+`` and, after ``@``, the vectors it trains on::

    python -m benchmarks --only variants --variants baseline,titles+kind-thresholds,baseline@ft

Rows: the labelled texts of every labels file, the English parallel abstracts of the SweCRIS
records and a title-only copy of every labelled record (`labelled_data(titles="score")`); a copy
follows its record's fold, so the folds are those of every other section. Each variant trains on
its kinds of rows of each fold's training part and predicts every row of the test part, so it is
scored on the labelled texts (the headline macro-F1, comparable with the quality section's
`ecs-tagger` row) and on each kind of row alone (Projektbanken descriptions, SweCRIS Swedish
abstracts, their English parallels, titles only).

Vectors (after ``@``): ``shipped`` (default: the shipped encoder settings), ``fp32``, ``int8``
(torch dynamic int8), and ``ft``: the encoder's top layers fine-tuned inside each fold on the rows
of its training part (every kind; `ecs_tagger.embedding.finetune`: the states below the tuned
layers are computed once, then each fold tunes its own copy and re-embeds every text with it), so
fine-tuning never sees the rows it is scored on. ``ft`` costs about ten minutes a fold on two
cores; the other vectors come from the library's embedding cache.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np

from benchmarks.common import (
    LabelledData,
    RunOptions,
    documents_for,
    embeddings_for,
    labelled_data,
    log,
    rows_in_rounds,
    score_predictions,
    shipped_settings,
)

#: Row kinds (`corpus_training_frames`): the labelled sources, their English parallels, titles.
LABELLED_KINDS = ("projektbanken", "swecris_kth")
KINDS = (*LABELLED_KINDS, "english", "title")


@dataclass(frozen=True)
class Variant:
    """How a variant departs from the shipped recipe."""

    train_kinds: tuple[str, ...] = (*LABELLED_KINDS, "english")
    rounds: tuple[int, ...] = ()  # labelling rounds trained on (empty: all)
    title_weight: float = 1.0
    context: bool = False
    interactions: bool = False
    signals: str = ""  # empty: the shipped recipe's
    kind_thresholds: bool = False
    vectors: str = "shipped"


#: name: (changes, what it means). A variant's name joins some of these with "+".
MODIFIERS: dict[str, tuple[dict[str, Any], str]] = {
    "baseline": (
        {},
        "the shipped recipe: labelled texts and English parallels of every round",
    ),
    "round1-only": ({"rounds": (1,)}, "trained on the round-1 labels only"),
    "titles": ({"train_kinds": KINDS}, "title-only copies as training rows"),
    "titles-w0.5": (
        {"train_kinds": KINDS, "title_weight": 0.5},
        "title-only copies as training rows, weight 0.5",
    ),
    "context": ({"context": True}, "the stacker also sees `english` and `shortness`"),
    "context-x": (
        {"context": True, "interactions": True},
        "the stacker also sees `english` and `shortness`, and signal × context interactions",
    ),
    "kind-thresholds": (
        {"kind_thresholds": True},
        "F1-best thresholds per kind of text (short < 200 chars / English / long) from the inner "
        "out-of-fold scores",
    ),
    "embedding-only": ({"signals": "embedding"}, "embedding signal only"),
    "lexical-only": ({"signals": "lexical"}, "lexical (lemma TF-IDF) signal only"),
}
VECTORS = {
    "shipped": "",
    "fp32": "encoder in fp32",
    "int8": "encoder in torch dynamic int8",
    "ft": "encoder's top layers fine-tuned inside each fold",
}
#: What a full run and a smoke run cross-validate unless --variants says otherwise.
DEFAULT_VARIANTS = (
    "baseline",
    "round1-only",
    "titles",
    "titles-w0.5",
    "context",
    "kind-thresholds",
)
SMOKE_VARIANTS = ("baseline", "titles-w0.5+context-x+kind-thresholds", "baseline@ft")
#: Below this many positives of an area, a kind of text keeps the area's global threshold.
KIND_MIN_POSITIVES = 10


def parse_variant(name: str) -> tuple[Variant, str]:
    """The variant a name stands for, and what it means in words."""
    modifiers, _, vectors = name.partition("@")
    changes: dict[str, Any] = {}
    words = []
    for modifier in modifiers.split("+"):
        if modifier not in MODIFIERS:
            raise ValueError(
                f"unknown variant {modifier!r} in {name!r} (known: {', '.join(MODIFIERS)})"
            )
        changes.update(MODIFIERS[modifier][0])
        words.append(MODIFIERS[modifier][1])
    vectors = vectors or "shipped"
    if vectors not in VECTORS:
        raise ValueError(f"unknown vectors {vectors!r} in {name!r} (known: {', '.join(VECTORS)})")
    if VECTORS[vectors]:
        words.append(VECTORS[vectors])
    return Variant(**changes, vectors=vectors), "; ".join(words)


def text_kinds(documents: list[Any]) -> np.ndarray:
    """Kind of each text as seen at tagging time: short (< 200 chars), English, or long."""
    return np.array(
        [
            "short" if len(d.clean) < 200 else "en" if d.language == "en" else "long"
            for d in documents
        ]
    )


def kind_thresholds(
    classifier: Any, labels: np.ndarray, kinds: np.ndarray
) -> dict[str, np.ndarray]:
    """Per kind of text, the F1-best threshold of each area on the classifier's inner out-of-fold
    probabilities of its training rows (`labels`, `kinds`: of those rows, in order); the global one
    where a kind has fewer than KIND_MIN_POSITIVES positives of an area."""
    from ecs_tagger.model.classifier import best_threshold

    out = {}
    for kind in ("short", "en", "long"):
        mask = kinds == kind
        thresholds = classifier.thresholds_.copy()
        for area in range(labels.shape[1]):
            if labels[mask, area].sum() >= KIND_MIN_POSITIVES:
                thresholds[area] = best_threshold(
                    labels[mask, area], classifier.oof_probabilities_[mask, area]
                )
        out[kind] = thresholds
    return out


def training_weights(data: LabelledData, variant: Variant) -> np.ndarray:
    """Each row's weight in training: 0 for kinds and rounds the variant does not train on."""
    kinds = np.asarray(data.training.kinds)
    weights = np.where(kinds == "title", variant.title_weight, data.training.weights)
    keep = np.isin(kinds, variant.train_kinds)
    if variant.rounds:
        keep &= rows_in_rounds(data, frozenset(variant.rounds))
    return np.where(keep, weights, 0.0)


class Vectors:
    """Each fold's vectors of every row, per kind of vectors (computed once per run)."""

    def __init__(self, data: LabelledData, options: RunOptions) -> None:
        self.data = data
        self.options = options
        self.settings = shipped_settings()
        self.finetuning: list[dict[str, Any]] = []
        self._folds: dict[str, list[np.ndarray]] = {}

    def __call__(self, name: str) -> list[np.ndarray]:
        """The vectors `name` (a key of VECTORS) of every row, one array per fold."""
        if name not in self._folds:
            if name == "ft":
                self._folds[name] = self._finetuned()
            else:
                embedder = self.settings.embedder
                if name == "fp32":
                    embedder = replace(embedder, precision="fp32")
                elif name == "int8":
                    embedder = replace(embedder, quantize="int8")
                vectors = embeddings_for(self.data, self.settings.preprocess, embedder)
                self._folds[name] = [vectors] * len(self.data.folds)
        return self._folds[name]

    def _finetuned(self) -> list[np.ndarray]:
        from ecs_tagger.embedding.encoder import Embedder
        from ecs_tagger.embedding.finetune import (
            FineTuneSettings,
            embed_with_layers,
            lower_states,
            tune_top_layers,
        )

        settings = FineTuneSettings()
        documents = documents_for(self.data, self.settings.preprocess)
        cleans = [d.clean[: self.options.text_chars] for d in documents]
        unique = list(dict.fromkeys(cleans))
        position = {text: i for i, text in enumerate(unique)}
        text_of_row = np.array([position[text] for text in cleans])
        started = time.perf_counter()
        embedder = Embedder(self.settings.embedder, use_cache=False)
        lower = lower_states(embedder, unique, settings.cut)
        log(
            f"states below the tuned layers of {len(unique)} texts in {time.perf_counter() - started:.0f} s"
        )
        bert: Any = embedder.model[0].auto_model
        base = bert.encoder.layer
        labels = self.data.labels
        out = []
        for fold, (train, _) in enumerate(self.data.folds):
            started = time.perf_counter()
            text_labels = np.zeros((len(unique), labels.shape[1]), dtype=bool)
            for row in train:
                text_labels[text_of_row[row]] |= labels[row]
            layers, record = tune_top_layers(
                [base[i] for i in range(settings.cut, len(base))],
                lower,
                text_labels,
                np.unique(text_of_row[train]),
                replace(settings, seed=fold),
                log=lambda message, f=fold: log(f"fold {f}: {message}"),
            )
            out.append(embed_with_layers(layers, lower, len(unique))[text_of_row])
            record |= {"fold": fold, "total_s": round(time.perf_counter() - started, 1)}
            self.finetuning.append(record)
            log(f"fold {fold}: fine-tuned and re-embedded in {record['total_s']:.0f} s")
        embedder.close()
        return out


def run_variant(
    name: str, data: LabelledData, documents: list[Any], vectors: Vectors, smoke: bool
) -> dict[str, Any]:
    """Cross-validate one variant on the shared folds: its labelled-text scores and per kind."""
    from ecs_tagger.model.training import PreparedData, features_for, fit_classifier, kind_reports

    variant, description = parse_variant(name)
    base = vectors.settings
    settings = replace(
        base,
        context=variant.context,
        context_interactions=variant.interactions,
        signals=variant.signals or base.signals,
        inner_folds=3 if smoke else base.inner_folds,
    )
    fold_vectors = vectors(variant.vectors)
    weights = training_weights(data, variant)
    labels, groups = data.labels, data.training.groups
    text_kind = text_kinds(documents) if variant.kind_thresholds else None
    predicted = np.zeros(labels.shape, dtype=bool)
    started = time.perf_counter()
    for fold, (train, test) in enumerate(data.folds):
        train = train[weights[train] > 0]
        prepared = PreparedData(documents, fold_vectors[fold])
        lexical, classifier = fit_classifier(prepared, labels, settings, train, weights, groups)
        probabilities = classifier.predict_proba(features_for(prepared, lexical, test, settings))
        if text_kind is None:
            predicted[test] = probabilities >= classifier.thresholds_
            continue
        per_kind = kind_thresholds(classifier, labels[train], text_kind[train])
        for kind, thresholds in per_kind.items():
            rows = text_kind[test] == kind
            predicted[test[rows]] = probabilities[rows] >= thresholds
    scores = score_predictions(data, predicted)
    seconds = round(time.perf_counter() - started, 1)
    log(f"{name}: macro-F1 {scores['report']['macro_f1']:.3f} ({seconds:.0f} s)")
    return {
        "description": description,
        "variant": asdict(variant),
        "seconds": seconds,
        **scores,
        "by_kind": kind_reports(data.training, predicted, data.codes),
    }


def run_variants(options: RunOptions) -> dict[str, Any]:
    """Every variant of `options.variants` (or the defaults) on the same rows, folds and vectors."""
    names = options.variants or (SMOKE_VARIANTS if options.smoke else DEFAULT_VARIANTS)
    data = labelled_data(options.n_labelled, titles="score")
    vectors = Vectors(data, options)
    documents = documents_for(data, vectors.settings.preprocess)
    out: dict[str, Any] = {
        "rows": {kind: int((data.training.kinds == kind).sum()) for kind in KINDS},
        "variants": {},
    }
    for name in names:
        out["variants"][name] = run_variant(name, data, documents, vectors, options.smoke)
    if vectors.finetuning:
        out["finetuning"] = vectors.finetuning
    return out
