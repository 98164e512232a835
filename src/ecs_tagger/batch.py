"""Tag a whole table file (CSV, JSON Lines, Excel, Parquet): resumable, streaming, deterministic.

`tag_file` is what `ecs-tagger tag` runs. What it promises:

* **Nothing lost.** One output row per input row, in input order, every input column kept as it was
  (see `ecs_tagger.tables`), followed by `areas` (codes joined by `;` in taxonomy order, empty for
  none), `score_<code>` per area (0–1, 4 decimals, empty when the row could not be tagged),
  `model_version` and `tag_status` (`ok`, or a status and its reason, e.g. `empty: no text`,
  `not_text: ...`, `untrained_language: ...`, `truncated: ...`); with `evidence=True` also
  `evidence_<code>` per area (the terms and sentence behind a tag; empty where not tagged).
  Output is written to a temporary file and renamed into place only when complete;
  the input is never overwritten, an existing output only with `overwrite=True`.
* **Clear errors.** Bad input raises `InputError` naming the file, row and column before any
  tagging starts: a first pass reads the whole input (rows are counted for the progress bar, ids
  checked, the encoding verified).
* **Input columns named like output columns** (`areas`, `score_<code>`, `model_version`,
  `tag_status`, and `evidence_<code>` when asked for) are an `InputError`: rename them (or tag the
  original file rather than an earlier output). User data is never overwritten.
* **Duplicate ids.** With `id_col`, the ids must be unique: repeated ids are an `InputError` that
  names them and their rows (leave out `id_col` to tag such a file anyway). Empty ids are allowed
  and counted in the summary's warnings. Ids name rows in the summary's `problem_rows`.
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
"""

from __future__ import annotations

import contextlib
import difflib
import hashlib
import json
import math
import os
import shutil
import socket
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import pandas as pd

from ecs_tagger import tables
from ecs_tagger.errors import InputError
from ecs_tagger.results import SKIP_STATUSES
from ecs_tagger.tables import TableFormat, TableWriter, is_blank

if TYPE_CHECKING:
    from ecs_tagger.results import TagResult
    from ecs_tagger.tagger import Tagger

#: Bump when the part files or the checkpoint change shape: old work folders then start over.
WORK_FORMAT = 1
_PART_META = b"ecs_tagger_part"
_FINGERPRINT_BYTES = 1 << 20
_PROBLEM_EXAMPLES = 20

ProgressCallback = Callable[[int], None]


# -- the summary ---------------------------------------------------------------------------------
@dataclass
class BatchSummary:
    """What a `tag_file` run did; `to_dict()` is what `summary_path` holds."""

    rows: int
    statuses: dict[str, int]
    areas: dict[str, int]
    seconds: float
    rows_per_second: float
    encoding: str | None
    separator: str | None
    input: str
    output: str
    model_version: str
    warnings: list[str] = field(default_factory=list)
    sheet: str | None = None
    input_format: str = ""
    output_format: str = ""
    rows_without_area: int = 0
    untagged_rows: int = 0
    chunks: int = 0
    chunks_resumed: int = 0
    chunk_rows: int = 0
    engine: str = "local"
    timings: dict[str, float] = field(default_factory=dict)
    problem_rows: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["seconds"] = round(self.seconds, 3)
        data["rows_per_second"] = round(self.rows_per_second, 2)
        data["timings"] = {k: round(v, 3) for k, v in self.timings.items()}
        return data

    def format(self) -> str:
        """The same as `describe()`."""
        return self.describe()

    def describe(self) -> str:
        """A short human-readable report for the end of a run."""
        lines = [
            f"Tagged {self.rows} rows of {self.input} into {self.output} "
            f"in {self.seconds:.1f} s ({self.rows_per_second:.1f} rows/s), "
            f"model {self.model_version}.",
            "Status: " + ", ".join(f"{k} {v}" for k, v in sorted(self.statuses.items())),
            "Areas: "
            + ", ".join(f"{k} {v}" for k, v in self.areas.items())
            + f", none {self.rows_without_area}",
        ]
        if self.encoding or self.separator:
            found = [f"encoding {self.encoding}"] if self.encoding else []
            if self.separator:
                found.append(f"separator {self.separator!r}")
            lines.append("Read with " + ", ".join(found) + ".")
        if self.chunks_resumed:
            lines.append(
                f"Resumed: {self.chunks_resumed} of {self.chunks} chunks were already done."
            )
        lines.extend(f"Warning: {w}" for w in self.warnings)
        return "\n".join(lines)


