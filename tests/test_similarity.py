"""Similar initiatives on the real corpus: cross-lingual, relevant, filtered, explained."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from ecs_tagger.ann import available
from ecs_tagger.corpus import OMS_REGIONS
from ecs_tagger.errors import InputError
from ecs_tagger.index import RegistryIndex
from ecs_tagger.matching import cross_region_pairs
from ecs_tagger.similarity import similar
from similarity_support import (
    pb_index,
    swecris_frame,
    swecris_index,
    swecris_sample,
)

pytestmark = pytest.mark.usefixtures("corpus_root")


# -- cross-lingual ---------------------------------------------------------------------------------
def _recall_at_1(source: str, target: str) -> float:
    index = swecris_index()
    pool = (index.rows["abstract_language"] == target).to_numpy()
    found = 0
    for project in swecris_sample()["id"]:
        hits = similar(index, f"{project}:{source}", k=1, where=pool, explain=False)
        found += hits.ids == [f"{project}:{target}"]
    return found / len(swecris_sample())


def test_swedish_abstract_finds_its_english_abstract() -> None:
    assert _recall_at_1("sv", "en") >= 0.95  # measured 0.98 (raw cosine: 0.93)


def test_english_abstract_finds_its_swedish_abstract() -> None:
    assert _recall_at_1("en", "sv") >= 0.95  # measured 0.985 (raw cosine: 0.935)


def test_text_queries_search_like_id_queries() -> None:
    index, frame = swecris_index(), swecris_frame()
    english = (index.rows["abstract_language"] == "en").to_numpy()
    for row in frame.loc[frame["abstract_language"] == "sv"].head(8).itertuples():
        by_text = similar(index, row.text, k=3, by="text", where=english, explain=False)
        by_id = similar(index, row.id, k=3, where=english, explain=False)
        assert by_text.ids == by_id.ids
        assert by_text[0].similarity == pytest.approx(by_id[0].similarity, abs=1e-3)
    with pytest.raises(InputError, match="booleans"):
        similar(index, frame.loc[0, "id"], where=english[:10])


# -- relevance -----------------------------------------------------------------------------------
def area_consistency(index: RegistryIndex, k: int = 10) -> tuple[float, float]:
    """(share of top-k hits that share an area tag with their tagged query, the same share for
    random other projects), averaged over the tagged projects."""
    tagged = index.area_matrix()
    measured, chance = [], []
    for query in np.flatnonzero(tagged.any(axis=1)):
        hits = similar(index, index.rows.at[query, "id"], k=k, explain=False)
        positions = [index.position(hit.id) for hit in hits]
        measured.append(float((tagged[positions] & tagged[query]).any(axis=1).mean()))
        others = np.delete(np.arange(len(index)), query)
        chance.append(float((tagged[others] & tagged[query]).any(axis=1).mean()))
    return float(np.mean(measured)), float(np.mean(chance))


def test_top_hits_share_area_tags_far_more_often_than_chance() -> None:
    rate, chance = area_consistency(pb_index())
    # Measured on this 401-project index: 0.35 against 0.07 by chance (0.52 against 0.07 on all
    # 2,106 Projektbanken projects; 0.46 there with raw, uncentred cosine).
    assert rate >= 3 * chance and rate - chance >= 0.15, (rate, chance)


# -- filters and identity --------------------------------------------------------------------------
def _oms_queries() -> list[str]:
    index = pb_index()
    oms = [i for i, regions in enumerate(index.rows["regions"]) if set(regions) & set(OMS_REGIONS)]
    return index.rows.loc[oms[::9], "id"].tolist()


@pytest.mark.parametrize(
    "backend", ["exact", *(name for name in ("faiss", "usearch") if available(name))]
)
def test_regional_and_area_filters_hold(backend: str) -> None:
    index = pb_index()
    for query in _oms_queries():
        own = set(index.rows.at[index.position(query), "regions"])
        in_uppsala = similar(
            index, query, k=8, regions=["Uppsala län"], explain=False, backend=backend
        )
        assert in_uppsala and all("Uppsala" in hit.regions for hit in in_uppsala)
        no_sormland = similar(
            index, query, k=8, exclude_regions="Sörmland", explain=False, backend=backend
        )
        assert no_sormland and all("Södermanland" not in hit.regions for hit in no_sormland)
        elsewhere = similar(index, query, k=8, other_regions=True, explain=False, backend=backend)
        assert len(elsewhere) == 8 and all(own.isdisjoint(hit.regions) for hit in elsewhere)
        energy = similar(index, query, k=5, areas=["energy"], explain=False, backend=backend)
        assert energy and all("energy" in hit.areas for hit in energy)
        close = similar(index, query, k=50, min_score=0.3, explain=False, backend=backend)
        assert all(hit.similarity >= 0.3 for hit in close)
        assert [hit.similarity for hit in close] == sorted(
            (h.similarity for h in close), reverse=True
        )
    with pytest.raises(InputError, match="unknown area"):
        similar(index, _oms_queries()[0], areas=["tourism"])


def test_filters_keep_the_unfiltered_order() -> None:
    index = pb_index()
    query = _oms_queries()[1]
    everything = similar(index, query, k=len(index), explain=False)
    filtered = similar(index, query, k=10, other_regions=True, explain=False)
    own = set(index.rows.at[index.position(query), "regions"])
    expected = [hit.id for hit in everything if own.isdisjoint(hit.regions)][:10]
    assert filtered.ids == expected


def test_a_project_in_several_regions_is_never_matched_with_itself() -> None:
    index = pb_index()
    several = [i for i, regions in enumerate(index.rows["regions"]) if len(regions) >= 2]
    assert len(several) > 50
    for position in several:
        ident = index.rows.at[position, "id"]
        assert ident not in similar(index, ident, k=10, explain=False).ids
        for region in index.rows.at[position, "regions"][:2]:
            assert ident not in similar(index, ident, k=3, regions=[region], explain=False).ids
    pairs = cross_region_pairs(index, threshold=0.2, regions=None)
    assert not (pairs["id_a"] == pairs["id_b"]).any()


def test_hits_explain_why_they_match() -> None:
    index = pb_index()
    query = "TVV-41896"
    hits = similar(index, query, k=5)
    own = index.rows.iloc[index.position(query)]
    idf = index.idf()
    for hit in hits:
        row = index.rows.iloc[index.position(hit.id)]
        reason = hit.reason
        assert reason is not None
        assert reason.query_sentence in own["clean_text"]
        assert reason.hit_sentence in row["clean_text"]
        assert -1.0 <= reason.sentence_similarity <= 1.0
        assert set(reason.shared_terms) <= set(own["lemmas"]) & set(row["lemmas"])
        weights = [idf[t] for t in reason.shared_terms]
        assert weights == sorted(weights, reverse=True)
    frame = hits.to_frame()
    assert list(frame["id"]) == hits.ids
    assert {"query_sentence", "hit_sentence", "shared_terms", "score_energy"} <= set(frame.columns)
    # A text query is explained from its own sentences.
    text = "Vi bygger ut bredband på landsbygden så att företag och hushåll får snabb uppkoppling."
    by_text = similar(index, text, k=3, query_regions="Örebro län", other_regions=True)
    assert by_text[0].reason is not None and by_text[0].reason.query_sentence in text
    assert all("Örebro" not in hit.regions for hit in by_text)
    with pytest.raises(InputError, match="query_regions"):
        similar(index, text, k=3, other_regions=True)


# -- command line --------------------------------------------------------------------------------
def test_cli_similar_and_match(tmp_path: Path) -> None:
    from ecs_tagger.cli import app

    pb_index().save(tmp_path / "idx")
    runner = CliRunner()
    result = runner.invoke(
        app, ["similar", str(tmp_path / "idx"), "--id", "TVV-41896", "--other-regions", "-k", "3"]
    )
    assert result.exit_code == 0, result.output
    assert result.output.count("why:") == 3 and "TVV-41896 " not in result.output
    neither = runner.invoke(app, ["similar", str(tmp_path / "idx")])
    assert neither.exit_code == 2 and "exactly one of --id and --text" in neither.output
    result = runner.invoke(
        app,
        [
            "match",
            str(tmp_path / "idx"),
            "-o",
            str(tmp_path / "p.xlsx"),
            "--region",
            "Uppsala",
            "--threshold",
            "0.3",
        ],
    )
    assert result.exit_code == 0, result.output
    table = pd.read_excel(tmp_path / "p.xlsx")
    assert table["regions_a"].str.contains("Uppsala").all()
