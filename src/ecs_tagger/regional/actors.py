"""Actors (beneficiaries, partner organisations) of an index: profiles and similar actors.

Projects are grouped into actors by :func:`ecs_tagger.index.actor_names.actor_key` (every spelling of
one organisation shares a key; the rules and how they were checked are in that module).

Two actors are alike when their projects are about the same things and in the same areas
(:func:`actor_similarities`): the *content* similarity is the hybrid similarity of
:mod:`ecs_tagger.index.lexical` between the actors' mean project vectors (the embeddings in the
similarity space, and the lemmas' tf-idf), and it is weighed by how alike the actors' *area
profiles* are (the mean area scores of their projects, with "none" as a fifth area):
``content × (1 - AREA_WEIGHT + AREA_WEIGHT × area agreement)``. Actors below MIN_SIMILARITY
are never shown. Before, on the Projektbanken index, a food cluster association's (Agro Öst)
most similar actor was a silver mine (Sala Silvergruva, cosine 0.24): the two share project
prose only, and the mine's projects are tourism, not food.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ecs_tagger.errors import InputError
from ecs_tagger.index.actor_names import (
    actor_key,
    actor_words,
    actors_named_in_part,
    display_name,
)
from ecs_tagger.regions import normalise_regions

if TYPE_CHECKING:
    from ecs_tagger.index import RegistryIndex

#: Share of an actor similarity that depends on the agreement of the two actors' area profiles.
AREA_WEIGHT = 0.5
#: Similar actors below this similarity are not shown (the hybrid scale: unrelated about 0).
MIN_SIMILARITY = 0.1


# -- profiles ----------------------------------------------------------------------------------
def actor_profiles(
    index: RegistryIndex,
    *,
    weight_by_funding: bool = False,
    regions: Sequence[str] | str | None = None,
    min_projects: int = 1,
) -> pd.DataFrame:
    """One row per actor (projects grouped by :func:`actor_key`), most projects first.

    Columns: ``actor_key``, ``actor`` (display name), ``variants`` (spellings seen),
    ``regions`` (list, most projects first), ``projects``, ``funding`` (sum where known, NaN when
    no project has funding), ``funded_projects``, ``share_<code>`` (share of the actor's projects
    tagged with the area; an actor's shares need not add up to 1: a project may have several areas
    or none), ``share_none``, ``areas`` (the areas with a share of at least 0.5, in order) and
    ``ids``. With `weight_by_funding`, ``funding_share_<code>`` (the area's share of the actor's
    funding, NaN without funding) is added. `regions` keeps actors with a project there.
    """
    codes = index.codes
    rows = index.rows.loc[index.rows["actor_key"].notna()]
    wanted = set(normalise_regions(regions))
    tagged = index.area_matrix()
    out: list[dict[str, Any]] = []
    for key, group in rows.groupby("actor_key", sort=False):
        region_counts = Counter(r for regions_of in group["regions"] for r in regions_of)
        if wanted and not wanted & set(region_counts):
            continue
        if len(group) < min_projects:
            continue
        positions = group.index.to_numpy()
        areas = tagged[positions]
        funding = group["funding"].to_numpy(dtype=float)
        known = ~np.isnan(funding)
        record: dict[str, Any] = {
            "actor_key": key,
            "actor": display_name(group["actor"]),
            "variants": sorted(set(group["actor"])),
            "regions": [name for name, _ in region_counts.most_common()],
            "projects": len(group),
            "funding": float(funding[known].sum()) if known.any() else float("nan"),
            "funded_projects": int(known.sum()),
        }
        shares = areas.mean(axis=0)
        for i, code in enumerate(codes):
            record[f"share_{code}"] = float(shares[i])
        record["share_none"] = float((~areas.any(axis=1)).mean())
        if weight_by_funding:
            total = float(funding[known].sum())
            for i, code in enumerate(codes):
                value = float(funding[known & areas[:, i]].sum()) / total if total > 0 else np.nan
                record[f"funding_share_{code}"] = value
        record["areas"] = [code for i, code in enumerate(codes) if shares[i] >= 0.5]
        record["ids"] = group["id"].tolist()
        out.append(record)
    frame = pd.DataFrame(out)
    if frame.empty:
        return frame
    return frame.sort_values(["projects", "actor"], ascending=[False, True], ignore_index=True)


def actor_vectors(index: RegistryIndex, profiles: pd.DataFrame | None = None) -> np.ndarray:
    """One vector per row of `profiles`: the mean of its projects' vectors (in the index's
    similarity space, see :meth:`RegistryIndex.centre`), L2-normalised."""
    profiles = actor_profiles(index) if profiles is None else profiles
    space = index.search_vectors
    vectors = np.zeros((len(profiles), space.shape[1]), dtype=np.float32)
    for row, ids in enumerate(profiles["ids"]):
        positions = [index.position(ident) for ident in ids]
        mean = space[positions].mean(axis=0)
        vectors[row] = mean / max(float(np.linalg.norm(mean)), 1e-12)
    return vectors


def area_profiles(index: RegistryIndex, profiles: pd.DataFrame) -> np.ndarray:
    """One row per actor: the mean score of each area over its projects and, last, the mean of
    "none" (1 - the project's highest area score), L2-normalised."""
    scores = index.rows[[f"score_{code}" for code in index.codes]].to_numpy(dtype=float)
    scores = np.nan_to_num(scores)
    scores = np.hstack([scores, 1 - scores.max(axis=1, keepdims=True)])
    out = np.zeros((len(profiles), scores.shape[1]))
    for row, ids in enumerate(profiles["ids"]):
        mean = scores[[index.position(ident) for ident in ids]].mean(axis=0)
        out[row] = mean / max(float(np.linalg.norm(mean)), 1e-12)
    return out


def actor_similarities(index: RegistryIndex, profiles: pd.DataFrame, row: int) -> np.ndarray:
    """Similarity of every actor of `profiles` to the actor at `row` (see the module)."""
    from ecs_tagger.index.lexical import fuse, lexical_space

    dense = (actor_vectors(index, profiles) @ actor_vectors(index, profiles.iloc[[row]])[0]).astype(
        np.float64
    )
    space = lexical_space(index)
    positions = [[index.position(ident) for ident in ids] for ids in profiles["ids"]]
    languages = [Counter(space.languages[p]).most_common(1)[0][0] for p in positions]
    lexical = np.zeros(len(profiles))
    if space.matrix.shape[1]:
        means = np.vstack([np.asarray(space.matrix[p].mean(axis=0)) for p in positions])
        means /= np.maximum(np.linalg.norm(means, axis=1, keepdims=True), 1e-12)
        lexical = means @ means[row]
    same = np.array([language == languages[row] for language in languages])
    content = fuse(dense, lexical, same, space)
    areas = area_profiles(index, profiles)
    agreement = np.clip(areas @ areas[row], 0.0, 1.0)
    return content * (1 - AREA_WEIGHT + AREA_WEIGHT * agreement)


def resolve_actor(profiles: pd.DataFrame, actor: str) -> tuple[int, list[str]]:
    """(row of `profiles`, the other actors `actor` also names) for an actor given by any
    spelling or by part of its name (:func:`actors_named_in_part`: "Örebro" finds "Örebro
    kommun", "Region Örebro län", ...; the actor with the most projects is taken, the others are
    returned). InputError, with suggestions, when no actor is named."""
    key = actor_key(actor)
    keys = profiles["actor_key"].to_numpy()
    exact: Sequence[int] = np.flatnonzero(keys == key).tolist() if key else []
    if len(exact):
        return int(exact[0]), []
    counts = dict(zip(profiles["actor"], profiles["projects"], strict=True))
    named = actors_named_in_part(
        [name for name in profiles["actor"] for _ in range(int(counts[name]))], actor
    )
    if named:
        row = int(np.flatnonzero(profiles["actor"].to_numpy() == named[0])[0])
        return row, named[1:]
    words = set(actor_words(actor))
    near = [name for name in profiles["actor"] if words and words & set(actor_words(name))][:5]
    hint = f"; did you mean {', '.join(repr(n) for n in near)}?" if near else ""
    raise InputError(f"no actor {actor!r} in the index{hint}")


def find_actor(profiles: pd.DataFrame, actor: str) -> int:
    """Row of `profiles` for an actor given by any spelling or by part of its name
    (:func:`resolve_actor`; InputError with suggestions)."""
    return resolve_actor(profiles, actor)[0]


@dataclass
class ActorSearch:
    """The answer to "which actors are like this one?", and why it may be empty.

    `actor`: the actor searched for (its display name; `typed` may have named it in part, and
    `also_named` lists the other actors `typed` names). `table`: the similar actors (as
    :func:`similar_actors` returns them), none below `min_similarity`. `candidates`: the actors
    the filters left to compare with. `nearest`: the best of them below `min_similarity`, as
    (name, similarity), and `weak`: the best `k` of those, in the table's columns (the nearest
    anyway, to be shown marked as weak). `held_back`: the best actor at or above
    `min_similarity` that "other regions" left out (it works in one of the actor's regions)."""

    typed: str
    actor: str
    table: pd.DataFrame
    weak: pd.DataFrame
    also_named: list[str] = field(default_factory=list)
    candidates: int = 0
    nearest: tuple[str, float] | None = None
    held_back: tuple[str, float] | None = None
    min_similarity: float = MIN_SIMILARITY
    regions: list[str] = field(default_factory=list)


def _table(
    profiles: pd.DataFrame, scores: np.ndarray, order: Sequence[int], own_areas: set[str]
) -> pd.DataFrame:
    out = profiles.iloc[list(order)].copy()
    out.insert(2, "similarity", np.round(scores[list(order)].astype(float), 4))
    out.insert(3, "shared_areas", [[a for a in areas if a in own_areas] for areas in out["areas"]])
    return out.reset_index(drop=True)


def search_actors(
    index: RegistryIndex,
    actor: str,
    k: int = 10,
    *,
    other_regions: bool = True,
    regions: Sequence[str] | str | None = None,
    min_projects: int = 1,
    weight_by_funding: bool = False,
    min_similarity: float = MIN_SIMILARITY,
) -> ActorSearch:
    """:func:`similar_actors` with what a person needs when the answer is short or empty: which
    actor was searched for (`actor` may be part of a name), how many actors were compared, the
    nearest one below `min_similarity` and the best one that "other regions" left out."""
    profiles = actor_profiles(index, weight_by_funding=weight_by_funding)
    if profiles.empty:
        raise InputError("the index has no actors (build it with an actor column)")
    row, also = resolve_actor(profiles, actor)
    scores = actor_similarities(index, profiles, row)
    allowed = profiles["projects"].to_numpy() >= min_projects
    allowed[row] = False
    own = set(profiles.at[row, "regions"])
    wanted = set(normalise_regions(regions))
    elsewhere = np.ones(len(profiles), dtype=bool)
    for i, regions_of in enumerate(profiles["regions"]):
        if wanted and not wanted & set(regions_of):
            allowed[i] = False
        if own & set(regions_of):
            elsewhere[i] = False
    candidates = allowed & elsewhere if other_regions else allowed
    ranked = np.argsort(-scores, kind="stable")
    shown = [i for i in ranked if candidates[i] and scores[i] >= min_similarity][:k]
    below = [i for i in ranked if candidates[i] and scores[i] < min_similarity][:k]
    held = [
        i
        for i in ranked
        if other_regions and allowed[i] and not elsewhere[i] and scores[i] >= min_similarity
    ]
    own_areas = set(profiles.at[row, "areas"])
    name = str(profiles.at[row, "actor"])
    return ActorSearch(
        typed=actor,
        actor=name,
        table=_table(profiles, scores, shown, own_areas),
        weak=_table(profiles, scores, below, own_areas),
        also_named=also,
        candidates=int(candidates.sum()),
        nearest=(str(profiles.at[below[0], "actor"]), float(scores[below[0]])) if below else None,
        held_back=(str(profiles.at[held[0], "actor"]), float(scores[held[0]])) if held else None,
        min_similarity=min_similarity,
        regions=list(profiles.at[row, "regions"]),
    )


def similar_actors(
    index: RegistryIndex,
    actor: str,
    k: int = 10,
    *,
    other_regions: bool = True,
    regions: Sequence[str] | str | None = None,
    min_projects: int = 1,
    weight_by_funding: bool = False,
    min_similarity: float = MIN_SIMILARITY,
) -> pd.DataFrame:
    """The `k` actors whose projects are most like `actor`'s in content and areas (see the
    module), none below `min_similarity`: fewer than `k`, or none, when no other actor is alike
    (:func:`search_actors` says why). `actor`: any spelling, or part of a name that names one
    actor only (:func:`resolve_actor`; InputError naming them when it names several).

    With `other_regions`, actors active in any of `actor`'s regions are left out; `regions`
    keeps actors active in those regions. Returns the profile columns plus ``similarity`` and
    ``shared_areas`` (areas where both actors have a share of at least 0.5).
    """
    found = search_actors(
        index,
        actor,
        k,
        other_regions=other_regions,
        regions=regions,
        min_projects=min_projects,
        weight_by_funding=weight_by_funding,
        min_similarity=min_similarity,
    )
    if found.also_named:  # a script gets the actor it named, never a guess among several
        names = ", ".join(repr(n) for n in [found.actor, *found.also_named][:8])
        raise InputError(f"{actor!r} names {len(found.also_named) + 1} actors ({names}): give one")
    return found.table
