"""Which engine runs a tagging job: the registry of engines, `run_job` and `tag_file`.

Engines are registered the way Annif registers its backends: a name and a loader that imports
the engine's module only when a job asks for it, so `import ecs_tagger.batch` needs neither torch
nor dask. An engine whose optional dependencies are missing says which extra to install.
Every engine is a function `(job, tagger) -> BatchSummary` that runs the shared core
(`ecs_tagger.batch.core`) with its own way of tagging chunks.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ecs_tagger.batch.job import TaggingJob
from ecs_tagger.batch.summary import BatchSummary
from ecs_tagger.errors import InputError

if TYPE_CHECKING:
    from ecs_tagger.tagger import Tagger

#: Runs a job; `tagger` is a loaded `Tagger` or a model folder.
Engine = Callable[[TaggingJob, "Tagger | str | Path"], BatchSummary]


def _local() -> Engine:
    from ecs_tagger.batch.local import run_local

    return run_local


def _dask() -> Engine:
    from ecs_tagger.batch.dask import require_dask, run_dask

    require_dask()
    return run_dask


#: Engine name -> loader of the engine (its module is imported on first use).
ENGINES: dict[str, Callable[[], Engine]] = {"local": _local, "dask": _dask}


def load_engine(name: str) -> Engine:
    """The engine called `name`; `InputError` for an unknown name, `MissingDependencyError` when
    its optional dependencies are not installed."""
    if name not in ENGINES:
        known = " or ".join(repr(known) for known in ENGINES)
        raise InputError(f"unknown engine {name!r}: use {known}")
    return ENGINES[name]()


def run_job(job: TaggingJob, tagger: Tagger | str | Path) -> BatchSummary:
    """Run `job` on its engine with `tagger` (a loaded `Tagger` or a model folder)."""
    return load_engine(job.engine)(job, tagger)


def tag_file(
    tagger: Tagger | str | Path,
    input_path: str | Path,
    output_path: str | Path,
    text_cols: Sequence[str] | str,
    **options: Any,
) -> BatchSummary:
    """Tag the text columns of a table file and write it with the tags added.

    `tagger` is a loaded `Tagger` or a model folder. Several `text_cols` are joined with a newline.
    The keyword `options` are the other fields of `TaggingJob`: `id_col`, `unique_ids`, `sheet`,
    `encoding`, `separator`, `overwrite`, `resume`, `chunk_rows`, `evidence`, `escape_formulas`,
    `progress`, `summary_path`, `engine`, `scheduler` and `n_workers`. `engine="dask"` tags on a
    Dask cluster (`scheduler` address, or a local cluster); see `ecs_tagger.batch.dask`. Returns
    a `BatchSummary` (also written to `summary_path` as JSON).
    """
    return run_job(TaggingJob.of(input_path, output_path, text_cols, **options), tagger)
