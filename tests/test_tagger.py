"""The library API end to end on real corpus texts: train, tag, evidence, save/load, errors."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ecs_tagger.embedding.encoder import Embedder, EmbedderSettings
from ecs_tagger.errors import InputError, ModelError, TaxonomyError
from ecs_tagger.results import STATUS_EMPTY, STATUS_NOT_TEXT, STATUS_UNTRAINED_LANGUAGE
from ecs_tagger.tagger import Tagger
from ecs_tagger.taxonomy import Taxonomy
from ecs_tagger.training import TrainSettings

BIOGAS = (
    "Projektet bygger biogasanläggningar på mjölkgårdar. Gödsel rötas till biogas som blir "
    "fordonsbränsle, och rötresten återförs som gödsel till åkrarna."
)
NORWEGIAN = (
    "Prosjektet skal utvikle nye løsninger for fornybar energi i kommunene, og bedriftene får hjelp "
    "til å redusere strømforbruket sitt gjennom rådgivning og kurs."
)


def test_tag_returns_typed_result_with_scores_for_every_area(small_tagger: Tagger) -> None:
    result = small_tagger.tag(BIOGAS)
    assert set(result.scores) == set(small_tagger.codes)
    assert all(0.0 <= s <= 1.0 for s in result.scores.values())
    assert result.language == "sv"
    assert result.model_version == small_tagger.model_version
    assert set(result.areas) <= set(small_tagger.codes)
    thresholds = dict(zip(small_tagger.codes, small_tagger.classifier.thresholds_, strict=True))
    for code in small_tagger.codes:  # a tag is exactly a score at or above its threshold
        assert (code in result.areas) == (result.scores[code] >= round(thresholds[code], 4) - 1e-4)


def test_evidence_points_into_the_text(small_tagger: Tagger) -> None:
    result = small_tagger.tag(BIOGAS, evidence=True)
    assert set(result.evidence) == set(result.areas)
    for evidence in result.evidence.values():
        assert evidence.sentences, "each tag carries supporting sentences"
        for sentence in evidence.sentences:
            assert result.clean_text[sentence.start : sentence.end] == sentence.text
        scores = [s.score for s in evidence.sentences]
        assert scores == sorted(scores, reverse=True)
        assert all(term.weight > 0 for term in evidence.terms)


def test_tag_many_keeps_order_and_marks_untaggable_rows(small_tagger: Tagger) -> None:
    values = [BIOGAS, None, "", 42, float("nan"), NORWEGIAN, BIOGAS]
    results = small_tagger.tag_many(pd.Series(values))
    assert len(results) == len(values)
    assert [r.status for r in results[1:5]] == [
        STATUS_EMPTY,
        STATUS_EMPTY,
        STATUS_NOT_TEXT,
        STATUS_EMPTY,
    ]
    assert all(math.isnan(s) for s in results[3].scores.values())
    assert "int" in results[3].message
    assert results[5].status == STATUS_UNTRAINED_LANGUAGE and results[5].language == "no"
    assert results[0].scores == results[6].scores


def test_save_load_round_trip_gives_identical_scores(small_tagger: Tagger, tmp_path: Path) -> None:
    texts = [BIOGAS, NORWEGIAN, "Robotar i monteringen hos tillverkande företag."]
    before = small_tagger.tag_many(texts)
    small_tagger.save(tmp_path / "model")
    loaded = Tagger.load(tmp_path / "model")
    after = loaded.tag_many(texts)
    assert [r.scores for r in after] == [r.scores for r in before]
    assert [r.areas for r in after] == [r.areas for r in before]
    assert loaded.model_version == small_tagger.model_version != "unsaved"
    assert (tmp_path / "model" / "README.md").read_text(encoding="utf-8").startswith("# small-test")


def test_loading_for_another_taxonomy_fails_clearly(small_tagger: Tagger, tmp_path: Path) -> None:
    small_tagger.save(tmp_path / "model")
    other = Taxonomy.from_dict({"name": "forest", "area": [{"code": "forest", "name_sv": "Skog"}]})
    with pytest.raises(ModelError, match="trained for taxonomy"):
        Tagger.load(tmp_path / "model", taxonomy=other)


def test_loading_with_another_embedding_model_fails_clearly(
    small_tagger: Tagger, tmp_path: Path
) -> None:
    small_tagger.save(tmp_path / "model")
    truncating = Embedder(EmbedderSettings(chunk_long_texts=False))
    loaded = Tagger.load(tmp_path / "model", embedder=truncating)
    with pytest.raises(ModelError, match="trained on embeddings of"):
        loaded.tag(BIOGAS)


def test_training_validates_its_input(small_training_frame: pd.DataFrame) -> None:
    with pytest.raises(InputError, match="no column 'beskrivning'"):
        Tagger.train(small_training_frame, text_col="beskrivning", cross_validation=False)
    bad = small_training_frame.head(3).assign(areas=["food", "tourism", ""])
    with pytest.raises(TaxonomyError, match="'tourism' in training row 1"):
        Tagger.train(bad, cross_validation=False)


def test_cross_validation_reports_metrics(small_training_frame: pd.DataFrame) -> None:
    tagger = Tagger.train(
        small_training_frame,
        settings=TrainSettings(name="cv-test", cv_folds=3, inner_folds=2, min_df=1),
    )
    report = tagger.metrics
    assert report is not None
    assert set(report.areas) == set(tagger.codes)
    assert report.n_documents == len(small_training_frame)
    assert 0.3 < report.macro_f1 <= 1.0  # real signal on a small but real sample
    assert len(tagger.manifest["cross_validation"]["per_fold"]) == 3


def test_training_is_deterministic(
    small_training_frame: pd.DataFrame, small_tagger: Tagger
) -> None:
    again = Tagger.train(
        small_training_frame,
        settings=TrainSettings(name="small-test", inner_folds=3, min_df=1),
        cross_validation=False,
    )
    np.testing.assert_array_equal(
        again.classifier.embedding_coef_, small_tagger.classifier.embedding_coef_
    )
    np.testing.assert_array_equal(again.classifier.thresholds_, small_tagger.classifier.thresholds_)


def test_rows_of_weight_zero_are_scored_but_never_trained_on(
    small_training_frame: pd.DataFrame,
) -> None:
    """Title copies in the shipped recipe: predicted in cross-validation, reported by kind, but no
    part of any fit (not even the vocabulary)."""
    from ecs_tagger.training import TrainSettings

    data = small_training_frame.assign(kind="projektbanken")
    extra = pd.DataFrame(
        {
            "text": [f"Zzqxtitel {i} biogas" for i in range(len(data))],
            "areas": data["areas"].tolist(),
            "group": data["id"].tolist(),
            "evaluate": False,
            "kind": "title",
            "weight": 0.0,
        }
    )
    tagger = Tagger.train(
        data,
        extra=extra,
        settings=TrainSettings(name="w0", inner_folds=3, min_df=1),
    )
    assert not any(term.startswith("zzqx") for term in tagger.lexical.vocabulary_)
    by_kind = tagger.manifest["cross_validation"]["by_kind"]
    assert set(by_kind) == {"projektbanken", "title"}
    assert by_kind["title"]["n_documents"] == len(data)
    assert tagger.manifest["training_data"]["kinds"] == {
        "projektbanken": len(data),
        "title": len(data),
    }