# -- text columns --------------------------------------------------------------------------------
def join_text_columns(frame: pd.DataFrame, text_cols: Sequence[str]) -> pd.Series:
    """The text to tag of every row: the text cells joined with a newline, empty cells skipped.

    A row whose cells are all empty gives None (status `empty`). Bytes are read as UTF-8. A row
    with no text but a cell of another kind (a number, a date, undecodable bytes) gives that value,
    so that the tagger marks it `not_text`; beside text, such cells are left out.
    """
    columns = [frame[name].tolist() for name in text_cols]
    joined: list[Any] = []
    for cells in zip(*columns, strict=True):
        texts: list[str] = []
        other: Any = None
        for value in cells:
            if is_blank(value):
                continue
            if isinstance(value, bytes):
                try:
                    value = value.decode("utf-8")
                except UnicodeDecodeError:
                    other = value if other is None else other
                    continue
            if isinstance(value, str):
                if value.strip():
                    texts.append(value)
            elif other is None:
                other = value
        joined.append("\n".join(texts) if texts else other)
    return pd.Series(joined, index=frame.index, dtype=object)


def _text_hash(texts: pd.Series) -> str:
    digest = hashlib.sha256()
    for value in texts.tolist():
        digest.update(repr((type(value).__name__, value)).encode("utf-8", "surrogatepass"))
        digest.update(b"\x00")
    return digest.hexdigest()


def result_names(codes: Sequence[str], evidence: bool = False) -> list[str]:
    """The columns tagging adds, in order."""
    names = ["areas", *(f"score_{code}" for code in codes), "model_version", "tag_status"]
    return [*names, *(f"evidence_{code}" for code in codes)] if evidence else names


def result_columns(
    results: Sequence[TagResult], codes: Sequence[str], evidence: bool, index: Any = None
) -> pd.DataFrame:
    """The output columns for results (the `tag` contract, plus `evidence_<code>` if asked)."""
    frame = pd.DataFrame(
        {
            "areas": [";".join(r.areas) for r in results],
            **{
                f"score_{code}": [float(r.scores.get(code, math.nan)) for r in results]
                for code in codes
            },
            "model_version": [r.model_version for r in results],
            "tag_status": [r.status_text for r in results],
        },
        index=index,
    )
    if evidence:
        for code in codes:
            frame[f"evidence_{code}"] = [
                r.evidence[code].summary() if code in r.areas and code in r.evidence else ""
                for r in results
            ]
    return frame


def result_schema(codes: Sequence[str], evidence: bool = False) -> Any:
    import pyarrow as pa

    fields = [pa.field("areas", pa.string())]
    fields += [pa.field(f"score_{code}", pa.float64()) for code in codes]
    fields += [pa.field("model_version", pa.string()), pa.field("tag_status", pa.string())]
    if evidence:
        fields += [pa.field(f"evidence_{code}", pa.string()) for code in codes]
    return pa.schema(fields)


# -- how chunks get tagged -----------------------------------------------------------------------
class ChunkTagger(Protocol):
    """Tags chunks of texts; yields (chunk number, result columns) in any order."""

    codes: tuple[str, ...]
    model_version: str
    engine: str

    def tag_chunks(
        self, chunks: Iterable[tuple[int, pd.Series]], evidence: bool, progress: ProgressCallback
    ) -> Iterator[tuple[int, pd.DataFrame]]: ...


