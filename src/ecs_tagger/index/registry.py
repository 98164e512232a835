"""RegistryIndex: the rows, vectors and manifest of an index, built, updated, saved and loaded,
with the search vectors, idf and nearest-neighbour search derived from them.

What an index answers (similar projects, cross-region pairs, actors, portfolios) lives in the
modules that take an index: :mod:`ecs_tagger.regional.similarity`, :mod:`ecs_tagger.regional.matching`,
:mod:`ecs_tagger.regional.actors` and :mod:`ecs_tagger.regional.portfolio`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ecs_tagger.embedding.precision import same_vectors
from ecs_tagger.errors import InputError, ModelError
from ecs_tagger.index.build import ProgressCallback, UpdateSummary, assemble, updated
from ecs_tagger.index.rows import IndexColumns, check_frame
from ecs_tagger.index.space import centred, group_means, lemma_idf
from ecs_tagger.index.storage import graph_file, is_index, new_manifest, read_index, write_index

if TYPE_CHECKING:
    from ecs_tagger.embedding.encoder import Embedder
    from ecs_tagger.index.ann import VectorSearch
    from ecs_tagger.preprocess import Preprocessor
    from ecs_tagger.tagger import Tagger


class RegistryIndex:
    """Vectors, tags and metadata of every project of a registry, ready for similarity search.

    `rows` (a DataFrame, see :mod:`ecs_tagger.index.storage`) and `vectors` (float32, one row
    each) are in the same order; `position(id)` maps an id to its row.
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
        check_frame(frame, columns)
        manifest = new_manifest(tagger, columns)
        if previous is not None and not previous.compatible_with(tagger):
            previous = None  # another model: nothing can be reused
        built = assemble(frame, tagger, columns, manifest, previous, progress)
        index = cls(built.rows, built.vectors, built.manifest)
        index.summary = built.summary
        if previous is not None:
            removed = len(set(previous.rows["id"]) - set(index.rows["id"]))
            index.summary = replace(built.summary, removed=removed)
        return index

    def compatible_with(self, tagger: Tagger) -> bool:
        """True when `tagger` is the model (and embedding model) this index was built with."""
        return tagger.model_version == self.model_version and same_vectors(
            tagger.embedder.model_id, self.embedding_model_id
        )

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
        built = updated(self, frame, tagger, remove_missing=remove_missing, progress=progress)
        self._set(built.rows, built.vectors, built.manifest)
        self.summary = built.summary
        return self.summary

    # -- files -----------------------------------------------------------------------------------
    def save(self, directory: str | Path) -> Path:
        """Write rows.parquet, vectors.npy and manifest.json (each replaced atomically)."""
        folder = Path(directory)
        self.manifest = write_index(folder, self.rows, self.vectors, self.manifest)
        self.folder = folder
        return folder

    @classmethod
    def exists(cls, directory: str | Path) -> bool:
        return is_index(directory)

    @classmethod
    def load(
        cls, directory: str | Path, *, verify: bool = True, mmap: bool = False
    ) -> RegistryIndex:
        """Read an index folder; `verify` checks the files against the manifest's sha256."""
        folder = Path(directory)
        index = cls(*read_index(folder, verify=verify, mmap=mmap))
        index.folder = folder
        return index

    # -- what queries need -----------------------------------------------------------------------
    def attach(self, tagger: Tagger) -> None:
        """Use this tagger's embedder and preprocessor for text queries and explanations."""
        if not same_vectors(tagger.embedder.model_id, self.embedding_model_id):
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
            if not same_vectors(embedder.model_id, self.embedding_model_id):
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
                PreprocessSettings.from_dict(self.manifest["preprocess_settings"])
            )
        return self._preprocessor

    # -- the similarity space (see ecs_tagger.index.space) -----------------------------------------
    def language_means(self) -> dict[str, np.ndarray]:
        """Mean document vector of each group of texts (see
        :func:`ecs_tagger.index.space.group_means`); computed once."""
        if self._means is None:
            stored = self.manifest.get("short_text_means", {})
            self._means = group_means(self.vectors, self.rows, stored)
        return self._means

    def centre(
        self, vectors: np.ndarray, languages: Sequence[str], lengths: Sequence[int] | None = None
    ) -> np.ndarray:
        """Vectors moved into the similarity space: minus the mean vector of their group (their
        language, and for texts of `lengths` under SHORT_TEXT_CHARS characters the short texts of
        that language; the nearest group the index has a mean for otherwise), L2-normalised.

        Measured on Projektbanken: titles used as queries find their own project at rank 1 in 85 %
        of cases with short-text groups, 5 % with language groups only (9 % with raw cosine).
        """
        return centred(vectors, self.language_means(), languages, lengths)

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
            self._idf = lemma_idf(self.rows["lemmas"].tolist())
        return self._idf

    def searcher(self, backend: str = "auto") -> VectorSearch:
        """The nearest-neighbour search over the vectors (built once per backend)."""
        from ecs_tagger.index.ann import make_searcher, resolve_backend

        name = resolve_backend(backend, len(self))
        if name not in self._searchers:
            graph = graph_file(self.folder, self.manifest, name)
            self._searchers[name] = make_searcher(self.search_vectors, name, graph)
        return self._searchers[name]


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
