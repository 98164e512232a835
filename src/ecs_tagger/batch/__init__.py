"""Tag a whole table file (CSV, JSON Lines, Excel, Parquet): resumable, streaming, deterministic.

`tag_file` (and `run_job` with a `TaggingJob`) is what `ecs-tagger tag` runs. What it promises:

* **Nothing lost.** One output row per input row, in input order, every input column kept as it was
  (see `ecs_tagger.tables`), followed by `areas` (codes joined by `;` in taxonomy order, empty for
  none), `score_<code>` per area (0–1, 4 decimals, empty when the row could not be tagged),
  `model_version` and `tag_status` (`ok`, or a status and its reason, e.g. `empty: no text`,
  `not_text: ...`, `untrained_language: ...`, `truncated: ...`; several joined by `; `, as in
  `ok; duplicate_id: also in row 9`); with `evidence=True` also
  `evidence_<code>` per area (the terms and sentence behind a tag; empty where not tagged).
  Output is written to a temporary file and renamed into place only when complete;
  the input is never overwritten, an existing output only with `overwrite=True`.
* **Clear errors.** Bad input raises `InputError` naming the file, row and column before any
  tagging starts: a first pass reads the whole input (rows are counted for the progress bar, ids
  checked, the encoding verified).
* **Input columns named like output columns** (`areas`, `score_<code>`, `model_version`,
  `tag_status`, and `evidence_<code>` when asked for) are an `InputError`: rename them (or tag the
  original file rather than an earlier output). User data is never overwritten.
* **Cells without words** (NUL bytes, punctuation, numbers, a bare web address, invisible
  characters, missing-value markers such as `N/A` or `Ej aktuellt`) are not tagged: `empty` or
  `not_text` with the reason, no scores (`ecs_tagger.statuses`). **Short texts** (fewer than four
  words) are taken to be in the registry's language (`BatchSummary.language`: the language of
  most rows, else Swedish); only longer texts in another language are `untrained_language`.
* **Duplicate ids.** With `id_col`, every row is tagged; a row whose id is on other rows too gets
  `duplicate_id: also in row N` added to its `tag_status`, and the repeated ids are listed in the
  summary (`duplicate_ids`, and a warning). With `unique_ids=True` (`--unique-ids`) a repeated id
  is an `InputError` that names the ids and their rows. Rows are numbered as in every message:
  data rows from 1. Empty ids are allowed and counted in the summary's warnings. Ids name rows in
  the summary's `problem_rows`.
* **Resumable and incremental.** The input is tagged in chunks of `chunk_rows`; each finished
  chunk's result columns go to a part file in a work folder beside the output (`OUTPUT.parts/`,
  with `checkpoint.json`). A run that was interrupted (Ctrl-C, a killed process, a crash) goes on
  from its last finished chunk with `resume=True`; a leftover work folder without `resume` (or
  `overwrite`) is an error that says so. Texts embedded before, in any run, come from the embedding
  cache, so re-tagging an edited registry only embeds the rows whose text changed. When the input,
  the model or the options changed since the interrupted run, `resume` starts over (cheaply, thanks
  to the cache) and says so in the warnings.
* **Bounded memory.** Input is streamed chunk by chunk (Excel sheets are read whole), results are
  kept on disk, and the output is written in appends.
* **Deterministic.** The same input and model give byte-identical output files; the summary
  (`summary_path`, JSON) records counts per status and area, timings, detected encoding and
  separator, paths and the model version.

The package, one module a step: `job` (`TaggingJob`, the description of a run), `engines` (the
registry of engines, `run_job`, `tag_file`), `core` (the run every engine shares), `source`
(reading and checking the input), `columns` (text in, result columns out), `parts` (the resumable
work folder), `summary` (`BatchSummary`); the engines `local` (this process) and `dask`.
"""

from __future__ import annotations

from ecs_tagger.batch.columns import join_text_columns
from ecs_tagger.batch.engines import run_job, tag_file
from ecs_tagger.batch.job import TaggingJob
from ecs_tagger.batch.summary import BatchSummary

__all__ = [
    "BatchSummary",
    "TaggingJob",
    "join_text_columns",
    "run_job",
    "tag_file",
]
