"""Shared fixtures: corpus location, a shared embedding cache, and a small trained tagger."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ecs_tagger.config import CACHE_ENV, corpus_dir

# Converted embedding model and cached vectors are reused across test runs (and by CI on this machine).
os.environ.setdefault(CACHE_ENV, str(Path.home() / ".cache" / "ecs-tagger"))


@pytest.fixture(scope="session")
def corpus_root() -> Path:
    root = corpus_dir()
    if not (root / "labels" / "train_labels.jsonl").exists():
        pytest.skip(f"shared corpus not found at {root} (set ECS_TAGGER_CORPUS)")
    return root


@pytest.fixture(scope="session")
def small_training_frame(corpus_root: Path):  # type: ignore[no-untyped-def]
    """A stratified subset of the labelled corpus: every area present, plus none."""
    from ecs_tagger.recipes import corpus_training_frames

    data, _ = corpus_training_frames(corpus_root)
    picked = []
    for code in ("food", "health", "energy", "industry"):
        picked.append(data[data["areas"].map(lambda a, c=code: c in a)].head(10))
    picked.append(data[data["areas"].map(len) == 0].head(24))
    import pandas as pd

    return pd.concat(picked).drop_duplicates("id").reset_index(drop=True)


@pytest.fixture(scope="session")
def small_tagger(small_training_frame):  # type: ignore[no-untyped-def]
    """A tagger trained on the small subset (no cross-validation): fast, real, deterministic."""
    from ecs_tagger.tagger import Tagger
    from ecs_tagger.training import TrainSettings

    return Tagger.train(
        small_training_frame,
        settings=TrainSettings(name="small-test", inner_folds=3, min_df=1),
        cross_validation=False,
    )
