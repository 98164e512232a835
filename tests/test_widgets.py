"""The notebook widgets (ecs_tagger.coordinators.widgets): the review panel's buttons record reviews, and the
similar initiatives as HTML."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ecs_tagger.coordinators import review
from ecs_tagger.coordinators.review import ReviewSession
from ecs_tagger.model.taxonomy import default_taxonomy
from ecs_tagger.regional.similarity import Hit, Hits, MatchReason, Query

CODES = ("food", "health", "energy", "industry")


def test_review_panel_buttons_record_reviews(session: ReviewSession) -> None:
    pytest.importorskip("ipywidgets")
    from ecs_tagger.coordinators.widgets import RegistryBrowser, ReviewPanel

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


def _biogas_hits(reason: MatchReason) -> Hits:
    """One hit (a biogas project in Skåne) for a query project in Örebro, with `reason`."""
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
    return Hits([hit], Query("TVV-1", "text", ("Örebro",)), CODES)


def test_similar_initiatives_html_names_the_reason_and_escapes() -> None:
    from ecs_tagger.coordinators.widgets import similar_html, similar_table

    reason = MatchReason("Vi bygger <biogas>.", "Biogas & gödsel.", 0.87, ("biogas", "gödsel"))
    hits = _biogas_hits(reason)
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


def test_widgets_show_whole_labels_titles_and_a_busy_search(session: ReviewSession) -> None:
    pytest.importorskip("ipywidgets")
    from ecs_tagger.coordinators.widgets import RegistryBrowser, ReviewPanel

    panel = ReviewPanel(session, queue_size=4)
    assert panel.save_button.layout.width == "auto", "'Save ticked areas' is not cut off"
    browser = RegistryBrowser(session)
    label, ident = browser.row.options[0]
    title = session.tagged.row(ident)["title"]
    assert label.startswith(f"{ident} — ") and title[:20] in label, "the dropdown shows titles"


def test_scroll_table_shows_every_row_wrapped() -> None:
    import pandas as pd

    from ecs_tagger.coordinators.review.render import ScrollTable

    frame = pd.DataFrame({"comment": [f"a long comment {i} " * 20 for i in range(120)]})
    markup = ScrollTable(frame)._repr_html_()
    assert markup.count("</tr>") == 121 and "..." not in markup
    assert "overflow: auto" in markup and "white-space: pre-line" in markup
    assert "table.dataframe {width: 100%; table-layout: auto}" in markup, (
        "as wide as the page; wider (scrolling sideways) only where columns cannot wrap, never "
        "one column running over the next"
    )


def test_similar_browser_says_searching_and_suggests_actors_without_a_traceback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pytest.importorskip("ipywidgets")
    from ecs_tagger.coordinators.widgets import SimilarBrowser, similar_actors_view
    from similarity_support import synthetic_index

    index = synthetic_index(
        regions=[["Örebro"], ["Uppsala"], ["Örebro"], ["Gävleborg"]],
        areas=[["food"], ["food"], ["energy"], []],
        actors=[
            "Regionförbundet Örebro län",
            "Region Uppsala",
            "Örebro läns landsting",
            "Region Gävleborg",
        ],
    )
    seen: list[tuple[bool, str]] = []

    def search(self: SimilarBrowser) -> pd.DataFrame:
        seen.append((self.button.disabled, self.button.description))
        return pd.DataFrame()

    monkeypatch.setattr(SimilarBrowser, "search", search)
    browser = SimilarBrowser(index, project=str(index.rows["id"].iloc[0]))
    seen.clear()
    browser.mode.value = "actor"
    browser.actor.value = "Regionförbundet Örebro län"
    browser.refresh()
    assert seen == [(True, "searching…")], "the button is disabled and says so while busy"
    assert not browser.button.disabled and browser.button.description == "Find"
    browser.actor.value = "Region Örebro län"
    browser.refresh()
    assert (
        "Did you mean" in browser.result.value
        and "Regionförbundet Örebro län" in browser.result.value
    )
    view = similar_actors_view(index, "Region Örebro län")
    assert "Did you mean" in view.data and "Traceback" not in view.data


def test_language_sv_makes_the_widgets_evidence_tables_and_pictures_swedish(
    session: ReviewSession,
) -> None:
    pytest.importorskip("ipywidgets")
    pytest.importorskip("matplotlib")
    from ecs_tagger.coordinators import plots
    from ecs_tagger.coordinators.widgets import RegistryBrowser, ReviewPanel

    panel = ReviewPanel(session, queue_size=4, language="sv")
    assert panel.accept_button.description == "Taggarna stämmer"
    assert panel.save_button.description == "Spara ikryssade områden"
    assert "poäng" in panel.evidence.value or "Inget område taggat" in panel.evidence.value
    assert " av 4" in panel.header.value
    browser = RegistryBrowser(session, language="sv")
    assert browser.region.description == "Län" and "rader" in browser.count.value
    table = review.display_table(session.tagged.frame, session.tagged.codes, language="sv")
    assert {"län", "titel", "taggar", "risk för fel"} <= set(table.columns)
    figure = plots.region_area_heatmap(session.reviewed_frame(), CODES, language="sv")
    assert "lokaliseringskvot" in figure.axes[0].get_title()
    hist = plots.score_histograms(session.tagged, language="sv")
    assert "taggade" in hist.axes[0].get_title() and hist.axes[0].get_xlabel() == "poäng"
    empty = plots.correction_confusion([], CODES, language="sv")
    assert any("Inga granskningar" in t.get_text() for ax in empty.axes for t in ax.texts)


#: Words of the English interface that a coordinator must not see when LANGUAGE = "sv".
ENGLISH_UI = (
    "Tags are right",
    "Save ticked",
    "Evidence of",
    "Reviewer",
    "your name",
    "comment (optional)",
    "tagged rows reviewed",
    "chance wrong",
    "chance of a wrong tag",
    "review status",
    "final areas",
    "meaning says",
    "words say",
    "threshold",
    "not tagged",
    "key words",
    "all regions",
    "uncertain only",
    "Similar to",
    "How many",
    "only other regions",
    "initiatives most like",
    "Why: ",
    "Shared key words",
    "closest sentences",
    "similarity",
    "specialisation",
    "share of projects",
    "number of projects",
    "Regions ×",
    "Scores per area",
    "reviewer says",
    "tagger said",
    "Grey hatched",
    " rows<",
    " rows (",
)


def _widget_texts(widget: object) -> list[str]:
    """Every text a widget tree shows: descriptions, placeholders, values, option labels."""
    texts: list[str] = []
    for name in ("description", "placeholder", "tooltip", "value"):
        value = getattr(widget, name, None)
        if isinstance(value, str):
            texts.append(value)
    for option in getattr(widget, "options", ()) or ():
        texts.append(option[0] if isinstance(option, tuple) else str(option))
    for child in getattr(widget, "children", ()):
        texts.extend(_widget_texts(child))
    return texts


def _figure_texts(figure: object) -> list[str]:
    from matplotlib.text import Text

    return [t.get_text() for t in figure.findobj(Text)]  # type: ignore[attr-defined]


def test_nothing_english_shows_in_swedish(
    session: ReviewSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Widgets, tables, the table behind the browser, pictures and the session summary in
    Swedish hold none of the English interface's words (the rows' own texts aside: only the
    header of the evidence, not the project text, is looked at)."""
    pytest.importorskip("ipywidgets")
    pytest.importorskip("matplotlib")
    from ecs_tagger.coordinators import plots
    from ecs_tagger.coordinators.review.render import ScrollTable
    from ecs_tagger.coordinators.widgets import (
        RegistryBrowser,
        ReviewPanel,
        SimilarBrowser,
        similar_table,
    )
    from similarity_support import synthetic_index

    ids = session.queue(3)["id"].tolist()
    session.set_areas(ids[0], ["food"], comment="")
    session.accept(ids[1])
    panel = ReviewPanel(session, queue_size=4, language="sv")
    browser = RegistryBrowser(session, language="sv")
    shown = _widget_texts(panel.widget) + _widget_texts(browser.widget)
    shown = [text.split("pre-wrap")[0] for text in shown]  # the evidence header, not the text
    shown.append(session.summary("sv"))
    table = review.display_table(session.reviewed(), session.tagged.codes, language="sv")
    shown.append(ScrollTable(table, language="sv")._repr_html_().split("<tbody>")[0])
    shown.extend(str(v) for v in table.iloc[:, 7:].to_numpy().ravel())
    names = review.area_names(session.tagged.taxonomy, "sv")
    for figure in (
        plots.region_area_heatmap(
            session.reviewed_frame(), CODES, area_labels=names, language="sv"
        ),
        plots.score_histograms(session.tagged, language="sv"),
        plots.correction_confusion(session.reviews(), CODES, area_labels=names, language="sv"),
    ):
        shown.extend(_figure_texts(figure))
    from ecs_tagger.coordinators.widgets import similar_html

    hits = _biogas_hits(MatchReason("Vi bygger biogas.", "Biogas av gödsel.", 0.87, ("biogas",)))
    shown.append(similar_html(hits, session.tagged.taxonomy, language="sv"))
    found_table = similar_table(hits, language="sv")
    shown.append(" ".join([str(found_table.index.name), *found_table.columns]))
    shown.append(str(found_table.iloc[0].to_dict()))
    index = synthetic_index(regions=[["Örebro"], ["Uppsala"]], areas=[["food"], []])
    monkeypatch.setattr(SimilarBrowser, "search", lambda self: hits)
    shown.extend(_widget_texts(SimilarBrowser(index, language="sv").widget))
    text = "\n".join(shown)
    found = [word for word in ENGLISH_UI if word in text]
    assert not found, f"English in the Swedish interface: {found}"
    assert {"livsmedel", "energi"} <= set(table.columns) and "food" not in table.columns


