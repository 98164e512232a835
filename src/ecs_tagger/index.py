"""A registry index: every row of a registry embedded and tagged once, stored in open formats.

>>> index = RegistryIndex.build(frame, tagger, ["title", "description"], "id", "county",
...                             actor_col="beneficiary", funding_col="granted_sek")
>>> index.save("out/index")
>>> index = RegistryIndex.load("out/index")
>>> index.similar("TVV-12345", k=10, other_regions=True)

An index folder holds

``rows.parquet``
    One row per project: ``id``, ``title`` (first line of the text), ``regions`` (list of
    normalised region names, see :mod:`ecs_tagger.regions`), ``region_raw``, ``actor``,
    ``actor_key`` (see :func:`ecs_tagger.actors.actor_key`), ``funding``, ``areas`` (list of area
    codes), ``score_<code>`` per area, ``language``, ``tag_status``, ``text_hash``,
    ``clean_text``, ``lemmas`` (list, for the shared key terms of a match) and ``sentence_bounds``
    (flat list of start/end offsets into ``clean_text``), plus any ``keep_cols``.
``vectors.npy``
    The document embeddings, float32, one L2-normalised row per row of ``rows.parquet``
    (plain ``.npy``: read with ``np.load(path, allow_pickle=False)``, memory-mappable).
``manifest.json``
    Format version, the tagger's model version, the embedding model id and the embedder and
    preprocessing settings (so that queries embed text the same way), the taxonomy codes, the
    registry's column names, the sha256 of each row's text (``text_hashes``), the rows skipped
    (no text), the short-text mean vectors (``short_text_means``, see below) and the sha256 of
    the two data files.
``ann-<backend>-<hash>.bin``
    Only when an approximate search backend was used (large indexes): its graph, kept so that it
    is built once (see :mod:`ecs_tagger.ann`).

Similarity is computed in a *similarity space*: every stored vector minus the mean vector of its
group, renormalised (:meth:`RegistryIndex.centre`, :attr:`RegistryIndex.search_vectors`). A
group is a language, or the short texts (under ``SHORT_TEXT_CHARS`` characters: title-only rows,
typed queries, sentences) of a language; groups with fewer than ``MIN_LANGUAGE_ROWS`` rows fall
back to the nearest larger group. Short-text means an index lacks rows for come from up to
``TITLE_SAMPLE`` titles of its long rows, embedded at build. Without this, multilingual-e5
vectors carry a language and a length component: title-only rows all resemble each other, and a
Swedish text prefers any Swedish text to the English description of the same work (measured
figures in :mod:`ecs_tagger.similarity`). The stored vectors stay the embedder's own; the space
is derived when the index is loaded, so it follows the index's content (adding many rows shifts
similarities slightly).

Rows without text are left out of the index and listed in the manifest under ``skipped``.
Rebuilding onto an existing index (``previous=``) or :meth:`RegistryIndex.update` re-embeds and
re-tags only rows whose text changed (or which are new); rows whose text hash is unchanged keep
their vector and tags, and take the new row's metadata (region, actor, funding).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ecs_tagger.actors import actor_key
from ecs_tagger.errors import InputError, ModelError
from ecs_tagger.regions import split_regions

if TYPE_CHECKING:
    from ecs_tagger.ann import VectorSearch
    from ecs_tagger.embedding.encoder import Embedder
    from ecs_tagger.preprocess import PreprocessedText, Preprocessor
    from ecs_tagger.similarity import Hits
    from ecs_tagger.tagger import Tagger

FORMAT = "ecs-tagger-registry-index"
FORMAT_VERSION = 1
ROWS_FILE = "rows.parquet"
VECTORS_FILE = "vectors.npy"
MANIFEST_FILE = "manifest.json"

#: Columns the index itself writes; a registry column kept with `keep_cols` may not use them.
RESERVED_COLUMNS = (
    "id",
    "title",
    "regions",
    "region_raw",
    "actor",
    "actor_key",
    "funding",
    "areas",
    "language",
    "tag_status",
    "text_hash",
    "clean_text",
    "lemmas",
    "sentence_bounds",
)

ProgressCallback = Callable[[int], None]

#: A group of texts (a language, or its short texts) needs this many rows for its own mean.
MIN_LANGUAGE_ROWS = 20
#: Texts shorter than this (characters, cleaned) are centred as short texts (see centre()).
SHORT_TEXT_CHARS = 150
#: Titles embedded at build for the short-text means.
TITLE_SAMPLE = 300


@dataclass(frozen=True)
class IndexColumns:
    """Which registry columns hold the text, id, region(s), actor and funding."""

    text_cols: tuple[str, ...]
    id_col: str
    region_col: str | None = None
    actor_col: str | None = None
    funding_col: str | None = None
    keep_cols: tuple[str, ...] = ()

    def required(self) -> list[str]:
        named = [*self.text_cols, self.id_col, self.region_col, self.actor_col, self.funding_col]
        return [name for name in [*named, *self.keep_cols] if name]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["text_cols"] = list(self.text_cols)
        data["keep_cols"] = list(self.keep_cols)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> IndexColumns:
        return cls(
            text_cols=tuple(data["text_cols"]),
            id_col=data["id_col"],
            region_col=data.get("region_col"),
            actor_col=data.get("actor_col"),
            funding_col=data.get("funding_col"),
            keep_cols=tuple(data.get("keep_cols", ())),
        )


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


def text_hash(text: str) -> str:
    """sha256 of a row's text as indexed (the text columns joined with a newline)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _joined_texts(frame: pd.DataFrame, text_cols: Sequence[str]) -> list[str | None]:
    """Each row's text: its non-empty text cells joined with a newline, None when there is none."""
    out: list[str | None] = []
    for cells in zip(*(frame[name].tolist() for name in text_cols), strict=True):
        parts = []
        for value in cells:
            if isinstance(value, bytes):
                value = value.decode("utf-8", errors="replace")
            if isinstance(value, str) and value.strip():
                parts.append(value.strip())
        out.append("\n".join(parts) if parts else None)
    return out


