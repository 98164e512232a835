"""int8 encoder: torch dynamic quantisation of the transformer's Linear layers (fbgemm, AVX-512 VNNI).

Weights are stored as int8 with one scale per tensor; activations are quantised on the fly per batch.
The vectors differ slightly from fp32 (cosine about 0.97 on registry descriptions), so an int8
encoder has its own embedding identity (`Embedder.model_id` ends in `:int8`): its vectors live in
their own cache file and a classifier trained on fp32 vectors refuses it, and vice versa.
"""

from __future__ import annotations

import warnings
from typing import Any

#: Accepted values of `EmbedderSettings.quantize`.
QUANTIZE_MODES = ("none", "int8")


def quantize_linear_int8(module: Any) -> Any:
    """Replace every nn.Linear inside `module` (in place) by its dynamically quantised int8 version."""
    import torch

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch.ao.quantization announces its future move
        from torch.ao.quantization import quantize_dynamic

        quantize_dynamic(module, {torch.nn.Linear}, dtype=torch.qint8, inplace=True)
    return module


def quantize_sentence_transformer(model: Any, mode: str) -> Any:
    """Apply `mode` ("none" or "int8") to a SentenceTransformer's transformer, in place."""
    if mode not in QUANTIZE_MODES:
        raise ValueError(f"quantize must be one of {', '.join(QUANTIZE_MODES)}, not {mode!r}")
    if mode == "int8":
        # in place: SentenceTransformer's Transformer.auto_model is a view of its .model
        quantize_linear_int8(model[0].auto_model)
    return model
