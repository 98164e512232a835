"""Throughput and peak memory of `tag_file` on registries of growing size.

Run from the repository root::

    python -m benchmarks.bench_batch                      # 300 uncached, then 1k, 10k, 100k rows
    python -m benchmarks.bench_batch --sizes 1000,10000   # skip the slow 100k run
    python -m benchmarks.bench_batch --format parquet

Rows repeat real project descriptions (title + description) from
`$ECS_TAGGER_CORPUS/projektbanken/projects.jsonl` (default ../shared/corpus) until each size is
reached; every row gets its own id. Each measurement runs in a fresh subprocess, so its peak
memory (`resource.getrusage` maxrss: numpy and torch included, which tracemalloc misses) is its
own. The first measurement tags the unique texts with an empty embedding cache (what a new
registry costs); the larger sizes repeat those texts, so their embeddings come from the cache
and the figures show the cost of reading, preprocessing, classifying and writing, and whether
memory stays flat as the file grows. "growth" is the peak minus the peak after the model was
loaded and had tagged one text.

The model is `--model`, else $ECS_TAGGER_MODEL or models/default, else a small model trained
on the labelled Projektbanken texts of the corpus (into a temporary folder).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


# -- the child: one measurement ------------------------------------------------------------------
def child(args: argparse.Namespace) -> None:
    from ecs_tagger.batch import tag_file
    from ecs_tagger.tagger import Tagger

    started = time.perf_counter()
    tagger = Tagger.load(args.model)
    tagger.tag_many(["Uppvärmning: modellen laddas före mätningen."])
    loaded = _maxrss_mb()
    load_seconds = time.perf_counter() - started
    summary = tag_file(
        tagger,
        args.input,
        args.output,
        ["title", "description"],
        id_col="id",
        chunk_rows=args.chunk_rows,
        progress=False,
        overwrite=True,
    )
    print(
        json.dumps(
            {
                "rows": summary.rows,
                "seconds": summary.seconds,
                "rows_per_second": summary.rows_per_second,
                "timings": summary.timings,
                "statuses": summary.statuses,
                "load_seconds": load_seconds,
                "maxrss_loaded_mb": loaded,
                "maxrss_mb": _maxrss_mb(),
            }
        )
    )


# -- the parent: data, model, runs ---------------------------------------------------------------
def corpus_texts(limit: int) -> list[dict[str, Any]]:
    from ecs_tagger.config import corpus_dir

    path = corpus_dir() / "projektbanken" / "projects.jsonl"
    if not path.exists():
        sys.exit(f"no corpus at {path}: set ECS_TAGGER_CORPUS")
    records: list[dict[str, Any]] = []
    seen: set[str] = set()
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            description = (record.get("description") or "").strip()
            if len(description) < 80 or description in seen:
                continue
            seen.add(description)
            records.append(record)
            if len(records) == limit:
                break
    return records


def write_registry(records: list[dict[str, Any]], rows: int, path: Path, kind: str) -> None:
    header = ["id", "title", "description", "county", "start_date", "granted_sek"]

    def row(i: int) -> list[str]:
        record = records[i % len(records)]
        return [
            f"{record['id']}-{i:06d}",
            str(record.get("title") or ""),
            str(record.get("description") or ""),
            str(record.get("county") or ""),
            str(record.get("start_date") or ""),
            str(record.get("granted_sek") or ""),
        ]

    if kind == "csv":
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, delimiter=";")
            writer.writerow(header)
            for i in range(rows):
                writer.writerow(row(i))
        return
    import pyarrow as pa
    import pyarrow.parquet as pq

    with pq.ParquetWriter(path, pa.schema([(name, pa.string()) for name in header])) as writer:
        for start in range(0, rows, 10_000):
            block = [row(i) for i in range(start, min(rows, start + 10_000))]
            columns = {name: [r[j] for r in block] for j, name in enumerate(header)}
            writer.write_table(pa.table(columns))


def find_model(given: str | None, workdir: Path) -> Path:
    if given:
        return Path(given)
    configured = os.environ.get("ECS_TAGGER_MODEL")
    if configured and Path(configured).is_dir():
        return Path(configured)
    if (ROOT / "models" / "default" / "manifest.json").exists():
        return ROOT / "models" / "default"
    print("no trained model found: training a small one on the labelled Projektbanken texts")
    import pandas as pd

    from ecs_tagger.config import corpus_dir
    from ecs_tagger.model.training import TrainSettings
    from ecs_tagger.tagger import Tagger

    labels: dict[str, list[str]] = {}
    with (corpus_dir() / "labels" / "train_labels.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            if record.get("source") == "projektbanken":
                labels[record["id"]] = record.get("areas") or []
    texts, areas = [], []
    with (corpus_dir() / "projektbanken" / "projects.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            if record["id"] in labels and record.get("description"):
                texts.append(f"{record.get('title') or ''}\n{record['description']}")
                areas.append(labels[record["id"]])
    frame = pd.DataFrame({"text": texts, "areas": areas})
    tagger = Tagger.train(
        frame, cross_validation=False, settings=TrainSettings(inner_folds=2, min_df=2)
    )
    return tagger.save(workdir / "model")


def measure(
    model: Path, source: Path, output: Path, cache: Path, chunk_rows: int
) -> dict[str, Any]:
    env = {**os.environ, "ECS_TAGGER_CACHE": str(cache)}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), env.get("PYTHONPATH", "")])
    command = [
        sys.executable,
        "-m",
        "benchmarks.bench_batch",
        "--child",
        "--model",
        str(model),
        "--input",
        str(source),
        "--output",
        str(output),
        "--chunk-rows",
        str(chunk_rows),
    ]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"measurement failed:\n{done.stderr[-4000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000", help="row counts, comma-separated")
    parser.add_argument("--unique", type=int, default=300, help="unique texts (the uncached run)")
    parser.add_argument("--chunk-rows", type=int, default=500)
    parser.add_argument("--format", choices=("csv", "parquet"), default="csv")
    parser.add_argument("--model")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--input", help=argparse.SUPPRESS)
    parser.add_argument("--output", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return

    from ecs_tagger.config import cache_dir

    workdir = Path(tempfile.mkdtemp(prefix="ecs-bench-"))
    try:
        model = find_model(args.model, workdir)
        # A fresh embedding cache that shares the converted embedding model (not its vectors).
        cache = workdir / "cache"
        cache.mkdir()
        converted = cache_dir() / "models"
        if converted.is_dir():
            (cache / "models").symlink_to(converted, target_is_directory=True)
        records = corpus_texts(args.unique)
        runs = [(len(records), "empty")] + [
            (int(size), "warm") for size in args.sizes.split(",") if size.strip()
        ]
        suffix = "." + args.format
        print(
            f"model {model}; {len(records)} unique texts; chunk_rows {args.chunk_rows}; "
            f"format {args.format}; {os.cpu_count()} cores"
        )
        print(
            f"{'rows':>8} {'cache':>6} {'seconds':>9} {'rows/s':>9} {'peak MB':>9} "
            f"{'growth MB':>10}  phases (s)"
        )
        for rows, state in runs:
            source = workdir / f"in-{rows}{suffix}"
            write_registry(records, rows, source, args.format)
            result = measure(model, source, workdir / f"out-{rows}{suffix}", cache, args.chunk_rows)
            phases = ", ".join(f"{k} {v:.1f}" for k, v in result["timings"].items() if k != "total")
            print(
                f"{result['rows']:>8} {state:>6} {result['seconds']:>9.1f} "
                f"{result['rows_per_second']:>9.1f} {result['maxrss_mb']:>9.0f} "
                f"{result['maxrss_mb'] - result['maxrss_loaded_mb']:>10.0f}  {phases}",
                flush=True,
            )
            source.unlink()
            (workdir / f"out-{rows}{suffix}").unlink(missing_ok=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
