"""The notebook widgets (ecs_tagger.widgets): the review panel's buttons record reviews, and the
similar initiatives as HTML."""

from __future__ import annotations

import pytest

from ecs_tagger import review
from ecs_tagger.review import ReviewSession
from ecs_tagger.taxonomy import default_taxonomy

CODES = ("food", "health", "energy", "industry")


def test_review_panel_buttons_record_reviews(session: ReviewSession) -> None:
    pytest.importorskip("ipywidgets")
    from ecs_tagger.widgets import RegistryBrowser, ReviewPanel

    panel = ReviewPanel(session, queue_size=4)
    assert panel.ids == session.queue(4)["id"].tolist()
    first = panel.current
    assert first is not None
    assert "<mark" in panel.evidence.value or "No area tagged" in panel.evidence.value
    panel.comment.value = "fine"
    panel.accept_button.click()
    second = panel.current
    assert second is not None and second != first and panel.position == 1
    for code, box in panel.checkboxes.items():
        box.value = code in ("health", "industry")
    panel.save_button.click()
    reviews = session.reviews()
    assert reviews[first].action == "accept" and reviews[first].comment == "fine"
    assert reviews[second].new_areas == ("health", "industry")
    panel.back_button.click()
    assert panel.current == second
    assert [c for c, b in panel.checkboxes.items() if b.value] == ["health", "industry"]
    panel.reviewer.value = ""
    assert not panel.accept_current()
    assert "reviewer" in panel.message.value
    panel.reviewer.value = "Anna"
    panel.go(len(panel.ids))
    assert "Queue done" in panel.header.value and panel.save_button.disabled

    browser = RegistryBrowser(session)
    assert len(browser.filtered()) == 15
    browser.status.value = review.REVIEW_CORRECTED
    assert browser.filtered()["id"].tolist() == [second]
    assert browser.row.value == second
    assert second in browser.evidence.value, "the evidence of the row chosen is shown"
    browser.status.value = ""
    browser.uncertain.value = True
    assert (browser.filtered()["p_wrong"] >= review.UNCERTAIN_P).all()


def test_similar_initiatives_html_names_the_reason_and_escapes() -> None:
    from ecs_tagger.similarity import Hit, Hits, MatchReason, Query
    from ecs_tagger.widgets import similar_html, similar_table

    reason = MatchReason("Vi bygger <biogas>.", "Biogas & gödsel.", 0.87, ("biogas", "gödsel"))
    hit = Hit(
        rank=1,
        id="TVV-2",
        similarity=0.61,
        title="Biogas i Skåne",
        regions=("Skåne",),
        actor="LRF",
        funding=1.0,
        areas=("energy",),
        scores=dict.fromkeys(CODES, 0.1),
        reason=reason,
    )
    hits = Hits([hit], Query("TVV-1", "text", ("Örebro",)), CODES)
    markup = similar_html(hits, default_taxonomy())
    assert "project <b>TVV-1</b> in Örebro" in markup
    assert (
        "&lt;biogas&gt;" in markup and "<biogas>" not in markup and "Biogas &amp; gödsel." in markup
    )
    assert "Energy solutions of tomorrow" in markup and "similarity 0.61" in markup
    assert "Shared key words: </span><i>biogas, gödsel</i>" in markup
    table = similar_table(hits)
    assert table.loc[1, "closest sentences"] == "«Vi bygger <biogas>.» ≈ «Biogas & gödsel.»"
    assert similar_table(Hits([], hits.query, CODES)).empty
