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
fine-tuning never sees the rows it is scored on; ``ft4`` is the protocol of issue 20 (top 4 layers,
3 epochs, 256 tokens), ``ft4d10`` and ``ft4d8`` the same on a shallower encoder (the layers above
10 or 8 dropped: faster to run). ``ft`` costs about ten minutes a fold on two cores, ``ft4`` about
25 (bf16 autocast on an AVX-512/bf16 CPU); each fold's tuned vectors are kept beside results.json
(``benchmarks/.variants-ft``, git-ignored), so an interrupted run resumes. The other vectors come from the
library's embedding cache.
"""

from __future__ import annotations

import hashlib
import json
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
    scored_rows,
    shipped_settings,
)
from ecs_tagger.embedding.finetune import TOP4_PROTOCOL, FineTuneSettings

#: Row kinds (`corpus_training_frames`): the labelled sources, their English parallels, titles.
LABELLED_KINDS = ("projektbanken", "swecris_kth")
KINDS = (*LABELLED_KINDS, "english", "title")


@dataclass(frozen=True)
class Variant:
    """How a variant departs from the shipped recipe."""

    train_kinds: tuple[str, ...] = (*LABELLED_KINDS, "english")
    rounds: tuple[int, ...] = ()  # labelling rounds trained on (empty: all)
    round3_weight: float = 1.0  # weight of the rows of round-3 records
    title_weight: float = 1.0
    context: bool = False
    interactions: bool = False
    signals: str = ""  # empty: the shipped recipe's
    kind_thresholds: bool = False
    canonical_case: str = "never"  # PreprocessSettings.canonical_case
    true_case: bool = False  # PreprocessSettings.true_case
    restore_diacritics: bool = False  # PreprocessSettings.restore_diacritics
    short_text_chars: int = 0  # a short-text head for texts shorter than this (0: none)
    short_title_weight: float = 1.0  # weight of the title copies in the short-text head
    neighbours: int = 0  # k of the neighbour-vote signal (0: none)
    crossfit: bool = False  # the stacker learns from cross-fitted tuned vectors (ft vectors only)
    vectors: str = "shipped"


#: name: (changes, what it means). A variant's name joins some of these with "+".
MODIFIERS: dict[str, tuple[dict[str, Any], str]] = {
    "baseline": (
        {},
        "the recipe of the model shipped before this round (ecs-default@7ce3e6e3675c): labelled "
        "texts and English parallels of every round, texts as written, one head",
    ),
    "round1-only": ({"rounds": (1,)}, "trained on the round-1 labels only"),
    "rounds12": ({"rounds": (1, 2)}, "trained without the round-3 labels (rounds 1 and 2)"),
    "round3-w0.5": ({"round3_weight": 0.5}, "the rows of round-3 records at weight 0.5"),
    "canonical": (
        {"canonical_case": "always"},
        "models read every text in canonical case (PreprocessSettings.canonical_case='always')",
    ),
    "unusual-case": (
        {"canonical_case": "unusual"},
        "models read texts in UPPER CASE, Title Case or without capitals in canonical case "
        "(PreprocessSettings.canonical_case='unusual')",
    ),
    "truecase": (
        {"canonical_case": "always", "true_case": True},
        "models read every text in true case: canonical case, line starts capitalised, the words "
        "of the corpus's cased-word tables as usually written (PreprocessSettings.true_case)",
    ),
    "unusual-truecase": (
        {"canonical_case": "unusual", "true_case": True},
        "models read texts in UPPER CASE, Title Case or without capitals in true case, ordinary "
        "writing as written",
    ),
    "diacritics": (
        {"restore_diacritics": True},
        "a Swedish text typed without å, ä and ö gets them back from the accented-word table "
        "(PreprocessSettings.restore_diacritics)",
    ),
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
    "short-head": (
        {"short_text_chars": 200},
        "a second head, trained with the title-only copies, decides texts under 200 characters",
    ),
    "short-head-w2": (
        {"short_text_chars": 200, "short_title_weight": 2.0},
        "the short-text head with the title-only copies at weight 2",
    ),
    "crossfit": (
        {"crossfit": True},
        "the stacker learns from cross-fitted tuned vectors: each training row's vector from an "
        "encoder tuned on the other half of the fold's training part (2 halves by group)",
    ),
    "knn": (
        {"neighbours": 50},
        "a third signal for the stacker: the similarity-weighted area votes of the 50 nearest "
        "training rows (softmax of cosine / 0.1; a training row's own record left out)",
    ),
    "embedding-only": ({"signals": "embedding"}, "embedding signal only"),
    "lexical-only": ({"signals": "lexical"}, "lexical (lemma TF-IDF) signal only"),
}
VECTORS = {
    "shipped": "",
    "fp32": "encoder in fp32",
    "int8": "encoder in torch dynamic int8",
    "ft": "encoder's top layers fine-tuned inside each fold",
    "ft4": "encoder's top 4 layers fine-tuned inside each fold, 3 epochs (issue 20's protocol)",
    "ft4d10": "ft4 on an encoder of 10 layers (layers 7-10 tuned, 11-12 dropped)",
    "ft4d8": "ft4 on an encoder of 8 layers (layers 5-8 tuned, 9-12 dropped)",
}
#: The tuning protocol of each fine-tuned kind of vectors.
TUNING = {"ft4": TOP4_PROTOCOL, "ft4d10": replace(TOP4_PROTOCOL, cut=6, depth=10)}
TUNING["ft4d8"] = replace(TOP4_PROTOCOL, cut=4, depth=8)
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
    if variant.round3_weight != 1.0:
        weights = np.where(
            rows_in_rounds(data, frozenset({3})), weights * variant.round3_weight, weights
        )
    return np.where(keep, weights, 0.0)


class Vectors:
    """Each fold's vectors of every row, per kind of vectors (computed once per run)."""

    def __init__(self, data: LabelledData, options: RunOptions) -> None:
        self.data = data
        self.options = options
        self.settings = shipped_settings()
        self.finetuning: list[dict[str, Any]] = []
        self._folds: dict[str, list[np.ndarray]] = {}
        self._tunings: dict[str, Any] = {}
        self._resumed: set[str] = set()
        #: the folds trained and scored (the first `options.variant_folds`, or all)
        self.folds = data.folds[: options.variant_folds] if options.variant_folds else data.folds

    def preprocess(self, variant: Variant) -> Any:
        """The preprocessing settings of a variant."""
        return replace(
            self.settings.preprocess,
            canonical_case=variant.canonical_case,
            true_case=variant.true_case,
            restore_diacritics=variant.restore_diacritics,
            word_forms="",
        )

    def __call__(self, variant: Variant) -> list[np.ndarray]:
        """The vectors of `variant` (its `vectors`, a key of VECTORS, over the texts as its
        preprocessing gives them) of every row, one array per fold."""
        name, preprocess = variant.vectors, self.preprocess(variant)
        key = f"{name}:{preprocess}"
        if key not in self._folds:
            if name.startswith("ft"):
                self._folds[key] = self._finetuned(preprocess, name)
            else:
                embedder = self.settings.embedder
                if name == "fp32":
                    embedder = replace(embedder, precision="fp32")
                elif name == "int8":
                    embedder = replace(embedder, quantize="int8")
                vectors = embeddings_for(self.data, preprocess, embedder)
                self._folds[key] = [vectors] * len(self.folds)
        return self._folds[key]

    def _store(self, preprocess: Any, name: str, texts: list[str]) -> Any:
        """Where the tuned vectors of `name` over `texts` are kept (beside results.json), so an
        interrupted run resumes."""
        from ecs_tagger.embedding.precision import resolve_precision

        settings = TUNING.get(name, FineTuneSettings())
        precision = resolve_precision(self.settings.embedder.precision, "none")
        key = hashlib.sha256(repr((name, preprocess, settings, precision)).encode())
        for text in texts:
            key.update(text.encode() + b"\0")
        for _, test in self.data.folds:
            key.update(np.asarray(test, dtype=np.int64).tobytes())
        store = self.options.out_dir / ".variants-ft" / key.hexdigest()[:16]
        store.mkdir(parents=True, exist_ok=True)
        return store

    def _tuned(self, store: Any, part: str, texts: list[str], name: str, tune: Any) -> np.ndarray:
        """The vectors saved as `part` in `store`, else `tune(tuning)`'s (then saved)."""
        from ecs_tagger.embedding.encoder import Embedder
        from ecs_tagger.embedding.finetune import EncoderTuning

        saved, saved_record = store / f"{part}.npy", store / f"{part}.json"
        if saved.exists() and saved_record.exists():
            if part not in self._resumed:  # once per run, however many variants use it
                self._resumed.add(part)
                self.finetuning.append(json.loads(saved_record.read_text()) | {"resumed": True})
                log(f"{part}: tuned vectors from {saved}")
            return np.load(saved)
        if name not in self._tunings:
            embedder = Embedder(self.settings.embedder, use_cache=False)
            settings = TUNING.get(name, FineTuneSettings())
            self._tunings[name] = EncoderTuning(
                embedder, texts, self.data.labels, settings, log=log
            )
        tuning = self._tunings[name]
        started = time.perf_counter()
        vectors = tune(tuning)
        record = tuning.records[-1] | {"total_s": round(time.perf_counter() - started, 1)}
        np.save(saved, vectors)
        saved_record.write_text(json.dumps(record))
        self.finetuning.append(record)
        log(f"{part}: fine-tuned and re-embedded in {record['total_s']:.0f} s")
        return vectors

    def _texts(self, preprocess: Any) -> list[str]:
        documents = documents_for(self.data, preprocess)
        return [d.model_text[: self.options.text_chars] for d in documents]

    def _finetuned(self, preprocess: Any, name: str) -> list[np.ndarray]:
        texts = self._texts(preprocess)
        store = self._store(preprocess, name, texts)
        return [
            self._tuned(
                store,
                f"fold{fold}",
                texts,
                name,
                lambda t, f=fold, r=train: t.fold_embeddings(f, r),
            )
            for fold, (train, _) in enumerate(self.folds)
        ]

    def crossfit(self, variant: Variant) -> list[np.ndarray]:
        """Per fold, each training row's vector from an encoder tuned on the other half of the
        fold's training part (2 halves, whole groups, stratified on "has any area"); the other
        rows keep the fold's vectors. For the stacker (`AreaFeatures.stack_embeddings`)."""
        from ecs_tagger.model.classifier import folds_for

        if not variant.vectors.startswith("ft"):
            raise ValueError("crossfit needs fine-tuned vectors (@ft, @ft4, ...)")
        fold_vectors = self(variant)
        preprocess = self.preprocess(variant)
        texts = self._texts(preprocess)
        store = self._store(preprocess, variant.vectors, texts)
        labels, groups = self.data.labels, self.data.training.groups
        out = []
        for fold, (train, _) in enumerate(self.folds):
            stack = fold_vectors[fold].copy()
            halves = folds_for(labels[train].any(axis=1), groups[train], 2, 0)
            for half, (inner_train, inner_test) in enumerate(halves):
                rows, seed = train[inner_train], 1000 + 10 * fold + half
                vectors = self._tuned(
                    store,
                    f"crossfit{fold}-{half}",
                    texts,
                    variant.vectors,
                    lambda t, r=rows, s=seed, f=fold, h=half: t.vectors_tuned_on(
                        r, s, f"fold {f}, half {h}"
                    ),
                )
                stack[train[inner_test]] = vectors[train[inner_test]]
            out.append(stack)
        return out


