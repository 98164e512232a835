"""Building an index's rows: every row of a registry preprocessed, embedded and tagged once.

Rows without text are left out of the index and listed in the manifest under ``skipped``.
Rebuilding onto an existing index (``previous=``) or :meth:`RegistryIndex.update` re-embeds and
re-tags only rows whose text changed (or which are new); rows whose text hash is unchanged keep
their vector and tags, and take the new row's metadata (region, actor, funding).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import pandas as pd

from ecs_tagger.errors import ModelError
from ecs_tagger.index.rows import (
    IndexColumns,
    analysis_columns,
    check_frame,
    joined_texts,
    metadata,
    text_hash,
)
from ecs_tagger.index.space import short_text_means
from ecs_tagger.index.storage import now

if TYPE_CHECKING:
    from ecs_tagger.preprocess import PreprocessedText
    from ecs_tagger.tagger import Tagger

ProgressCallback = Callable[[int], None]


@dataclass(frozen=True)
class UpdateSummary:
    """What an update or a rebuild onto an existing index did, in rows."""

    added: int = 0
    changed: int = 0
    unchanged: int = 0
    removed: int = 0
    skipped: int = 0

    @property
    def embedded(self) -> int:
        """Rows whose text was (re-)embedded and (re-)tagged."""
        return self.added + self.changed

    def format(self) -> str:
        return (
            f"{self.added} added, {self.changed} changed, {self.unchanged} unchanged (reused), "
            f"{self.removed} removed, {self.skipped} skipped (no text)"
        )


@dataclass(frozen=True)
class Assembled:
    """The parts of an index made from a registry: rows, vectors, manifest, and what was done."""

    rows: pd.DataFrame
    vectors: np.ndarray
    manifest: dict[str, Any]
    summary: UpdateSummary


def _sentence_bounds(document: PreprocessedText) -> list[int]:
    return [offset for s in document.sentences for offset in (s.start, s.end)]


def _title(clean: str) -> str:
    first = clean.strip().split("\n", 1)[0].strip()
    return first if len(first) <= 200 else first[:199].rstrip() + "…"


def embed_and_tag(
    texts: Sequence[str], tagger: Tagger, progress: ProgressCallback | None
) -> tuple[pd.DataFrame, np.ndarray]:
    """Preprocess, embed and tag texts once: (per-row analysis columns, vectors)."""
    from ecs_tagger.tagger import TRAINED_LANGUAGES

    codes = tagger.taxonomy.codes
    documents = tagger.preprocessor.process_many(texts)
    if not documents:
        return pd.DataFrame(), np.zeros((0, tagger.embedder.dimension), dtype=np.float32)
    features = tagger.features(documents, progress=progress)
    probabilities = tagger.classifier.predict_proba(features)
    decisions = probabilities >= tagger.classifier.thresholds_
    statuses = []
    for document in documents:
        if document.language not in TRAINED_LANGUAGES:
            statuses.append(f"untrained_language: {document.language}")
        elif document.truncated:
            statuses.append("truncated")
        else:
            statuses.append("ok")
    analysis = pd.DataFrame(
        {
            "title": [_title(d.clean) for d in documents],
            "areas": [[c for c, on in zip(codes, row, strict=True) if on] for row in decisions],
            **{
                f"score_{code}": np.round(probabilities[:, i].astype(float), 4)
                for i, code in enumerate(codes)
            },
            "language": [d.language for d in documents],
            "tag_status": statuses,
            "text_hash": [text_hash(t) for t in texts],
            "clean_text": [d.clean for d in documents],
            "lemmas": [list(d.lemmas) for d in documents],
            "sentence_bounds": [_sentence_bounds(d) for d in documents],
        }
    )
    vectors = np.ascontiguousarray(features.embeddings, dtype=np.float32)
    return analysis, vectors


class BuiltIndex(Protocol):
    """What rebuilding and updating read of an existing index: the part of
    :class:`~ecs_tagger.index.RegistryIndex` this module needs (kept here so that the index
    imports this module and never the other way round)."""

    rows: pd.DataFrame
    vectors: np.ndarray
    manifest: dict[str, Any]

    @property
    def columns(self) -> IndexColumns: ...

    @property
    def model_version(self) -> str: ...

    @property
    def embedding_model_id(self) -> str: ...

    def __contains__(self, ident: object) -> bool: ...

    def position(self, ident: str) -> int: ...

    def compatible_with(self, tagger: Tagger) -> bool: ...


def assemble(
    frame: pd.DataFrame,
    tagger: Tagger,
    columns: IndexColumns,
    manifest: dict[str, Any],
    previous: BuiltIndex | None,
    progress: ProgressCallback | None,
) -> Assembled:
    """The rows of `frame` that have text, embedded and tagged (copied from `previous` where
    their text is unchanged), with `manifest` completed for them."""
    meta = metadata(frame, columns)
    texts = joined_texts(frame, columns.text_cols)
    has_text = np.array([t is not None for t in texts], dtype=bool)
    skipped = [{"id": ident, "reason": "no text"} for ident in meta.loc[~has_text, "id"]]
    if progress is not None and skipped:
        progress(len(skipped))
    meta = meta.loc[has_text].reset_index(drop=True)
    texts_kept = [t for t in texts if t is not None]
    hashes = [text_hash(t) for t in texts_kept]

    reuse: list[int | None] = [None] * len(meta)
    added = changed = 0
    if previous is not None:
        old_hashes = previous.rows["text_hash"].tolist()
        for row, (ident, digest) in enumerate(zip(meta["id"], hashes, strict=True)):
            if ident not in previous:
                added += 1
                continue
            position = previous.position(ident)
            if old_hashes[position] == digest:
                reuse[row] = position
            else:
                changed += 1
    else:
        added = len(meta)
    todo = [row for row, position in enumerate(reuse) if position is None]
    codes = tagger.taxonomy.codes
    analysis_cols = analysis_columns(codes)
    dimension = tagger.embedder.dimension
    vectors = np.zeros((len(meta), dimension), dtype=np.float32)
    parts: list[pd.DataFrame] = []
    if todo:
        fresh, fresh_vectors = embed_and_tag([texts_kept[r] for r in todo], tagger, progress)
        vectors[todo] = fresh_vectors
        parts.append(fresh[analysis_cols].set_axis(todo, axis=0))
    kept = [(row, pos) for row, pos in enumerate(reuse) if pos is not None]
    if kept and previous is not None:
        rows_new = [row for row, _ in kept]
        rows_old = [pos for _, pos in kept]
        vectors[rows_new] = previous.vectors[rows_old]
        parts.append(previous.rows.loc[rows_old, analysis_cols].set_axis(rows_new, axis=0))
        if progress is not None:
            progress(len(kept))
    analysis = (
        pd.concat(parts).sort_index()
        if parts
        else pd.DataFrame({name: pd.Series(dtype=object) for name in analysis_cols})
    )
    for code in codes:
        analysis[f"score_{code}"] = analysis[f"score_{code}"].astype(float)
    rows = pd.concat([meta[["id"]], analysis[["title"]], meta.drop(columns="id")], axis=1)
    rows = pd.concat([rows, analysis.drop(columns="title")], axis=1)
    manifest = dict(manifest)
    manifest["short_text_means"] = short_text_means(rows, tagger)
    manifest["rows"] = len(rows)
    manifest["dimension"] = int(dimension)
    manifest["skipped"] = skipped
    manifest["text_hashes"] = dict(zip(rows["id"], rows["text_hash"], strict=True))
    summary = UpdateSummary(added=added, changed=changed, unchanged=len(kept), skipped=len(skipped))
    return Assembled(rows, vectors, manifest, summary)


def updated(
    index: BuiltIndex,
    frame: pd.DataFrame,
    tagger: Tagger,
    *,
    remove_missing: bool = False,
    progress: ProgressCallback | None = None,
) -> Assembled:
    """`index` with the rows of `frame` added or replaced (see :meth:`RegistryIndex.update`)."""
    if not index.compatible_with(tagger):
        raise ModelError(
            f"this index was built with model {index.model_version} and embeddings "
            f"{index.embedding_model_id}; the tagger given is {tagger.model_version} with "
            f"{tagger.embedder.model_id}. Build a new index with this model instead."
        )
    columns = index.columns
    check_frame(frame, columns)
    incoming_ids = set(frame[columns.id_col].astype(str).str.strip())
    keep_old = index.rows.loc[~index.rows["id"].isin(incoming_ids)]
    removed = 0
    if remove_missing:
        removed = len(keep_old)
        keep_old = keep_old.iloc[0:0]
    built = assemble(frame, tagger, columns, dict(index.manifest), index, progress)
    # A row that now has no text leaves the index.
    no_text = {s["id"] for s in built.manifest["skipped"]}
    removed += int(index.rows["id"].isin(no_text).sum())
    old_positions = keep_old.index.to_numpy()
    rows = pd.concat([keep_old, built.rows], ignore_index=True)
    vectors = np.concatenate([np.asarray(index.vectors)[old_positions], built.vectors])
    manifest = dict(built.manifest)
    manifest["created"] = index.manifest.get("created", manifest["updated"])
    manifest["updated"] = now()
    manifest["rows"] = len(rows)
    manifest["text_hashes"] = dict(zip(rows["id"], rows["text_hash"], strict=True))
    manifest["short_text_means"] = short_text_means(rows, tagger)
    skipped_before = [s for s in index.manifest.get("skipped", []) if s["id"] not in incoming_ids]
    manifest["skipped"] = skipped_before + built.manifest["skipped"]
    return Assembled(rows, vectors, manifest, replace(built.summary, removed=removed))
