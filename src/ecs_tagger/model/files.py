"""Save and load a trained model as JSON + safetensors: loading never executes code from the files.

A model folder holds `manifest.json` (versions, identities, training-data hash, metrics, the sha256 of
every other file), `taxonomy.toml`, `vocabulary.json` (lexical terms) and `arrays.safetensors` (all
learned numbers), plus a human-readable `README.md` model card; a trained model also holds
`training_vectors.safetensors`, its training texts' vectors (:mod:`ecs_tagger.model.vectors`), so
that retraining it embeds only texts it has not seen. The model version hashes the learned numbers
alone: the vectors file is checksummed like the others but never changes the version.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from safetensors.numpy import load_file, save_file

from ecs_tagger.errors import ModelError
from ecs_tagger.model.classifier import AreaClassifier
from ecs_tagger.model.features import LemmaTfidf
from ecs_tagger.model.taxonomy import Taxonomy
from ecs_tagger.model.vectors import (
    TRAINING_VECTORS,
    TrainingVectors,
    model_training_vectors,
    prefill_cache,
)

if TYPE_CHECKING:
    from ecs_tagger.embedding.encoder import Embedder

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
TAXONOMY = "taxonomy.toml"
VOCABULARY = "vocabulary.json"
ARRAYS = "arrays.safetensors"
MODEL_CARD = "README.md"
_HASHED_FILES = (TAXONOMY, VOCABULARY, ARRAYS)
_CLASSIFIER_ARRAYS = (
    "embedding_coef_",
    "embedding_intercept_",
    "lexical_coef_",
    "lexical_intercept_",
    "stack_coef_",
    "signal_calibration_",
    "thresholds_",
)
#: Prefix of the short-text head's arrays (`AreaClassifier.short_head_`) in ARRAYS.
SHORT_HEAD_PREFIX = "short_head."


@dataclass
class ModelParts:
    """Everything a trained model consists of, in memory."""

    taxonomy: Taxonomy
    lexical: LemmaTfidf
    classifier: AreaClassifier
    manifest: dict[str, Any]
    #: the encoder's task-tuned top layers (`ecs_tagger.embedding.finetune`), copied into the folder
    adapter: Path | None = None
    #: the training texts' vectors (`ecs_tagger.model.vectors`), written as TRAINING_VECTORS
    training_vectors: TrainingVectors | None = None


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def model_version(name: str, arrays_sha256: str) -> str:
    """The version every output row carries: the model's name and a hash of its learned numbers."""
    return f"{name}@{arrays_sha256[:12]}"


def save_model(parts: ModelParts, directory: Path, model_card: str = "") -> dict[str, Any]:
    """Write the model atomically into `directory` (replaced if it exists); return the manifest.

    Every file but the manifest and the card is checksummed in the manifest's `files`; with
    `parts.training_vectors`, TRAINING_VECTORS is written too and described under
    `training_vectors` (texts, dimension, dtype, embedding identity)."""
    directory = Path(directory)
    directory.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{directory.name}-", dir=directory.parent))
    try:
        (staging / TAXONOMY).write_text(parts.taxonomy.to_toml(), encoding="utf-8")
        (staging / VOCABULARY).write_text(
            json.dumps(parts.lexical.terms_, ensure_ascii=False, indent=0), encoding="utf-8"
        )
        arrays = {
            name: np.ascontiguousarray(getattr(parts.classifier, name), dtype=np.float64)
            for name in _CLASSIFIER_ARRAYS
        }
        arrays["idf_"] = np.ascontiguousarray(parts.lexical.idf_, dtype=np.float64)
        head = getattr(parts.classifier, "short_head_", None)
        if head is not None:
            arrays |= {
                SHORT_HEAD_PREFIX + name: np.ascontiguousarray(
                    getattr(head, name), dtype=np.float64
                )
                for name in _CLASSIFIER_ARRAYS
            }
        save_file(arrays, str(staging / ARRAYS))
        hashed = list(_HASHED_FILES)
        if parts.adapter is not None:
            from ecs_tagger.embedding.finetune import ADAPTER_FILE

            shutil.copyfile(parts.adapter, staging / ADAPTER_FILE)
            hashed.append(ADAPTER_FILE)
        vectors = parts.training_vectors
        if vectors is not None:
            vectors.save(staging / TRAINING_VECTORS)
            hashed.append(TRAINING_VECTORS)
        files = {name: _sha256(staging / name) for name in hashed}
        manifest = {
            **{k: v for k, v in parts.manifest.items() if k != "training_vectors"},
            **(
                {
                    "training_vectors": {
                        "texts": len(vectors),
                        "dimension": vectors.dimension,
                        "dtype": "float32",
                        "embedding_model_id": vectors.embedding_model_id,
                    }
                }
                if vectors is not None
                else {}
            ),
            "format_version": FORMAT_VERSION,
            "model_version": model_version(parts.manifest.get("name", "model"), files[ARRAYS]),
            "taxonomy": {
                "name": parts.taxonomy.name,
                "version": parts.taxonomy.version,
                "fingerprint": parts.taxonomy.fingerprint,
                "codes": list(parts.taxonomy.codes),
            },
            "lexical": parts.lexical.get_params(),
            "classifier": parts.classifier.get_params(),
            "files": files,
        }
        (staging / MANIFEST).write_text(
            json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n",
            encoding="utf-8",
        )
        if model_card:
            (staging / MODEL_CARD).write_text(model_card, encoding="utf-8")
        staging.chmod(0o755)  # mkdtemp makes it private; a model folder is shared like any other
        for path in staging.iterdir():
            path.chmod(0o644)
        if directory.exists():
            backup = directory.with_name(f".{directory.name}.old")
            shutil.rmtree(backup, ignore_errors=True)
            os.replace(directory, backup)
            os.replace(staging, directory)
            shutil.rmtree(backup, ignore_errors=True)
        else:
            os.replace(staging, directory)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return manifest