#: Temperature of the neighbour votes' softmax over cosine similarities.
NEIGHBOUR_TEMPERATURE = 0.1


def neighbour_votes(
    queries: np.ndarray,
    query_groups: np.ndarray | None,
    rows: np.ndarray,
    labels: np.ndarray,
    groups: np.ndarray,
    k: int,
) -> np.ndarray:
    """Logits of the similarity-weighted area votes of each query's `k` nearest `rows`
    (queries × areas; vectors L2-normalised, so the dot product is the cosine); a query's own
    group (its record, translations and title copy) is never its neighbour."""
    similarity = queries @ rows.T
    if query_groups is not None:
        similarity[query_groups[:, None] == groups[None, :]] = -np.inf
    k = min(k, rows.shape[0] - 1)
    nearest = np.argpartition(-similarity, k, axis=1)[:, :k]
    top = np.take_along_axis(similarity, nearest, 1)
    weights = np.exp((top - top.max(axis=1, keepdims=True)) / NEIGHBOUR_TEMPERATURE)
    weights[~np.isfinite(top)] = 0.0
    votes = (weights[:, :, None] * labels[nearest]).sum(1)
    votes = np.clip(votes / np.maximum(weights.sum(1, keepdims=True), 1e-12), 0.02, 0.98)
    return np.asarray(np.log(votes / (1 - votes)))


