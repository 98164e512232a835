"""Similar initiatives judged by careful reading: queries, pooling, blind grading, scores.

Run from the repository root::

    python -m benchmarks.similarity_judged select            # (re)draw queries.tsv (seeded)
    python -m benchmarks.similarity_judged pool --out /tmp/pairs.md [--methods a,b]
    python -m benchmarks.similarity_judged score [--methods a,b]
    python -m benchmarks.similarity_judged crosslingual [--methods a,b]

The index is all 2,106 Projektbanken projects (``load_registry(oms_only=False)`` indexed with the
shipped model), built once into ``$ECS_TAGGER_CACHE/bench/projektbanken-index`` (about 10
minutes the first time, seconds later). Every query is a Projektbanken project of Östra
Mellansverige; its candidates are the projects present in none of its regions
(``other_regions=True``). `pool` writes the query and candidate texts of every pair that the
methods' top 10s hold and ``grades.tsv`` lacks, grouped by query, candidates shuffled, without
method names or ranks (the file holds corpus text: keep it out of the repository). The grader
reads it against ``GRADING_BRIEF.md`` and appends ``query_id<TAB>candidate_id<TAB>grade`` lines
to ``grades.tsv``. `score` prints nDCG@10 (linear gains 0/1/2; the ideal ranking is the best 10
judged candidates of the query over all methods), P@10 (share of the top 10 graded >= 1) and the
judged share of the top 10 (unjudged hits count as 0) per method. `crosslingual` prints the
recall@1 of a Swedish SweCRIS abstract finding its English abstract among 200 English ones (and
the reverse), on the sample that tests/test_regional_similarity.py uses.

Methods (`--methods`): ``search`` (``similarity.similar`` as shipped, hybrid), ``search_dense``
(``similar(method="dense")``, the search before issue 11), ``raw`` (raw e5 cosine),
``centred`` (cosine in the similarity space), ``bm25`` (bm25s over the lemmas, the query's
distinct lemmas as the query; needs ``pip install bm25s``), ``tfidf`` (cosine of sublinear
tf-idf of the lemmas), ``pcN`` (centred vectors minus their top N principal directions),
``whiten`` (shrunk ZCA whitening), ``rrf*`` (reciprocal-rank fusion), ``hybrid*`` (mean of
per-query z-scores of the dense and the lexical scores; ``_area`` adds the tagger's area
scores), ``lin`` (the fixed-weight fusion that ``similar`` ships, as a benchmark function),
``hyb_*`` (round-5 variants of the shipped hybrid, see ``variants.py``).
The default (`search,search_dense,raw,bm25`) is the before/after table of the README here.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import os
import random
import sys
import textwrap
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

os.environ.setdefault("ECS_TAGGER_CACHE", str(Path.home() / ".cache" / "ecs-tagger"))

from ecs_tagger.index import RegistryIndex

HERE = Path(__file__).resolve().parent
QUERIES = HERE / "queries.tsv"
GRADES = HERE / "grades.tsv"
K = 10
SEED = 20261130
#: Queries drawn per stratum (the labelled area of the project; "none" = no area). Östra
#: Mellansverige has 1 labelled food and 4 health projects: all are taken.
STRATA = {"food": 1, "health": 4, "energy": 12, "industry": 12, "none": 11}
MIN_DESCRIPTION = 300


def index_dir() -> Path:
    return Path(os.environ["ECS_TAGGER_CACHE"]) / "bench" / "projektbanken-index"


@cache
def tagger() -> Any:
    from ecs_tagger.tagger import Tagger

    return Tagger.load()


@cache
def pb_index() -> RegistryIndex:
    from ecs_tagger.coordinators.review.registry import index_registry, load_registry

    folder = index_dir()
    if RegistryIndex.exists(folder):
        index = RegistryIndex.load(folder)
    else:
        print(f"building the Projektbanken index into {folder} (once)", file=sys.stderr)
        index = index_registry(load_registry(oms_only=False), tagger(), folder)
    index.attach(tagger())
    return index


@cache
def projektbanken() -> pd.DataFrame:
    from ecs_tagger.corpus import load_projektbanken

    return load_projektbanken().set_index("id")


# -- queries --------------------------------------------------------------------------------------
def select_queries() -> pd.DataFrame:
    """Seeded draw of STRATA queries among the labelled Projektbanken projects of Östra
    Mellansverige with a description of at least MIN_DESCRIPTION characters."""
    from ecs_tagger.config import corpus_dir

    labels = pd.concat(
        pd.read_json(corpus_dir() / "labels" / name, lines=True)
        for name in ("train_labels.jsonl", "train_labels_round2.jsonl")
    )
    labels = labels.loc[labels["source"] == "projektbanken"].drop_duplicates("id", keep="last")
    pb = projektbanken()
    index = pb_index()
    eligible = labels.loc[
        labels["id"].map(lambda i: bool(pb["oms"].get(i)) and i in index)
        & labels["id"].map(lambda i: len(str(pb["description"].get(i) or "")) >= MIN_DESCRIPTION)
    ].sort_values("id")
    rng = random.Random(SEED)
    chosen: list[tuple[str, str]] = []
    taken: set[str] = set()
    for stratum, count in STRATA.items():
        pool = [
            i
            for i, areas in zip(eligible["id"], eligible["areas"], strict=True)
            if i not in taken and ((stratum in areas) if stratum != "none" else not areas)
        ]
        picked = rng.sample(pool, min(count, len(pool)))
        chosen += [(i, stratum) for i in sorted(picked)]
        taken |= set(picked)
    return pd.DataFrame(chosen, columns=["query_id", "stratum"])


def queries() -> pd.DataFrame:
    return pd.read_csv(QUERIES, sep="\t", dtype=str)


# -- methods --------------------------------------------------------------------------------------
def candidate_mask(index: RegistryIndex, position: int) -> np.ndarray:
    """Rows present in none of the query's regions, the query itself excluded."""
    own = index.region_sets()[position]
    mask = np.array([not (own & regions) for regions in index.region_sets()], dtype=bool)
    mask[position] = False
    return mask


