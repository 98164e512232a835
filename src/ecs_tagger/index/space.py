"""The similarity space of an index: group mean vectors, centring, and the lemmas' idf.

Similarity is computed in a *similarity space*: every stored vector minus the mean vector of its
group, renormalised (:func:`centred`, :attr:`ecs_tagger.index.RegistryIndex.search_vectors`). A
group is a language, or the short texts (under ``SHORT_TEXT_CHARS`` characters: title-only rows,
typed queries, sentences) of a language; groups with fewer than ``MIN_LANGUAGE_ROWS`` rows fall
back to the nearest larger group. Short-text means an index lacks rows for come from up to
``TITLE_SAMPLE`` titles of its long rows, embedded at build. Without this, multilingual-e5
vectors carry a language and a length component: title-only rows all resemble each other, and a
Swedish text prefers any Swedish text to the English description of the same work (measured
figures in :mod:`ecs_tagger.regional.similarity`). The stored vectors stay the embedder's own; the space
is derived when the index is loaded, so it follows the index's content (adding many rows shifts
similarities slightly). The lexical side of the ranking (tf-idf of the lemmas, fused with this
cosine) is :mod:`ecs_tagger.index.lexical`.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ecs_tagger.errors import ModelError

if TYPE_CHECKING:
    from ecs_tagger.tagger import Tagger

#: A group of texts (a language, or its short texts) needs this many rows for its own mean.
MIN_LANGUAGE_ROWS = 20
#: Texts shorter than this (characters, cleaned) are centred as short texts (see centred()).
SHORT_TEXT_CHARS = 150
#: Titles embedded at build for the short-text means.
TITLE_SAMPLE = 300


def text_group(language: str, length: int) -> str:
    """The group a text is centred with: "<language>:short" under SHORT_TEXT_CHARS characters
    (titles, typed queries, sentences), else its language."""
    return f"{language}:short" if length < SHORT_TEXT_CHARS else language


def _nearest_mean(means: dict[str, np.ndarray], language: str, length: int) -> np.ndarray:
    group = text_group(language, length)
    for key in (group, "*:short" if group.endswith(":short") else "", language, "*"):
        if key in means:
            return means[key]
    raise ModelError("the index has no mean vector (it is empty)")


def short_text_means(rows: pd.DataFrame, tagger: Tagger) -> dict[str, list[float]]:
    """Mean embedding of short texts per language and overall ("*:short"), from titles (the
    first lines of the long texts of `rows`): what a short query or a title-only row is centred
    with when the index has too few short rows of its own."""
    long_rows = rows.loc[rows["clean_text"].str.len() >= SHORT_TEXT_CHARS]
    titles, languages = long_rows["title"].tolist(), long_rows["language"].tolist()
    chosen = [(t, lang) for t, lang in zip(titles, languages, strict=True) if t.strip()]
    chosen = sorted(chosen, key=lambda item: hashlib.sha256(item[0].encode()).hexdigest())
    chosen = chosen[:TITLE_SAMPLE]
    if not chosen:
        return {}
    vectors = tagger.embedder.embed_documents([t for t, _ in chosen])
    out = {"*:short": vectors.mean(axis=0)}
    by_language = np.array([lang for _, lang in chosen], dtype=object)
    for language in sorted(set(by_language)):
        members = by_language == language
        if members.sum() >= MIN_LANGUAGE_ROWS:
            out[f"{language}:short"] = vectors[members].mean(axis=0)
    return {key: [round(float(x), 6) for x in value] for key, value in out.items()}


def group_means(
    vectors: np.ndarray, rows: pd.DataFrame, stored: Mapping[str, Sequence[float]]
) -> dict[str, np.ndarray]:
    """Mean vector of each group of texts: a language ("sv") or the short texts of a language
    ("sv:short", under SHORT_TEXT_CHARS), for groups of at least MIN_LANGUAGE_ROWS rows; all
    rows under "*"; short-text means the rows lack come from `stored` (the manifest's
    ``short_text_means``: titles embedded at build, "<language>:short" and "*:short")."""
    vectors = np.asarray(vectors, dtype=np.float32)
    means: dict[str, np.ndarray] = {
        key: np.asarray(value, dtype=np.float32) for key, value in stored.items()
    }
    if len(vectors):
        means["*"] = vectors.mean(axis=0)
        groups = np.array(
            [
                text_group(language, len(text))
                for language, text in zip(rows["language"], rows["clean_text"], strict=True)
            ],
            dtype=object,
        )
        languages = rows["language"].to_numpy()
        for key, members in [
            *((str(g), groups == g) for g in sorted(set(groups))),
            *((str(lang), languages == lang) for lang in sorted(set(languages))),
        ]:
            if members.sum() >= MIN_LANGUAGE_ROWS:
                means[key] = vectors[members].mean(axis=0)
    return means


def centred(
    vectors: np.ndarray,
    means: dict[str, np.ndarray],
    languages: Sequence[str],
    lengths: Sequence[int] | None = None,
) -> np.ndarray:
    """Vectors minus the mean of their group (their language, and for texts of `lengths` under
    SHORT_TEXT_CHARS characters the short texts of that language; the nearest group `means` has
    otherwise), L2-normalised; unchanged when there are no means."""
    vectors = np.atleast_2d(np.asarray(vectors, dtype=np.float32))
    if not means:
        return vectors
    if lengths is None:
        lengths = [SHORT_TEXT_CHARS] * len(vectors)
    shift = np.stack(
        [
            _nearest_mean(means, str(language), int(length))
            for language, length in zip(languages, lengths, strict=True)
        ]
    )
    moved = vectors - shift
    norms = np.linalg.norm(moved, axis=1, keepdims=True)
    return (moved / np.maximum(norms, 1e-12)).astype(np.float32)


def lemma_idf(lemma_lists: Sequence[Sequence[str]]) -> dict[str, float]:
    """Inverse document frequency of every lemma of the texts: log((1+N)/(1+df)) + 1."""
    df = Counter(lemma for lemmas in lemma_lists for lemma in set(lemmas))
    n = len(lemma_lists)
    return {lemma: float(np.log((1 + n) / (1 + count)) + 1) for lemma, count in df.items()}
