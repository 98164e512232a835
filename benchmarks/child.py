"""Measurements that need a fresh process: ``python -m benchmarks.child MODE SPEC.json``.

Modes
``tag``      tag texts with the shipped model (cold, warm or cached) and time each phase;
``encode``   encode pre-chunked pieces with one encoder variant (torch fp32/int8, ONNX Runtime);
``matmul``   the sustained matrix-multiply rate of this CPU (fp32 torch, int8 fbgemm).
The parent reads the peak memory of the process from wait4(); results go to SPEC["out"] as JSON.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

_STARTED = time.perf_counter()


def _write(spec: dict[str, Any], result: dict[str, Any]) -> None:
    from benchmarks.common import vmhwm_mb

    result["vmhwm_mb"] = vmhwm_mb()  # this process's own peak (see common.vmhwm_mb)
    Path(spec["out"]).write_text(json.dumps(result, indent=1), encoding="utf-8")


# -- tagging ---------------------------------------------------------------------------------------
def tag(spec: dict[str, Any]) -> None:
    started = time.perf_counter()
    import torch

    if spec.get("threads"):
        torch.set_num_threads(int(spec["threads"]))
    from ecs_tagger.tagger import Tagger

    imported = time.perf_counter()
    texts = json.loads(Path(spec["texts"]).read_text(encoding="utf-8"))
    tagger = Tagger.load(cache_directory=Path(spec["cache"]))
    loaded = time.perf_counter()
    if spec.get("batch_size"):
        tagger = tagger.with_settings(batch_size=int(spec["batch_size"]))
        tagger.embedder.cache_directory = Path(spec["cache"])
    model = tagger.embedder.model
    if spec.get("quantize"):
        from benchmarks.encoders import quantize_int8

        quantize_int8(model)
    model_loaded = time.perf_counter()
    # one short text first (kernels, spaCy's lazy loading); it is not among the measured texts
    tagger.tag_many(["Uppvärmning: modellen laddas och körs en gång före mätningen."])
    phases = {"preprocess_s": 0.0, "embed_s": 0.0}
    process_many = tagger.preprocessor.process_many
    embed_documents = tagger.embedder.embed_documents

    def timed_process(*args: Any, **kwargs: Any) -> Any:
        t = time.perf_counter()
        try:
            return process_many(*args, **kwargs)
        finally:
            phases["preprocess_s"] += time.perf_counter() - t

    def timed_embed(*args: Any, **kwargs: Any) -> Any:
        t = time.perf_counter()
        try:
            return embed_documents(*args, **kwargs)
        finally:
            phases["embed_s"] += time.perf_counter() - t

    tagger.preprocessor.process_many = timed_process  # type: ignore[method-assign]
    tagger.embedder.embed_documents = timed_embed  # type: ignore[method-assign]
    tag_started = time.perf_counter()
    results = tagger.tag_many(texts)
    tag_seconds = time.perf_counter() - tag_started
    _write(
        spec,
        {
            "mode": spec["mode"],
            "n_docs": len(texts),
            "interpreter_to_main_s": round(started - _STARTED, 3),
            "import_s": round(imported - started, 3),
            "tagger_load_s": round(loaded - imported, 3),
            "embedding_model_load_s": round(model_loaded - loaded, 3),
            "tag_s": round(tag_seconds, 3),
            "docs_per_s": round(len(texts) / tag_seconds, 3),
            **{k: round(v, 3) for k, v in phases.items()},
            "other_s": round(tag_seconds - phases["preprocess_s"] - phases["embed_s"], 3),
            "tagged": sum(1 for r in results if r.areas),
            "torch_threads": torch.get_num_threads(),
            "precision": tagger.embedder.precision,
        },
    )


def import_times(spec: dict[str, Any]) -> None:
    t0 = time.perf_counter()
    import ecs_tagger  # noqa: F401

    t1 = time.perf_counter()
    from ecs_tagger.tagger import Tagger

    t2 = time.perf_counter()
    tagger = Tagger.load()
    t3 = time.perf_counter()
    tagger.embedder.model  # noqa: B018 - loads the embedding model
    t4 = time.perf_counter()
    _write(
        spec,
        {
            "import_ecs_tagger_s": round(t1 - t0, 3),
            "import_tagger_s": round(t2 - t0, 3),
            "tagger_load_s": round(t3 - t2, 3),
            "embedding_model_load_s": round(t4 - t3, 3),
        },
    )


def plain_st(spec: dict[str, Any]) -> None:
    """The reference: plain sentence-transformers, fp32, as a user would call it on the texts
    (`encode(texts, prompt="passage: ", batch_size=32)`, truncating at 512 tokens), 2 threads."""
    started = time.perf_counter()
    import torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(2)
    imported = time.perf_counter()
    texts = json.loads(Path(spec["texts"]).read_text(encoding="utf-8"))
    model = SentenceTransformer(spec["model_dir"], device="cpu", local_files_only=True)
    loaded = time.perf_counter()
    model.encode(texts, prompt="passage: ", batch_size=32, normalize_embeddings=True)
    encode_s = time.perf_counter() - loaded
    _write(
        spec,
        {
            "n_docs": len(texts),
            "import_s": round(imported - started, 3),
            "model_load_s": round(loaded - imported, 3),
            "encode_s": round(encode_s, 3),
            "docs_per_s": round(len(texts) / encode_s, 3),
        },
    )


# -- encoders --------------------------------------------------------------------------------------
def encode(spec: dict[str, Any]) -> None:
    import numpy as np

    from benchmarks.encoders import make_encoder

    pieces = json.loads(Path(spec["pieces"]).read_text(encoding="utf-8"))
    encoder = make_encoder(spec["variant"], Path(spec["model_dir"]), Path(spec["work_dir"]))
    loaded = time.perf_counter()
    encoder.encode(pieces[: min(len(pieces), 32)])  # warm-up: allocations, kernel choice
    warmed = time.perf_counter()
    vectors = encoder.encode(pieces)
    seconds = time.perf_counter() - warmed
    np.save(spec["vectors"], vectors.astype(np.float32))
    _write(
        spec,
        {
            "variant": spec["variant"],
            "pieces": len(pieces),
            "encode_s": round(seconds, 3),
            "load_s": round(loaded - _STARTED, 3),
            "threads": encoder.threads,
        },
    )


def matmul(spec: dict[str, Any]) -> None:
    import torch

    seconds = float(spec.get("seconds", 3.0))
    out: dict[str, Any] = {}
    for threads in (1, 2):
        torch.set_num_threads(threads)
        for name, (m, k, n) in {
            "encoder_ffn": (4096, 384, 1536),
            "square_2048": (2048, 2048, 2048),
        }.items():
            a, b = torch.randn(m, k), torch.randn(k, n)
            torch.mm(a, b)
            count, started = 0, time.perf_counter()
            while time.perf_counter() - started < seconds:
                torch.mm(a, b)
                count += 1
            elapsed = time.perf_counter() - started
            out[f"fp32_{name}_t{threads}_gmacs"] = round(count * m * k * n / elapsed / 1e9, 2)
        from torch.ao.quantization import quantize_dynamic

        layer = quantize_dynamic(
            torch.nn.Sequential(torch.nn.Linear(384, 1536)), {torch.nn.Linear}, dtype=torch.qint8
        )
        x = torch.randn(4096, 384)
        with torch.inference_mode():
            layer(x)
            count, started = 0, time.perf_counter()
            while time.perf_counter() - started < seconds:
                layer(x)
                count += 1
        elapsed = time.perf_counter() - started
        out[f"int8_encoder_ffn_t{threads}_gmacs"] = round(
            count * 4096 * 384 * 1536 / elapsed / 1e9, 2
        )
    _write(spec, out)


def main() -> None:
    mode, spec_path = sys.argv[1], sys.argv[2]
    spec = json.loads(Path(spec_path).read_text(encoding="utf-8"))
    modes = {"tag": tag, "import": import_times, "encode": encode, "matmul": matmul, "st": plain_st}
    modes[mode](spec)


if __name__ == "__main__":
    main()