def _cosine(vectors: np.ndarray) -> Callable[[RegistryIndex, int], np.ndarray]:
    def scores(index: RegistryIndex, position: int) -> np.ndarray:
        return vectors @ vectors[position]

    return scores


@cache
def bm25_model() -> Any:
    import bm25s

    model = bm25s.BM25()
    model.index([list(lemmas) for lemmas in pb_index().rows["lemmas"]], show_progress=False)
    return model


def bm25_scores(index: RegistryIndex, position: int) -> np.ndarray:
    query = sorted(set(index.rows.at[position, "lemmas"]))
    return np.asarray(bm25_model().get_scores(query), dtype=np.float64)


def search_ranking(index: RegistryIndex, position: int, method: str = "hybrid") -> list[str]:
    """similarity.similar as a user calls it (`method` "dense" is the search before issue 11)."""
    from ecs_tagger.regional.similarity import similar

    ident = str(index.rows.at[position, "id"])
    return similar(
        index, ident, k=K, other_regions=True, explain=False, backend="exact", method=method
    ).ids


def remove_directions(vectors: np.ndarray, count: int) -> np.ndarray:
    """Vectors minus their projection on the top `count` principal directions (fitted on them),
    renormalised."""
    centre = vectors.mean(axis=0)
    _, _, vt = np.linalg.svd(vectors - centre, full_matrices=False)
    top = vt[:count]
    moved = vectors - (vectors @ top.T) @ top
    return moved / np.maximum(np.linalg.norm(moved, axis=1, keepdims=True), 1e-12)