# -- issue 18: words, numbers, cut-off labels, the actor search, the export button ---------------
def test_a_saved_review_says_corrected_with_area_names_and_chances_in_percent(
    session: ReviewSession,
) -> None:
    pytest.importorskip("ipywidgets")
    from ecs_tagger.coordinators.widgets import RegistryBrowser, ReviewPanel

    panel = ReviewPanel(session, queue_size=2)
    ident = panel.current
    assert ident is not None
    row = session.tagged.row(ident)
    assert f"chance of a wrong tag {round(100 * row['p_wrong'])}%" in panel.header.value
    for code, box in panel.checkboxes.items():
        box.value = code in ("food", "industry")
    changed = set(row["areas"]) != {"food", "industry"}
    panel.save_button.click()
    message = panel.message.value
    assert f"Saved {ident}: Sustainable food supply, Smart industry (" in message
    assert "(corrected)." in message if changed else "(accepted)." in message
    assert "(correct)" not in message and "food, industry" not in message
    panel.go(0)
    assert "reviewed before by Anna (corrected)" in panel.header.value or not changed
    swedish = ReviewPanel(session, ids=[ident], language="sv")
    assert "(rättad)" in swedish.header.value or not changed
    assert f"{round(100 * row['p_wrong'])}\u00a0%" in swedish.header.value
    browser = RegistryBrowser(session)
    assert browser.uncertain.description == "uncertain only (≥ 20% chance of a wrong tag)"
    assert browser.uncertain.layout.width == "auto", "the whole label shows"


