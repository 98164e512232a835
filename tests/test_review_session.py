"""Review sessions (ecs_tagger.coordinators.review.session) with a real (small) tagger: tagging a registry,
the queue, review status, and retraining on reviews. The fixtures `registry`, `tagged` and
`session` are in conftest.py (the widget tests use them too)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ecs_tagger.coordinators import review
from ecs_tagger.coordinators.corrections.store import CorrectionStore
from ecs_tagger.coordinators.review import ReviewSession, TaggedRegistry
from ecs_tagger.errors import InputError


def test_tag_registry_adds_tags_scores_signals_and_priority(tagged: TaggedRegistry) -> None:
    frame = tagged.frame
    assert len(frame) == 15 and len(tagged.results) == 15
    for code in tagged.codes:
        for prefix in ("score_", "embedding_", "lexical_"):
            assert f"{prefix}{code}" in frame.columns
    ok = frame["p_wrong"].notna()
    assert ok.sum() == 14, "the row without text gets no priority"
    scores = frame.loc[ok, [f"score_{c}" for c in tagged.codes]].to_numpy()
    thresholds = np.array([tagged.thresholds[c] for c in tagged.codes])
    decided = np.array([[c in a for c in tagged.codes] for a in frame.loc[ok, "areas"]])
    expected = review.row_error_probability(review.error_probabilities(scores, thresholds, decided))
    assert frame.loc[ok, "p_wrong"].to_numpy() == pytest.approx(expected, abs=1e-4)
    assert (frame.loc[ok, "priority"] >= frame.loc[ok, "p_wrong"] - 1e-9).all()
    tagged_ids = [i for i, r in tagged.results.items() if r.areas]
    assert tagged_ids, "some rows are tagged"
    markup = tagged.evidence_html(tagged_ids[0])
    for sentence in review.marked_sentences(markup):
        assert sentence in tagged.results[tagged_ids[0]].clean_text


def test_queue_is_ranked_by_priority_and_leaves_out_reviewed_rows(session: ReviewSession) -> None:
    queue = session.queue(None)
    assert len(queue) == 14
    assert queue["priority"].is_monotonic_decreasing
    first = queue["id"].iloc[0]
    session.accept(first, comment="looks right")
    assert first not in session.queue(None)["id"].tolist()
    assert first in session.queue(None, include_reviewed=True)["id"].tolist()
    assert len(session.queue(5)) == 5


def test_review_status_survives_reopening_and_marks_changed_texts(
    session: ReviewSession, tagged: TaggedRegistry
) -> None:
    ids = tagged.frame["id"].tolist()
    session.accept(ids[0])
    session.set_areas(ids[1], ["food", "energy"], comment="both")
    reopened = ReviewSession(tagged, CorrectionStore(session.store.path), reviewer="Bo")
    status = reopened.status().set_index(tagged.frame["id"])
    assert status.loc[ids[0], "review_status"] == review.REVIEW_ACCEPTED
    assert status.loc[ids[1], "review_status"] == review.REVIEW_CORRECTED
    assert status.loc[ids[1], "final_areas"] == ("food", "energy")
    assert status.loc[ids[1], "comment"] == "both" and status.loc[ids[1], "reviewer"] == "Anna"
    assert status.loc[ids[2], "review_status"] == review.REVIEW_NOT_REVIEWED
    assert "2 of 14 tagged rows reviewed: 1 accepted, 1 corrected" in reopened.summary()
    assert reopened.reviewed()["id"].tolist() == [ids[1], ids[0]]
    # The registry's text changes: the review no longer counts, and the row is queued again.
    changed = TaggedRegistry(tagged.frame.copy(), tagged.results, tagged.tagger, tagged.thresholds)
    changed.frame.loc[1, "text"] = "Ett helt annat projekt om bredband."
    stale = ReviewSession(changed, CorrectionStore(session.store.path))
    assert stale.status().loc[1, "review_status"] == review.REVIEW_STALE
    assert stale.status().loc[1, "final_areas"] == tagged.frame.loc[1, "areas"]
    assert ids[1] in stale.queue(None)["id"].tolist()


def test_reviews_need_a_known_id_and_a_reviewer(session: ReviewSession) -> None:
    with pytest.raises(InputError, match="not in this registry"):
        session.accept("TVV-does-not-exist")
    session.reviewer = ""
    with pytest.raises(InputError, match="reviewer"):
        session.accept(session.tagged.frame["id"].iloc[0])


def test_a_review_session_teaches_the_tagger(
    session: ReviewSession, tagged: TaggedRegistry, small_training_frame: pd.DataFrame
) -> None:
    """Reviews recorded through the widgets' API, a retraining without cross-validation, and the
    corrected rows get the reviewers' areas."""
    from ecs_tagger.model.training import TrainSettings

    queue = session.queue(4)["id"].tolist()
    codes = tagged.codes
    wanted: dict[str, tuple[str, ...]] = {}
    for ident in queue:  # the reviewer decides each row's closest call the other way
        row = tagged.row(ident)
        scores = np.array([row[f"score_{c}"] for c in codes])
        thresholds = np.array([tagged.thresholds[c] for c in codes])
        decided = np.array([c in row["areas"] for c in codes])
        closest = codes[int(np.argmax(review.error_probabilities(scores, thresholds, decided)))]
        new = tuple(c for c in codes if (c in row["areas"]) != (c == closest))
        session.set_areas(ident, new, comment="simulated review")
        wanted[ident] = new
    accepted = next(i for i in session.queue(None)["id"] if i not in wanted)
    session.accept(accepted)
    report = session.retrain(
        data=small_training_frame,
        extra=None,
        cross_validation=False,
        before="none",
        settings=TrainSettings(name="small-test", inner_folds=3, min_df=1),
    )
    assert sorted(report.training.added) == sorted([*queue, accepted])
    assert report.after is None and report.before is None
    retagged = review.tag_registry(
        session.tagged.frame[["id", "title", "text", "regions"]], report.tagger, evidence=False
    )
    for ident, areas in wanted.items():
        assert tuple(retagged.row(ident)["areas"]) == areas, ident
    assert report.changed_rows >= sum(
        set(a) != set(tagged.row(i)["areas"]) for i, a in wanted.items()
    )
    assert report.tagger.manifest["reviews"]["added"] == 5


def test_the_summary_speaks_swedish(session: ReviewSession) -> None:
    ident = session.queue(1)["id"].iloc[0]
    session.set_areas(ident, ["food"])
    swedish = session.summary("sv")
    assert swedish.startswith("1 av ") and "taggade rader granskade: " in swedish
    assert " godkända, " in swedish and " rättade" in swedish
    assert "(fil " in swedish and "reviewed" not in swedish
    assert session.summary().startswith("1 of ")