def _zscore(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    allowed = values[mask]
    return (values - allowed.mean()) / max(float(allowed.std()), 1e-9)


def _rrf(rankings: list[np.ndarray], mask: np.ndarray, k: int = 60) -> np.ndarray:
    out = np.zeros(len(mask))
    for scores in rankings:
        order = np.argsort(-np.where(mask, scores, -np.inf), kind="stable")
        ranks = np.empty(len(order))
        ranks[order] = np.arange(1, len(order) + 1)
        out += 1.0 / (k + ranks)
    return out


ScoreFn = Callable[[RegistryIndex, int], np.ndarray]


@cache
def score_functions() -> dict[str, ScoreFn]:
    index = pb_index()
    raw = index.vectors / np.linalg.norm(index.vectors, axis=1, keepdims=True)
    centred = index.search_vectors
    out: dict[str, ScoreFn] = {
        "raw": _cosine(raw),
        "centred": _cosine(centred),
        "bm25": bm25_scores,
    }
    for count in (1, 3, 5, 10, 20):
        out[f"pc{count}"] = _cosine(remove_directions(centred, count))

    def fused(dense: ScoreFn, weight: float, lexical: ScoreFn = bm25_scores) -> ScoreFn:
        def scores(index: RegistryIndex, position: int) -> np.ndarray:
            mask = candidate_mask(index, position)
            return weight * _zscore(dense(index, position), mask) + (1 - weight) * _zscore(
                lexical(index, position), mask
            )

        return scores

    def rrf(dense: ScoreFn, lexical: ScoreFn = bm25_scores) -> ScoreFn:
        def scores(index: RegistryIndex, position: int) -> np.ndarray:
            mask = candidate_mask(index, position)
            return _rrf([dense(index, position), lexical(index, position)], mask)

        return scores

    out["tfidf"] = _cosine(tfidf_vectors())
    out["whiten"] = _cosine(whitened(centred))
    out["hybrid5_tfidf"] = fused(out["centred"], 0.5, out["tfidf"])
    out["rrf"] = rrf(out["centred"])
    out["rrf_pc5"] = rrf(out["pc5"])
    for weight in (0.5, 0.7):
        out[f"hybrid{int(weight * 10)}"] = fused(out["centred"], weight)
        out[f"hybrid{int(weight * 10)}_pc5"] = fused(out["pc5"], weight)
    areas = area_vectors()

    def with_areas(base: ScoreFn, weight: float) -> ScoreFn:
        def scores(index: RegistryIndex, position: int) -> np.ndarray:
            mask = candidate_mask(index, position)
            return _zscore(base(index, position), mask) + weight * _zscore(
                areas @ areas[position], mask
            )

        return scores

    out["hybrid5_area"] = with_areas(out["hybrid5"], 0.25)
    out["centred_area"] = with_areas(out["centred"], 0.25)
    out["hybrid5_tfidf_area"] = with_areas(out["hybrid5_tfidf"], 0.25)
    out["rrf_tfidf"] = rrf(out["centred"], out["tfidf"])
    tf = tfidf_vectors()
    rng = np.random.default_rng(0)
    sample = rng.choice(len(index), min(300, len(index)), replace=False)
    lam = float(
        np.median([(centred @ centred[q]).std() / max((tf @ tf[q]).std(), 1e-9) for q in sample])
    )

    def linear(index: RegistryIndex, position: int) -> np.ndarray:
        return (centred @ centred[position] + lam * (tf @ tf[position])) / (1 + lam)

    out["lin"] = linear
    from benchmarks.similarity_judged.variants import variant_functions

    out.update(variant_functions())  # round 5: variants of the hybrid (variants.py)
    return out


def tfidf_vectors() -> np.ndarray:
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(analyzer=lambda lemmas: list(lemmas), sublinear_tf=True)
    return vectorizer.fit_transform(pb_index().rows["lemmas"]).toarray().astype(np.float32)


def area_vectors() -> np.ndarray:
    """The tagger's area scores of every row (rows x areas)."""
    index = pb_index()
    return index.rows[[f"score_{code}" for code in index.codes]].to_numpy(dtype=np.float64)


def whitened(vectors: np.ndarray, shrink: float = 0.1) -> np.ndarray:
    """ZCA whitening fitted on the vectors, with the covariance shrunk towards its mean
    eigenvalue by `shrink`, renormalised."""
    centre = vectors.mean(axis=0)
    cov = np.cov(vectors - centre, rowvar=False)
    values, vecs = np.linalg.eigh(cov)
    values = (1 - shrink) * values + shrink * values.mean()
    w = vecs @ np.diag(values**-0.5) @ vecs.T
    moved = (vectors - centre) @ w
    return moved / np.maximum(np.linalg.norm(moved, axis=1, keepdims=True), 1e-12)


def ranking(method: str, position: int) -> list[str]:
    index = pb_index()
    if method == "search":
        return search_ranking(index, position)
    if method == "search_dense":
        return search_ranking(index, position, "dense")
    scores = score_functions()[method](index, position)
    mask = candidate_mask(index, position)
    masked = np.where(mask, scores, -np.inf)
    order = np.argsort(-masked, kind="stable")[:K]
    return [str(index.rows.at[int(p), "id"]) for p in order if mask[p]]


@cache
def rankings(method: str) -> dict[str, list[str]]:
    index = pb_index()
    return {q: ranking(method, index.position(q)) for q in queries()["query_id"]}


# -- grades and scores ----------------------------------------------------------------------------
def read_grades() -> dict[tuple[str, str], int]:
    if not GRADES.exists():
        return {}
    grades: dict[tuple[str, str], int] = {}
    with GRADES.open(encoding="utf-8") as handle:
        for row in csv.reader(handle, delimiter="\t"):
            if not row or row[0].startswith("#") or row[0] == "query_id":
                continue
            grades[(row[0], row[1])] = int(row[2])
    return grades


def ndcg(ranked: list[str], query: str, grades: dict[tuple[str, str], int]) -> float:
    gains = [grades.get((query, c), 0) for c in ranked[:K]]
    ideal = sorted((g for (q, _), g in grades.items() if q == query), reverse=True)[:K]
    idcg = sum(g / np.log2(i + 2) for i, g in enumerate(ideal))
    if idcg == 0:
        return 0.0
    return float(sum(g / np.log2(i + 2) for i, g in enumerate(gains)) / idcg)


def score_method(method: str, grades: dict[tuple[str, str], int]) -> dict[str, float]:
    ranked = rankings(method)
    n, p, judged, twos = [], [], [], []
    for query, hits in ranked.items():
        n.append(ndcg(hits, query, grades))
        p.append(sum(grades.get((query, c), 0) >= 1 for c in hits[:K]) / K)
        twos.append(sum(grades.get((query, c), 0) == 2 for c in hits[:K]) / K)
        judged.append(sum((query, c) in grades for c in hits[:K]) / K)
    return {
        "ndcg@10": float(np.mean(n)),
        "p@10": float(np.mean(p)),
        "p2@10": float(np.mean(twos)),
        "judged": float(np.mean(judged)),
        "ndcg_sd": float(np.std(n) / np.sqrt(len(n))),
    }


def paired_difference(a: str, b: str, grades: dict[tuple[str, str], int]) -> tuple[float, float]:
    """Mean per-query nDCG@10 difference a - b and a 95 % bootstrap interval half-width."""
    ra, rb = rankings(a), rankings(b)
    diffs = np.array([ndcg(ra[q], q, grades) - ndcg(rb[q], q, grades) for q in ra])
    rng = np.random.default_rng(0)
    boots = [rng.choice(diffs, len(diffs)).mean() for _ in range(2000)]
    low, high = np.percentile(boots, [2.5, 97.5])
    return float(diffs.mean()), float((high - low) / 2)


# -- the blind pairs file -------------------------------------------------------------------------
def _text(ident: str, limit: int) -> str:
    row = projektbanken().loc[ident]
    body = " ".join(str(row["description"] or "").split())
    if len(body) > limit:
        body = body[:limit].rsplit(" ", 1)[0] + " …"
    return f"{row['title']} [{row['county']}]\n{textwrap.fill(body, 110)}"


def write_pool(methods: list[str], out: Path) -> int:
    grades = read_grades()
    lines: list[str] = []
    pairs = 0
    for number, query in enumerate(queries()["query_id"], start=1):
        pooled = sorted(
            {c for m in methods for c in rankings(m)[query]}
            - {c for (q, c) in grades if q == query}
        )
        if not pooled:
            continue
        seed = int(hashlib.sha256(f"{SEED}:{query}".encode()).hexdigest()[:8], 16)
        random.Random(seed).shuffle(pooled)
        lines += [f"\n=== Q{number:02d} {query}", _text(query, 1200), ""]
        for j, candidate in enumerate(pooled, start=1):
            lines += [f"--- {query} {candidate} (c{j})", _text(candidate, 600), ""]
        pairs += len(pooled)
    out.write_text("\n".join(lines), encoding="utf-8")
    return pairs


# -- cross-lingual --------------------------------------------------------------------------------
@cache
def swecris_index() -> RegistryIndex:
    sys.path.insert(0, str(HERE.parents[1] / "tests"))
    from similarity_support import swecris_index as build

    index = build()
    index.attach(tagger())
    return index


def crosslingual(method: str) -> tuple[float, float]:
    """Recall@1 sv->en and en->sv on the SweCRIS sample, for a cosine method of this module."""
    index = swecris_index()
    languages = index.rows["abstract_language"].to_numpy()
    if method in ("search", "search_dense"):
        from ecs_tagger.regional.similarity import similar

        found = []
        for source, target in (("sv", "en"), ("en", "sv")):
            pool = languages == target
            hits = 0
            for project in index.rows.loc[languages == source, "project"]:
                top = similar(
                    index,
                    f"{project}:{source}",
                    k=1,
                    where=pool,
                    explain=False,
                    method="dense" if method == "search_dense" else "hybrid",
                )
                hits += top.ids == [f"{project}:{target}"]
            found.append(hits / int((languages == source).sum()))
        return found[0], found[1]
    raw = index.vectors / np.linalg.norm(index.vectors, axis=1, keepdims=True)
    if method == "raw":
        vectors = raw
    elif method in ("search", "centred"):
        vectors = index.search_vectors
    elif method.startswith("pc"):
        vectors = remove_directions(index.search_vectors, int(method[2:]))
    else:
        raise SystemExit(f"cross-lingual recall needs a vector method, not {method}")
    projects = index.rows["project"].to_numpy()
    out = []
    for source, target in (("sv", "en"), ("en", "sv")):
        sources, targets = np.flatnonzero(languages == source), np.flatnonzero(languages == target)
        best = targets[np.argmax(vectors[sources] @ vectors[targets].T, axis=1)]
        out.append(float(np.mean(projects[best] == projects[sources])))
    return out[0], out[1]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["select", "pool", "score", "crosslingual", "show"])
    parser.add_argument("--methods", default="search,search_dense,raw,bm25")
    parser.add_argument("--out", type=Path, default=Path("/tmp/similarity_pairs.md"))
    parser.add_argument("--baseline", default="search_dense")
    args = parser.parse_args(argv)
    methods = [m for m in args.methods.split(",") if m]
    if args.command == "select":
        frame = select_queries()
        frame.to_csv(QUERIES, sep="\t", index=False)
        print(frame["stratum"].value_counts().to_string())
    elif args.command == "pool":
        print(f"{write_pool(methods, args.out)} unjudged pairs written to {args.out}")
    elif args.command == "score":
        grades = read_grades()
        print(f"{len(queries())} queries, {len(grades)} graded pairs; nDCG@10 linear gains")
        print(
            f"{'method':<14} {'nDCG@10':>8} {'±se':>6} {'P@10':>6} {'P2@10':>6} {'judged':>7}"
            f" {'Δ vs ' + args.baseline:>16}"
        )
        for method in methods:
            s = score_method(method, grades)
            diff, half = paired_difference(method, args.baseline, grades)
            print(
                f"{method:<14} {s['ndcg@10']:>8.3f} {s['ndcg_sd']:>6.3f} {s['p@10']:>6.2f} "
                f"{s['p2@10']:>6.2f} {s['judged']:>7.2f} {diff:>+9.3f} ±{half:.3f}"
            )
    elif args.command == "crosslingual":
        for method in methods:
            sv_en, en_sv = crosslingual(method)
            print(f"{method:<10} recall@1 sv->en {sv_en:.3f}  en->sv {en_sv:.3f}")
    elif args.command == "show":
        for method in methods:
            print(method, rankings(method)[queries()["query_id"][0]])


if __name__ == "__main__":
    main()
