"""Folding reviews into training data and the retrain report (ecs_tagger.coordinators.corrections.retrain)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ecs_tagger.coordinators.corrections import retrain as corr
from ecs_tagger.coordinators.corrections.retrain import RetrainReport, apply_corrections
from ecs_tagger.coordinators.corrections.store import Correction, text_hash
from ecs_tagger.model.metrics import multilabel_report


# -- folding reviews into training data -----------------------------------------------------------
def _training() -> tuple[pd.DataFrame, pd.DataFrame]:
    data = pd.DataFrame(
        {
            "id": ["T1", "T2", "S1"],
            "text": ["t one", "t two", "s one"],
            "areas": [["food"], [], ["health"]],
            "group": ["T1", "T2", "S1"],
            "evaluate": True,
        }
    )
    extra = pd.DataFrame(
        {
            "id": ["S1#en"],
            "text": ["s one in English"],
            "areas": [["health"]],
            "group": ["S1"],
            "evaluate": False,
        }
    )
    return data, extra


def _review(ident: str, new: list[str], text: str = "", old: list[str] | None = None) -> Correction:
    return Correction(
        id=ident,
        text_hash=text_hash(text) if text else "",
        old_areas=tuple(old or []),
        new_areas=tuple(new),
        reviewer="Anna",
        time="2026-01-01T00:00:00Z",
    )


def test_reviews_of_training_ids_replace_their_labels_and_their_translations() -> None:
    data, extra = _training()
    folded = apply_corrections(data, extra, [_review("S1", ["industry"])], {}, weight=2.0)
    assert folded.replaced == ["S1"] and not folded.added
    assert folded.data.set_index("id").loc["S1", "areas"] == ["industry"]
    assert folded.extra.set_index("id").loc["S1#en", "areas"] == ["industry"]
    assert folded.data.set_index("id").loc["S1", "weight"] == 2.0
    assert folded.data.set_index("id").loc["T1", "weight"] == 1.0
    assert data.set_index("id").loc["S1", "areas"] == ["health"], "the input is not changed"
    assert len(folded.data) == 3 and len(folded.extra) == 1


def test_other_reviews_become_weighted_extra_rows_never_scored() -> None:
    data, extra = _training()
    texts = {"R1": "registry one", "R2": "registry two", "R3": "registry three"}
    reviews = {
        "R1": _review("R1", ["energy"], text="registry one"),
        "R2": _review("R2", [], text="an older text"),  # the text changed since the review
        "R4": _review("R4", ["food"], text="not loaded"),  # not in the registry loaded
        "R3": _review("R3", ["food"], text="registry three", old=["food"]),  # accepted
    }
    folded = apply_corrections(data, extra, reviews, texts, weight=3.0)
    assert folded.added == ["R1", "R3"]
    assert set(folded.skipped) == {"R2", "R4"}
    added = folded.extra.set_index("id").loc[["R1", "R3"]]
    assert added["weight"].tolist() == [3.0, 3.0]
    assert not added["evaluate"].any()
    assert added["group"].tolist() == ["R1", "R3"]
    assert added["text"].tolist() == ["registry one", "registry three"]
    assert folded.used == 2
    without = apply_corrections(data, extra, reviews, texts, include_accepted=False)
    assert without.added == ["R1"]


def test_stored_metrics_are_matched_by_the_training_data_hash(corpus_root: Path) -> None:
    from ecs_tagger.corpus import label_file_digests
    from ecs_tagger.model.recipes import SHIPPED_TITLES, corpus_training_frames
    from ecs_tagger.tagger import Tagger

    tagger = Tagger.load()
    learned = tagger.manifest["training_data"]["label_files"]
    assert learned == label_file_digests(corpus_root, learned), "the recorded files are unchanged"
    data, extra = corpus_training_frames(corpus_root, titles=SHIPPED_TITLES, label_files=learned)
    assert corr.training_hash(data, extra) == tagger.manifest["training_data"]["sha256"]
    assert corr.training_hash(data, None) != tagger.manifest["training_data"]["sha256"]
    settings = corr.settings_of(tagger)
    assert settings.name == tagger.manifest["settings"]["name"]
    assert settings.embedder.model == tagger.manifest["settings"]["embedder"]["model"]


def test_retrain_report_puts_metrics_side_by_side() -> None:
    codes = ("food", "energy")
    truth = np.array([[1, 0], [0, 1], [1, 1], [0, 0]], dtype=bool)
    before = multilabel_report(codes, truth, np.array([[1, 0], [0, 0], [0, 1], [0, 0]], dtype=bool))
    after = multilabel_report(codes, truth, truth)
    report = RetrainReport(
        tagger=None,  # type: ignore[arg-type]
        training=corr.CorrectedTraining(pd.DataFrame(), pd.DataFrame(), added=["A"], replaced=[]),
        before=before,
        after=after,
        before_source="stored",
        registry_rows=4,
        changes=pd.DataFrame(
            {"id": ["A"], "before": [""], "after": ["food"], "added": [("food",)], "removed": [()]}
        ),
    )
    frame = report.metrics_frame()
    assert list(frame.index) == ["food", "energy", "macro", "micro"]
    assert frame.loc["macro", "f1 after"] == 1.0
    assert frame.loc["macro", "f1 change"] == pytest.approx(1.0 - before.macro_f1)
    assert report.changed_rows == 1 and report.changed_tags == 1
    assert "1 of 4 rows changed" in report.summary()
    assert "<table" in report._repr_html_()


def test_retraining_tells_the_progress_bar_how_many_texts_it_reads(
    small_tagger: object, small_training_frame: pd.DataFrame
) -> None:
    from ecs_tagger.model.training import TrainSettings

    class Bar:
        def __init__(self) -> None:
            self.total: int | None = None
            self.done = 0
            self.done_when_told = -1

        def set_total(self, total: int) -> None:
            self.total, self.done_when_told = total, self.done

        def __call__(self, n: int) -> None:
            self.done += n

    text = "Ett mejeri förädlar mjölk från gårdar i länet till ost."
    bar = Bar()
    report = corr.retrain_with_corrections(
        small_tagger,  # type: ignore[arg-type]
        [_review("R1", ["food"], text=text)],
        {"R1": text},
        data=small_training_frame,
        extra=None,
        cross_validation=False,
        before="none",
        settings=TrainSettings(name="small-test", inner_folds=3, min_df=1),
        progress=bar,
    )
    assert report.training.added == ["R1"]
    assert bar.done_when_told == 0, "the total is told before any text is read"
    assert bar.total == len(small_training_frame) + 1 == bar.done, "the bar ends at n/n"


# -- how long a retraining takes (issue 18) ---------------------------------------------------------
def test_the_retraining_estimate_counts_the_texts_already_in_the_embedding_cache(
    tmp_path: Path,
) -> None:
    """The first retraining took 686 s where the notebook promised "a few minutes"; the
    estimate counts the training texts whose vectors are cached and says how long it will be."""
    from types import SimpleNamespace

    from ecs_tagger.coordinators.corrections.retrain import (
        CACHED_SECONDS,
        SECONDS_PER_TEXT,
        RetrainEstimate,
        cached_share,
        estimate_retraining,
    )
    from ecs_tagger.embedding.cache import EmbeddingCache, text_key
    from ecs_tagger.embedding.encoder import Embedder, EmbedderSettings
    from ecs_tagger.preprocess import Preprocessor

    (tmp_path / "model").mkdir()  # a model folder: its identity needs no weights
    embedder = Embedder(EmbedderSettings(model=str(tmp_path / "model")), cache_directory=tmp_path)
    tagger = SimpleNamespace(
        embedder=embedder, preprocessor=Preprocessor(), training_vectors=lambda: None
    )
    texts = ["Biogas på gården.", "Vård i hemmet.", "Robotar i industrin.", "Mejeri och ost."]
    cache = EmbeddingCache(tmp_path / "embeddings", embedder.model_id, dimension=4)
    pre = tagger.preprocessor
    cache.put_many(
        {
            text_key("passage-chunked", pre.model_text(pre.clean(t))): np.ones(4, np.float32)
            for t in texts[:2]
        }
    )
    cache.close()
    assert cached_share(tagger, texts) == 0.5  # type: ignore[arg-type]
    data = pd.DataFrame({"id": ["a", "b", "c", "d"], "text": texts, "areas": [[]] * 4})
    estimate = estimate_retraining(
        tagger,  # type: ignore[arg-type]
        [],
        {},
        data=data,
        cross_validation=False,
    )
    assert (estimate.texts, estimate.cached, estimate.to_read) == (4, 2, 2)
    assert estimate.seconds == pytest.approx(CACHED_SECONDS + 2 * SECONDS_PER_TEXT)
    assert "Retraining reads 4 training texts; 2 of them are already" in estimate.words()
    with_cv = estimate_retraining(tagger, [], {}, data=data)  # type: ignore[arg-type]
    assert with_cv.seconds > estimate.seconds
    first = RetrainEstimate(texts=8283, cached=0, seconds=686.0, cross_validation=False)
    words = first.words()
    assert "about 11\u00a0min" in words and "The first retraining on a machine" in words
    assert "Omträningen läser 8\u00a0283 träningstexter" in first.words("sv")
    assert pytest.approx(686.0) == SECONDS_PER_TEXT * 8283 + CACHED_SECONDS


def test_the_estimate_counts_the_vectors_saved_with_the_model_as_read(tmp_path: Path) -> None:
    """A fresh machine whose model carries its training texts' vectors: the retraining copies
    them into the cache first, so the estimate is that of a later retraining (issue 18)."""
    from types import SimpleNamespace

    from ecs_tagger.coordinators.corrections.retrain import (
        CACHED_SECONDS,
        SECONDS_PER_TEXT,
        cached_share,
        estimate_retraining,
    )
    from ecs_tagger.embedding.cache import text_key
    from ecs_tagger.embedding.encoder import Embedder, EmbedderSettings
    from ecs_tagger.model.vectors import TrainingVectors
    from ecs_tagger.preprocess import Preprocessor

    (tmp_path / "model").mkdir()  # a model folder: its identity needs no weights
    embedder = Embedder(EmbedderSettings(model=str(tmp_path / "model")), cache_directory=tmp_path)
    pre = Preprocessor()
    texts = ["Biogas på gården.", "Vård i hemmet.", "Robotar i industrin.", "Mejeri och ost."]
    keys = tuple(text_key(embedder.document_kind, pre.model_text(pre.clean(t))) for t in texts)

    def tagger_with(vectors: TrainingVectors) -> SimpleNamespace:
        return SimpleNamespace(
            embedder=embedder, preprocessor=pre, training_vectors=lambda: vectors
        )

    mine = TrainingVectors(
        embedder.model_id, embedder.document_kind, keys[:3], np.ones((3, 4), np.float32)
    )
    assert cached_share(tagger_with(mine), texts) == 0.75  # type: ignore[arg-type]
    data = pd.DataFrame({"id": ["a", "b", "c", "d"], "text": texts, "areas": [[]] * 4})
    estimate = estimate_retraining(
        tagger_with(mine),  # type: ignore[arg-type]
        [],
        {},
        data=data,
        cross_validation=False,
    )
    assert (estimate.cached, estimate.to_read) == (3, 1)
    assert estimate.seconds == pytest.approx(CACHED_SECONDS + SECONDS_PER_TEXT)
    assert "saved with the model" in estimate.words()
    assert "sparade med modellen" in estimate.words("sv")
    other = TrainingVectors("another:chunked", mine.kind, mine.keys, mine.vectors)
    assert cached_share(tagger_with(other), texts) == 0.0  # type: ignore[arg-type]
