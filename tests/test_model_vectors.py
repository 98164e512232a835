"""The training texts' vectors saved with a model (ecs_tagger.model.vectors, issue 18 point 3)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from ecs_tagger.embedding.cache import EmbeddingCache, text_key
from ecs_tagger.embedding.encoder import Embedder, EmbedderSettings
from ecs_tagger.errors import ModelError
from ecs_tagger.model.files import load_model, prefill_from_model, read_manifest
from ecs_tagger.model.training import TrainSettings
from ecs_tagger.model.vectors import (
    TRAINING_VECTORS,
    TrainingVectors,
    model_training_vectors,
    prefill_cache,
)
from ecs_tagger.tagger import Tagger

#: The settings of conftest's small_tagger (retrained here the same way).
SMALL = TrainSettings(name="small-test", inner_folds=3, min_df=1)
_ARRAYS = ("embedding_coef_", "lexical_coef_", "stack_coef_", "signal_calibration_", "thresholds_")


@pytest.fixture(scope="module")
def saved(small_tagger: Tagger, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return small_tagger.save(tmp_path_factory.mktemp("vectors") / "model")


def _empty_cache(tmp_path: Path) -> Path:
    """A cache folder with no vectors that shares the converted encoder of the tests' cache (so
    that nothing is converted again)."""
    folder = tmp_path / "cache"
    folder.mkdir()
    shared = Path(os.environ["ECS_TAGGER_CACHE"]) / "models"
    if shared.is_dir():
        (folder / "models").symlink_to(shared, target_is_directory=True)
    return folder


def _no_encoding(embedder: Embedder, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make `embedder` fail if it has to compute a vector."""

    def refuse(texts: list[str], _: Any) -> np.ndarray:
        raise AssertionError(f"embedded {len(texts)} texts: {texts[:1]}")

    monkeypatch.setattr(embedder, "_encode_documents", refuse)


def test_saved_vectors_are_the_cache_entries_of_the_training_texts(
    small_tagger: Tagger, small_training_frame: pd.DataFrame, saved: Path
) -> None:
    vectors = model_training_vectors(saved, read_manifest(saved))
    assert vectors is not None
    embedder = small_tagger.embedder
    assert (
        vectors.embedding_model_id
        == embedder.model_id
        == read_manifest(saved)["embedding_model_id"]
    )
    documents = small_tagger.preprocessor.process_many(list(small_training_frame["text"]))
    keys = {text_key(embedder.document_kind, d.model_text) for d in documents}
    assert set(vectors.keys) == keys and len(vectors.keys) == len(keys)
    cache = EmbeddingCache(embedder.cache_directory / "embeddings", embedder.model_id)
    try:
        cached = cache.get_many(list(vectors.keys))
    finally:
        cache.close()
    assert vectors.vectors.dtype == np.float32
    for key, vector in vectors.items().items():  # the cache's own bytes, not a rounding of them
        assert cached[key].tobytes() == vector.tobytes()
    record = read_manifest(saved)["training_vectors"]
    assert record == {
        "texts": len(keys),
        "dimension": vectors.dimension,
        "dtype": "float32",
        "embedding_model_id": embedder.model_id,
    }
    assert TRAINING_VECTORS in read_manifest(saved)["files"]


