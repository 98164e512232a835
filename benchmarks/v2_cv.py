"""Grouped 5-fold CV of tagger-v2 variants on all labels, on the same folds (issue 9).

Folds: `benchmarks.common.labelled_data()` — `folds_for(any_area, groups, 5, random_state=0)` over
the labelled rows plus their English parallels (the split of `ecs_tagger.model.training.cross_validate`);
every other row (a title copy) goes to the fold of its record. Every variant trains on some kinds of
rows of the training part and predicts every row of the test part, so it is scored on
  * `labelled`: the labelled texts (Projektbanken descriptions + SweCRIS Swedish abstracts) — the
    headline macro-F1, comparable with the shipped model's CV,
  * `pb` / `swecris_sv`: each source alone, `en`: the English parallel abstracts, `title`: title-only
    copies of the labelled records.

    PYTHONPATH=src python -m benchmarks.v2_cv --variants baseline,titles ... [--emb fp32]
"""

from __future__ import annotations

import argparse
import json
import pickle
import time
from dataclasses import dataclass, replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd

V2 = Path("scratch/v2")
KINDS = ("pb", "swecris_sv", "en", "title")


@dataclass(frozen=True)
class Variant:
    train_kinds: tuple[str, ...] = ("pb", "swecris_sv", "en")
    rounds: tuple[int, ...] = (1, 2)
    context: bool = False
    interactions: bool = False
    title_weight: float = 1.0
    emb: str = "fp32"
    signals: str = "both"
    kind_thresholds: bool = False


VARIANTS: dict[str, Variant] = {
    "baseline": Variant(),
    "round1-only": Variant(rounds=(1,)),
    "titles": Variant(train_kinds=KINDS),
    "titles-w0.5": Variant(train_kinds=KINDS, title_weight=0.5),
    "context": Variant(context=True),
    "titles+context": Variant(train_kinds=KINDS, context=True),
    "titles+context-x": Variant(train_kinds=KINDS, context=True, interactions=True),
    "embedding-only": Variant(signals="embedding"),
    "titles+kind-thresholds": Variant(train_kinds=KINDS, kind_thresholds=True),
    "titles-w0.5+kind-thresholds": Variant(
        train_kinds=KINDS, title_weight=0.5, kind_thresholds=True
    ),
    "titles+context+kind-thresholds": Variant(
        train_kinds=KINDS, context=True, kind_thresholds=True
    ),
    "kind-thresholds": Variant(kind_thresholds=True),
}


def text_kind(documents: list[Any]) -> np.ndarray:
    """Kind of a text as seen at tagging time: short (< 200 chars), English, or long Swedish/other."""
    return np.array(
        [
            "short" if len(d.clean) < 200 else "en" if d.language == "en" else "long"
            for d in documents
        ]
    )


def kind_thresholds(
    classifier: Any, y: np.ndarray, kinds: np.ndarray, min_pos: int = 10
) -> dict[str, np.ndarray]:
    """Per text kind, the F1-best threshold of each area on the inner out-of-fold probabilities
    (the global one where a kind has fewer than `min_pos` positives of an area)."""
    from ecs_tagger.model.classifier import best_threshold

    oof = classifier.oof_probabilities_
    out = {}
    for kind in ("short", "en", "long"):
        mask = kinds == kind
        t = classifier.thresholds_.copy()
        for a in range(y.shape[1]):
            if y[mask, a].sum() >= min_pos:
                t[a] = best_threshold(y[mask, a], oof[mask, a])
        out[kind] = t
    return out


def load_rows(v2: Path = V2) -> tuple[pd.DataFrame, list[Any]]:
    with open(v2 / "rows.pkl", "rb") as handle:
        data = pickle.load(handle)
    rows = data["rows"]
    documents = [
        SimpleNamespace(clean=c, lemmas=lem, language=lang)
        for c, lem, lang in zip(rows["clean"], data["lemmas"], rows["language"], strict=True)
    ]
    return rows, documents


def fold_of_rows(rows: pd.DataFrame) -> np.ndarray:
    """Fold index of every row: the fold of its group in the shared split."""
    from benchmarks.common import labelled_data

    data = labelled_data()
    group_fold: dict[str, int] = {}
    groups = data.frame["group"].astype(str).to_numpy()
    for fold, (_, test) in enumerate(data.folds):
        for g in groups[test]:
            group_fold[g] = fold
    return np.array([group_fold[g] for g in rows["group"].astype(str)])


def embeddings(rows: pd.DataFrame, name: str, v2: Path = V2) -> dict[int, np.ndarray]:
    """Vectors of every row for each fold: one set for all folds, or (fine-tuned) one per fold."""
    if name == "fp32":
        from ecs_tagger.embedding.encoder import Embedder

        vectors = Embedder().embed_documents(rows["clean"].tolist())
        return dict.fromkeys(range(5), vectors)
    if (v2 / f"emb_{name}.npy").exists():
        return dict.fromkeys(range(5), np.load(v2 / f"emb_{name}.npy"))
    return {
        f: np.load(v2 / f"emb_{name}.f{f}.npy")
        for f in range(5)
        if (v2 / f"emb_{name}.f{f}.npy").exists()
    }


def label_matrix(rows: pd.DataFrame, codes: tuple[str, ...]) -> np.ndarray:
    return np.array([[c in areas for c in codes] for areas in rows["areas"]], dtype=bool)