def _fit_predict_with_neighbours(
    prepared: Any,
    labels: np.ndarray,
    settings: Any,
    train: np.ndarray,
    test: np.ndarray,
    weights: np.ndarray,
    groups: np.ndarray,
    k: int,
) -> tuple[np.ndarray, np.ndarray]:
    """The recipe's classifier with the neighbour votes as stacker context: (test probabilities,
    thresholds). Training rows vote for each other with their own record left out."""
    from ecs_tagger.model.classifier import AreaFeatures
    from ecs_tagger.model.features import LemmaTfidf
    from ecs_tagger.model.training import new_classifier

    vectors = prepared.embeddings / np.maximum(
        np.linalg.norm(prepared.embeddings, axis=1, keepdims=True), 1e-12
    )
    lemmas = [prepared.documents[i].lemmas for i in range(len(prepared.documents))]
    lexical = LemmaTfidf(settings.ngram_max, settings.min_df, settings.max_features)
    lexical.fit([lemmas[i] for i in train])
    y = labels[train].astype(float)
    train_votes = neighbour_votes(
        vectors[train], groups[train], vectors[train], y, groups[train], k
    )
    test_votes = neighbour_votes(vectors[test], None, vectors[train], y, groups[train], k)
    classifier = new_classifier(settings, context_features=labels.shape[1])
    classifier.fit(
        AreaFeatures(vectors[train], lexical.transform([lemmas[i] for i in train]), train_votes),
        labels[train],
        sample_weight=weights[train],
        groups=groups[train],
    )
    test_features = AreaFeatures(
        vectors[test], lexical.transform([lemmas[i] for i in test]), test_votes
    )
    return classifier.predict_proba(test_features), classifier.thresholds_


