"""Re-tagging an unchanged registry: rows/s and peak memory, each run a fresh process.

``python -m benchmarks.bench_retag [--n 1000]`` tags `n` Projektbanken descriptions with the
shipped model in a private, empty cache folder (the converted encoder is shared):

``fill``
    the first run: preprocesses and encodes everything, filling both caches;
``retag``
    the same texts again: every analysis and vector comes from the caches (no spaCy, no encoder);
``retag-uncached-preprocessing``
    the same again as tagging was before the preprocessing cache: spaCy runs for every text and
    the encoder is loaded to check its identity (vectors still from the cache).

Each line gives the rows/s of ``tag_many`` alone and of the whole process (interpreter start,
imports, model load included), and the process's peak resident memory (VmHWM).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

_STARTED = time.perf_counter()

MODES = ("fill", "retag", "retag-uncached-preprocessing")


def child(mode: str, texts_path: Path, cache: Path, out: Path) -> None:
    """Tag the texts once in this process and write the timings to `out`."""
    from ecs_tagger.tagger import Tagger

    texts = json.loads(texts_path.read_text(encoding="utf-8"))
    tagger = Tagger.load(cache_directory=cache)
    if mode == "retag-uncached-preprocessing":  # the path before the preprocessing cache
        _ = tagger.embedder.model
        tagger._preprocess = tagger.preprocessor.process_many  # type: ignore[method-assign]
    started = time.perf_counter()
    results = tagger.tag_many(texts)
    seconds = time.perf_counter() - started
    from benchmarks.common import vmhwm_mb

    result: dict[str, Any] = {
        "mode": mode,
        "rows": len(results),
        "tag_s": seconds,
        "startup_s": started - _STARTED,
        "encoder_loaded": tagger.embedder._model is not None,
        "torch_imported": "torch" in sys.modules,
        "spacy_imported": "spacy" in sys.modules,
        "vmhwm_mb": vmhwm_mb(),
        "scores": [[r.areas, r.scores, r.status] for r in results],
    }
    out.write_text(json.dumps(result), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="descriptions to tag (default 1000)")
    parser.add_argument("--child", nargs=4, metavar=("MODE", "TEXTS", "CACHE", "OUT"))
    args = parser.parse_args(argv)
    if args.child:
        mode, texts, cache, out = args.child
        child(mode, Path(texts), Path(cache), Path(out))
        return 0

    from benchmarks.common import python_env, run_wait4, speed_texts
    from ecs_tagger.config import cache_dir

    texts = speed_texts(args.n)
    with tempfile.TemporaryDirectory(prefix="bench-retag-") as tmp:
        folder = Path(tmp)
        (folder / "cache").mkdir()
        (folder / "cache" / "models").symlink_to(cache_dir() / "models", target_is_directory=True)
        (folder / "texts.json").write_text(json.dumps(texts), encoding="utf-8")
        rows: list[dict[str, Any]] = []
        for mode in MODES:
            out = folder / f"{mode}.json"
            command = [sys.executable, "-m", "benchmarks.bench_retag", "--child", mode]
            command += [str(folder / "texts.json"), str(folder / "cache"), str(out)]
            run = run_wait4(command, env=python_env(), cwd=Path(__file__).resolve().parents[1])
            if run["returncode"] != 0:
                print(run["stderr"], file=sys.stderr)
                return 1
            result = json.loads(out.read_text(encoding="utf-8"))
            result["process_s"] = run["wall_s"]
            result["peak_mb"] = run["maxrss_mb"] or result["vmhwm_mb"]
            rows.append(result)
    print(f"{len(texts)} Projektbanken descriptions, shipped model, fresh process per run")
    print(f"{'run':<30} {'tag rows/s':>11} {'process rows/s':>15} {'peak MB':>8}  loaded")
    for row in rows:
        loaded = [name for name in ("torch", "spacy") if row[f"{name}_imported"]]
        loaded += ["encoder"] if row["encoder_loaded"] else []
        print(
            f"{row['mode']:<30} {row['rows'] / row['tag_s']:>11.1f} "
            f"{row['rows'] / row['process_s']:>15.1f} {row['peak_mb']:>8.0f}  "
            f"{', '.join(loaded) or '-'}"
        )
    same = all(row["scores"] == rows[0]["scores"] for row in rows)
    print(f"identical tags and scores in every run: {same}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