def test_review_tables_write_scores_with_two_decimals_and_chances_in_percent(
    session: ReviewSession,
) -> None:
    table = review.display_table(session.tagged.frame, session.tagged.codes)
    scores = table[list(CODES)].stack()
    assert scores.str.fullmatch(r"\d\.\d\d|–").all(), "two decimals everywhere: 0.00, never 0.0"
    assert table["chance wrong"].str.fullmatch(r"\d{1,3}%|–").all()
    swedish = review.display_table(session.tagged.frame, session.tagged.codes, language="sv")
    assert swedish[["livsmedel", "energi"]].stack().str.fullmatch(r"\d,\d\d|–").all()
    assert swedish["risk för fel"].str.fullmatch(r"\d{1,3}\u00a0%|–").all()
    assert "." not in "".join(swedish["varför"]), "Swedish reasons write 0,52"


def test_only_other_regions_is_off_for_a_free_text_and_back_for_a_project(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pytest.importorskip("ipywidgets")
    from ecs_tagger.coordinators.widgets import SimilarBrowser
    from similarity_support import synthetic_index

    index = synthetic_index(regions=[["Örebro"], ["Uppsala"], ["Gotland"]], areas=[[], [], []])
    monkeypatch.setattr(SimilarBrowser, "search", lambda self: pd.DataFrame())
    browser = SimilarBrowser(index, project="P0")
    assert browser.other_regions.value and not browser.other_regions.disabled
    browser.project.value = "biogas from manure on dairy farms"
    assert browser.other_regions.disabled and not browser.other_regions.value
    browser.project.value = "P1"
    assert not browser.other_regions.disabled and browser.other_regions.value
    browser.other_regions.value = False
    browser.project.value = "another free text"
    browser.project.value = "P2"
    assert not browser.other_regions.value, "the coordinator's own choice comes back"
    assert browser.button.layout.min_width == "11em", "'searching…' is not cut off"


def test_the_actor_search_finds_part_of_a_name_and_explains_an_empty_answer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pytest.importorskip("ipywidgets")
    from ecs_tagger.coordinators.widgets import SimilarBrowser, similar_actors_view
    from ecs_tagger.coordinators.widgets import similar as widgets
    from ecs_tagger.index.actor_names import actor_key
    from ecs_tagger.regional.similarity import similar
    from similarity_support import synthetic_index

    # the project search the browser starts with, unexplained (a synthetic index has no texts)
    monkeypatch.setattr(widgets, "similar", lambda *a, **k: similar(*a, **k, explain=False))

    index = synthetic_index(
        regions=[["Örebro"], ["Uppsala"], ["Örebro"], ["Gävleborg"]],
        areas=[["food"], ["food"], ["energy"], []],
        vectors=np.eye(8, dtype=np.float32)[:4],
        actors=["Örebro kommun", "Regionförbundet Uppsala län", "Örebro universitet", "LRF Gävle"],
    )
    index.rows["actor_key"] = [actor_key(a) for a in index.rows["actor"]]
    browser = SimilarBrowser(index)
    browser.mode.value = "actor"
    browser.actor.value = "Regionförbundet Uppsala län"  # the name the notebook suggests
    browser.refresh()
    shown = browser.result.value
    assert "Actors most like «Regionförbundet Uppsala län»: none." in shown
    assert "None of the 3 other actors compared reaches the minimum similarity 0.10" in shown
    assert "the closest, «" in shown and "0 rows" not in shown
    assert "Show the nearest anyway (3, marked weak)" in shown and "<details open>" not in shown
    browser.show_weak.value = True  # shown again, opened, without searching again
    assert "<details open>" in browser.result.value
    browser.show_weak.value = False
    browser.actor.value = "Örebro"  # part of a name
    browser.refresh()
    shown = browser.result.value
    assert "«Örebro» names 2 actors" in shown and "type part of the name" not in shown
    assert "Örebro kommun" in shown and "Örebro universitet" in shown
    view = similar_actors_view(index, "Regionförbundet Upp", language="sv")
    assert "Aktörer som mest liknar «Regionförbundet Uppsala län»: inga." in view.data
    assert "0,10" in view.data, "Swedish writes 0,10"


def test_the_export_button_writes_a_new_file_with_the_reviews_at_each_click(
    session: ReviewSession, tmp_path: Path
) -> None:
    pytest.importorskip("ipywidgets")
    pytest.importorskip("openpyxl")
    from ecs_tagger.coordinators.widgets import ExportButton

    report: object = None
    button = ExportButton(session, tmp_path, "registry", retrained=lambda: report)
    assert not list(tmp_path.iterdir()), "nothing is written until the coordinator asks"
    assert "Nothing exported yet" in button.message.value
    ident = session.queue(1)["id"].iloc[0]
    session.set_areas(ident, ["food"], comment="after the notebook ran")
    button.button.click()
    first = button.written[-1]
    log = pd.read_excel(first, sheet_name="Review log")
    assert ident in set(log["ID"].astype(str)), "the reviews saved before the click are in"
    assert "1 reviewed row; tags from model" in button.message.value
    button.button.click()
    assert len(set(button.written)) == 2 and first.exists(), "a new file, the first one kept"
    button.use_retrained.value = True
    assert button.export() is None and "No retrained tagger yet" in button.message.value
