"""Actors of an index: profiles, similar actors elsewhere."""

from __future__ import annotations

import numpy as np
import pytest

from ecs_tagger.errors import InputError
from ecs_tagger.index.actor_names import actor_key
from ecs_tagger.regional.actors import MIN_SIMILARITY, actor_profiles, actor_vectors, similar_actors
from similarity_support import pb_index, synthetic_index


# -- profiles --------------------------------------------------------------------------------------
def test_actor_profiles_roll_projects_up() -> None:
    index = synthetic_index(
        regions=[["Uppsala"], ["Örebro"], ["Uppsala", "Västmanland"], ["Örebro"]],
        areas=[["food"], ["food", "energy"], [], ["health"]],
        funding=[100.0, 300.0, float("nan"), 50.0],
        actors=["Agro Öst Ideellförening", "AgroÖst Ideell förening", "AGRO ÖST", "Örebro kommun"],
    )
    index.rows["actor_key"] = [actor_key(a) for a in index.rows["actor"]]
    profiles = actor_profiles(index, weight_by_funding=True).set_index("actor_key")
    agro = profiles.loc["agroöst"]
    assert agro["projects"] == 3
    assert agro["regions"][0] in ("Uppsala", "Örebro") and set(agro["regions"]) == {
        "Uppsala",
        "Örebro",
        "Västmanland",
    }
    assert agro["funding"] == 400.0 and agro["funded_projects"] == 2
    assert agro["share_food"] == pytest.approx(2 / 3)
    assert agro["share_energy"] == pytest.approx(1 / 3)
    assert agro["share_none"] == pytest.approx(1 / 3)
    assert agro["funding_share_food"] == pytest.approx(1.0)
    assert agro["funding_share_energy"] == pytest.approx(300 / 400)
    assert agro["areas"] == ["food"]
    assert profiles.loc["örebrokommun", "projects"] == 1
    only_vastmanland = actor_profiles(index, regions=["Västmanlands län"])
    assert only_vastmanland["actor_key"].tolist() == ["agroöst"]


def test_actor_profiles_on_projektbanken() -> None:
    index = pb_index()
    profiles = actor_profiles(index)
    with_actor = index.rows["actor_key"].notna()
    assert profiles["projects"].sum() == with_actor.sum()
    assert profiles["actor_key"].is_unique
    for code in index.codes:
        assert profiles[f"share_{code}"].between(0, 1).all()
    funding = index.rows.loc[with_actor, "funding"].sum()
    assert profiles["funding"].sum() == pytest.approx(funding)


def test_similar_actors_are_elsewhere_and_ranked() -> None:
    index = pb_index()
    profiles = actor_profiles(index, regions=["Örebro"])
    actor = profiles.iloc[0]["actor"]
    own = set(profiles.iloc[0]["regions"])
    found = similar_actors(index, actor.upper(), k=5)  # any spelling finds the actor
    assert len(found) == 5
    assert all(own.isdisjoint(regions) for regions in found["regions"])
    assert list(found["similarity"]) == sorted(found["similarity"], reverse=True)
    everywhere = similar_actors(index, actor, k=5, other_regions=False)
    assert everywhere.iloc[0]["similarity"] >= found.iloc[0]["similarity"]
    vectors = actor_vectors(index, actor_profiles(index))
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    with pytest.raises(InputError, match="no actor"):
        similar_actors(index, "Nobody Anywhere AB")


