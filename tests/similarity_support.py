"""Shared data of the similarity tests (index, similarity, actors, portfolio, ann).

Everything is built once per test process (functools.cache) and kept small so that a cold
embedding cache costs a few minutes, a warm one seconds:

* the Projektbanken test registry: the ~111 Östra Mellansverige (`oms`) projects, 289 other
  projects drawn with a fixed seed, and TVV-39646 (the Värmland registration of a project that is
  also registered in Östra Mellansverige, a real near-duplicate);
* 200 SweCRIS projects with both a Swedish and an English abstract, drawn with a fixed seed.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

os.environ.setdefault("ECS_TAGGER_CACHE", str(Path.home() / ".cache" / "ecs-tagger"))

from ecs_tagger.corpus import load_projektbanken, load_swecris
from ecs_tagger.index import RegistryIndex
from ecs_tagger.index.storage import FORMAT, FORMAT_VERSION
from ecs_tagger.tagger import Tagger

PB_OTHERS = 289
PB_SEED = 11
SWECRIS_SAMPLE = 200
SWECRIS_SEED = 7
#: Registered twice: in four Östra Mellansverige regions (TVV-41896) and in Värmland (TVV-39646).
KNOWN_DUPLICATE = ("TVV-41896", "TVV-39646")
CODES = ("food", "health", "energy", "industry")


@cache
def tagger() -> Tagger:
    return Tagger.load()


@cache
def projektbanken() -> pd.DataFrame:
    return load_projektbanken()


@cache
def pb_frame() -> pd.DataFrame:
    """The Projektbanken test registry (see the module docstring), in a fixed order."""
    frame = projektbanken()
    oms = frame.loc[frame["oms"].astype(bool)]
    others = frame.loc[~frame["oms"].astype(bool)].sort_values("id")
    sample = others.sample(n=PB_OTHERS, random_state=PB_SEED)
    extra = frame.loc[frame["id"].isin(KNOWN_DUPLICATE) & ~frame["id"].isin(sample["id"])]
    chosen = pd.concat([oms, sample, extra]).drop_duplicates("id")
    return chosen.reset_index(drop=True)


def build_pb_index(frame: pd.DataFrame | None = None) -> RegistryIndex:
    return RegistryIndex.build(
        pb_frame() if frame is None else frame,
        tagger(),
        ["title", "description"],
        "id",
        "county",
        actor_col="beneficiary",
        funding_col="granted_sek",
    )


@cache
def pb_index() -> RegistryIndex:
    return build_pb_index()


@cache
def swecris_sample() -> pd.DataFrame:
    """SweCRIS projects with both abstracts, a seeded sample of SWECRIS_SAMPLE."""
    frame = load_swecris()
    both = frame.loc[frame["text_sv"].notna() & frame["text_en"].notna()].sort_values("id")
    return both.sample(n=SWECRIS_SAMPLE, random_state=SWECRIS_SEED).reset_index(drop=True)


def swecris_frame() -> pd.DataFrame:
    """Both abstracts of every sampled project as rows of one registry: ids `<id>:sv`, `<id>:en`
    and a column `abstract_language` ("sv" or "en")."""
    sample = swecris_sample()
    parts = [
        pd.DataFrame(
            {
                "id": sample["id"] + f":{lang}",
                "text": sample[f"text_{lang}"],
                "abstract_language": lang,
                "project": sample["id"],
            }
        )
        for lang in ("sv", "en")
    ]
    return pd.concat(parts, ignore_index=True)


@cache
def swecris_index() -> RegistryIndex:
    """One index of the sample's Swedish and English abstracts (no region column)."""
    return RegistryIndex.build(
        swecris_frame(), tagger(), ["text"], "id", None, keep_cols=["abstract_language", "project"]
    )


def synthetic_index(
    regions: list[list[str]],
    areas: list[list[str]],
    *,
    vectors: np.ndarray | None = None,
    funding: list[float] | None = None,
    actors: list[str | None] | None = None,
    titles: list[str] | None = None,
) -> RegistryIndex:
    """A small index made by hand (no model): for exact arithmetic on tables."""
    n = len(regions)
    rng = np.random.default_rng(0)
    if vectors is None:
        vectors = rng.standard_normal((n, 8)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    rows: dict[str, Any] = {
        "id": [f"P{i}" for i in range(n)],
        "title": titles or [f"Project {i}" for i in range(n)],
        "regions": regions,
        "region_raw": [", ".join(r) for r in regions],
        "actor": actors or [None] * n,
        "actor_key": [None if a is None else a.casefold() for a in (actors or [None] * n)],
        "funding": funding or [float("nan")] * n,
        "areas": areas,
        **{f"score_{code}": [float(code in a) for a in areas] for code in CODES},
        "language": ["sv"] * n,
        "tag_status": ["ok"] * n,
        "text_hash": [f"h{i}" for i in range(n)],
        "clean_text": titles or [f"Project {i}" for i in range(n)],
        "lemmas": [[] for _ in range(n)],
        "sentence_bounds": [[] for _ in range(n)],
    }
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "model_version": "synthetic",
        "embedding_model_id": "synthetic",
        "taxonomy": {"name": "test", "codes": list(CODES)},
        "columns": {"text_cols": ["text"], "id_col": "id", "region_col": "region"},
    }
    return RegistryIndex(pd.DataFrame(rows), np.asarray(vectors, dtype=np.float32), manifest)