def _check_frame(frame: pd.DataFrame, columns: IndexColumns) -> None:
    missing = [name for name in columns.required() if name not in frame.columns]
    if missing:
        raise InputError(
            f"the registry has no column(s) {', '.join(repr(m) for m in missing)}; its columns "
            f"are {', '.join(repr(str(c)) for c in frame.columns)}"
        )
    clashes = [name for name in columns.keep_cols if name in RESERVED_COLUMNS]
    if clashes or any(str(name).startswith("score_") for name in columns.keep_cols):
        raise InputError(
            f"keep_cols may not be named like the index's own columns: {', '.join(clashes)} "
            f"(reserved: {', '.join(RESERVED_COLUMNS)}, score_*)"
        )
    ids = frame[columns.id_col]
    blank = ids.isna() | (ids.astype(str).str.strip() == "")
    if blank.any():
        rows = [str(r) for r in frame.index[blank][:10]]
        raise InputError(f"id column {columns.id_col!r} is empty in row(s) {', '.join(rows)}")
    counts = Counter(ids.astype(str).str.strip())
    duplicates = sorted(ident for ident, count in counts.items() if count > 1)
    if duplicates:
        shown = ", ".join(f"{ident!r} ({counts[ident]}x)" for ident in duplicates[:10])
        more = f" and {len(duplicates) - 10} more" if len(duplicates) > 10 else ""
        raise InputError(
            f"ids must be unique, but {len(duplicates)} id(s) in column {columns.id_col!r} repeat: "
            f"{shown}{more}. A project in several regions is one row whose region cell lists "
            f"them all (e.g. 'Södermanland, Uppsala')."
        )


def _funding(values: pd.Series) -> np.ndarray:
    """Amounts as floats (NaN where missing or not a number); text such as "1 200 000" or
    "1200000,50" is read too."""

    def tidy(value: Any) -> Any:
        if isinstance(value, str):
            value = re.sub(r"[\s\u00a0]|kr|sek", "", value.strip(), flags=re.IGNORECASE)
            return value.replace(",", ".") if "." not in value else value.replace(",", "")
        return value

    return pd.to_numeric(values.map(tidy), errors="coerce").to_numpy(dtype=float)


