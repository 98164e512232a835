"""Cross-region matching on the real corpus: pairs in different regions, near-duplicates."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from ecs_tagger.corpus import OMS_REGIONS
from ecs_tagger.errors import InputError
from ecs_tagger.regional.matching import (
    KIND_DUPLICATE,
    KIND_MATCH,
    cross_region_pairs,
    duplicate_reason,
    write_pairs,
)
from similarity_support import KNOWN_DUPLICATE, build_pb_index, pb_frame, pb_index

pytestmark = pytest.mark.usefixtures("corpus_root")


# -- cross-region matching -----------------------------------------------------------------------
def test_match_pairs_are_in_different_regions_or_flagged_duplicates() -> None:
    index = pb_index()
    pairs = cross_region_pairs(index, threshold=0.2)
    assert len(pairs) > 10
    assert set(pairs["kind"]) <= {KIND_MATCH, KIND_DUPLICATE}
    oms = set(OMS_REGIONS)
    for row in pairs.itertuples():
        regions_a = set(row.regions_a.split("; ")) & oms
        regions_b = set(row.regions_b.split("; ")) & oms
        assert regions_a and regions_b
        assert row.similarity >= 0.2
        if row.kind == KIND_MATCH:
            assert regions_a.isdisjoint(regions_b)
            assert row.duplicate_reason == ""
        else:
            assert row.duplicate_reason
        shared = set(row.areas_a.split(";")) & set(row.areas_b.split(";")) - {""}
        assert row.area in shared or (row.area == "none" and not shared)
    # The same text registered twice in Östra Mellansverige (real): a near-duplicate.
    duplicates = pairs.loc[pairs["kind"] == KIND_DUPLICATE]
    assert {"TVV-20200842", "TVV-20200857"} in [
        {a, b} for a, b in zip(duplicates["id_a"], duplicates["id_b"], strict=True)
    ]


def test_match_for_one_region() -> None:
    index = pb_index()
    pairs = cross_region_pairs(index, region="Örebro län", threshold=0.2)
    assert len(pairs)
    assert all("Örebro" in regions.split("; ") for regions in pairs["regions_a"])
    matches = pairs.loc[pairs["kind"] == KIND_MATCH]
    assert matches["regions_b"].map(lambda r: "Örebro" not in r.split("; ")).all()
    with pytest.raises(InputError, match="no project of the index is in region"):
        cross_region_pairs(index, region="Atlantis")


def test_near_duplicates_across_registrations_are_flagged() -> None:
    frame = pb_frame()
    oms = frame.loc[frame["oms"].astype(bool) & frame["description"].notna()].head(12).copy()
    copy = oms.iloc[[3]].copy()
    copy["id"] = "COPY-1"
    copy["county"] = "Kronobergs län"
    copy["description"] = copy["description"].str.replace("  ", " ") + " "  # re-typed, same text
    index = build_pb_index(pd.concat([oms, copy, frame.loc[frame["id"].isin(KNOWN_DUPLICATE)]]))
    pairs = cross_region_pairs(index, regions=None, threshold=0.5)
    flagged = pairs.loc[pairs["kind"] == KIND_DUPLICATE]
    pair_sets = [{a, b} for a, b in zip(flagged["id_a"], flagged["id_b"], strict=True)]
    assert {oms.iloc[3]["id"], "COPY-1"} in pair_sets
    # Same project, two programmes, two different descriptions (Projektbanken): same title and actor.
    assert set(KNOWN_DUPLICATE) in pair_sets
    assert (
        "Kronoberg"
        in flagged.loc[
            flagged["id_b"].eq("COPY-1") | flagged["id_a"].eq("COPY-1"), ["regions_a", "regions_b"]
        ].to_string()
    )
    # Same generic title, different actors and texts: not a duplicate.
    assert (
        duplicate_reason(
            0.3,
            "Affärsutveckling för kvinnor",
            "Affärsutveckling för kvinnor",
            "a b c d",
            "e f g h",
        )
        == ""
    )


def test_pairs_table_opens_as_excel_and_csv(tmp_path: Path) -> None:
    index = pb_index()
    # Explanations embed the sentences of every project involved: a few pairs suffice here.
    pairs = cross_region_pairs(index, region="Uppsala", threshold=0.25, explain=True)
    assert len(pairs) >= 2
    assert {"sentence_a", "sentence_b", "shared_terms"} <= set(pairs.columns)
    for row in pairs.itertuples():
        assert row.sentence_a in index.rows.at[index.position(row.id_a), "clean_text"]
        assert row.sentence_b in index.rows.at[index.position(row.id_b), "clean_text"]
    write_pairs(pairs, tmp_path / "pairs.xlsx")
    write_pairs(pairs, tmp_path / "pairs.csv")
    excel = pd.read_excel(tmp_path / "pairs.xlsx", sheet_name="pairs")
    text = pd.read_csv(tmp_path / "pairs.csv", encoding="utf-8-sig")
    assert list(excel.columns) == list(pairs.columns) == list(text.columns)
    assert len(excel) == len(text) == len(pairs)
    assert excel["title_a"].tolist() == pairs["title_a"].tolist()
    with pytest.raises(InputError, match=r"xlsx or \.csv"):
        write_pairs(pairs, tmp_path / "pairs.txt")