class LocalChunkTagger:
    """Tags chunks in this process with a loaded `Tagger`."""

    engine = "local"

    def __init__(self, tagger: Tagger) -> None:
        self.tagger = tagger
        self.codes = tuple(tagger.codes)
        self.model_version = tagger.model_version

    def tag_chunks(
        self, chunks: Iterable[tuple[int, pd.Series]], evidence: bool, progress: ProgressCallback
    ) -> Iterator[tuple[int, pd.DataFrame]]:
        for number, texts in chunks:
            results = self.tagger.tag_many(texts.tolist(), evidence=evidence, progress=progress)
            yield number, result_columns(results, self.codes, evidence, index=texts.index)


# -- reading the input ---------------------------------------------------------------------------
class _Source:
    """The input table: its format and its chunks (an Excel sheet is read once and kept)."""

    def __init__(self, path: Path, fmt: TableFormat, chunk_rows: int) -> None:
        self.path = path
        self.chunk_rows = chunk_rows
        self._frame: pd.DataFrame | None = None
        if fmt.kind == "excel":
            fmt, self._frame = tables.read_excel_sheet(path, fmt)
        self.fmt = fmt

    def chunks(self) -> Iterator[pd.DataFrame]:
        if self._frame is None:
            yield from tables.iter_chunks(self.path, self.fmt, self.chunk_rows)
            return
        if self._frame.empty:
            yield self._frame
        for start in range(0, len(self._frame), self.chunk_rows):
            yield self._frame.iloc[start : start + self.chunk_rows]


def _resolve_column(name: str, fmt: TableFormat, path: Path, role: str) -> str:
    if name in fmt.columns:
        return name
    for internal, cell in zip(fmt.columns, fmt.header, strict=False):
        if not is_blank(cell) and str(cell) == name:
            return internal
    shown = [str(c) for c in fmt.columns]
    close = difflib.get_close_matches(name, shown, n=1, cutoff=0.6)
    folded = [c for c in shown if c.casefold() == name.casefold()]
    hint = f" Did you mean {(folded or close)[0]!r}?" if folded or close else ""
    where = f" of sheet {fmt.sheet!r}" if fmt.sheet else ""
    raise InputError(
        f"{path}: there is no {role} column {name!r}{where}; the columns are: "
        + (", ".join(repr(c) for c in shown) or "(none)")
        + "."
        + hint
    )


def _row_label(row: int, ident: Any) -> str:
    return f"row {row}" + ("" if ident is None else f" (id {ident!r})")


