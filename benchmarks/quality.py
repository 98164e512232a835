"""Quality of ecs-tagger, its ablations and zero-shot baselines on the shared 5-fold split."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

import numpy as np

from benchmarks.common import (
    LabelledData,
    RunOptions,
    best_threshold,
    documents_for,
    embeddings_for,
    labelled_data,
    log,
    rows_in_rounds,
    score_predictions,
    shipped_settings,
)


def ablations(smoke: bool) -> list[tuple[str, str, Any]]:
    """(key, description, TrainSettings) of the shipped configuration and each ablation."""
    base = shipped_settings()
    if smoke:
        base = replace(base, inner_folds=3)
    pre, emb = base.preprocess, base.embedder
    return [
        ("ecs-tagger", "shipped configuration (models/default)", base),
        ("embedding-only", "embedding signal only", replace(base, signals="embedding")),
        ("lexical-only", "lexical (lemma TF-IDF) signal only", replace(base, signals="lexical")),
        (
            "no-hyphen-repair",
            "repair_hyphens=False",
            replace(base, preprocess=replace(pre, repair_hyphens=False)),
        ),
        (
            "no-compound-split",
            "split_compounds=False",
            replace(base, preprocess=replace(pre, split_compounds=False)),
        ),
        (
            "keep-stop-words",
            "remove_stop_words=False",
            replace(base, preprocess=replace(pre, remove_stop_words=False)),
        ),
        (
            "no-chunking",
            "chunk_long_texts=False (truncation at 512 tokens)",
            replace(base, embedder=replace(emb, chunk_long_texts=False)),
        ),
        (
            "fp32",
            "encoder computed in fp32 (precision='fp32'; the shipped 'auto' computes in bf16 on a "
            "CPU with native bf16)",
            replace(base, embedder=replace(emb, precision="fp32")),
        ),
        (
            "round1-only",
            "trained on the round-1 labels only (the previous model's 749 records and their English "
            "parallels), scored on all labelled texts",
            base,
        ),
    ]


#: Ablations that train on some labelling rounds only (every row is still scored).
TRAIN_ROUNDS = {"round1-only": frozenset({1})}


def training_rounds(data: LabelledData, rounds: frozenset[int]) -> Any:
    """`data.training` with weight 0 (scored, never trained on) for rows of other rounds."""
    keep = rows_in_rounds(data, rounds)
    return replace(data.training, weights=np.where(keep, data.training.weights, 0.0))


def run_ecs(options: RunOptions) -> dict[str, Any]:
    """Cross-validate the shipped configuration and each ablation on the shared folds."""
    from ecs_tagger.model.training import PreparedData, cross_validate

    data = labelled_data(options.n_labelled)
    out: dict[str, Any] = {"systems": {}}
    for key, description, settings in ablations(options.smoke):
        started = time.perf_counter()
        documents = documents_for(data, settings.preprocess)
        embeddings = embeddings_for(data, settings.preprocess, settings.embedder)
        prepared = PreparedData(documents, embeddings)
        training = data.training
        if key in TRAIN_ROUNDS:
            training = training_rounds(data, TRAIN_ROUNDS[key])
        report, per_fold, probabilities = cross_validate(training, prepared, settings, data.codes)
        out["systems"][key] = {
            "description": description,
            "report": report.to_dict(),
            "per_fold": per_fold,
            "seconds": round(time.perf_counter() - started, 1),
        }
        if key == "ecs-tagger":
            out["oof_probabilities"] = probabilities
        log(f"{key}: macro-F1 {report.macro_f1:.3f} ({time.perf_counter() - started:.0f} s)")
    return out


def check_folds_match(options: RunOptions) -> bool:
    """The benchmark's folds are exactly those `cross_validate` uses (same call, same arguments)."""
    from ecs_tagger.model.classifier import folds_for

    data = labelled_data(options.n_labelled)
    settings = shipped_settings()
    again = folds_for(
        data.training.labels.any(axis=1),
        data.training.groups,
        settings.cv_folds,
        settings.random_state,
    )
    return all(np.array_equal(a[1], b[1]) for a, b in zip(again, data.folds, strict=True))


# -- zero-shot -------------------------------------------------------------------------------------
#: Fixed before any full run: an area is tagged when a document's cosine to the area's prototype is
#: in the top PRIOR_SHARE of that area's cosines over the documents being tagged. The share is a
#: prior from the corpus README (about 40 % of projects belong to one of the four areas, so about
#: 10 % per area); no label is used, the quantiles are those of the unlabelled input.
PRIOR_SHARE = 0.10


def area_prototypes(with_alt_labels: bool) -> tuple[np.ndarray, dict[str, list[str]]]:
    """One unit vector per area: the mean of its descriptions' (and alt labels') query vectors."""
    from ecs_tagger.embedding.encoder import Embedder
    from ecs_tagger.model.taxonomy import default_taxonomy

    taxonomy = default_taxonomy()
    embedder = Embedder()
    vectors, texts = [], {}
    for area in taxonomy.areas:
        pieces = [
            f"{area.name_sv}: {area.description_sv}",
            f"{area.name_en}: {area.description_en}",
        ]
        if with_alt_labels:
            pieces += list(area.alt_labels)
        texts[area.code] = pieces
        embedded = embedder.embed_queries(pieces)
        # descriptions weigh as much as all alt labels together
        weights = np.array([1.0, 1.0] + [2.0 / max(1, len(pieces) - 2)] * (len(pieces) - 2))
        mean = (embedded * weights[:, None]).sum(axis=0)
        vectors.append(mean / np.linalg.norm(mean))
    embedder.close()
    return np.vstack(vectors), texts


def run_zeroshot(options: RunOptions) -> dict[str, Any]:
    data = labelled_data(options.n_labelled)
    base = shipped_settings()
    embeddings = embeddings_for(data, base.preprocess, base.embedder)
    out: dict[str, Any] = {"systems": {}, "rule": f"top {PRIOR_SHARE:.0%} per area"}
    mask = data.evaluate
    for alt in (False, True):
        prototypes, _ = area_prototypes(alt)
        cosine = embeddings @ prototypes.T  # documents × areas
        scored = cosine[mask]
        cut = np.quantile(scored, 1.0 - PRIOR_SHARE, axis=0)
        z = (cosine - scored.mean(axis=0)) / scored.std(axis=0)
        suffix = "+alt" if alt else ""
        any_rule = cosine >= cut
        top = np.zeros_like(any_rule)
        best = np.argmax(z, axis=1)
        rows = np.arange(len(z))
        top[rows, best] = any_rule[rows, best]
        tuned = np.zeros_like(any_rule)
        for train, test in data.folds:
            rows = train[mask[train]]
            for area in range(len(data.codes)):
                threshold = best_threshold(data.labels[rows, area], cosine[rows, area])
                tuned[test, area] = cosine[test, area] >= threshold
        for key, predicted, description in (
            (
                f"zero-shot{suffix}",
                any_rule,
                f"cosine to the area descriptions{' + alt labels' if alt else ''} (sv + en); "
                f"a priori rule: top {PRIOR_SHARE:.0%} of each area's cosines",
            ),
            (
                f"zero-shot-top1{suffix}",
                top,
                f"as zero-shot{suffix}, but at most one area (highest standardised cosine)",
            ),
            (
                f"zero-shot-tuned{suffix}",
                tuned,
                "NOT zero-shot: same cosines, per-area thresholds tuned on each training part",
            ),
        ):
            out["systems"][key] = {"description": description, **score_predictions(data, predicted)}
            log(f"{key}: macro-F1 {out['systems'][key]['report']['macro_f1']:.3f}")
    return out
