"""Encoder variants for the speed work: torch fp32 / dynamic int8, and ONNX Runtime fp32 / int8.

A variant is named ``backend:dtype:tN:bsM`` (e.g. ``torch:int8:t2:bs16``). Every variant encodes the
same pieces the library would encode (``"passage: "`` + chunk), mean-pools over all tokens and
L2-normalises, as the converted sentence-transformers model does.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

PROMPT = "passage: "  # the library's document prompt unless the shipped model says otherwise


def document_prompt(model_dir: Path) -> str:
    """The text the shipped model's embedder puts before each document piece."""
    import json

    from benchmarks.common import shipped_settings

    name = getattr(shipped_settings().embedder, "document_prompt", "passage")
    config = json.loads((model_dir / "config_sentence_transformers.json").read_text("utf-8"))
    return str(config.get("prompts", {}).get(name, PROMPT))


@dataclass(frozen=True)
class Variant:
    backend: str  # torch | ort
    # fp32 | bf16 (autocast) | int8 (one weight scale per tensor) | int8pc (one per output channel)
    dtype: str
    threads: int
    batch_size: int

    @classmethod
    def parse(cls, name: str) -> Variant:
        backend, dtype, threads, batch = name.split(":")
        return cls(backend, dtype, int(threads.removeprefix("t")), int(batch.removeprefix("bs")))

    @property
    def name(self) -> str:
        return f"{self.backend}:{self.dtype}:t{self.threads}:bs{self.batch_size}"


def quantize_int8(model: Any, per_channel: bool = False) -> Any:
    """Dynamic int8 quantisation of every nn.Linear of a SentenceTransformer's encoder, in place.

    Weights get one scale per tensor (torch's default) or, with `per_channel`, one per output row.
    """
    import torch
    from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

    spec: Any = {torch.nn.Linear: per_channel_dynamic_qconfig} if per_channel else {torch.nn.Linear}
    # in place: SentenceTransformer's Transformer.auto_model is a read-only view of .model
    quantize_dynamic(model[0].auto_model, spec, dtype=torch.qint8, inplace=True)
    return model


class TorchEncoder:
    def __init__(self, variant: Variant, model_dir: Path) -> None:
        import torch

        self.prompt = document_prompt(model_dir)
        from sentence_transformers import SentenceTransformer

        torch.set_num_threads(variant.threads)
        self.threads = torch.get_num_threads()
        self.variant = variant
        self.model = SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)
        self.model.eval()
        if variant.dtype.startswith("int8"):
            quantize_int8(self.model, per_channel=variant.dtype == "int8pc")

    def encode(self, pieces: list[str]) -> np.ndarray:
        from ecs_tagger.embedding.precision import compute_context

        with compute_context("bf16" if self.variant.dtype == "bf16" else "fp32"):
            vectors = self.model.encode(
                pieces,
                prompt=self.prompt,  # explicit: the folder's default prompt would be added too
                batch_size=self.variant.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return np.asarray(vectors, dtype=np.float32)


def export_onnx(model_dir: Path, target: Path) -> Path:
    """The BERT encoder as ONNX (input_ids, attention_mask → last_hidden_state); needs `onnx`."""
    import torch
    from transformers import AutoModel

    if target.exists():
        return target
    # eager attention: SDPA's "mask is all ones" shortcut would be traced as a constant
    model = AutoModel.from_pretrained(
        str(model_dir), local_files_only=True, attn_implementation="eager"
    ).eval()

    class Wrapped(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = model

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            return self.bert(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    ids = torch.ones(2, 16, dtype=torch.long)
    mask = torch.ones_like(ids)
    mask[1, 10:] = 0  # a padded row, so the traced graph really uses the mask
    tmp = target.with_suffix(".tmp.onnx")
    torch.onnx.export(
        Wrapped().eval(),
        (ids, mask),
        str(tmp),
        input_names=["input_ids", "attention_mask"],
        output_names=["last_hidden_state"],
        dynamic_axes={
            "input_ids": {0: "batch", 1: "sequence"},
            "attention_mask": {0: "batch", 1: "sequence"},
            "last_hidden_state": {0: "batch", 1: "sequence"},
        },
        opset_version=17,
        dynamo=False,
    )
    tmp.replace(target)
    return target


def quantize_onnx(source: Path, target: Path, per_channel: bool = False) -> Path:
    if target.exists():
        return target
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(str(source), str(target), weight_type=QuantType.QInt8, per_channel=per_channel)
    return target


class OrtEncoder:
    def __init__(self, variant: Variant, model_dir: Path, work_dir: Path) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        work_dir.mkdir(parents=True, exist_ok=True)
        path = export_onnx(model_dir, work_dir / "e5-small.onnx")
        if variant.dtype.startswith("int8"):
            per_channel = variant.dtype == "int8pc"
            path = quantize_onnx(path, work_dir / f"e5-small.{variant.dtype}.onnx", per_channel)
        options = ort.SessionOptions()
        options.intra_op_num_threads = variant.threads
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=512)
        self.tokenizer.no_padding()
        self.variant = variant
        self.threads = variant.threads
        self.prompt = document_prompt(model_dir)

    def encode(self, pieces: list[str]) -> np.ndarray:
        encodings = self.tokenizer.encode_batch([self.prompt + p for p in pieces])
        order = sorted(range(len(pieces)), key=lambda i: -len(encodings[i].ids))
        out = np.zeros((len(pieces), 384), dtype=np.float32)
        step = self.variant.batch_size
        for start in range(0, len(order), step):
            batch = order[start : start + step]
            width = max(len(encodings[i].ids) for i in batch)
            ids = np.ones((len(batch), width), dtype=np.int64)  # pad id 1
            mask = np.zeros((len(batch), width), dtype=np.int64)
            for row, i in enumerate(batch):
                n = len(encodings[i].ids)
                ids[row, :n] = encodings[i].ids
                mask[row, :n] = 1
            hidden = self.session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
            pooled = (hidden * mask[:, :, None]).sum(axis=1) / mask.sum(axis=1, keepdims=True)
            out[batch] = pooled / np.linalg.norm(pooled, axis=1, keepdims=True)
        return out


def make_encoder(name: str, model_dir: Path, work_dir: Path) -> TorchEncoder | OrtEncoder:
    variant = Variant.parse(name)
    if variant.backend == "ort":
        return OrtEncoder(variant, model_dir, work_dir)
    return TorchEncoder(variant, model_dir)