def run_variant(
    name: str,
    variant: Variant,
    rows: pd.DataFrame,
    documents: list[Any],
    emb: dict[int, np.ndarray],
    folds: np.ndarray,
    Y: np.ndarray,
    fold_list: tuple[int, ...] = (0, 1, 2, 3, 4),
) -> dict[str, Any]:
    from ecs_tagger.model.training import PreparedData, TrainSettings, features_for, fit_classifier

    settings = replace(
        TrainSettings(),
        context=variant.context,
        context_interactions=variant.interactions,
        signals=variant.signals,
    )
    groups = pd.factorize(rows["group"])[0]
    kinds = rows["kind"].to_numpy()
    weights = np.where(kinds == "title", variant.title_weight, 1.0)
    trainable = np.isin(kinds, variant.train_kinds) & rows["round"].isin(variant.rounds).to_numpy()
    P = np.full(Y.shape, np.nan)
    D = np.zeros(Y.shape, dtype=bool)
    thresholds = []
    started = time.perf_counter()
    for fold in fold_list:
        train = np.flatnonzero((folds != fold) & trainable)
        test = np.flatnonzero(folds == fold)
        prepared = PreparedData(documents, emb[fold])  # type: ignore[arg-type]
        lexical, classifier = fit_classifier(prepared, Y, settings, train, weights, groups)
        P[test] = classifier.predict_proba(features_for(prepared, lexical, test, settings))
        if variant.kind_thresholds:
            kinds_all = text_kind(documents)
            per_kind = kind_thresholds(classifier, Y[train], kinds_all[train])
            for kind, t in per_kind.items():
                rows_k = test[kinds_all[test] == kind]
                D[rows_k] = P[rows_k] >= t
            thresholds.append({k: v.tolist() for k, v in per_kind.items()})
        else:
            D[test] = P[test] >= classifier.thresholds_
            thresholds.append(classifier.thresholds_.tolist())
    seconds = time.perf_counter() - started
    return {
        "name": name,
        "variant": variant.__dict__,
        "seconds": seconds,
        "thresholds": thresholds,
        "P": P,
        "D": D,
    }


def score(
    result: dict[str, Any],
    rows: pd.DataFrame,
    folds: np.ndarray,
    Y: np.ndarray,
    codes: tuple[str, ...],
    fold_list: tuple[int, ...] = (0, 1, 2, 3, 4),
) -> dict[str, Any]:
    from ecs_tagger.model.metrics import multilabel_report

    kinds = rows["kind"].to_numpy()
    D = result["D"]
    subsets = {
        "labelled": np.isin(kinds, ("pb", "swecris_sv")),
        **{k: kinds == k for k in KINDS},
    }
    out: dict[str, Any] = {}
    for subset, mask in subsets.items():
        out[subset] = multilabel_report(codes, Y[mask], D[mask]).to_dict()
    labelled = subsets["labelled"]
    out["per_fold_macro"] = [
        multilabel_report(codes, Y[labelled & (folds == f)], D[labelled & (folds == f)]).macro_f1
        for f in fold_list
    ]
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--variants", default="baseline")
    parser.add_argument("--emb", default=None, help="override the embeddings of every variant")
    parser.add_argument("--out", type=Path, default=V2 / "cv")
    parser.add_argument("--folds", default="0,1,2,3,4", help="a subset: scored on those folds only")
    args = parser.parse_args()
    from ecs_tagger.model.taxonomy import default_taxonomy

    codes = default_taxonomy().codes
    rows, documents = load_rows()
    folds = fold_of_rows(rows)
    Y = label_matrix(rows, codes)
    args.out.mkdir(parents=True, exist_ok=True)
    cache: dict[str, dict[int, np.ndarray]] = {}
    for name in args.variants.split(","):
        variant = VARIANTS[name.split("@")[0]]
        if "@" in name:
            variant = replace(variant, emb=name.split("@")[1])
        if args.emb:
            variant = replace(variant, emb=args.emb)
            name = f"{name}@{args.emb}"
        if variant.emb not in cache:
            cache[variant.emb] = embeddings(rows, variant.emb)
        fold_list = tuple(int(f) for f in args.folds.split(","))
        result = run_variant(
            name, variant, rows, documents, cache[variant.emb], folds, Y, fold_list
        )
        if len(fold_list) < 5:
            name = f"{name}.folds{''.join(map(str, fold_list))}"
            keep = np.isin(folds, fold_list)
            sub_rows = rows[keep].reset_index(drop=True)
            result["D"], result["P"] = result["D"][keep], result["P"][keep]
            scores = score(result, sub_rows, folds[keep], Y[keep], codes, fold_list)
        else:
            scores = score(result, rows, folds, Y, codes)
        np.save(args.out / f"{name}.P.npy", result["P"])
        record = {k: v for k, v in result.items() if k not in ("P", "D")} | {"scores": scores}
        (args.out / f"{name}.json").write_text(json.dumps(record, indent=1), encoding="utf-8")
        line = " ".join(
            f"{s}={scores[s]['macro_f1']:.4f}"
            for s in ("labelled", "pb", "swecris_sv", "en", "title")
        )
        print(f"{name}: {line} ({result['seconds']:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
