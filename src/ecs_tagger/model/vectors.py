"""The training texts' vectors, saved with a model so that retraining it embeds nothing it has seen.

A model folder holds, beside its learned numbers, `training_vectors.safetensors`: the document
vector of every distinct training text, exactly as the embedding cache stores it (float32, keyed by
the cache's own text key, :func:`ecs_tagger.embedding.cache.text_key`) for the model's embedding
identity. Retraining (:func:`ecs_tagger.coordinators.corrections.retrain.retrain_with_corrections`,
``ecs-tagger train``) first copies them into the embedding cache (:func:`prefill_cache`) when the
identity is the embedder's, so the first retraining on a machine reads only the texts it has not
seen (the reviewed rows) instead of embedding the ~5,600 texts of the recipe (minutes).

Why float32 and not fp16: fp16 would halve the file (4.3 MB instead of 8.5 MB for the shipped
model's 5,549 texts), but a model retrained on the rounded vectors is not the model retrained on
the computed ones: on the shipped recipe the short-text head's food threshold moved from 0.54 to
0.53 and scores moved by up to 0.0099. In float32 the vectors are the cache's own bytes, so a
retraining from them gives the same model, bit for bit, as one from freshly computed vectors.

The file is safetensors (tensors ``keys``: uint8 (n, 32), the sha256 digests of the cache keys;
``vectors``: float32 (n, d); metadata: format, embedding identity, the cache's prompt kind):
reading it never executes code, and it is checked against the sha256 the manifest records, like
the model's other arrays.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from safetensors import SafetensorError, safe_open
from safetensors.numpy import save_file

from ecs_tagger.embedding.cache import EmbeddingCache, text_key
from ecs_tagger.errors import ModelError

if TYPE_CHECKING:
    from ecs_tagger.embedding.encoder import Embedder

#: File name of the training texts' vectors in a model folder.
TRAINING_VECTORS = "training_vectors.safetensors"
#: The `format` of the file's metadata this version writes and reads.
VECTORS_FORMAT = "ecs-training-vectors-1"
_KEY_BYTES = 32  # a cache key is a sha256 hex digest: 32 bytes


@dataclass(frozen=True)
class TrainingVectors:
    """Document vectors of distinct training texts, as the embedding cache holds them.

    `keys`: n cache keys (sha256 hex, :func:`~ecs_tagger.embedding.cache.text_key` of `kind` and
    the text the encoder reads); `vectors`: float32 array of shape (n, d), row i the vector of
    key i; `embedding_model_id`: the embedder identity the vectors belong to
    (:attr:`ecs_tagger.embedding.encoder.Embedder.model_id`).
    """

    embedding_model_id: str
    kind: str
    keys: tuple[str, ...]
    vectors: np.ndarray

    def __post_init__(self) -> None:
        if self.vectors.ndim != 2 or self.vectors.shape[0] != len(self.keys):
            raise ValueError(
                f"{len(self.keys)} keys need vectors of shape ({len(self.keys)}, d), "
                f"not {self.vectors.shape}"
            )

    @classmethod
    def of_texts(
        cls, embedder: Embedder, texts: Sequence[str], vectors: np.ndarray
    ) -> TrainingVectors:
        """The vectors of `texts` (the texts the encoder read, e.g. ``PreprocessedText.model_text``)
        as `embedder` keys them in its cache; `vectors` has shape (len(texts), d). A text that
        occurs more than once is kept once."""
        kind = embedder.document_kind
        rows: dict[str, int] = {}
        for row, text in enumerate(texts):
            rows.setdefault(text_key(kind, text), row)
        picked = np.fromiter(rows.values(), dtype=np.int64, count=len(rows))
        matrix = np.ascontiguousarray(np.asarray(vectors)[picked], dtype=np.float32)
        return cls(embedder.model_id, kind, tuple(rows), matrix)

    def __len__(self) -> int:
        return len(self.keys)

    @property
    def dimension(self) -> int:
        return int(self.vectors.shape[1])

    def items(self) -> dict[str, np.ndarray]:
        """{cache key: vector}, as :meth:`EmbeddingCache.put_many` takes them."""
        return dict(zip(self.keys, self.vectors, strict=True))

    def save(self, path: Path) -> None:
        """Write the safetensors file (float32 vectors, uint8 digests of the keys)."""
        digests = np.frombuffer(b"".join(bytes.fromhex(k) for k in self.keys), dtype=np.uint8)
        save_file(
            {
                "keys": digests.reshape(len(self.keys), _KEY_BYTES),
                "vectors": np.ascontiguousarray(self.vectors, dtype=np.float32),
            },
            str(path),
            metadata={
                "format": VECTORS_FORMAT,
                "embedding_model_id": self.embedding_model_id,
                "kind": self.kind,
            },
        )

    @classmethod
    def read(cls, path: Path, sha256: str | None = None) -> TrainingVectors:
        """Read a file written by :meth:`save`; with `sha256` (the manifest's), the file must
        match it. Raises ModelError, naming the file, for a damaged, changed or malformed file."""
        path = Path(path)
        if not path.is_file():
            raise ModelError(f"{path} is missing")
        if sha256 is not None and hashlib.sha256(path.read_bytes()).hexdigest() != sha256:
            raise ModelError(
                f"{path} does not match its checksum in manifest.json (damaged or changed "
                "since the model was saved): it is not used. Copy the model folder again, or "
                "delete the file and its line in manifest.json to retrain without it"
            )
        try:
            with safe_open(str(path), framework="np") as handle:
                metadata: dict[str, Any] = handle.metadata() or {}
                names = set(handle.keys())
                if names != {"keys", "vectors"}:
                    raise ModelError(f"{path} holds {sorted(names)}, not keys and vectors")
                digests = handle.get_tensor("keys")
                vectors = handle.get_tensor("vectors")
        except SafetensorError as error:
            raise ModelError(f"{path} is not a readable safetensors file: {error}") from None
        if metadata.get("format") != VECTORS_FORMAT:
            raise ModelError(
                f"{path} has format {metadata.get('format')!r}; this ecs-tagger reads "
                f"{VECTORS_FORMAT!r}"
            )
        if (
            digests.dtype != np.uint8
            or digests.ndim != 2
            or digests.shape[1] != _KEY_BYTES
            or vectors.dtype != np.float32
            or vectors.ndim != 2
            or vectors.shape[0] != digests.shape[0]
            or not np.isfinite(vectors).all()
        ):
            raise ModelError(
                f"{path}: keys {digests.dtype}{digests.shape} and vectors "
                f"{vectors.dtype}{vectors.shape} are not n sha256 digests and n finite float32 "
                "vectors"
            )
        keys = tuple(row.tobytes().hex() for row in digests)
        return cls(
            str(metadata.get("embedding_model_id", "")),
            str(metadata.get("kind", "")),
            keys,
            vectors,
        )


def model_training_vectors(
    directory: Path | None, manifest: dict[str, Any]
) -> TrainingVectors | None:
    """The training vectors saved in the model folder `directory` (checked against the sha256 in
    its `manifest`), or None when the model has none (saved before they were, or without them).
    Raises ModelError when the file is missing or does not match its checksum."""
    expected = manifest.get("files", {}).get(TRAINING_VECTORS)
    if directory is None or expected is None:
        return None
    path = Path(directory) / TRAINING_VECTORS
    if not path.is_file():
        raise ModelError(f"model {directory} is incomplete: {TRAINING_VECTORS} is missing")
    return TrainingVectors.read(path, sha256=str(expected))


def usable_by(vectors: TrainingVectors | None, embedder: Embedder) -> bool:
    """Whether `embedder` would compute these vectors: same identity (model, chunking, prompt,
    quantisation, tuned layers and precision) and the same prompt kind of its documents."""
    return (
        vectors is not None
        and len(vectors) > 0
        and vectors.embedding_model_id == embedder.model_id
        and vectors.kind == embedder.document_kind
    )


def prefill_cache(embedder: Embedder, vectors: TrainingVectors | None) -> int:
    """Copy `vectors` into `embedder`'s embedding cache when they are its own (:func:`usable_by`):
    entries the cache holds already are kept. Returns how many vectors were offered (0 when none
    were usable, or the embedder has no cache). Never loads the encoder."""
    if vectors is None or not embedder.use_cache or not usable_by(vectors, embedder):
        return 0
    # The cache file itself (the embedder's own cache property could load the encoder to learn
    # the dimension of a new file; the vectors tell it).
    cache = EmbeddingCache(Path(embedder.cache_directory) / "embeddings", embedder.model_id)
    try:
        if cache.dimension is None:
            cache.record_dimension(vectors.dimension)
        elif cache.dimension != vectors.dimension:
            return 0  # not this model's vectors after all: the cache would not read them
        cache.put_missing(vectors.items())
    finally:
        cache.close()
    return len(vectors)


__all__ = [
    "TRAINING_VECTORS",
    "VECTORS_FORMAT",
    "TrainingVectors",
    "model_training_vectors",
    "prefill_cache",
    "usable_by",
]