def test_similar_actors_weigh_areas_and_hide_the_dissimilar() -> None:
    # Two actors with the same content similarity to a food actor: the one whose projects are
    # about food ranks first; nothing below min_similarity is shown.
    base = np.eye(8, dtype=np.float32)
    vectors = np.vstack(
        [
            base[0],
            0.8 * base[0] + 0.6 * base[1],  # a food actor
            0.8 * base[0] + 0.6 * base[2],  # an industry actor, equally close in content
            base[3],  # unrelated
        ]
    )
    index = synthetic_index(
        regions=[["Uppsala"], ["Gotland"], ["Dalarna"], ["Skåne"]],
        areas=[["food"], ["food"], ["industry"], ["food"]],
        vectors=vectors,
        actors=["Agro Öst", "Gotland Grönt Centrum", "Sala Silvergruva", "Elsewhere AB"],
    )
    index.rows["actor_key"] = [actor_key(a) for a in index.rows["actor"]]
    found = similar_actors(index, "Agro Öst", k=5)
    assert found["actor"].tolist() == ["Gotland Grönt Centrum", "Sala Silvergruva"]
    assert found["similarity"].iloc[0] > found["similarity"].iloc[1]
    assert (found["similarity"] >= MIN_SIMILARITY).all()
    assert similar_actors(index, "Agro Öst", k=5, min_similarity=0.99).empty


def test_a_food_association_is_not_most_like_a_silver_mine() -> None:
    # Issue 11: Agro Öst's (a food cluster association) top actor was Sala Silvergruva (0.24).
    index = pb_index()
    found = similar_actors(index, "Agro Öst Ideellförening", k=5)
    assert "silvergruva" not in " ".join(found["actor"]).casefold()
    assert (found["similarity"] >= MIN_SIMILARITY).all()


# -- issue 18: part of a name, and why an answer is empty -------------------------------------------
def _small_actors() -> object:
    base = np.eye(8, dtype=np.float32)
    vectors = np.vstack(
        [
            base[0],
            0.8 * base[0] + 0.6 * base[1],  # like the first, in the same region
            base[2],
            base[3],
            base[4],
        ]
    )
    index = synthetic_index(
        regions=[["Örebro"], ["Örebro"], ["Uppsala"], ["Gotland"], ["Örebro"]],
        areas=[["food"], ["food"], ["energy"], [], ["industry"]],
        vectors=vectors,
        actors=[
            "Örebro kommun",
            "Region Örebro län",
            "Regionförbundet Uppsala län",
            "Gotlands museum",
            "Örebro universitet",
        ],
    )
    index.rows["actor_key"] = [actor_key(a) for a in index.rows["actor"]]
    return index


def test_part_of_a_name_finds_the_actor_and_names_the_others() -> None:
    from ecs_tagger.regional.actors import resolve_actor, search_actors

    index = _small_actors()
    profiles = actor_profiles(index)
    row, others = resolve_actor(profiles, "Regionförbundet Upp")
    assert profiles.at[row, "actor"] == "Regionförbundet Uppsala län" and others == []
    found = search_actors(index, "Örebro", other_regions=False)
    assert found.actor.startswith("Örebro") or found.actor == "Region Örebro län"
    assert len(found.also_named) == 2
    assert {found.actor, *found.also_named} == {
        "Örebro kommun",
        "Region Örebro län",
        "Örebro universitet",
    }
    with pytest.raises(InputError, match="no actor"):
        search_actors(index, "Stockholms stad")
    with pytest.raises(InputError, match="names 3 actors"):  # a script gets no guess
        similar_actors(index, "Örebro")
    assert "similarity" in similar_actors(index, "Gotland").columns, "names one actor: found"


def test_an_empty_answer_says_why() -> None:
    from ecs_tagger.regional.actors import search_actors

    index = _small_actors()
    found = search_actors(index, "Regionförbundet Uppsala län")
    assert found.table.empty and found.candidates == 4
    assert found.nearest is not None and found.nearest[1] < MIN_SIMILARITY
    assert list(found.weak["similarity"]) == sorted(found.weak["similarity"], reverse=True)
    # Örebro kommun's one alike actor works in Örebro too: "other regions" holds it back
    kommun = search_actors(index, "Örebro kommun")
    assert kommun.table.empty and kommun.held_back is not None
    assert kommun.held_back[0] == "Region Örebro län" and kommun.held_back[1] >= MIN_SIMILARITY
    everywhere = search_actors(index, "Örebro kommun", other_regions=False)
    assert everywhere.table["actor"].tolist() == ["Region Örebro län"]
    assert similar_actors(index, "Örebro kommun", other_regions=False).equals(everywhere.table)
