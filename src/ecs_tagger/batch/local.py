"""The local engine: the chunks are tagged in this process by a loaded `Tagger`."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import pandas as pd

from ecs_tagger.batch.columns import result_columns
from ecs_tagger.batch.core import ProgressCallback, run_tagging
from ecs_tagger.batch.job import TaggingJob
from ecs_tagger.batch.summary import BatchSummary
from ecs_tagger.tagger import Tagger


class LocalChunkTagger:
    """Tags chunks in this process with a loaded `Tagger`."""

    engine = "local"

    def __init__(self, tagger: Tagger) -> None:
        self.tagger = tagger
        self.codes = tuple(tagger.codes)
        self.model_version = tagger.model_version

    def tag_chunks(
        self,
        chunks: Iterable[tuple[int, pd.Series]],
        evidence: bool,
        progress: ProgressCallback,
        language: str,
    ) -> Iterator[tuple[int, pd.DataFrame]]:
        for number, texts in chunks:
            results = self.tagger.tag_many(
                texts.tolist(), evidence=evidence, progress=progress, short_text_language=language
            )
            yield number, result_columns(results, self.codes, evidence, index=texts.index)


def run_local(job: TaggingJob, tagger: Tagger | str | Path) -> BatchSummary:
    """Run `job` in this process; `tagger` is a loaded `Tagger` or a model folder."""
    if isinstance(tagger, str | Path):
        tagger = Tagger.load(Path(tagger))
    return run_tagging(LocalChunkTagger(tagger), job)
