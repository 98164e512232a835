"""The run every engine shares: scan the input, tag it chunk by chunk into part files, merge.

An engine hands `run_tagging` a `TaggingJob` and a `ChunkTagger`, the one thing engines differ in
(this process, or Dask workers). Everything else, and so every promise of `ecs_tagger.batch`, is
here: the checks before any tagging, resumable part files, the output written in appends and
renamed into place when complete, and the `BatchSummary`.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol

import pandas as pd

from ecs_tagger.batch.columns import join_text_columns, text_hash
from ecs_tagger.batch.job import TaggingJob
from ecs_tagger.batch.parts import WORK_FORMAT, WorkFolder, fingerprint
from ecs_tagger.batch.source import ScannedInput, check_paths, scan_input
from ecs_tagger.batch.summary import BatchSummary, RowCounts
from ecs_tagger.errors import InputError, counted
from ecs_tagger.notices import noted_on
from ecs_tagger.tables.writing import TableWriter, atomic_write_bytes

ProgressCallback = Callable[[int], None]


class ChunkTagger(Protocol):
    """Tags chunks of texts; yields (chunk number, result columns) in any order.

    `language` is the registry's language: texts too short to tell are taken to be in it
    (`Tagger.tag_many`'s `short_text_language`).
    """

    codes: tuple[str, ...]
    model_version: str
    engine: str

    def tag_chunks(
        self,
        chunks: Iterable[tuple[int, pd.Series]],
        evidence: bool,
        progress: ProgressCallback,
        language: str,
    ) -> Iterator[tuple[int, pd.DataFrame]]: ...


def run_tagging(chunk_tagger: ChunkTagger, job: TaggingJob) -> BatchSummary:
    """Run `job` with the chunks tagged by `chunk_tagger` (this process, or a Dask cluster)."""
    started = time.perf_counter()
    timings: dict[str, float] = {}
    check_paths(job.input, job.output, job.overwrite)
    work = WorkFolder(job.output)
    work.check_can_start(job.resume, job.overwrite)

    # 1. Read the input through once: format, columns, rows, ids.
    scanned = scan_input(job, chunk_tagger.codes)
    warnings = list(scanned.warnings)
    timings["scan"] = time.perf_counter() - started

    # 2. Tag chunk by chunk into part files (skipping those a previous run finished).
    work.acquire()
    try:
        restarted = work.begin(
            _settings(job, scanned, chunk_tagger), job.overwrite and not job.resume
        )
        if restarted:
            warnings.append(restarted)
        tag_started = time.perf_counter()
        try:
            resumed, chunk_count = _tag_parts(chunk_tagger, job, scanned, work)
        except KeyboardInterrupt:
            if job.progress:
                print(
                    f"\nInterrupted: {counted(work.parts_done(), 'finished chunk')} of "
                    f"{counted(job.chunk_rows, 'row')} "
                    f"are kept in {work.path}; run the same command again with --resume to "
                    "continue.",
                    file=sys.stderr,
                )
            raise
        timings["tag"] = time.perf_counter() - tag_started

        # 3. Merge: stream the input again, add the results, write, rename into place.
        write_started = time.perf_counter()
        counts = _merge(job, scanned, work, chunk_count)
        timings["write"] = time.perf_counter() - write_started
        warnings.extend(counts.warnings)
        work.remove()
    finally:
        work.release()
    seconds = time.perf_counter() - started
    timings["total"] = seconds
    untagged = counts.untagged_warning()
    if untagged:
        warnings.append(untagged)
    summary = BatchSummary(
        rows=scanned.rows,
        statuses=dict(sorted(counts.statuses.items())),
        areas=counts.area_counts(chunk_tagger.codes),
        seconds=seconds,
        rows_per_second=scanned.rows / seconds if seconds > 0 else 0.0,
        encoding=scanned.fmt.encoding_label,
        separator=scanned.fmt.separator,
        input=str(job.input),
        output=str(job.output),
        model_version=chunk_tagger.model_version,
        warnings=warnings,
        sheet=scanned.fmt.sheet,
        input_format=scanned.fmt.kind,
        output_format=scanned.output_format.kind,
        rows_without_area=counts.without_area,
        untagged_rows=counts.untagged,
        chunks=chunk_count,
        chunks_resumed=resumed,
        chunk_rows=job.chunk_rows,
        engine=chunk_tagger.engine,
        timings=timings,
        problem_rows=counts.problems,
        duplicate_ids=scanned.duplicates.listing(),
        duplicate_id_count=len(scanned.duplicates),
        duplicate_id_rows=scanned.duplicates.rows,
        language=scanned.language,
        repeated_header_rows=list(scanned.marks.header_rows) if scanned.marks else [],
    )
    if job.summary_path is not None:
        text = json.dumps(summary.to_dict(), ensure_ascii=False, indent=2)
        atomic_write_bytes(job.summary_path, (text + "\n").encode("utf-8"))
    return summary


def _settings(job: TaggingJob, scanned: ScannedInput, chunk_tagger: ChunkTagger) -> dict[str, Any]:
    """What the part files depend on: an interrupted run resumes only if all of it is the same."""
    return {
        "work_format": WORK_FORMAT,
        "input": str(job.input.resolve()),
        "input_fingerprint": fingerprint(job.input),
        "text_cols": list(scanned.text_columns),
        "id_col": scanned.id_column,
        "short_text_language": scanned.language,
        "sheet": scanned.fmt.sheet,
        "encoding": scanned.fmt.encoding,
        "separator": scanned.fmt.separator,
        "chunk_rows": job.chunk_rows,
        "model_version": chunk_tagger.model_version,
        "codes": list(chunk_tagger.codes),
        "evidence": job.evidence,
        "rows": scanned.rows,
    }


def _progress_bar(total: int | None, enabled: bool, description: str) -> Any:
    from tqdm.auto import tqdm

    return tqdm(
        total=total,
        desc=description,
        unit="rows",
        file=sys.stderr,
        disable=not enabled,
        mininterval=0.5,
        smoothing=0.1,
        dynamic_ncols=True,
    )


def _tag_parts(
    chunk_tagger: ChunkTagger, job: TaggingJob, scanned: ScannedInput, work: WorkFolder
) -> tuple[int, int]:
    """Tag every chunk that has no valid part file yet; (chunks resumed, chunks in all)."""
    counter = {"resumed": 0, "chunks": 0}
    hashes: dict[int, tuple[str, int, int]] = {}
    bar = _progress_bar(scanned.rows, job.progress and scanned.rows > 0, "tagging")

    def todo() -> Iterator[tuple[int, pd.Series]]:
        for number, chunk in enumerate(scanned.source.chunks()):
            counter["chunks"] += 1
            texts = join_text_columns(chunk, scanned.text_columns)
            if scanned.marks:
                texts = scanned.marks.blank(texts)
            digest = text_hash(texts)
            start = int(chunk.index[0]) if len(chunk) else 0
            hashes[number] = (digest, start, len(chunk))
            done = work.read_part(number)
            if done is not None:
                info, frame = done
                if info.get("text_sha256") == digest and len(frame) == len(chunk):
                    counter["resumed"] += 1
                    bar.update(len(chunk))
                    continue
            yield number, texts

    try:
        # A wait inside (the encoder's first load, the word lists) is noted on the bar and left
        # out of its rate: its first reading is the tagging's, not the model load's.
        with noted_on(bar):
            for number, frame in chunk_tagger.tag_chunks(
                todo(), job.evidence, bar.update, scanned.language
            ):
                digest, start, count = hashes[number]
                if len(frame) != count:
                    raise RuntimeError(f"chunk {number}: {len(frame)} results for {count} rows")
                info = {"chunk": number, "start": start, "rows": count, "text_sha256": digest}
                work.write_part(number, frame, scanned.part_schema, info)
    finally:
        bar.close()
    return counter["resumed"], counter["chunks"]


def _merge(job: TaggingJob, scanned: ScannedInput, work: WorkFolder, chunk_count: int) -> RowCounts:
    """Write the input with the part files' result columns added; count what was written."""
    counts = RowCounts()
    source, out_fmt = scanned.source, scanned.output_format
    header = list(source.fmt.header) if out_fmt.kind in ("csv", "excel") else None
    writer = TableWriter(
        job.output,
        out_fmt,
        overwrite=job.overwrite,
        header=header,
        schema=scanned.output_schema,
        escape_formulas=job.escape_formulas,
    )
    with writer:
        merged = 0
        for number, chunk in enumerate(source.chunks()):
            part = work.read_part(number)
            if part is None or len(part[1]) != len(chunk):
                raise InputError(
                    f"{source.path}: the input changed while it was being tagged (chunk {number}); "
                    "run again"
                )
            results = part[1]
            results.index = chunk.index
            if scanned.marks:
                scanned.marks.apply(results)
            if scanned.duplicates:
                rows = [int(position) + 1 for position in chunk.index]
                results["tag_status"] = scanned.duplicates.mark(
                    results["tag_status"].tolist(), rows
                )
            counts.add(results, chunk, scanned.id_column)
            writer.write(pd.concat([chunk, results], axis=1))
            merged += 1
        if merged != chunk_count:
            raise InputError(
                f"{source.path}: the input changed while it was being tagged; run again"
            )
    counts.warnings.extend(writer.warnings)
    return counts