def read_manifest(directory: Path) -> dict[str, Any]:
    path = Path(directory) / MANIFEST
    if not path.exists():
        raise ModelError(f"no model at {directory}: {MANIFEST} is missing")
    try:
        manifest: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ModelError(f"{path} is not valid JSON: {error}") from None
    if manifest.get("format_version") != FORMAT_VERSION:
        raise ModelError(
            f"{directory} has model format {manifest.get('format_version')!r}; "
            f"this ecs-tagger reads format {FORMAT_VERSION}"
        )
    return manifest


def load_model(directory: Path, expected_taxonomy: Taxonomy | None = None) -> ModelParts:
    """Load and verify a model folder: checksums (of every file the manifest lists, the training
    vectors included), taxonomy, array shapes. The training vectors themselves are not read here
    (:func:`ecs_tagger.model.vectors.model_training_vectors` reads them when a retraining needs
    them). Raises ModelError naming what is missing, damaged or mismatched."""
    directory = Path(directory)
    manifest = read_manifest(directory)
    for name, expected in manifest.get("files", {}).items():
        path = directory / name
        if not path.exists():
            raise ModelError(f"model {directory} is incomplete: {name} is missing")
        if _sha256(path) != expected:
            raise ModelError(f"model {directory}: {name} does not match its checksum (damaged?)")
    taxonomy = Taxonomy.from_file(directory / TAXONOMY)
    if taxonomy.fingerprint != manifest["taxonomy"]["fingerprint"]:
        raise ModelError(f"model {directory}: taxonomy.toml does not match the manifest")
    if expected_taxonomy is not None and expected_taxonomy.fingerprint != taxonomy.fingerprint:
        raise ModelError(
            f"model {directory} was trained for taxonomy '{taxonomy.name}' with areas "
            f"{', '.join(taxonomy.codes)}, not for '{expected_taxonomy.name}' with areas "
            f"{', '.join(expected_taxonomy.codes)}"
        )
    arrays = load_file(str(directory / ARRAYS))
    terms = json.loads((directory / VOCABULARY).read_text(encoding="utf-8"))
    lexical = LemmaTfidf(**manifest["lexical"])
    lexical.vocabulary_ = {term: column for column, term in enumerate(terms)}
    lexical.idf_ = arrays["idf_"]
    classifier = _classifier(directory, manifest["classifier"], arrays, "", len(taxonomy), terms)
    classifier.short_head_ = None
    if classifier.short_text_chars > 0:
        params = {**manifest["classifier"], "short_text_chars": 0}
        classifier.short_head_ = _classifier(
            directory, params, arrays, SHORT_HEAD_PREFIX, len(taxonomy), terms
        )
    return ModelParts(taxonomy, lexical, classifier, manifest)


def _classifier(
    directory: Path,
    params: dict[str, Any],
    arrays: dict[str, np.ndarray],
    prefix: str,
    n_areas: int,
    terms: list[str],
) -> AreaClassifier:
    """An AreaClassifier from its parameters and its learned arrays (names after `prefix`)."""
    classifier = AreaClassifier(**params)
    for name in _CLASSIFIER_ARRAYS:
        if prefix + name not in arrays:
            raise ModelError(f"model {directory}: {ARRAYS} has no {prefix + name}")
        setattr(classifier, name, arrays[prefix + name].astype(np.float64))
    classifier.n_areas_ = n_areas
    k, v = classifier.lexical_coef_.shape
    if (
        k != n_areas
        or v != len(terms)
        or classifier.thresholds_.shape != (k,)
        or classifier.stack_coef_.shape != (k, classifier.n_stack_inputs + 1)
    ):
        raise ModelError(
            f"model {directory}: array shapes do not match its taxonomy and vocabulary"
        )
    return classifier


def prefill_from_model(embedder: Embedder, directory: Path) -> int:
    """:func:`prefill_cache` with the training vectors saved in the model folder `directory`
    (e.g. the shipped model's, before training on the same corpus labels). Returns how many
    vectors were offered: 0 when the folder holds none or they are of another embedding identity.
    Raises ModelError when the folder is no model or its vectors are damaged."""
    directory = Path(directory)
    return prefill_cache(embedder, model_training_vectors(directory, read_manifest(directory)))
