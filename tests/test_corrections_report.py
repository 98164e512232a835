"""The retraining report for people (ecs_tagger.coordinators.corrections.report), in English and Swedish."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ecs_tagger.coordinators.corrections.report import RetrainReport
from ecs_tagger.coordinators.corrections.retrain import CorrectedTraining
from ecs_tagger.model.metrics import multilabel_report
from ecs_tagger.model.taxonomy import default_taxonomy

#: English words of the report that a Swedish reader must not see.
ENGLISH = (
    "Retrained with",
    "reviewed rows",
    "training data",
    "Tags in the registry",
    "rows changed",
    "Agreement with",
    "before",
    "after",
    "chance",
    "How well",
    "Rows whose tags changed",
    "right among",
    "found among",
    "balance",
    "labelled texts",
    "all areas",
    "all tags",
    "left out",
    "food",
    "energy",
    ">area<",
)


def _report() -> RetrainReport:
    codes = ("food", "energy")
    truth = np.array([[1, 0], [0, 1], [1, 1], [0, 0]] * 10, dtype=bool)
    guess = np.array([[1, 0], [0, 0], [0, 1], [0, 0]] * 10, dtype=bool)
    return RetrainReport(
        tagger=None,  # type: ignore[arg-type]
        training=CorrectedTraining(
            pd.DataFrame(),
            pd.DataFrame(),
            added=["A"],
            replaced=[],
            skipped={"B": "the text changed since it was reviewed"},
        ),
        before=multilabel_report(codes, truth, guess),
        after=multilabel_report(codes, truth, truth),
        before_source="cross-validated when the model was trained",
        registry_rows=4,
        changes=pd.DataFrame(
            {"id": ["A"], "before": [""], "after": ["food"], "added": [("food",)], "removed": [()]}
        ),
        taxonomy=default_taxonomy(),
    )


def test_the_report_speaks_swedish_when_asked() -> None:
    report = _report()
    english = report.to_html()
    assert "Retrained with 1 reviewed row in 0\u00a0s: 1 row added" in english
    assert "Rows whose tags changed (1)" in english
    assert report._repr_html_() == english
    swedish = report.to_html("sv")
    assert "Omtränad med 1 granskad rad" in swedish and "Rader vars taggar ändrats (1)" in swedish
    assert "korsvaliderat när modellen tränades" in swedish
    assert "texten har ändrats sedan granskningen" in swedish
    assert "Hållbar livsmedelsförsörjning" in swedish and "balans (F1) efter" in swedish
    found = [word for word in ENGLISH if word in swedish]
    assert not found, f"English in the Swedish report: {found}"
    table = report.metrics_table("sv")
    assert table.index.name == "område" and "alla områden (medel)" in table.index


def test_counts_of_labelled_texts_show_as_whole_numbers() -> None:
    table = _report().metrics_table()
    counts = table[table.columns[-2]]  # labelled texts with the area, before the F1 change
    assert counts.tolist() == ["20", "20", "–", "–"], "no <NA> for the averages"
    markup = _report().to_html()
    assert ">20<" in markup and ">20.0<" not in markup


def test_the_report_names_areas_counts_right_and_writes_numbers_by_language() -> None:
    """Issue 18: `<NA>` in the averages' count, area codes, "(1 single tags added or removed)"."""
    report = _report()
    for language in ("en", "sv"):
        markup = report.to_html(language)
        assert "&lt;NA&gt;" not in markup and "<NA>" not in markup and "nan" not in markup
    english = report.to_html()
    assert "Sustainable food supply" in english and "Energy solutions of tomorrow" in english
    assert ">food<" not in english and ">energy<" not in english, "names, not codes"
    assert "(1 tag added or removed)" in english and "single tags" not in english
    assert "(1 tagg tillagd eller borttagen)" in report.to_html("sv")
    assert "Left out: 1 review: the text changed since it was reviewed." in report.summary()
    table = report.metrics_table()
    figures = table.drop(columns=[c for c in table.columns if "labelled" in c]).stack()
    assert figures.str.fullmatch(r"[+-]?\d\.\d\d|–").all(), "two decimals everywhere"
    swedish = report.metrics_table("sv").stack()
    assert not swedish.str.contains(r"\d\.\d").any(), "Swedish writes 0,80, never 0.80"
    assert swedish.str.contains(r"\d,\d\d").any()
    assert "0,80 före" in report.summary("sv") or "före" in report.summary("sv")


def test_areas_come_in_the_taxonomy_order_whatever_the_stored_metrics_order() -> None:
    """Metrics read back from a manifest are sorted by code (energy, food, …); the report lists
    the areas as the taxonomy does (seen in the live notebook's screenshots)."""
    report = _report()
    codes = ("energy", "food")  # as the sorted JSON of a manifest gives them
    truth = np.array([[0, 1], [1, 0], [1, 1], [0, 0]] * 10, dtype=bool)
    report.before = multilabel_report(codes, truth, truth)
    report.after = None
    assert list(report.metrics_frame().index) == ["food", "energy", "macro", "micro"]