# -- the work folder -----------------------------------------------------------------------------
def _fingerprint(path: Path) -> dict[str, Any]:
    stat = path.stat()
    with path.open("rb") as handle:
        head = hashlib.sha256(handle.read(_FINGERPRINT_BYTES)).hexdigest()
    return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "head_sha256": head}


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class _WorkFolder:
    """`OUTPUT.parts/`: checkpoint.json, lock and one part file per finished chunk."""

    def __init__(self, output: Path) -> None:
        self.path = output.with_name(output.name + ".parts")
        self.checkpoint = self.path / "checkpoint.json"
        self.lock = self.path / "lock"
        self._locked = False

    def exists(self) -> bool:
        return self.path.exists()

    def part(self, number: int) -> Path:
        return self.path / f"part-{number:07d}.parquet"

    def check_not_busy(self) -> None:
        """`InputError` when another live run (on this machine) holds the work folder."""
        if not self.lock.exists():
            return
        try:
            owner = json.loads(self.lock.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        pid = owner.get("pid") if isinstance(owner, dict) else None
        if (
            isinstance(pid, int)
            and pid != os.getpid()
            and owner.get("host") == socket.gethostname()
            and _pid_alive(pid)
        ):
            raise InputError(
                f"{self.path}: another ecs-tagger run (process {pid}) is writing this output; "
                "wait for it to finish or stop it first"
            )

    def acquire(self) -> None:
        self.check_not_busy()
        self.path.mkdir(parents=True, exist_ok=True)
        owner = {"pid": os.getpid(), "host": socket.gethostname()}
        tables.atomic_write_bytes(self.lock, json.dumps(owner).encode("utf-8"))
        self._locked = True

    def release(self) -> None:
        if self._locked:
            self.lock.unlink(missing_ok=True)
            self._locked = False

    def read_checkpoint(self) -> dict[str, Any] | None:
        try:
            data = json.loads(self.checkpoint.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def write_checkpoint(self, data: dict[str, Any]) -> None:
        text = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True)
        tables.atomic_write_bytes(self.checkpoint, text.encode("utf-8"))

    def clear_parts(self) -> None:
        for part in self.path.glob("part-*.parquet"):
            part.unlink()

    def write_part(
        self, number: int, frame: pd.DataFrame, schema: Any, info: dict[str, Any]
    ) -> None:
        import pyarrow.parquet as pq

        table = tables.to_arrow(frame, schema, where=str(self.part(number)))
        table = table.replace_schema_metadata({_PART_META: json.dumps(info).encode("utf-8")})
        temp = self.part(number).with_suffix(".tmp")
        pq.write_table(table, temp)
        with temp.open("rb") as handle:
            os.fsync(handle.fileno())
        os.replace(temp, self.part(number))

    def read_part(self, number: int) -> tuple[dict[str, Any], pd.DataFrame] | None:
        import pyarrow.parquet as pq

        path = self.part(number)
        if not path.exists():
            return None
        try:
            table = pq.read_table(path)
            info = json.loads((table.schema.metadata or {})[_PART_META])
        except Exception:  # a damaged part is simply tagged again
            return None
        return info, table.to_pandas()

    def remove(self) -> None:
        self.release()
        shutil.rmtree(self.path, ignore_errors=True)


# -- the run -------------------------------------------------------------------------------------
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


def _check_paths(input_path: Path, output_path: Path, overwrite: bool) -> None:
    tables.kind_of(input_path)
    tables.kind_of(output_path)
    if not input_path.exists():
        raise InputError(f"{input_path}: no such file")
    same = output_path.resolve() == input_path.resolve()
    if not same and output_path.exists():
        with contextlib.suppress(OSError):
            same = os.path.samefile(output_path, input_path)
    if same:
        raise InputError(
            f"{output_path}: the output would replace the input file; choose another output file"
        )
    if output_path.exists() and not overwrite:
        raise InputError(
            f"{output_path}: the output file exists; pass overwrite=True (--overwrite) to "
            "replace it"
        )
    if not output_path.parent.is_dir():
        raise InputError(f"{output_path}: the folder {output_path.parent} does not exist")


def run_tagging(
    chunk_tagger: ChunkTagger,
    input_path: str | Path,
    output_path: str | Path,
    text_cols: Sequence[str] | str,
    *,
    id_col: str | None = None,
    sheet: str | None = None,
    encoding: str | None = None,
    separator: str | None = None,
    overwrite: bool = False,
    resume: bool = False,
    chunk_rows: int = 500,
    evidence: bool = False,
    progress: bool = True,
    summary_path: str | Path | None = None,
) -> BatchSummary:
    """`tag_file` with the chunks tagged by `chunk_tagger` (this process, or a Dask cluster)."""
    started = time.perf_counter()
    timings: dict[str, float] = {}
    input_path, output_path = Path(input_path), Path(output_path)
    if isinstance(text_cols, str):
        text_cols = [text_cols]
    if not text_cols:
        raise InputError("name at least one text column (--text-col)")
    if chunk_rows < 1:
        raise InputError(f"chunk_rows must be at least 1, got {chunk_rows}")
    _check_paths(input_path, output_path, overwrite)
    work = _WorkFolder(output_path)
    work.check_not_busy()
    if work.exists() and not (resume or overwrite):
        raise InputError(
            f"{work.path}: an earlier run of this output was interrupted and left its work folder; "
            "pass resume=True (--resume) to continue it, or overwrite=True (--overwrite) to start "
            "over"
        )
    warnings: list[str] = []

    # 1. Read the input through once: format, columns, rows, ids.
    fmt = tables.detect_format(input_path, sheet=sheet, encoding=encoding, separator=separator)
    source = _Source(input_path, fmt, chunk_rows)
    fmt = source.fmt
    warnings.extend(fmt.notes)
    columns = [_resolve_column(name, fmt, input_path, "text") for name in text_cols]
    id_column = _resolve_column(id_col, fmt, input_path, "id") if id_col else None
    added = result_names(chunk_tagger.codes, evidence)
    clashes = [name for name in added if name in fmt.columns]
    if clashes:
        raise InputError(
            f"{input_path}: already has column(s) {', '.join(repr(c) for c in clashes)}, which "
            "tagging adds; rename or remove them first (or tag the original file, not an earlier "
            "output) — ecs-tagger never overwrites your columns"
        )
    out_fmt = tables.output_format(output_path, fmt)
    fixed = result_schema(chunk_tagger.codes, evidence)
    output_schema = None
    if out_fmt.kind == "parquet" and fmt.kind == "parquet":
        output_schema = _concat_schema(tables.parquet_schema(input_path), fixed)
    elif out_fmt.kind == "parquet" and fmt.kind == "csv":
        output_schema = _concat_schema(_string_schema(fmt.columns), fixed)

    scanned = _Scan(source, id_column)
    if out_fmt.kind == "parquet" and output_schema is None:
        user = tables.infer_schema(scanned.frames())
        output_schema = _concat_schema(user, fixed)
    else:
        for _ in scanned.frames():
            pass
    rows = scanned.rows
    if scanned.duplicates:
        shown = "; ".join(
            f"{ident!r} in rows {', '.join(str(r) for r in places[:5])}"
            + (" …" if len(places) > 5 else "")
            for ident, places in list(scanned.duplicates.items())[:10]
        )
        more = len(scanned.duplicates) - 10
        raise InputError(
            f"{input_path}: the id column {id_col!r} repeats "
            f"{len(scanned.duplicates)} id(s): "
            f"{shown}{f' and {more} more' if more > 0 else ''}. Ids must be unique; fix the "
            "file or leave out the id column (--id-col) to tag it anyway"
        )
    if scanned.empty_ids:
        warnings.append(f"{scanned.empty_ids} rows have an empty id in column {id_col!r}")
    timings["scan"] = time.perf_counter() - started

    # 2. Tag chunk by chunk into part files (skipping those a previous run finished).
    settings = {
        "work_format": WORK_FORMAT,
        "input": str(input_path.resolve()),
        "input_fingerprint": _fingerprint(input_path),
        "text_cols": list(columns),
        "id_col": id_column,
        "sheet": fmt.sheet,
        "encoding": fmt.encoding,
        "separator": fmt.separator,
        "chunk_rows": chunk_rows,
        "model_version": chunk_tagger.model_version,
        "codes": list(chunk_tagger.codes),
        "evidence": evidence,
        "rows": rows,
    }
    work.acquire()
    try:
        if overwrite and not resume:
            work.clear_parts()
            work.checkpoint.unlink(missing_ok=True)
        previous = work.read_checkpoint()
        if previous is not None and previous != settings:
            changed = sorted(
                k for k in set(previous) | set(settings) if previous.get(k) != settings.get(k)
            )
            warnings.append(
                "the interrupted run in the work folder was made with other "
                f"{', '.join(changed)}; starting over (texts embedded before come from the cache)"
            )
            work.clear_parts()
        work.write_checkpoint(settings)
        tag_started = time.perf_counter()
        try:
            resumed, chunk_count = _tag_parts(
                chunk_tagger, source, columns, work, fixed, evidence, rows, progress
            )
        except KeyboardInterrupt:
            if progress:
                saved = len(list(work.path.glob("part-*.parquet")))
                print(
                    f"\nInterrupted: {saved} finished chunks of {chunk_rows} rows are kept in "
                    f"{work.path}; run the same command again with --resume to continue.",
                    file=sys.stderr,
                )
            raise
        timings["tag"] = time.perf_counter() - tag_started

        # 3. Merge: stream the input again, add the results, write, rename into place.
        write_started = time.perf_counter()
        counts = _merge(
            source,
            work,
            output_path,
            out_fmt,
            output_schema,
            chunk_tagger.codes,
            id_column,
            overwrite,
            chunk_count,
        )
        timings["write"] = time.perf_counter() - write_started
        warnings.extend(counts.warnings)
        work.remove()
    finally:
        work.release()
    seconds = time.perf_counter() - started
    timings["total"] = seconds
    untagged = sum(n for status, n in counts.statuses.items() if status in SKIP_STATUSES)
    if untagged:
        kinds = ", ".join(
            f"{status} {n}"
            for status, n in sorted(counts.statuses.items())
            if status in SKIP_STATUSES
        )
        warnings.append(
            f"{untagged} rows could not be tagged ({kinds}); they are kept, marked in tag_status"
        )
    summary = BatchSummary(
        rows=rows,
        statuses=dict(sorted(counts.statuses.items())),
        areas={code: counts.areas.get(code, 0) for code in chunk_tagger.codes},
        seconds=seconds,
        rows_per_second=rows / seconds if seconds > 0 else 0.0,
        encoding=fmt.encoding_label,
        separator=fmt.separator,
        input=str(input_path),
        output=str(output_path),
        model_version=chunk_tagger.model_version,
        warnings=warnings,
        sheet=fmt.sheet,
        input_format=fmt.kind,
        output_format=out_fmt.kind,
        rows_without_area=counts.without_area,
        untagged_rows=untagged,
        chunks=chunk_count,
        chunks_resumed=resumed,
        chunk_rows=chunk_rows,
        engine=chunk_tagger.engine,
        timings=timings,
        problem_rows=counts.problems,
    )
    if summary_path is not None:
        text = json.dumps(summary.to_dict(), ensure_ascii=False, indent=2)
        tables.atomic_write_bytes(Path(summary_path), (text + "\n").encode("utf-8"))
    return summary


def _string_schema(names: Sequence[str]) -> Any:
    import pyarrow as pa

    return pa.schema([pa.field(name, pa.string()) for name in names])


def _concat_schema(first: Any, second: Any) -> Any:
    import pyarrow as pa

    return pa.schema(list(first) + list(second))


@dataclass
class _Scan:
    source: _Source
    id_column: str | None
    rows: int = 0
    empty_ids: int = 0
    duplicates: dict[Any, list[int]] = field(default_factory=dict)

    def frames(self) -> Iterator[pd.DataFrame]:
        seen: dict[Any, int] = {}
        for chunk in self.source.chunks():
            if self.id_column is not None:
                for offset, ident in enumerate(chunk[self.id_column].tolist()):
                    row = self.rows + offset + 1
                    if is_blank(ident) or (isinstance(ident, str) and not ident.strip()):
                        self.empty_ids += 1
                        continue
                    key = _hashable(ident)
                    if key in seen:
                        self.duplicates.setdefault(ident, [seen[key]]).append(row)
                    else:
                        seen[key] = row
            self.rows += len(chunk)
            yield chunk


def _hashable(value: Any) -> Any:
    try:
        hash(value)
    except TypeError:
        return json.dumps(value, sort_keys=True, default=str)
    return value


def _tag_parts(
    chunk_tagger: ChunkTagger,
    source: _Source,
    columns: Sequence[str],
    work: _WorkFolder,
    schema: Any,
    evidence: bool,
    rows: int,
    progress: bool,
) -> tuple[int, int]:
    """Tag every chunk that has no valid part file yet; (chunks resumed, chunks in all)."""
    counter = {"resumed": 0, "chunks": 0}
    hashes: dict[int, tuple[str, int, int]] = {}
    bar = _progress_bar(rows, progress and rows > 0, "tagging")

    def todo() -> Iterator[tuple[int, pd.Series]]:
        for number, chunk in enumerate(source.chunks()):
            counter["chunks"] += 1
            texts = join_text_columns(chunk, columns)
            digest = _text_hash(texts)
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
        for number, frame in chunk_tagger.tag_chunks(todo(), evidence, bar.update):
            digest, start, count = hashes[number]
            if len(frame) != count:
                raise RuntimeError(f"chunk {number}: {len(frame)} results for {count} rows")
            info = {"chunk": number, "start": start, "rows": count, "text_sha256": digest}
            work.write_part(number, frame, schema, info)
    finally:
        bar.close()
    return counter["resumed"], counter["chunks"]


@dataclass
class _Counts:
    statuses: Counter[str] = field(default_factory=Counter)
    areas: Counter[str] = field(default_factory=Counter)
    without_area: int = 0
    problems: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _merge(
    source: _Source,
    work: _WorkFolder,
    output_path: Path,
    out_fmt: TableFormat,
    schema: Any,
    codes: Sequence[str],
    id_column: str | None,
    overwrite: bool,
    chunk_count: int,
) -> _Counts:
    counts = _Counts()
    header = list(source.fmt.header) if out_fmt.kind in ("csv", "excel") else None
    writer = TableWriter(output_path, out_fmt, overwrite=overwrite, header=header, schema=schema)
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
            _count(counts, results, chunk, id_column, codes)
            writer.write(pd.concat([chunk, results], axis=1))
            merged += 1
        if merged != chunk_count:
            raise InputError(
                f"{source.path}: the input changed while it was being tagged; run again"
            )
    counts.warnings.extend(writer.warnings)
    return counts


def _count(
    counts: _Counts,
    results: pd.DataFrame,
    chunk: pd.DataFrame,
    id_column: str | None,
    codes: Sequence[str],
) -> None:
    statuses = [str(s) for s in results["tag_status"].tolist()]
    codes_of_rows = [str(a) if not is_blank(a) else "" for a in results["areas"].tolist()]
    ids = chunk[id_column].tolist() if id_column else [None] * len(chunk)
    for position, (status_text, areas, ident) in enumerate(
        zip(statuses, codes_of_rows, ids, strict=True)
    ):
        status = status_text.split(":", 1)[0]
        counts.statuses[status] += 1
        found = [a for a in areas.split(";") if a]
        counts.areas.update(found)
        if not found and status not in SKIP_STATUSES:
            counts.without_area += 1
        if status != "ok" and len(counts.problems) < _PROBLEM_EXAMPLES:
            entry: dict[str, Any] = {"row": int(chunk.index[position]) + 1, "status": status_text}
            if id_column:
                entry["id"] = None if is_blank(ident) else tables.TableWriter._text_cell(ident)
            counts.problems.append(entry)


# -- the public entry point ----------------------------------------------------------------------
def tag_file(
    tagger: Tagger | str | Path,
    input_path: str | Path,
    output_path: str | Path,
    text_cols: Sequence[str] | str,
    *,
    id_col: str | None = None,
    sheet: str | None = None,
    encoding: str | None = None,
    separator: str | None = None,
    overwrite: bool = False,
    resume: bool = False,
    chunk_rows: int = 500,
    evidence: bool = False,
    progress: bool = True,
    summary_path: str | Path | None = None,
    engine: str = "local",
    scheduler: str | None = None,
) -> BatchSummary:
    """Tag the text columns of a table file and write it with the tags added.

    `tagger` is a loaded `Tagger` or a model folder. Several `text_cols` are joined with a newline.
    `engine="dask"` tags on a Dask cluster (`scheduler` address, or a local cluster); see
    `ecs_tagger.distributed`. Returns a `BatchSummary` (also written to `summary_path` as JSON).
    """
    if engine not in ("local", "dask"):
        raise InputError(f"unknown engine {engine!r}: use 'local' or 'dask'")
    options: dict[str, Any] = dict(
        id_col=id_col,
        sheet=sheet,
        encoding=encoding,
        separator=separator,
        overwrite=overwrite,
        resume=resume,
        chunk_rows=chunk_rows,
        evidence=evidence,
        progress=progress,
        summary_path=summary_path,
    )
    if engine == "dask":
        from ecs_tagger.distributed import model_path_of, tag_with_dask

        with model_path_of(tagger, Path(output_path)) as model_path:
            return tag_with_dask(
                model_path, input_path, output_path, text_cols, scheduler=scheduler, **options
            )
    if scheduler is not None:
        raise InputError("a scheduler address only makes sense with engine='dask'")
    if isinstance(tagger, str | Path):
        from ecs_tagger.tagger import Tagger

        tagger = Tagger.load(Path(tagger))
    return run_tagging(LocalChunkTagger(tagger), input_path, output_path, text_cols, **options)
