"""What a similarity means (ecs_tagger.regional.levels): the levels are derived from the judged
similarity set, and a search over a registry with nothing related says so."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ecs_tagger.regional.levels import (
    LEVEL_CLOSE,
    LEVEL_RELATED,
    LEVEL_WEAK,
    LEVELS,
    MIN_PAIRS,
    SimilarityLevels,
    derive_levels,
    levels_for,
)
from ecs_tagger.regional.similarity import similar
from similarity_support import synthetic_index

JUDGED = Path(__file__).resolve().parents[1] / "benchmarks" / "similarity_judged"


def _judged() -> pd.DataFrame:
    """The judged pairs with their stored similarities (ids and numbers only)."""
    grades = pd.read_csv(JUDGED / "grades.tsv", sep="\t", dtype=str, comment="#")
    grades["grade"] = grades["grade"].astype(int)
    similarities = pd.read_csv(JUDGED / "similarities.tsv", sep="\t", dtype={0: str, 1: str})
    return grades.merge(similarities, on=["query_id", "candidate_id"], how="left")


@pytest.mark.parametrize("method", ["hybrid", "dense"])
def test_the_levels_are_the_ones_the_judged_pairs_give(method: str) -> None:
    """Re-derives LEVELS from benchmarks/similarity_judged (grades.tsv and the pairs'
    similarities in similarities.tsv, written by `python -m
    benchmarks.similarity_judged.levels --write`)."""
    judged = _judged()
    assert len(judged) == 1638 and judged[method].notna().all(), "every judged pair is scored"
    derived = derive_levels(judged[method], judged["grade"])
    levels = LEVELS[method]
    assert derived.related == levels.related
    assert derived.close == levels.close or (math.isnan(derived.close) and math.isnan(levels.close))
    assert 0 < levels.related < 1 and not levels.close <= levels.related
    above = judged[method].map(lambda v: levels.level(v) != LEVEL_WEAK)
    assert (judged.loc[above, "grade"] >= 1).mean() > 0.5, "most pairs above it are related"
    assert (judged.loc[~above, "grade"] >= 1).mean() < 0.5, "most pairs below it are not"
    assert levels.level(levels.related - 0.004) == LEVEL_RELATED, "as shown: two decimals"


def test_derive_levels_takes_the_lowest_similarity_where_most_pairs_stay_related() -> None:
    rng = np.random.default_rng(0)
    similarities = np.linspace(0.0, 0.6, 600)
    # related with a chance rising with the similarity, counterparts from 0.4 up
    related = rng.random(600) < np.clip(similarities * 2.2, 0, 1)
    grades = np.where(similarities >= 0.45, 2, related.astype(int))
    levels = derive_levels(similarities, grades)
    # the chance of "related" crosses one half at 0.23; the fitted share, at 0.29 with this noise
    assert 0.2 < levels.related < 0.32 and 0.45 <= levels.close <= 0.46
    order = similarities >= levels.related
    assert (grades[order] >= 1).mean() > 0.5
    assert levels.related == math.ceil(levels.related * 100) / 100, "two decimals"
    # too few pairs to speak of "most": no level
    few = derive_levels(similarities[-(MIN_PAIRS - 1) :], grades[-(MIN_PAIRS - 1) :])
    assert math.isnan(few.related)
    with pytest.raises(ValueError):
        derive_levels([0.1, 0.2], [1])


def test_a_level_says_close_related_or_weak() -> None:
    levels = SimilarityLevels(related=0.2, close=0.4)
    assert levels.level(0.5) == LEVEL_CLOSE and levels.level(0.4) == LEVEL_CLOSE
    assert levels.level(0.25) == LEVEL_RELATED and levels.level(0.2) == LEVEL_RELATED
    assert levels.level(0.19) == LEVEL_WEAK and levels.level(-0.05) == LEVEL_WEAK
    assert levels_for("hybrid") is LEVELS["hybrid"]


def _unrelated_registry() -> tuple[object, str]:
    """A registry whose projects point in unrelated directions, and one close pair."""
    vectors = np.eye(8, dtype=np.float32)[:6]
    vectors[5] = 0.9 * vectors[0] + 0.44 * vectors[5]
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    index = synthetic_index(
        regions=[["Örebro"], ["Uppsala"], ["Skåne"], ["Gotland"], ["Dalarna"], ["Halland"]],
        areas=[["energy"], [], ["industry"], [], ["health"], ["energy"]],
        vectors=vectors,
        titles=["Biogas", "Basar", "Järnvägsterminal", "Stationens tillgänglighet", "Vård", "Gas"],
    )
    return index, "P1"


def test_a_search_over_a_registry_with_nothing_related_says_so() -> None:
    """Issue 18: a biogas query over a registry without any such project listed ten unrelated
    hits at 0.01-0.08 as the initiatives "most like" it."""
    from ecs_tagger.coordinators.widgets import similar_html, similar_table

    index, lonely = _unrelated_registry()
    hits = similar(index, lonely, k=4, explain=False)  # P1 is like nothing
    assert len(hits) == 4 and not hits.matches()
    assert all(hits.level(hit) == LEVEL_WEAK for hit in hits)
    markup = similar_html(hits)
    assert "No close match in this registry" in markup
    assert "<details>" in markup and "Show the nearest anyway (4, marked weak)" in markup
    assert "How to read the similarity" in markup
    related = f"{levels_for('hybrid').related:.2f}"
    assert f"below {related}" in markup
    assert "-0." not in markup, "a negative similarity is shown as 0.00"
    assert "<details open>" in similar_html(hits, show_weak=True)
    assert similar_table(hits).empty, "weak hits are no matches"
    assert set(similar_table(hits, show_weak=True)["match"]) == {"weak"}
    frame = hits.to_frame()
    assert set(frame["level"]) == {"weak"}


def test_a_close_project_is_shown_as_a_match_and_the_rest_stay_weak() -> None:
    from ecs_tagger.coordinators.widgets import similar_html, similar_table

    index, _ = _unrelated_registry()
    hits = similar(index, "P0", k=3, explain=False)
    assert hits.ids[0] == "P5" and hits.level(hits[0]) in (LEVEL_CLOSE, LEVEL_RELATED)
    assert hits.matches().ids == ["P5"]
    markup = similar_html(hits, language="sv")
    assert "1 initiativ som mest liknar projekt <b>P0</b>" in markup
    assert "Ingen nära träff" not in markup and "2 svagare träffar" in markup
    assert "nära träff" in markup or "besläktad" in markup
    table = similar_table(hits, language="sv")
    assert list(table["id"]) == ["P5"] and "," in table["likhet"].iloc[0], "0,97: decimal comma"


def test_the_legend_says_what_the_figures_mean_in_either_language() -> None:
    from ecs_tagger.coordinators.widgets import similarity_legend

    english = similarity_legend(LEVELS["hybrid"])
    assert (
        "0.21 or more is a close match; 0.16 or more is related; below 0.16 it is weak" in english
    )
    swedish = similarity_legend(LEVELS["hybrid"], "sv")
    assert "0,21 eller mer är en nära träff; 0,16 eller mer är besläktat" in swedish
    dense = similarity_legend(LEVELS["dense"])
    assert "close match" not in dense and "0.30 or more is related" in dense and "–" not in dense
