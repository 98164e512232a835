"""Evidence HTML (ecs_tagger.coordinators.review.render): marked supporting sentences, escaping, untagged rows."""

from __future__ import annotations

import math

from ecs_tagger.coordinators import review
from ecs_tagger.model.results import AreaEvidence, SentenceEvidence, TagResult, TermEvidence
from ecs_tagger.model.taxonomy import default_taxonomy

CODES = ("food", "health", "energy", "industry")


# -- evidence HTML ------------------------------------------------------------------------------------
def _result() -> TagResult:
    text = "Biogas <från> gödsel. Roboten & AI i fabriken. Slut."
    first, second = "Biogas <från> gödsel.", "Roboten & AI i fabriken."
    s1, s2 = text.index(first), text.index(second)
    return TagResult(
        areas=("energy", "industry"),
        scores={"food": 0.2, "health": 0.0, "energy": 0.8, "industry": 0.6},
        language="sv",
        model_version="m",
        evidence={
            "energy": AreaEvidence(
                "energy",
                (
                    SentenceEvidence(first, s1, s1 + len(first), 0.9),
                    SentenceEvidence("Slut.", text.index("Slut."), len(text), 0.1),
                ),
                (TermEvidence("biogas", 1.2),),
            ),
            "industry": AreaEvidence(
                "industry",
                (
                    SentenceEvidence(second, s2, s2 + len(second), 0.7),
                    SentenceEvidence(first, s1, s1 + len(first), 0.6),
                ),
                (TermEvidence("robot", 0.8),),
            ),
        },
        clean_text=text,
    )


def test_evidence_html_marks_supporting_sentences_and_escapes_the_text() -> None:
    markup = review.evidence_html(
        _result(),
        default_taxonomy(),
        title="P1 <b>",
        thresholds=dict(zip(CODES, [0.4] * 4, strict=True)),
    )
    assert "<mark" in markup and "<från>" not in markup and "&lt;från&gt;" in markup
    assert "P1 &lt;b&gt;" in markup
    marked = review.marked_sentences(markup)
    assert marked == ["Biogas <från> gödsel.", "Roboten & AI i fabriken."]
    assert "Slut." not in marked, "a weak further sentence is not marked"
    assert "data-areas='energy industry'" in markup, "a sentence supporting two tags names both"
    assert "key words: <i>biogas</i>" in markup and "tag from 0.40" in markup
    swedish = review.evidence_html(_result(), default_taxonomy(), language="sv")
    assert "Morgondagens energilösningar" in swedish


def test_evidence_html_of_untagged_and_untaggable_rows() -> None:
    empty = TagResult(
        areas=(),
        scores=dict.fromkeys(CODES, math.nan),
        language="",
        model_version="m",
        status="empty",
        message="no text",
    )
    assert "Not tagged" in review.evidence_html(empty, default_taxonomy())
    none = TagResult(
        areas=(),
        scores=dict.fromkeys(CODES, 0.01),
        language="sv",
        model_version="m",
        clean_text="Bredband till byn.",
    )
    markup = review.evidence_html(none, default_taxonomy())
    assert "No area tagged" in markup and "<mark" not in markup.split("pre-wrap")[1]


# -- tables --------------------------------------------------------------------------------------------
def test_scroll_tables_wrap_between_words_and_give_long_columns_room() -> None:
    import pandas as pd

    from ecs_tagger.coordinators.review.render import ScrollTable

    frame = pd.DataFrame(
        {"id": ["TVV-160393"], "title": ["Förstudie inför nya ERUF ÖMS med fokus på " * 3]}
    ).set_index("id")
    table = ScrollTable(frame, language="sv")
    markup = table._repr_html_()
    assert "overflow-wrap: anywhere" not in markup, "no breaks in the middle of words"
    assert "overflow-wrap: break-word" in markup and "word-break: normal" in markup
    assert (
        table.long_columns() == [0] and "td:nth-child(2)" in markup and "min-width: 10em" in markup
    )
    assert "1 rad<" in markup and "rows" not in markup and "rader" not in markup
    assert "tbody th {white-space: nowrap" in markup, "an id stays on one line"
    # ... and is not run over by the next column (JupyterLab lays tables out "fixed")
    assert "table.dataframe {width: 100%; table-layout: auto}" in markup


def test_scroll_tables_break_lines_where_a_cell_has_a_new_line() -> None:
    """The "why" column holds one reason a line: pandas wrote its new lines as a literal "\\n"
    (seen in the live notebook's screenshots)."""
    import pandas as pd

    from ecs_tagger.coordinators.review.render import ScrollTable

    frame = pd.DataFrame({"id": ["A"], "why": ["food tagged: score 0.50;\nfood: words <b>"]})
    markup = ScrollTable(frame.set_index("id"))._repr_html_()
    assert "score 0.50;<br>food: words &lt;b&gt;" in markup
    assert "\\n" not in markup


def test_display_table_in_swedish_names_areas_and_reasons_in_swedish() -> None:
    import pandas as pd

    from ecs_tagger.coordinators.review.queue import ClosestCall, SignalSplit, Uncertainty

    frame = pd.DataFrame(
        {
            "id": ["A"],
            "regions": [("Uppsala",)],
            "title": ["Mejeri"],
            "areas": [("food",)],
            **{f"score_{c}": [0.5 if c == "food" else 0.0] for c in CODES},
            "p_wrong": [0.4],
            "reason": [
                Uncertainty(ClosestCall("food", True, 0.5, 0.49), SignalSplit("food", 0.2, 0.9))
            ],
            "review_status": ["corrected"],
            "final_areas": [("food", "energy")],
            "comment": ["ok"],
        }
    )
    table = review.display_table(frame, CODES, language="sv")
    assert list(table.columns[:3]) == ["län", "titel", "taggar"]
    assert {"livsmedel", "hälsa", "energi", "industri", "varför"} <= set(table.columns)
    row = table.loc["A"]
    assert row["taggar"] == "livsmedel" and row["områden efter granskning"] == "livsmedel, energi"
    assert row["varför"] == (
        "livsmedel taggad: poäng 0,50, tröskel 0,49;\nlivsmedel: betydelsen säger 0,20, "
        "orden säger 0,90"
    ), "Swedish numbers, one part of the reason a line"
    assert (
        row["livsmedel"] == "0,50" and row["hälsa"] == "0,00" and row["risk för fel"] == "40\u00a0%"
    )
    english = review.display_table(frame, CODES)
    assert english.loc["A", "why"] == str(frame.loc[0, "reason"]).replace("; ", ";\n")
    assert "food" in english.columns and english.loc["A", "chance wrong"] == "40%"
    assert english.loc["A", "health"] == "0.00", "two decimals, never 0.0"
