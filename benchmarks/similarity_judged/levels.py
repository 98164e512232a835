"""Derive the similarity levels of :mod:`ecs_tagger.regional.levels` from the judged pairs.

Run from the repository root::

    python -m benchmarks.similarity_judged.levels            # similarities from the index, check
    python -m benchmarks.similarity_judged.levels --write    # ... and rewrite similarities.tsv
    python -m benchmarks.similarity_judged.levels --stored   # from similarities.tsv (seconds)

Every pair of ``grades.tsv`` gets the similarity that ``similar`` gives it in the all-Projektbanken
index the grades were made on (the query by id against the candidate: hybrid and dense), and
:func:`ecs_tagger.regional.levels.derive_levels` turns similarities and grades into the levels. The
command prints them, the share of related pairs in bands of similarity, and whether they equal the
constants in ``LEVELS`` (exit status 1 when not). ``similarities.tsv`` holds ids and numbers only
(no corpus text): tests/test_regional_levels.py re-derives the levels from it.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np
import pandas as pd

from benchmarks.similarity_judged.judged import HERE, pb_index, read_grades
from ecs_tagger.regional.levels import LEVELS, derive_levels

SIMILARITIES = HERE / "similarities.tsv"
METHODS = ("hybrid", "dense")


def pair_similarities() -> pd.DataFrame:
    """query_id, candidate_id, grade, hybrid, dense for every judged pair (the index is built
    once, see judged.py)."""
    from ecs_tagger.index.lexical import fuse, lexical_space

    index = pb_index()
    space = lexical_space(index)
    grades = read_grades()
    rows = []
    for (query, candidate), grade in sorted(grades.items()):
        q, c = index.position(query), index.position(candidate)
        dense = float(index.search_vectors[c] @ index.search_vectors[q])
        lexical = float((space.matrix[q] @ space.matrix[c].T).toarray()[0, 0])
        same = np.array([space.languages[q] == space.languages[c]])
        hybrid = float(fuse(np.array([dense]), np.array([lexical]), same, space)[0])
        rows.append((query, candidate, grade, round(hybrid, 4), round(dense, 4)))
    return pd.DataFrame(rows, columns=["query_id", "candidate_id", "grade", *METHODS])


def stored_similarities() -> pd.DataFrame:
    frame = pd.read_csv(SIMILARITIES, sep="\t", dtype={"query_id": str, "candidate_id": str})
    grades = read_grades()
    frame["grade"] = [
        grades[(q, c)] for q, c in zip(frame["query_id"], frame["candidate_id"], strict=True)
    ]
    return frame


def bands(frame: pd.DataFrame, method: str) -> pd.DataFrame:
    """Pairs, share related (>= 1) and share counterparts (2) per band of similarity."""
    edges = [-1.0, 0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 1.01]
    band = pd.cut(frame[method], edges, right=False)
    grouped = frame.groupby(band, observed=True)["grade"]
    return pd.DataFrame(
        {
            "pairs": grouped.size(),
            "related": grouped.apply(lambda g: float((g >= 1).mean())).round(2),
            "counterparts": grouped.apply(lambda g: float((g >= 2).mean())).round(2),
        }
    )


def _same(a: float, b: float) -> bool:
    return (np.isnan(a) and np.isnan(b)) or a == b


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help="rewrite similarities.tsv")
    parser.add_argument("--stored", action="store_true", help="read similarities.tsv")
    args = parser.parse_args(argv)
    frame = stored_similarities() if args.stored else pair_similarities()
    if args.write:
        frame.drop(columns="grade").to_csv(SIMILARITIES, sep="\t", index=False)
        print(f"wrote {SIMILARITIES} ({len(frame)} pairs)")
    print(
        f"{len(frame)} judged pairs; grades {frame['grade'].value_counts().sort_index().to_dict()}"
    )
    same = True
    for method in METHODS:
        derived = derive_levels(frame[method], frame["grade"])
        stored = LEVELS[method]
        above = frame[method].map(lambda v, d=derived: d.level(v) != "weak")
        print(
            f"\n{method}: related >= {derived.related:.2f} (LEVELS: {stored.related:.2f}), "
            f"close >= {derived.close:.2f} (LEVELS: {stored.close:.2f}); "
            f"{int(above.sum())} pairs at or above the related level, "
            f"{float((frame.loc[above, 'grade'] >= 1).mean()):.0%} of them related; below it "
            f"{float((frame.loc[~above, 'grade'] >= 1).mean()):.0%}"
        )
        print(bands(frame, method).to_string())
        same &= _same(derived.related, stored.related) and _same(derived.close, stored.close)
    print("\nthe constants match" if same else "\nLEVELS differ from the derived levels")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
