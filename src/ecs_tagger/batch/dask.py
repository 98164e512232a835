"""The Dask engine: `tag_file(..., engine="dask")`, or `tag_with_dask(model_path, job)`.

The run is the shared one of `ecs_tagger.batch.core` — same checks, same part files and checkpoint
(so a run can be resumed, even with the other engine), same output — except that the chunks of
texts are tagged by Dask workers: each chunk becomes a one-partition `dask.dataframe` whose
`map_partitions` runs the tagger in a worker process. Each worker loads the model once (a cache
keyed by the model path) and keeps it for every later chunk. The client streams the input, keeps
a few chunks in flight per worker, writes the part files as results come back, and writes the
output; memory stays bounded on both sides.

Install the optional dependencies with `pip install 'ecs-tagger[dask]'` (dask[dataframe] and
distributed); without them `engine="dask"` raises `MissingDependencyError`.

Texts whose embeddings are in the cache give byte-identical output on either engine. Texts
embedded afresh by a worker can, rarely, differ from a single-process run in the 4th decimal of a
score: workers run torch with one thread, and a different thread count sums floats in another
order.

Without a `scheduler`, a local cluster of `n_workers` processes with one thread each is started
for the run and stopped after it (on one machine this mostly helps when the machine has more cores
than one torch process uses well).

Running on a real cluster
-------------------------
1. Install the same versions of ecs-tagger (with the `[dask]` extra), torch and
   sentence-transformers on the client and on every worker machine.
2. Start a scheduler and workers, for instance ``dask scheduler`` on one machine (it listens on
   ``tcp://HOST:8786``) and ``dask worker tcp://HOST:8786 --nworkers 4 --nthreads 1`` on each worker
   machine: one thread per worker process, since torch brings its own threads; each worker process
   holds one copy of the model (about 1 GB of memory).
3. Put the model folder at the same path on every worker (a shared disk, or a copy) and pass that
   path: workers load the model by path. `tag_file` given a loaded `Tagger` instead saves a copy
   beside the output, which remote workers only see on a shared disk.
4. Give the workers an `ECS_TAGGER_CACHE` folder (the converted embedding model and the
   embedding cache live there; each worker converts the model on first use if it is missing).
   A local folder per worker machine is safest: SQLite on a network disk is unreliable.
5. Run ``tag_file("models/default", "in.csv", "out.csv", ["description"], engine="dask",
   scheduler="tcp://HOST:8786")`` (``ecs-tagger tag ... --engine dask --scheduler
   tcp://HOST:8786``), or ``tag_with_dask("models/default", job)`` with a `TaggingJob`. The input
   and output stay on the client; only texts and result columns travel.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from ecs_tagger.batch.columns import result_columns
from ecs_tagger.batch.core import ProgressCallback, run_tagging
from ecs_tagger.batch.job import TaggingJob
from ecs_tagger.batch.summary import BatchSummary
from ecs_tagger.errors import MissingDependencyError

if TYPE_CHECKING:
    from ecs_tagger.tagger import Tagger


def require_dask() -> None:
    """`MissingDependencyError` naming the `[dask]` extra when dask or distributed is missing."""
    try:
        import dask
        import dask.dataframe  # noqa: F401
        import distributed  # noqa: F401
    except ImportError:
        raise MissingDependencyError("dask", "--engine dask", extra="dask") from None


# -- in the worker processes ---------------------------------------------------------------------
@functools.lru_cache(maxsize=4)
def _worker_tagger(model_path: str) -> Tagger:
    """The tagger of a model folder, loaded once per worker process."""
    from ecs_tagger.tagger import Tagger

    return Tagger.load(model_path)


def tag_partition(
    frame: pd.DataFrame, model_path: str, evidence: bool, language: str | None = None
) -> pd.DataFrame:
    """Tag the `text` column of one partition: the result columns, same index.

    `language` is the registry's, for texts too short to tell (see `Tagger.tag_many`).
    """
    tagger = _worker_tagger(model_path)
    results = tagger.tag_many(
        frame["text"].tolist(), evidence=evidence, short_text_language=language
    )
    return result_columns(results, tagger.codes, evidence, index=frame.index)


# -- on the client -------------------------------------------------------------------------------
class DaskChunkTagger:
    """Sends chunks of texts to Dask workers, a few in flight per worker."""

    engine = "dask"

    def __init__(
        self, client: Any, model_path: str, codes: Sequence[str], model_version: str
    ) -> None:
        self.client = client
        self.model_path = model_path
        self.codes = tuple(codes)
        self.model_version = model_version
        workers = max(1, len(client.nthreads()))
        self.in_flight = 2 * workers

    def _submit(self, texts: pd.Series, evidence: bool, language: str) -> Any:
        import dask
        import dask.dataframe as dd

        meta = result_columns([], self.codes, evidence)
        # Cells stay Python objects: Dask must not turn a number in a text column into text.
        with dask.config.set({"dataframe.convert-string": False}):
            frame = pd.DataFrame({"text": texts.astype(object)}, index=texts.index)
            partitioned = dd.from_pandas(frame, npartitions=1, sort=False)
            tagged = partitioned.map_partitions(
                tag_partition,
                self.model_path,
                evidence,
                language,
                meta=meta,
                enforce_metadata=False,
            )
            return self.client.compute(tagged)

    def tag_chunks(
        self,
        chunks: Iterable[tuple[int, pd.Series]],
        evidence: bool,
        progress: ProgressCallback,
        language: str,
    ) -> Iterator[tuple[int, pd.DataFrame]]:
        from distributed import as_completed

        pending: dict[Any, tuple[int, int]] = {}
        source = iter(chunks)
        queue = as_completed()

        def submit_next() -> bool:
            try:
                number, texts = next(source)
            except StopIteration:
                return False
            future = self._submit(texts, evidence, language)
            pending[future] = (number, len(texts))
            queue.add(future)
            return True

        try:
            for _ in range(self.in_flight):
                if not submit_next():
                    break
            for future in queue:
                number, count = pending.pop(future)
                frame = future.result()
                progress(count)
                yield number, frame
                submit_next()
        finally:
            for future in pending:
                future.cancel()


@contextlib.contextmanager
def model_path_of(tagger: Tagger | str | Path, output_path: Path) -> Iterator[Path]:
    """A model folder for `tagger`: the path itself, or a copy saved beside the output."""
    if isinstance(tagger, str | Path):
        yield Path(tagger)
        return
    from ecs_tagger.model.files import ModelParts, save_model

    folder = Path(tempfile.mkdtemp(prefix=f".{output_path.name}.model-", dir=output_path.parent))
    try:
        parts = ModelParts(
            tagger.taxonomy, tagger.lexical, tagger.classifier, dict(tagger.manifest)
        )
        save_model(parts, folder / "model")
        yield folder / "model"
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def tag_with_dask(model_path: str | Path, job: TaggingJob) -> BatchSummary:
    """Run `job` with the tagging done by Dask workers that load the model folder `model_path`.

    `job.scheduler` is the address of a running Dask scheduler (``tcp://host:8786``); without it
    a local cluster of `job.n_workers` single-threaded processes runs for the duration of the call.
    """
    require_dask()
    from distributed import Client, LocalCluster

    from ecs_tagger.tagger import Tagger

    model = Path(model_path).expanduser().resolve()
    tagger = Tagger.load(model)  # checks the model before any worker starts
    cluster = None
    if job.scheduler is None:
        cluster = LocalCluster(
            n_workers=job.n_workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        )
        client = Client(cluster)
    else:
        client = Client(job.scheduler)
    try:
        chunk_tagger = DaskChunkTagger(client, str(model), tagger.codes, tagger.model_version)
        return run_tagging(chunk_tagger, job)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def run_dask(job: TaggingJob, tagger: Tagger | str | Path) -> BatchSummary:
    """Run `job` on Dask; a loaded `tagger` is saved beside the output for the workers to load."""
    with model_path_of(tagger, job.output) as model_path:
        return tag_with_dask(model_path, job)
