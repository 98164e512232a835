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
