"""Arithmetic precision of the encoder: fp32, or bf16 where the CPU computes it natively.

bf16 (bfloat16: 8 exponent bits like fp32, 8 mantissa bits) runs the transformer's matrix
products under `torch.autocast`, with weights and layer norms kept in fp32. On CPUs with the
AVX512-BF16 or AMX-BF16 instructions the products run about 1.5× faster than fp32, and the
vectors stay within cosine 0.9999 of the fp32 ones (measured on Projektbanken descriptions,
benchmarks/RESULTS.md); elsewhere bf16 is emulated and slower, so ``"auto"`` picks it only where
the CPU has those instructions.

A bf16 vector depends a little on the other rows of its batch (the kernels' blocking changes with
the batch's padded shape), so a bf16 encoder encodes each piece alone: the vector of a text is the
same whatever it is tagged with. bf16 vectors have their own cache (the embedding identity ends in
``:bf16``) but are interchangeable with fp32 ones for a trained classifier and an index
(`same_vectors`): a model trained on one machine tags on another.
"""

from __future__ import annotations

import sys
from contextlib import AbstractContextManager, nullcontext
from functools import cache
from pathlib import Path
from typing import Any

#: Accepted values of `EmbedderSettings.precision`.
PRECISIONS = ("auto", "fp32", "bf16")
#: CPU flags (Linux /proc/cpuinfo names) of native bf16 arithmetic.
BF16_FLAGS = frozenset({"avx512_bf16", "amx_bf16"})
#: Suffix of the embedding identity of a bf16 encoder.
BF16_SUFFIX = ":bf16"


@cache
def cpu_has_native_bf16(cpuinfo: Path = Path("/proc/cpuinfo")) -> bool:
    """Whether the CPU computes bf16 natively (Linux: a flag of `BF16_FLAGS` in /proc/cpuinfo).

    False where that cannot be read (other systems), so ``"auto"`` falls back to fp32."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        text = cpuinfo.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    for line in text.splitlines():
        if line.startswith("flags"):
            return bool(BF16_FLAGS & set(line.partition(":")[2].split()))
    return False


def resolve_precision(precision: str, quantize: str = "none") -> str:
    """``"fp32"`` or ``"bf16"`` for a setting of `PRECISIONS`; an int8 encoder computes in fp32.

    Raises ValueError for an unknown setting."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, not {precision!r}")
    if quantize != "none" or precision == "fp32":
        return "fp32"
    if precision == "bf16":
        return "bf16"
    return "bf16" if cpu_has_native_bf16() else "fp32"


def compute_context(precision: str) -> AbstractContextManager[Any]:
    """The context to encode in: bf16 autocast on the CPU, or nothing (fp32)."""
    if precision != "bf16":
        return nullcontext()
    import torch

    return torch.autocast("cpu", dtype=torch.bfloat16)


def same_vectors(identity: str, other: str) -> bool:
    """Whether two embedding identities give interchangeable vectors (equal up to bf16)."""
    return identity.removesuffix(BF16_SUFFIX) == other.removesuffix(BF16_SUFFIX)