def _optional_text(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return None
    text = str(value).strip()
    return text or None


def _metadata(frame: pd.DataFrame, columns: IndexColumns) -> pd.DataFrame:
    """The index's metadata columns of every registry row (ids as stripped strings)."""
    actors = (
        [_optional_text(v) for v in frame[columns.actor_col]]
        if columns.actor_col
        else [None] * len(frame)
    )
    meta = pd.DataFrame(
        {
            "id": frame[columns.id_col].astype(str).str.strip().to_numpy(),
            "regions": [list(split_regions(v)) for v in frame[columns.region_col]]
            if columns.region_col
            else [[] for _ in range(len(frame))],
            "region_raw": [_optional_text(v) for v in frame[columns.region_col]]
            if columns.region_col
            else [None] * len(frame),
            "actor": actors,
            "actor_key": [actor_key(a) if a else None for a in actors],
            "funding": _funding(frame[columns.funding_col])
            if columns.funding_col
            else [float("nan")] * len(frame),
        }
    )
    for name in columns.keep_cols:
        meta[name] = frame[name].to_numpy()
    return meta


def _sentence_bounds(document: PreprocessedText) -> list[int]:
    return [offset for s in document.sentences for offset in (s.start, s.end)]


def _title(clean: str) -> str:
    first = clean.strip().split("\n", 1)[0].strip()
    return first if len(first) <= 200 else first[:199].rstrip() + "…"


def _embed_and_tag(
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


def _analysis_columns(codes: Sequence[str]) -> list[str]:
    return [
        "title",
        "areas",
        *(f"score_{c}" for c in codes),
        "language",
        "tag_status",
        "text_hash",
        "clean_text",
        "lemmas",
        "sentence_bounds",
    ]


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


def _short_text_means(
    titles: Sequence[str], languages: Sequence[str], tagger: Tagger
) -> dict[str, list[float]]:
    """Mean embedding of short texts per language and overall ("*:short"), from titles (the
    first lines of long texts): what a short query or a title-only row is centred with when the
    index has too few short rows of its own."""
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


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class RegistryIndex:
    """Vectors, tags and metadata of every project of a registry, ready for similarity search.

    `rows` (a DataFrame, see the module docstring) and `vectors` (float32, one row each) are in
    the same order; `position(id)` maps an id to its row.
    """

    #: What the last build onto a previous index, or the last update, did.
    summary: UpdateSummary = UpdateSummary()

    def __init__(self, rows: pd.DataFrame, vectors: np.ndarray, manifest: dict[str, Any]) -> None:
        self._set(rows, vectors, manifest)

    def _set(self, rows: pd.DataFrame, vectors: np.ndarray, manifest: dict[str, Any]) -> None:
        if len(rows) != len(vectors):
            raise ModelError(f"index has {len(rows)} rows but {len(vectors)} vectors")
        self.rows = rows.reset_index(drop=True)
        self.vectors = vectors
        self.manifest = manifest
        self._positions = {ident: i for i, ident in enumerate(self.rows["id"])}
        self._searchers: dict[str, VectorSearch] = {}
        # A tagger attached before an update stays attached.
        self._embedder: Embedder | None = getattr(self, "_embedder", None)
        self._preprocessor: Preprocessor | None = getattr(self, "_preprocessor", None)
        self._idf: dict[str, float] | None = None
        self._region_sets: list[frozenset[str]] | None = None
        self._means: dict[str, np.ndarray] | None = None
        self._search_vectors: np.ndarray | None = None
        #: The folder the index was loaded from or saved to, while it is unchanged since.
        self.folder: Path | None = None

    # -- identity --------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.rows)

    def __contains__(self, ident: object) -> bool:
        return ident in self._positions

    def __repr__(self) -> str:
        return (
            f"RegistryIndex({len(self)} rows, {len(self.regions())} regions, "
            f"model {self.model_version}, embeddings {self.embedding_model_id})"
        )

    @property
    def columns(self) -> IndexColumns:
        return IndexColumns.from_dict(self.manifest["columns"])

    @property
    def codes(self) -> tuple[str, ...]:
        """The taxonomy's area codes, in order (from the tagger that built the index)."""
        return tuple(self.manifest["taxonomy"]["codes"])

    @property
    def model_version(self) -> str:
        return str(self.manifest["model_version"])

    @property
    def embedding_model_id(self) -> str:
        return str(self.manifest["embedding_model_id"])

    def position(self, ident: str) -> int:
        """Row number of a project id (InputError naming the id when it is not indexed)."""
        try:
            return self._positions[str(ident)]
        except KeyError:
            skipped = {s["id"] for s in self.manifest.get("skipped", [])}
            why = " (it has no text, so it was not indexed)" if str(ident) in skipped else ""
            raise InputError(f"id {ident!r} is not in the index{why}") from None

    def regions(self) -> list[str]:
        """Every region of the index, most projects first."""
        counts = Counter(r for regions in self.rows["regions"] for r in regions)
        return [name for name, _ in counts.most_common()]

    def region_sets(self) -> list[frozenset[str]]:
        """The regions of every row, as sets (cached)."""
        if self._region_sets is None:
            self._region_sets = [frozenset(r) for r in self.rows["regions"]]
        return self._region_sets

    def area_matrix(self) -> np.ndarray:
        """Boolean rows x areas: which areas each project is tagged with."""
        out = np.zeros((len(self), len(self.codes)), dtype=bool)
        column = {code: i for i, code in enumerate(self.codes)}
        for row, areas in enumerate(self.rows["areas"]):
            for code in areas:
                out[row, column[code]] = True
        return out

    # -- building --------------------------------------------------------------------------------
    @classmethod
    def build(
        cls,
        frame: pd.DataFrame,
        tagger: Tagger,
        text_cols: Sequence[str] | str,
        id_col: str,
        region_col: str | None,
        actor_col: str | None = None,
        funding_col: str | None = None,
        *,
        keep_cols: Sequence[str] = (),
        previous: RegistryIndex | None = None,
        progress: ProgressCallback | None = None,
    ) -> RegistryIndex:
        """Embed and tag every row of `frame` (a registry) once.

        `text_cols` are joined with a newline. `region_col` may list several regions per cell.
        With `previous` (an index of an earlier version of the registry, built with the same
        model), rows whose text is unchanged are copied from it instead of being embedded again.
        The index holds exactly the rows of `frame` that have text; see `summary` after a
        rebuild for what was reused.
        """
        if isinstance(text_cols, str):
            text_cols = [text_cols]
        if not text_cols:
            raise InputError("give at least one text column")
        columns = IndexColumns(
            tuple(text_cols), id_col, region_col, actor_col, funding_col, tuple(keep_cols)
        )
        _check_frame(frame, columns)
        manifest = cls._new_manifest(tagger, columns)
        if previous is not None and not previous.compatible_with(tagger):
            previous = None  # another model: nothing can be reused
        index, summary = cls._assemble(frame, tagger, columns, manifest, previous, progress)
        if previous is not None:
            index.summary = UpdateSummary(
                added=summary.added,
                changed=summary.changed,
                unchanged=summary.unchanged,
                removed=len(set(previous.rows["id"]) - set(index.rows["id"])),
                skipped=summary.skipped,
            )
        else:
            index.summary = summary
        return index

    @staticmethod
    def _new_manifest(tagger: Tagger, columns: IndexColumns) -> dict[str, Any]:
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "created": now,
            "updated": now,
            "model_version": tagger.model_version,
            "embedding_model_id": tagger.embedder.model_id,
            "embedder_settings": asdict(tagger.embedder.settings),
            "preprocess_settings": asdict(tagger.preprocessor.settings),
            "taxonomy": {"name": tagger.taxonomy.name, "codes": list(tagger.taxonomy.codes)},
            "thresholds": {
                code: float(t)
                for code, t in zip(tagger.codes, tagger.classifier.thresholds_, strict=True)
            },
            "columns": columns.to_dict(),
        }

    def compatible_with(self, tagger: Tagger) -> bool:
        """True when `tagger` is the model (and embedding model) this index was built with."""
        return (
            tagger.model_version == self.model_version
            and tagger.embedder.model_id == self.embedding_model_id
        )

    @classmethod
    def _assemble(
        cls,
        frame: pd.DataFrame,
        tagger: Tagger,
        columns: IndexColumns,
        manifest: dict[str, Any],
        previous: RegistryIndex | None,
        progress: ProgressCallback | None,
    ) -> tuple[RegistryIndex, UpdateSummary]:
        meta = _metadata(frame, columns)
        texts = _joined_texts(frame, columns.text_cols)
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
                position = previous._positions.get(ident)
                if position is None:
                    added += 1
                elif old_hashes[position] == digest:
                    reuse[row] = position
                else:
                    changed += 1
        else:
            added = len(meta)
        todo = [row for row, position in enumerate(reuse) if position is None]
        codes = tagger.taxonomy.codes
        analysis_cols = _analysis_columns(codes)
        dimension = tagger.embedder.dimension
        vectors = np.zeros((len(meta), dimension), dtype=np.float32)
        parts: list[pd.DataFrame] = []
        if todo:
            fresh, fresh_vectors = _embed_and_tag([texts_kept[r] for r in todo], tagger, progress)
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
        long_rows = rows.loc[rows["clean_text"].str.len() >= SHORT_TEXT_CHARS]
        manifest["short_text_means"] = _short_text_means(
            long_rows["title"].tolist(), long_rows["language"].tolist(), tagger
        )
        manifest["rows"] = len(rows)
        manifest["dimension"] = int(dimension)
        manifest["skipped"] = skipped
        manifest["text_hashes"] = dict(zip(rows["id"], rows["text_hash"], strict=True))
        summary = UpdateSummary(
            added=added, changed=changed, unchanged=len(kept), skipped=len(skipped)
        )
        return cls(rows, vectors, manifest), summary

    def update(
        self,
        frame: pd.DataFrame,
        tagger: Tagger,
        *,
        remove_missing: bool = False,
        progress: ProgressCallback | None = None,
    ) -> UpdateSummary:
        """Add new rows and replace changed ones (same columns as the build), in place.

        Only rows that are new or whose text changed are embedded and tagged; rows of the index
        that `frame` lacks are kept unless `remove_missing`. Needs the model the index was built
        with (ModelError otherwise: build a new index for another model).
        """
        if not self.compatible_with(tagger):
            raise ModelError(
                f"this index was built with model {self.model_version} and embeddings "
                f"{self.embedding_model_id}; the tagger given is {tagger.model_version} with "
                f"{tagger.embedder.model_id}. Build a new index with this model instead."
            )
        columns = self.columns
        _check_frame(frame, columns)
        incoming_ids = set(frame[columns.id_col].astype(str).str.strip())
        keep_old = self.rows.loc[~self.rows["id"].isin(incoming_ids)]
        removed = 0
        if remove_missing:
            removed = len(keep_old)
            keep_old = keep_old.iloc[0:0]
        built, summary = type(self)._assemble(
            frame, tagger, columns, dict(self.manifest), self, progress
        )
        # A row that now has no text leaves the index.
        no_text = {s["id"] for s in built.manifest["skipped"]}
        removed += int(self.rows["id"].isin(no_text).sum())
        old_positions = keep_old.index.to_numpy()
        rows = pd.concat([keep_old, built.rows], ignore_index=True)
        vectors = np.concatenate([np.asarray(self.vectors)[old_positions], built.vectors])
        manifest = dict(built.manifest)
        manifest["created"] = self.manifest.get("created", manifest["updated"])
        manifest["updated"] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        manifest["rows"] = len(rows)
        manifest["text_hashes"] = dict(zip(rows["id"], rows["text_hash"], strict=True))
        long_rows = rows.loc[rows["clean_text"].str.len() >= SHORT_TEXT_CHARS]
        manifest["short_text_means"] = _short_text_means(
            long_rows["title"].tolist(), long_rows["language"].tolist(), tagger
        )
        skipped_before = [
            s for s in self.manifest.get("skipped", []) if s["id"] not in incoming_ids
        ]
        manifest["skipped"] = skipped_before + built.manifest["skipped"]
        self._set(rows, vectors, manifest)
        self.summary = UpdateSummary(
            added=summary.added,
            changed=summary.changed,
            unchanged=summary.unchanged,
            removed=removed,
            skipped=summary.skipped,
        )
        return self.summary

    # -- files -----------------------------------------------------------------------------------
    def save(self, directory: str | Path) -> Path:
        """Write rows.parquet, vectors.npy and manifest.json (each replaced atomically)."""
        folder = Path(directory)
        folder.mkdir(parents=True, exist_ok=True)
        rows_tmp = _temporary(folder, ROWS_FILE)
        vectors_tmp = _temporary(folder, VECTORS_FILE)
        manifest_tmp = _temporary(folder, MANIFEST_FILE)
        try:
            self.rows.to_parquet(rows_tmp, index=False)
            with vectors_tmp.open("wb") as handle:
                np.save(
                    handle, np.ascontiguousarray(self.vectors, dtype=np.float32), allow_pickle=False
                )
            manifest = dict(self.manifest)
            manifest["files"] = {
                ROWS_FILE: _sha256_file(rows_tmp),
                VECTORS_FILE: _sha256_file(vectors_tmp),
            }
            manifest_tmp.write_text(
                json.dumps(manifest, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
            )
            os.replace(rows_tmp, folder / ROWS_FILE)
            os.replace(vectors_tmp, folder / VECTORS_FILE)
            os.replace(manifest_tmp, folder / MANIFEST_FILE)
            self.manifest = manifest
            self.folder = folder
        finally:
            for path in (rows_tmp, vectors_tmp, manifest_tmp):
                path.unlink(missing_ok=True)
        return folder

    @classmethod
    def exists(cls, directory: str | Path) -> bool:
        return (Path(directory) / MANIFEST_FILE).is_file()

    @classmethod
    def load(
        cls, directory: str | Path, *, verify: bool = True, mmap: bool = False
    ) -> RegistryIndex:
        """Read an index folder; `verify` checks the files against the manifest's sha256."""
        folder = Path(directory)
        manifest_path = folder / MANIFEST_FILE
        if not manifest_path.is_file():
            raise InputError(f"{folder} is not a registry index (no {MANIFEST_FILE})")
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as error:
            raise ModelError(f"{manifest_path} is not valid JSON: {error}") from None
        if manifest.get("format") != FORMAT:
            raise ModelError(
                f"{folder} is not a registry index (format {manifest.get('format')!r})"
            )
        if int(manifest.get("format_version", 0)) > FORMAT_VERSION:
            raise ModelError(
                f"{folder} was written by a newer ecs-tagger (index format "
                f"{manifest['format_version']}); upgrade ecs-tagger to read it"
            )
        for name in (ROWS_FILE, VECTORS_FILE):
            path = folder / name
            if not path.is_file():
                raise ModelError(f"index file missing: {path}")
            expected = manifest.get("files", {}).get(name)
            if verify and expected and _sha256_file(path) != expected:
                raise ModelError(f"{path} does not match its manifest (changed or damaged)")
        rows = pd.read_parquet(folder / ROWS_FILE)
        for column in ("regions", "areas", "lemmas", "sentence_bounds"):
            rows[column] = [list(value) if value is not None else [] for value in rows[column]]
        vectors = np.load(
            folder / VECTORS_FILE, allow_pickle=False, mmap_mode="r" if mmap else None
        )
        if vectors.dtype != np.float32 or vectors.ndim != 2:
            raise ModelError(f"{folder / VECTORS_FILE} must be a 2-d float32 matrix")
        index = cls(rows, vectors, manifest)
        index.folder = folder
        return index

    # -- what queries need -----------------------------------------------------------------------
    def attach(self, tagger: Tagger) -> None:
        """Use this tagger's embedder and preprocessor for text queries and explanations."""
        if tagger.embedder.model_id != self.embedding_model_id:
            raise ModelError(
                f"the index holds embeddings of {self.embedding_model_id}, the tagger's embedding "
                f"model is {tagger.embedder.model_id}"
            )
        self._embedder = tagger.embedder
        self._preprocessor = tagger.preprocessor

    @property
    def embedder(self) -> Embedder:
        """The embedder the index was built with (recreated from the manifest when needed)."""
        if self._embedder is None:
            from ecs_tagger.embedding.encoder import Embedder, EmbedderSettings

            embedder = Embedder(EmbedderSettings(**self.manifest["embedder_settings"]))
            if embedder.model_id != self.embedding_model_id:
                raise ModelError(
                    f"the index holds embeddings of {self.embedding_model_id}, but its embedding "
                    f"settings now load {embedder.model_id}; rebuild the index"
                )
            self._embedder = embedder
        return self._embedder

    @property
    def preprocessor(self) -> Preprocessor:
        if self._preprocessor is None:
            from ecs_tagger.preprocess import Preprocessor, PreprocessSettings

            self._preprocessor = Preprocessor(
                PreprocessSettings(**self.manifest["preprocess_settings"])
            )
        return self._preprocessor

    # -- the similarity space ----------------------------------------------------------------------
    def language_means(self) -> dict[str, np.ndarray]:
        """Mean document vector of each group of texts: a language ("sv") or the short texts of a
        language ("sv:short", under SHORT_TEXT_CHARS), for groups of at least MIN_LANGUAGE_ROWS
        rows; the whole index under "*"; short-text means the index lacks rows for come from the
        manifest's ``short_text_means`` (titles embedded at build, "<language>:short" and
        "*:short")."""
        if self._means is None:
            vectors = np.asarray(self.vectors, dtype=np.float32)
            means: dict[str, np.ndarray] = {
                key: np.asarray(value, dtype=np.float32)
                for key, value in self.manifest.get("short_text_means", {}).items()
            }
            if len(vectors):
                means["*"] = vectors.mean(axis=0)
                groups = np.array(self._row_groups(), dtype=object)
                languages = self.rows["language"].to_numpy()
                for key, members in [
                    *((str(g), groups == g) for g in sorted(set(groups))),
                    *((str(lang), languages == lang) for lang in sorted(set(languages))),
                ]:
                    if members.sum() >= MIN_LANGUAGE_ROWS:
                        means[key] = vectors[members].mean(axis=0)
            self._means = means
        return self._means

    def _row_groups(self) -> list[str]:
        return [
            text_group(language, len(text))
            for language, text in zip(self.rows["language"], self.rows["clean_text"], strict=True)
        ]

    def centre(
        self, vectors: np.ndarray, languages: Sequence[str], lengths: Sequence[int] | None = None
    ) -> np.ndarray:
        """Vectors moved into the similarity space: minus the mean vector of their group (their
        language, and for texts of `lengths` under SHORT_TEXT_CHARS characters the short texts of
        that language; the nearest group the index has a mean for otherwise), L2-normalised.

        Measured on Projektbanken: titles used as queries find their own project at rank 1 in 85 %
        of cases with short-text groups, 5 % with language groups only (9 % with raw cosine).
        """
        vectors = np.atleast_2d(np.asarray(vectors, dtype=np.float32))
        means = self.language_means()
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
        centred = vectors - shift
        norms = np.linalg.norm(centred, axis=1, keepdims=True)
        return (centred / np.maximum(norms, 1e-12)).astype(np.float32)

    @property
    def search_vectors(self) -> np.ndarray:
        """The rows' vectors in the similarity space (see :meth:`centre`); computed once."""
        if self._search_vectors is None:
            self._search_vectors = self.centre(
                self.vectors,
                self.rows["language"].tolist(),
                [len(text) for text in self.rows["clean_text"]],
            )
        return self._search_vectors

    def idf(self) -> dict[str, float]:
        """Inverse document frequency of every lemma of the index: log((1+N)/(1+df)) + 1."""
        if self._idf is None:
            df = Counter(lemma for lemmas in self.rows["lemmas"] for lemma in set(lemmas))
            n = len(self)
            self._idf = {
                lemma: float(np.log((1 + n) / (1 + count)) + 1) for lemma, count in df.items()
            }
        return self._idf

    def searcher(self, backend: str = "auto") -> VectorSearch:
        """The nearest-neighbour search over the vectors (built once per backend)."""
        from ecs_tagger.ann import make_searcher, resolve_backend

        name = resolve_backend(backend, len(self))
        if name not in self._searchers:
            self._searchers[name] = make_searcher(self.search_vectors, name, self._graph_file(name))
        return self._searchers[name]

    def _graph_file(self, backend: str) -> Path | None:
        """Where an approximate backend's graph is kept beside a saved, unchanged index (so that
        it is built once, not at every load); stale graphs of that backend are removed."""
        files = self.manifest.get("files", {})
        if backend == "exact" or self.folder is None or not files:
            return None
        digest = hashlib.sha256(json.dumps(files, sort_keys=True).encode()).hexdigest()[:16]
        graph = self.folder / f"ann-{backend}-{digest}.bin"
        for stale in self.folder.glob(f"ann-{backend}-*.bin"):
            if stale != graph:
                stale.unlink(missing_ok=True)
        return graph

    # -- the questions, in their own modules -----------------------------------------------------
    def similar(self, text_or_id: str, k: int = 10, **options: Any) -> Hits:
        """Most similar projects; see :func:`ecs_tagger.similarity.similar` for the options."""
        from ecs_tagger.similarity import similar

        return similar(self, text_or_id, k, **options)

    def match(self, **options: Any) -> pd.DataFrame:
        """Cross-region pairs; see :func:`ecs_tagger.matching.cross_region_pairs`."""
        from ecs_tagger.matching import cross_region_pairs

        return cross_region_pairs(self, **options)

    def actor_profiles(self, **options: Any) -> pd.DataFrame:
        """Projects rolled up to actors; see :func:`ecs_tagger.actors.actor_profiles`."""
        from ecs_tagger.actors import actor_profiles

        return actor_profiles(self, **options)

    def similar_actors(self, actor: str, k: int = 10, **options: Any) -> pd.DataFrame:
        """Actors most like `actor`; see :func:`ecs_tagger.actors.similar_actors`."""
        from ecs_tagger.actors import similar_actors

        return similar_actors(self, actor, k, **options)

    def portfolio(self, **options: Any) -> pd.DataFrame:
        """Region x area table; see :func:`ecs_tagger.portfolio.region_portfolio`."""
        from ecs_tagger.portfolio import region_portfolio

        return region_portfolio(self, **options)


def _temporary(folder: Path, name: str) -> Path:
    handle, path = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
    os.close(handle)
    return Path(path)


def build_or_update(
    directory: str | Path,
    frame: pd.DataFrame,
    tagger: Tagger,
    text_cols: Sequence[str],
    id_col: str,
    region_col: str | None,
    actor_col: str | None = None,
    funding_col: str | None = None,
    *,
    keep_cols: Sequence[str] = (),
    progress: ProgressCallback | None = None,
) -> RegistryIndex:
    """Build the index of `frame` into `directory`, reusing an index already there, and save it."""
    previous = RegistryIndex.load(directory) if RegistryIndex.exists(directory) else None
    index = RegistryIndex.build(
        frame,
        tagger,
        text_cols,
        id_col,
        region_col,
        actor_col,
        funding_col,
        keep_cols=keep_cols,
        previous=previous,
        progress=progress,
    )
    index.save(directory)
    return index