def test_retraining_in_an_empty_cache_embeds_nothing_and_gives_the_same_model(
    small_tagger: Tagger,
    small_training_frame: pd.DataFrame,
    saved: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A fresh machine: the saved vectors fill the empty cache; the retrained model is the one
    trained on the freshly computed vectors, bit for bit, and nothing is embedded."""
    loaded = Tagger.load(saved, cache_directory=_empty_cache(tmp_path))
    assert loaded.prefill_embedding_cache() == len(loaded.training_vectors() or ())
    _no_encoding(loaded.embedder, monkeypatch)
    again = Tagger.train(
        small_training_frame, settings=SMALL, embedder=loaded.embedder, cross_validation=False
    )
    for name in _ARRAYS:
        np.testing.assert_array_equal(
            getattr(again.classifier, name), getattr(small_tagger.classifier, name)
        )
    texts = list(small_training_frame["text"].head(8))
    assert [r.scores for r in again.tag_many(texts, evidence=False)] == [
        r.scores for r in small_tagger.tag_many(texts, evidence=False)
    ]
    resaved = again.save(tmp_path / "again", training_vectors=False)
    assert read_manifest(resaved)["model_version"] == read_manifest(saved)["model_version"]
    assert TRAINING_VECTORS not in read_manifest(resaved)["files"]


def test_retraining_with_reviews_reads_the_saved_vectors_first(
    small_tagger: Tagger,
    small_training_frame: pd.DataFrame,
    saved: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from ecs_tagger.coordinators.corrections.retrain import retrain_with_corrections
    from ecs_tagger.coordinators.corrections.store import Correction

    first = str(small_training_frame["id"].iloc[0])
    review = Correction(first, "", (), ("food", "energy"), "Anna", "2026-01-01T00:00:00Z")
    kwargs: dict[str, Any] = {
        "data": small_training_frame,
        "cross_validation": False,
        "before": "none",
        "settings": SMALL,
        "old_areas": {},
    }
    fresh = retrain_with_corrections(small_tagger, [review], {}, **kwargs)
    loaded = Tagger.load(saved, cache_directory=_empty_cache(tmp_path))
    _no_encoding(loaded.embedder, monkeypatch)
    shipped = retrain_with_corrections(loaded, [review], {}, **kwargs)
    assert shipped.training.replaced == [first]
    for name in _ARRAYS:
        np.testing.assert_array_equal(
            getattr(shipped.tagger.classifier, name), getattr(fresh.tagger.classifier, name)
        )


def test_a_tampered_vectors_file_is_refused(saved: Path, tmp_path: Path) -> None:
    import shutil

    copy = Path(shutil.copytree(saved, tmp_path / "model"))
    loaded = Tagger.load(copy, cache_directory=_empty_cache(tmp_path))
    path = copy / TRAINING_VECTORS
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(
        ModelError, match=r"training_vectors\.safetensors does not match its checksum"
    ):
        loaded.prefill_embedding_cache()  # changed after the model was loaded
    with pytest.raises(
        ModelError, match=r"training_vectors\.safetensors does not match its checksum"
    ):
        load_model(copy)
    with pytest.raises(ModelError, match="does not match its checksum"):
        prefill_from_model(loaded.embedder, copy)
    path.unlink()
    with pytest.raises(ModelError, match=r"training_vectors\.safetensors is missing"):
        load_model(copy)


def test_a_malformed_file_is_a_clear_error_even_with_a_matching_checksum(tmp_path: Path) -> None:
    from safetensors.numpy import save_file

    path = tmp_path / TRAINING_VECTORS
    save_file(
        {"keys": np.zeros((2, 32), np.uint8), "vectors": np.ones((3, 4), np.float32)},
        str(path),
        metadata={"format": "ecs-training-vectors-1"},
    )
    with pytest.raises(ModelError, match="not n sha256 digests and n finite float32 vectors"):
        TrainingVectors.read(path)
    save_file(
        {"keys": np.zeros((2, 32), np.uint8), "vectors": np.ones((2, 4), np.float32)},
        str(path),
        metadata={"format": "pickle"},
    )
    with pytest.raises(ModelError, match="has format 'pickle'"):
        TrainingVectors.read(path)
    path.write_bytes(b"not safetensors")
    with pytest.raises(ModelError, match="not a readable safetensors file"):
        TrainingVectors.read(path)


def test_vectors_of_another_encoder_identity_are_never_used(tmp_path: Path) -> None:
    (tmp_path / "encoder").mkdir()  # a model folder: its identity needs no weights
    embedder = Embedder(EmbedderSettings(model=str(tmp_path / "encoder")), cache_directory=tmp_path)
    keys = (text_key(embedder.document_kind, "Biogas på gården."),)
    mine = TrainingVectors(
        embedder.model_id, embedder.document_kind, keys, np.ones((1, 4), np.float32)
    )
    other = TrainingVectors("another-encoder:chunked", mine.kind, keys, mine.vectors)
    assert prefill_cache(embedder, other) == 0
    assert not (tmp_path / "embeddings").exists() or not len(
        EmbeddingCache(tmp_path / "embeddings", embedder.model_id)
    )
    assert prefill_cache(embedder, mine) == 1
    cache = EmbeddingCache(tmp_path / "embeddings", embedder.model_id)
    assert cache.dimension == 4 and cache.get_many(list(keys))[keys[0]].tolist() == [1.0] * 4
    cache.put_many({keys[0]: np.full(4, 0.5, np.float32)})  # computed here: kept, not replaced
    cache.close()
    assert prefill_cache(embedder, mine) == 1
    cache = EmbeddingCache(tmp_path / "embeddings", embedder.model_id)
    assert cache.get_many(list(keys))[keys[0]].tolist() == [0.5] * 4
    cache.close()
    wider = TrainingVectors(mine.embedding_model_id, mine.kind, keys, np.ones((1, 8), np.float32))
    assert prefill_cache(embedder, wider) == 0  # another dimension: not this model's vectors


def test_the_shipped_model_carries_its_training_texts_vectors(corpus_root: Path) -> None:
    """models/default holds the vectors of the recipe's texts, for its own encoder identity."""
    from ecs_tagger.config import default_model_dir
    from ecs_tagger.model.recipes import SHIPPED_TITLES, corpus_training_frames
    from ecs_tagger.preprocess import Preprocessor, PreprocessSettings

    directory = default_model_dir()
    manifest = read_manifest(directory)
    vectors = model_training_vectors(directory, manifest)
    assert vectors is not None
    assert vectors.embedding_model_id == manifest["embedding_model_id"]
    assert vectors.kind == "passage-chunked" and vectors.dimension == 384
    assert (directory / TRAINING_VECTORS).stat().st_size < 10_000_000
    data, extra = corpus_training_frames(
        corpus_root,
        titles=SHIPPED_TITLES,
        label_files=sorted(manifest["training_data"]["label_files"]),
    )
    texts = pd.concat([data["text"], extra["text"]]).sample(40, random_state=0)
    preprocessor = Preprocessor(PreprocessSettings.from_dict(manifest["settings"]["preprocess"]))
    keys = {text_key(vectors.kind, d.model_text) for d in preprocessor.process_many(list(texts))}
    assert keys <= set(vectors.keys)
