"""Explanations measured by careful reading (issue 11, part 2).

``python -m benchmarks.explanations.run evidence --version before|after``
    tags 30 labelled corpus texts with areas (seeded sample, seed 20261130) with evidence and
    writes ``evidence_<version>.tsv`` (id, area, rank, term: ids and terms only).
``python -m benchmarks.explanations.run matches --version before|after``
    explains 30 matches (the top hit, other regions only, of the first 30 queries of
    ``benchmarks/similarity_judged/queries.tsv``) and writes ``matches_<version>.tsv`` (query id,
    hit id, the indices of the two sentences in their texts, the shared terms).
``python -m benchmarks.explanations.run blind``
    writes the items of both versions not yet judged, merged and shuffled, without the version,
    to ``/tmp/explanations_blind_{evidence,matches}.tsv`` (with the corpus text to read; kept out
    of the repository). The grader adds a ``judgement`` column and saves the rows (ids, terms and
    judgement only) into ``judged_evidence.tsv`` / ``judged_matches.tsv``.
``python -m benchmarks.explanations.run score``
    the share of accepted evidence terms and of topical reasons, per version.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).parent
SEED = 20261130
N = 30


def sample_texts() -> pd.DataFrame:
    from ecs_tagger.corpus import load_training_data

    data = load_training_data()
    data = data[data["areas"].map(len) > 0]
    return data.sample(N, random_state=SEED).reset_index(drop=True)


def evidence(version: str) -> None:
    from ecs_tagger.tagger import Tagger

    tagger = Tagger.load()
    sample = sample_texts()
    results = tagger.tag_many(sample["text"].tolist(), evidence=True)
    rows = []
    for ident, result in zip(sample["id"], results, strict=True):
        for code, found in result.evidence.items():
            for rank, term in enumerate(found.terms, start=1):
                rows.append((ident, code, rank, term.term))
    frame = pd.DataFrame(rows, columns=["id", "area", "rank", "term"])
    frame.to_csv(HERE / f"evidence_{version}.tsv", sep="\t", index=False)
    print(f"{len(frame)} terms for {frame['id'].nunique()} texts", file=sys.stderr)


def matches(version: str) -> None:
    from benchmarks.similarity_judged.judged import pb_index
    from ecs_tagger.regional.reasons import sentences_of_row, useful
    from ecs_tagger.regional.similarity import similar

    index = pb_index()
    queries = pd.read_csv(HERE.parent / "similarity_judged" / "queries.tsv", sep="\t")[
        "query_id"
    ].head(N)
    rows = []
    for query in queries:
        hit = similar(index, query, k=1, other_regions=True)[0]
        reason = hit.reason
        assert reason is not None
        qs = useful(sentences_of_row(index, index.position(query)))
        hs = useful(sentences_of_row(index, index.position(hit.id)))
        rows.append(
            (
                query,
                hit.id,
                qs.index(reason.query_sentence),
                hs.index(reason.hit_sentence),
                "; ".join(reason.shared_terms),
            )
        )
    frame = pd.DataFrame(
        rows, columns=["query_id", "hit_id", "query_sentence", "hit_sentence", "shared_terms"]
    )
    frame.to_csv(HERE / f"matches_{version}.tsv", sep="\t", index=False)


def _read(name: str) -> pd.DataFrame:
    path = HERE / name
    return pd.read_csv(path, sep="\t", keep_default_na=False) if path.exists() else pd.DataFrame()


def blind() -> None:
    from benchmarks.similarity_judged.judged import pb_index
    from ecs_tagger.regional.reasons import sentences_of_row, useful

    rng = np.random.default_rng(SEED)
    ev = pd.concat([_read("evidence_before.tsv"), _read("evidence_after.tsv")])
    ev = ev[["id", "area", "term"]].drop_duplicates()
    done = _read("judged_evidence.tsv")
    if len(done):
        ev = ev.merge(done[["id", "area", "term"]], how="left", indicator=True)
        ev = ev[ev["_merge"] == "left_only"].drop(columns="_merge")
    texts = sample_texts().set_index("id")["text"]
    ev = ev.iloc[rng.permutation(len(ev))]
    ev = ev.assign(text=[" ".join(texts[i][:700].split()) for i in ev["id"]])
    ev.to_csv("/tmp/explanations_blind_evidence.tsv", sep="\t", index=False)
    ma = pd.concat([_read("matches_before.tsv"), _read("matches_after.tsv")]).drop_duplicates()
    judged = _read("judged_matches.tsv")
    if len(judged):
        keys = ["query_id", "hit_id", "query_sentence", "hit_sentence", "shared_terms"]
        ma = ma.merge(judged[keys], how="left", indicator=True)
        ma = ma[ma["_merge"] == "left_only"].drop(columns="_merge")
    index = pb_index()

    def sentence(ident: str, i: int) -> str:
        return " ".join(useful(sentences_of_row(index, index.position(ident)))[int(i)].split())

    ma = ma.iloc[rng.permutation(len(ma))]
    ma = ma.assign(
        query_text=[
            sentence(q, i) for q, i in zip(ma["query_id"], ma["query_sentence"], strict=True)
        ],
        hit_text=[sentence(h, i) for h, i in zip(ma["hit_id"], ma["hit_sentence"], strict=True)],
    )
    ma.to_csv("/tmp/explanations_blind_matches.tsv", sep="\t", index=False)
    print(f"{len(ev)} evidence items, {len(ma)} reasons to judge", file=sys.stderr)


def score() -> None:
    judged = _read("judged_evidence.tsv")
    reasons = _read("judged_matches.tsv")
    for version in ("before", "after"):
        ev = _read(f"evidence_{version}.tsv")
        if len(ev) and len(judged):
            merged = ev.merge(judged, on=["id", "area", "term"], how="left")
            ok = merged["judgement"].dropna().astype(int)
            print(
                f"{version}: evidence terms accepted {ok.mean():.2f} "
                f"({ok.sum()}/{len(ok)} judged of {len(ev)}; "
                f"{(merged.groupby('id')['judgement'].max() > 0).sum()} texts with an accepted term)"
            )
        ma = _read(f"matches_{version}.tsv")
        if len(ma) and len(reasons):
            keys = ["query_id", "hit_id", "query_sentence", "hit_sentence", "shared_terms"]
            merged = ma.merge(reasons, on=keys, how="left")
            ok = pd.to_numeric(merged["sentences_topical"], errors="coerce").dropna().astype(int)
            terms = pd.to_numeric(merged["terms_real"], errors="coerce").dropna()
            print(
                f"{version}: reasons with a topical sentence pair {ok.mean():.2f} "
                f"({ok.sum()}/{len(ok)}); shared terms real and topical {terms.mean():.2f}"
            )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("step", choices=["evidence", "matches", "blind", "score"])
    parser.add_argument("--version", default="after")
    args = parser.parse_args(argv)
    if args.step == "evidence":
        evidence(args.version)
    elif args.step == "matches":
        matches(args.version)
    elif args.step == "blind":
        blind()
    else:
        score()


if __name__ == "__main__":
    main()
