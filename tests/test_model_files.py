from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from ecs_tagger.errors import ModelError
from ecs_tagger.model.classifier import AreaClassifier, AreaFeatures
from ecs_tagger.model.features import LemmaTfidf
from ecs_tagger.model.files import ModelParts, load_model, read_manifest, save_model
from ecs_tagger.model.taxonomy import Taxonomy, default_taxonomy

DOCS = [
    ["biogas", "gödsel", "gård"],
    ["vård", "äldre", "sensor"],
    ["robot", "montering", "industri"],
    ["mat", "livsmedel", "gård"],
    ["turism", "besök"],
    ["solcell", "energi", "batteri"],
] * 6


def _parts(taxonomy: Taxonomy | None = None) -> tuple[ModelParts, AreaFeatures]:
    taxonomy = taxonomy or default_taxonomy()
    rng = np.random.default_rng(1)
    lexical = LemmaTfidf(min_df=1).fit(DOCS)
    features = AreaFeatures(
        rng.normal(size=(len(DOCS), 8)).astype(np.float32), lexical.transform(DOCS)
    )
    Y = np.zeros((len(DOCS), len(taxonomy)), dtype=bool)
    for row, doc in enumerate(DOCS):
        Y[row, 0] = "gård" in doc and "mat" in doc
        Y[row, 1] = "vård" in doc
        Y[row, 2] = "energi" in doc or "biogas" in doc
        Y[row, 3] = "robot" in doc
    classifier = AreaClassifier(inner_folds=2).fit(features, Y)
    return ModelParts(taxonomy, lexical, classifier, {"name": "unit"}), features


def test_round_trip_gives_identical_scores(tmp_path: Path) -> None:
    parts, features = _parts()
    manifest = save_model(parts, tmp_path / "model")
    loaded = load_model(tmp_path / "model")
    assert manifest["model_version"].startswith("unit@")
    assert loaded.lexical.terms_ == parts.lexical.terms_
    relexed = AreaFeatures(features.embeddings, loaded.lexical.transform(DOCS))
    np.testing.assert_array_equal(
        loaded.classifier.predict_proba(relexed), parts.classifier.predict_proba(features)
    )
    np.testing.assert_array_equal(loaded.classifier.thresholds_, parts.classifier.thresholds_)


def test_saving_twice_gives_the_same_version(tmp_path: Path) -> None:
    parts, _ = _parts()
    first = save_model(parts, tmp_path / "a")["model_version"]
    second = save_model(parts, tmp_path / "b")["model_version"]
    assert first == second


def test_model_for_another_taxonomy_is_refused(tmp_path: Path) -> None:
    parts, _ = _parts()
    save_model(parts, tmp_path / "model")
    other = Taxonomy.from_dict({"name": "other", "area": [{"code": "forest", "name_sv": "Skog"}]})
    with pytest.raises(ModelError, match="trained for taxonomy 'ecs-smart-specialisation'"):
        load_model(tmp_path / "model", expected_taxonomy=other)


def test_tampered_arrays_fail_the_checksum(tmp_path: Path) -> None:
    parts, _ = _parts()
    save_model(parts, tmp_path / "model")
    arrays = tmp_path / "model" / "arrays.safetensors"
    data = bytearray(arrays.read_bytes())
    data[-1] ^= 0xFF
    arrays.write_bytes(bytes(data))
    with pytest.raises(ModelError, match="checksum"):
        load_model(tmp_path / "model")


def test_missing_or_foreign_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match=r"manifest\.json is missing"):
        load_model(tmp_path)
    (tmp_path / "manifest.json").write_text(json.dumps({"format_version": 99}), encoding="utf-8")
    with pytest.raises(ModelError, match="format 99"):
        read_manifest(tmp_path)


def test_short_text_head_round_trips(tmp_path: Path) -> None:
    parts, features = _parts()
    lengths = np.array([40, 900] * (len(DOCS) // 2))
    routed = AreaFeatures(features.embeddings, features.lexical, None, lengths)
    Y = parts.classifier.predict(features)
    classifier = AreaClassifier(inner_folds=2, short_text_chars=200).fit(features, Y)
    classifier.fit_short_head(features, ~Y)  # a head that decides differently
    parts = ModelParts(parts.taxonomy, parts.lexical, classifier, {"name": "unit"})
    save_model(parts, tmp_path / "model")
    loaded = load_model(tmp_path / "model").classifier
    assert loaded.short_text_chars == 200 and loaded.short_head_ is not None
    relexed = AreaFeatures(features.embeddings, features.lexical, None, lengths)
    np.testing.assert_array_equal(loaded.predict_proba(relexed), classifier.predict_proba(routed))
    # the short texts are decided differently from what the main head alone says
    main_only = AreaClassifier(inner_folds=2).fit(features, Y)
    assert (
        loaded.predict(relexed)[lengths < 200] != main_only.predict(features)[lengths < 200]
    ).any()