def run_variant(name: str, data: LabelledData, vectors: Vectors, smoke: bool) -> dict[str, Any]:
    """Cross-validate one variant on the shared folds: its labelled-text scores and per kind."""
    from ecs_tagger.model.training import PreparedData, features_for, fit_classifier, kind_reports

    variant, description = parse_variant(name)
    if variant.neighbours and (
        variant.short_text_chars or variant.kind_thresholds or variant.context or variant.crossfit
    ):
        raise ValueError(
            f"{name}: knn does not combine with short-head, kind-thresholds, context or crossfit"
        )
    base = vectors.settings
    settings = replace(
        base,
        context=variant.context,
        context_interactions=variant.interactions,
        signals=variant.signals or base.signals,
        inner_folds=3 if smoke else base.inner_folds,
        short_text_chars=variant.short_text_chars,
        short_title_weight=variant.short_title_weight,
    )
    fold_vectors = vectors(variant)
    stack_vectors = vectors.crossfit(variant) if variant.crossfit else None
    documents = documents_for(data, vectors.preprocess(variant))
    weights = training_weights(data, variant)
    labels, groups = data.labels, data.training.groups
    text_kind = text_kinds(documents) if variant.kind_thresholds else None
    predicted = np.zeros(labels.shape, dtype=bool)
    started = time.perf_counter()
    kinds = np.asarray(data.training.kinds)
    # title copies of the records trained on (a short-text head learns from them too)
    titles = (kinds == "title") & (training_weights(data, replace(variant, train_kinds=KINDS)) > 0)
    for fold, (train, test) in enumerate(vectors.folds):
        train = train[(weights[train] > 0) | (titles[train] & (variant.short_text_chars > 0))]
        prepared = PreparedData(
            documents, fold_vectors[fold], None if stack_vectors is None else stack_vectors[fold]
        )
        if variant.neighbours:
            train = train[weights[train] > 0]
            probabilities, thresholds = _fit_predict_with_neighbours(
                prepared, labels, settings, train, test, weights, groups, variant.neighbours
            )
            predicted[test] = probabilities >= thresholds
            continue
        lexical, classifier = fit_classifier(
            prepared, labels, settings, train, weights, groups, kinds
        )
        probabilities = classifier.predict_proba(features_for(prepared, lexical, test, settings))
        if text_kind is None:
            predicted[test] = probabilities >= classifier.thresholds_
            continue
        fitted = train[weights[train] > 0]  # the rows of the main head's OOF probabilities
        per_kind = kind_thresholds(classifier, labels[fitted], text_kind[fitted])
        for kind, thresholds in per_kind.items():
            rows = text_kind[test] == kind
            predicted[test[rows]] = probabilities[rows] >= thresholds
    n_folds = len(vectors.folds)
    scores = score_predictions(data, predicted, n_folds)
    seconds = round(time.perf_counter() - started, 1)
    log(f"{name}: macro-F1 {scores['report']['macro_f1']:.3f} ({seconds:.0f} s)")
    if n_folds < len(data.folds):
        scope = "fold 1" if n_folds == 1 else f"folds 1-{n_folds}"
        description += f" (screen: {scope} of {len(data.folds)} only)"
    return {
        "description": description,
        "variant": asdict(variant),
        "seconds": seconds,
        "folds_scored": n_folds,
        **scores,
        "by_kind": kind_reports(data.training, predicted, data.codes, scored_rows(data, n_folds)),
    }


def run_variants(options: RunOptions) -> dict[str, Any]:
    """Every variant of `options.variants` (or the defaults) on the same rows, folds and vectors."""
    names = options.variants or (SMOKE_VARIANTS if options.smoke else DEFAULT_VARIANTS)
    data = labelled_data(options.n_labelled, titles="score")
    vectors = Vectors(data, options)
    out: dict[str, Any] = {
        "rows": {kind: int((data.training.kinds == kind).sum()) for kind in KINDS},
        "variants": {},
    }
    n_folds = len(vectors.folds)
    scope = "fold 1" if n_folds == 1 else f"folds 1-{n_folds}"
    for name in names:
        key = f"{name} [{scope} of {len(data.folds)}]" if n_folds < len(data.folds) else name
        out["variants"][key] = run_variant(name, data, vectors, options.smoke)
    if vectors.finetuning:
        out["finetuning"] = vectors.finetuning
    return out
