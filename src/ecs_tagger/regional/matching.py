"""Cross-region matching: pairs of similar projects in different regions, and near-duplicates.

>>> pairs = cross_region_pairs(index)                        # all five of Östra Mellansverige
>>> pairs = cross_region_pairs(index, region="Örebro", regions=None, threshold=0.25)
>>> write_pairs(pairs, "pairs.xlsx")

Scope: by default the five regions of Östra Mellansverige (`regions=OMS_REGIONS`;
`regions=None` for every region of the index). A project counts in the scope's regions it is
present in (a project in "Uppsala, Stockholm" is an Uppsala project within Östra Mellansverige).
Two projects are *in different regions* when those sets do not overlap; a project registered in
all five regions therefore never pairs with another Östra Mellansverige project (it already
covers them). With `region=R`, one side of every pair (side "a") is present in R and, for a
match, the other is not.

Similarity is the index's (cosine of centred embeddings, see :mod:`ecs_tagger.regional.similarity`). On
Projektbanken (2,106 projects) its pairs have median 0.00, 90th percentile 0.10, 99th 0.22 and
99.9th 0.37. By reading pairs: ~0.2 the same broad field, >= 0.25 related work (the same kind
of support, the same sector), >= 0.3 closely related work (broadband with broadband, a food
research centre with a food-industry platform, two biotech incubators), >= 0.9 the same text.
The default `threshold` 0.3 (:data:`MATCH_THRESHOLD`) gives 8 pairs among the 111 Östra
Mellansverige projects and 393 area rows across all regions; lower it to 0.25 to explore.
(Raw e5 cosines crowd into 0.8-0.92, where a threshold of 0.85 would keep a quarter of all
pairs.)

Every pair at or above `threshold` is one of

``near_duplicate``
    the same project registered twice (or in two registries): similarity at least
    `duplicate_threshold` (0.9), or the same normalised title from the same actor, or the same
    title with similarity at least `duplicate_title_threshold` (0.7), or near-identical
    normalised text (Jaccard similarity of word 3-grams at least 0.9); `duplicate_reason` says
    which. Reported whether or not the two rows are in different regions: a coordinator wants to
    know about them either way. Template texts (one programme's text reused for each region's
    project) are flagged too: read the reason.
``match``
    a genuine pair of similar initiatives in different regions.

Pairs in the same region that are not near-duplicates are left out. The table has one row per
pair and shared area (a pair whose projects share no area tag gets one row with area "none"),
sorted by area, kind and similarity.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ecs_tagger.corpus import OMS_REGIONS
from ecs_tagger.errors import InputError
from ecs_tagger.regions import normalise_region, normalise_regions
from ecs_tagger.tables.excel import keep_texts_as_text

if TYPE_CHECKING:
    from ecs_tagger.index import RegistryIndex

NO_AREA = "none"
KIND_DUPLICATE = "near_duplicate"
KIND_MATCH = "match"
TEXT_JACCARD = 0.9
#: Defaults on the index's similarity scale (cosine of language-centred embeddings, see
#: RegistryIndex.centre), calibrated on Projektbanken: see the module docstring.
MATCH_THRESHOLD = 0.3
DUPLICATE_THRESHOLD = 0.9
DUPLICATE_TITLE_THRESHOLD = 0.7
_WORD = re.compile(r"[^\W_]+")

PAIR_COLUMNS = [
    "area",
    "kind",
    "similarity",
    "duplicate_reason",
    "id_a",
    "title_a",
    "regions_a",
    "actor_a",
    "areas_a",
    "id_b",
    "title_b",
    "regions_b",
    "actor_b",
    "areas_b",
]
EXPLAIN_COLUMNS = ["sentence_a", "sentence_b", "sentence_similarity", "shared_terms"]


def normalised_words(text: str) -> list[str]:
    """Lower-cased words of letters and digits (NFKC): what near-duplicate tests compare."""
    return _WORD.findall(unicodedata.normalize("NFKC", text).casefold())


def shingle_jaccard(a: str, b: str, size: int = 3) -> float:
    """Jaccard similarity of the word `size`-grams of two texts (1.0 = the same words in order)."""
    words_a, words_b = normalised_words(a), normalised_words(b)
    grams_a = {tuple(words_a[i : i + size]) for i in range(max(1, len(words_a) - size + 1))}
    grams_b = {tuple(words_b[i : i + size]) for i in range(max(1, len(words_b) - size + 1))}
    union = grams_a | grams_b
    return len(grams_a & grams_b) / len(union) if union else 0.0


def duplicate_reason(
    similarity: float,
    title_a: str,
    title_b: str,
    text_a: str,
    text_b: str,
    *,
    same_actor: bool = False,
    duplicate_threshold: float = DUPLICATE_THRESHOLD,
    duplicate_title_threshold: float = DUPLICATE_TITLE_THRESHOLD,
) -> str:
    """Why two rows look like one project registered twice, or "" when they do not.

    Any of: similarity at least `duplicate_threshold`; the same title (normalised words) from
    the same actor, or with similarity at least `duplicate_title_threshold`; near-identical text
    (word 3-gram Jaccard at least TEXT_JACCARD).
    """
    reasons = []
    if similarity >= duplicate_threshold:
        reasons.append(f"similarity {similarity:.3f}")
    words_a = normalised_words(title_a)
    if words_a and words_a == normalised_words(title_b):
        if same_actor:
            reasons.append("same title and actor")
        elif similarity >= duplicate_title_threshold:
            reasons.append("same title")
    jaccard = shingle_jaccard(text_a, text_b)
    if jaccard >= TEXT_JACCARD:
        reasons.append(f"near-identical text (word 3-gram Jaccard {jaccard:.2f})")
    return "; ".join(reasons)


def _candidate_pairs(
    index: RegistryIndex, left: np.ndarray, right: np.ndarray, threshold: float, block: int = 2048
) -> list[tuple[int, int, float]]:
    """(i, j, cosine) for rows i in `left`, j in `right`, i != j, cosine >= threshold; unordered
    pairs once."""
    vectors = index.search_vectors
    right_vectors = vectors[right]
    seen: set[tuple[int, int]] = set()
    out: list[tuple[int, int, float]] = []
    for start in range(0, len(left), block):
        rows = left[start : start + block]
        scores = vectors[rows] @ right_vectors.T
        for a, b in zip(*np.nonzero(scores >= threshold), strict=True):
            i, j = int(rows[a]), int(right[b])
            if i == j:
                continue
            key = (min(i, j), max(i, j))
            if key in seen:
                continue
            seen.add(key)
            out.append((i, j, float(scores[a, b])))
    return out


def cross_region_pairs(
    index: RegistryIndex,
    *,
    region: str | None = None,
    regions: Sequence[str] | None = OMS_REGIONS,
    threshold: float = MATCH_THRESHOLD,
    areas: Sequence[str] | str | None = None,
    duplicate_threshold: float = DUPLICATE_THRESHOLD,
    duplicate_title_threshold: float = DUPLICATE_TITLE_THRESHOLD,
    include_duplicates: bool = True,
    explain: bool = False,
) -> pd.DataFrame:
    """Pairs of projects in different regions with cosine >= `threshold`, per area, as a table.

    See the module docstring for scope, kinds and layout. `areas` keeps rows of these areas
    (``"none"`` may be named too). `explain` adds the closest sentence pair and shared key terms
    (embeds the sentences of the projects involved: slower on a cold cache).
    """
    if not 0 < threshold <= 1:
        raise InputError(f"threshold must be in (0, 1], not {threshold}")
    scope = set(normalise_regions(regions)) if regions is not None else None
    focus = normalise_region(region) if region else None
    if focus and scope is not None and focus not in scope:
        scope.add(focus)
    scoped = [
        frozenset(r for r in sets if scope is None or r in scope) for sets in index.region_sets()
    ]
    in_scope = np.array([bool(s) for s in scoped], dtype=bool)
    if focus:
        known = {r for s in scoped for r in s}
        if focus not in known:
            raise InputError(
                f"no project of the index is in region {focus!r}; regions: "
                f"{', '.join(sorted(known)) or '(none)'}"
            )
        left = np.flatnonzero(np.array([focus in s for s in scoped]))
    else:
        left = np.flatnonzero(in_scope)
    right = np.flatnonzero(in_scope)
    wanted = _wanted_areas(index, areas)
    rows = index.rows
    records: list[dict[str, Any]] = []
    explained: list[tuple[int, int]] = []
    for i, j, score in _candidate_pairs(index, left, right, threshold):
        if focus and focus not in scoped[i]:
            i, j = j, i  # the focus region's project first
        disjoint = not scoped[i] & scoped[j]
        if focus and focus in scoped[j]:
            disjoint = False
        reason = duplicate_reason(
            score,
            rows.at[i, "title"],
            rows.at[j, "title"],
            rows.at[i, "clean_text"],
            rows.at[j, "clean_text"],
            same_actor=_same_actor(rows.at[i, "actor_key"], rows.at[j, "actor_key"]),
            duplicate_threshold=duplicate_threshold,
            duplicate_title_threshold=duplicate_title_threshold,
        )
        if reason and not include_duplicates:
            continue
        if not reason and not disjoint:
            continue
        kind = KIND_DUPLICATE if reason else KIND_MATCH
        shared = [a for a in rows.at[i, "areas"] if a in set(rows.at[j, "areas"])] or [NO_AREA]
        for area in shared:
            if wanted and area not in wanted:
                continue
            records.append(_pair_record(index, area, kind, score, reason, i, j))
            explained.append((i, j))
    frame = pd.DataFrame(records, columns=PAIR_COLUMNS)
    if explain and len(frame):
        frame = _add_explanations(index, frame, explained)
    if frame.empty:
        return frame
    order = {code: n for n, code in enumerate([*index.codes, NO_AREA])}
    frame["_area"] = frame["area"].map(order)
    frame["_kind"] = (frame["kind"] == KIND_DUPLICATE).astype(int)
    frame = frame.sort_values(["_area", "_kind", "similarity"], ascending=[True, True, False])
    return frame.drop(columns=["_area", "_kind"]).reset_index(drop=True)


def _same_actor(a: object, b: object) -> bool:
    return isinstance(a, str) and bool(a) and a == b


def _wanted_areas(index: RegistryIndex, areas: Sequence[str] | str | None) -> set[str]:
    from ecs_tagger.regional.similarity import check_areas

    if areas is None:
        return set()
    names = [areas] if isinstance(areas, str) else list(areas)
    names = [n.strip() for name in names for n in name.replace(";", ",").split(",") if n.strip()]
    return set(check_areas(index, [n for n in names if n != NO_AREA])) | (
        {NO_AREA} if NO_AREA in names else set()
    )


def _pair_record(
    index: RegistryIndex, area: str, kind: str, score: float, reason: str, i: int, j: int
) -> dict[str, Any]:
    rows = index.rows
    record: dict[str, Any] = {
        "area": area,
        "kind": kind,
        "similarity": round(score, 4),
        "duplicate_reason": reason,
    }
    for side, position in (("a", i), ("b", j)):
        record[f"id_{side}"] = rows.at[position, "id"]
        record[f"title_{side}"] = rows.at[position, "title"]
        record[f"regions_{side}"] = "; ".join(rows.at[position, "regions"])
        actor = rows.at[position, "actor"]
        record[f"actor_{side}"] = actor if isinstance(actor, str) else ""
        record[f"areas_{side}"] = ";".join(rows.at[position, "areas"])
    return record


def _add_explanations(
    index: RegistryIndex, frame: pd.DataFrame, pairs: list[tuple[int, int]]
) -> pd.DataFrame:
    from ecs_tagger.regional.similarity import explain_pairs, row_side

    unique = list(dict.fromkeys(pairs))
    inputs = [(row_side(index, i), row_side(index, j)) for i, j in unique]
    reasons = dict(zip(unique, explain_pairs(index, inputs), strict=True))
    frame = frame.copy()
    frame["sentence_a"] = [reasons[p].query_sentence for p in pairs]
    frame["sentence_b"] = [reasons[p].hit_sentence for p in pairs]
    frame["sentence_similarity"] = [reasons[p].sentence_similarity for p in pairs]
    frame["shared_terms"] = ["; ".join(reasons[p].shared_terms) for p in pairs]
    return frame


def write_pairs(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write a pairs table as .xlsx (sheet "pairs", frozen header, widened columns) or .csv
    (UTF-8 with BOM, which Excel opens with å, ä, ö intact)."""
    target = Path(path)
    suffix = target.suffix.lower()
    target.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".csv":
        frame.to_csv(target, index=False, encoding="utf-8-sig")
    elif suffix == ".xlsx":
        with pd.ExcelWriter(target, engine="openpyxl") as writer:
            frame.to_excel(writer, sheet_name="pairs", index=False)
            sheet = writer.sheets["pairs"]
            keep_texts_as_text(sheet)  # a title starting with = is text, never a formula
            sheet.freeze_panes = "A2"
            for number, column in enumerate(frame.columns, start=1):
                longest = max([len(str(column)), *(len(str(v)) for v in frame[column].head(200))])
                letter = sheet.cell(row=1, column=number).column_letter
                sheet.column_dimensions[letter].width = min(60, max(8, longest + 2))
    else:
        raise InputError(f"write pairs to .xlsx or .csv, not {target.name!r}")
    return target
