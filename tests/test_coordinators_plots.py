"""Review pictures: region × area heat map, score histograms, tagger-vs-reviewer confusion."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

from matplotlib.figure import Figure  # noqa: E402

from ecs_tagger.coordinators import plots  # noqa: E402
from ecs_tagger.coordinators.corrections import Correction  # noqa: E402
from test_coordinators_export import CODES, THRESHOLDS, registry_frame, tagged_registry  # noqa: E402


def _texts(figure: Figure) -> list[str]:
    return [t.get_text() for ax in figure.axes for t in ax.texts] + [
        t.get_text() for t in figure.texts
    ]


def test_score_histograms_mark_each_threshold(tmp_path: Path) -> None:
    tagged = tagged_registry()
    figure = plots.score_histograms(tagged)
    assert isinstance(figure, Figure)
    visible = [ax for ax in figure.axes if ax.get_visible()]
    assert len(visible) == 4
    for ax, code in zip(visible, CODES, strict=True):
        lines = [float(np.asarray(line.get_xdata())[0]) for line in ax.get_lines()]
        assert THRESHOLDS[code] in lines, "a vertical line at the threshold"
        tagged_count = sum(code in a for a in tagged.frame["areas"])
        assert ax.get_title().endswith(f"{tagged_count} of 39 tagged")
    figure.savefig(tmp_path / "hist.png")
    assert (tmp_path / "hist.png").stat().st_size > 1000


def test_heat_map_counts_reviewed_tags_per_region() -> None:
    frame = registry_frame()
    frame["final_areas"] = [("energy",)] * len(frame)
    table = plots.region_area_table(frame, CODES, regions=["Örebro", "Uppsala"])
    energy = table.set_index(["region", "area"]).loc[("Örebro", "energy")]
    orebro = sum("Örebro" in r for r in frame["regions"][:-1])  # the row without text is left out
    assert energy["count"] == orebro and energy["projects"] == orebro
    assert table.set_index(["region", "area"]).loc[("Uppsala", "food"), "count"] == 0
    untouched = plots.region_area_table(frame, CODES, use_reviews=False)
    assert set(untouched["region"]) == {
        "Södermanland",
        "Västmanland",
        "Örebro",
        "Uppsala",
        "Östergötland",
    }
    figure = plots.region_area_heatmap(frame, CODES)
    assert isinstance(figure, Figure)
    assert "reviewed tags" in figure.axes[0].get_title()


def test_heat_map_of_a_registry_without_regions_says_so() -> None:
    frame = registry_frame().assign(regions=[()] * 40)
    figure = plots.region_area_heatmap(frame, CODES)
    assert any("names no regions" in t for t in _texts(figure))
    far = registry_frame().assign(regions=[("Skåne",)] * 40)
    assert any("No row" in t for t in _texts(plots.region_area_heatmap(far, CODES)))


def _review(old: tuple[str, ...], new: tuple[str, ...]) -> Correction:
    return Correction(
        id="x",
        text_hash="",
        old_areas=old,
        new_areas=new,
        reviewer="A",
        time="2026-01-01T00:00:00Z",
    )


def test_confusion_counts_kept_removed_added_and_absent_tags() -> None:
    reviews = [
        _review(("energy",), ("energy",)),
        _review(("energy",), ()),
        _review((), ("energy", "food")),
        _review(("industry",), ("industry",)),
    ]
    table = plots.correction_confusion_table(reviews, CODES)
    assert table.loc["energy", list(plots.CONFUSION_CELLS)].tolist() == [1, 1, 1, 1]
    assert table.loc["energy", "precision"] == 0.5 and table.loc["energy", "recall"] == 0.5
    assert table.loc["food", "added"] == 1 and math.isnan(table.loc["food", "precision"])
    assert table.loc["health", "absent"] == 4
    figure = plots.correction_confusion(reviews, CODES)
    assert len(figure.axes) == 4
    energy_texts = sorted(t.get_text() for t in figure.axes[2].texts)
    assert energy_texts == ["1", "1", "1", "1"]
    assert "4 reviewed rows" in figure.get_suptitle()


@pytest.mark.parametrize("reviews", [[], {}])
def test_confusion_without_reviews_says_so(reviews: Any) -> None:
    assert any("No reviews yet" in t for t in _texts(plots.correction_confusion(reviews, CODES)))


def _png(figure: Figure) -> bytes | None:
    """What a notebook shows for a figure (IPython draws no figure without axes: it then prints
    "<Figure size ... with 0 Axes>")."""
    from IPython.core.pylabtools import print_figure

    return print_figure(figure, "png")  # type: ignore[no-any-return]


def test_message_figures_are_drawn_in_a_notebook() -> None:
    figure = plots.correction_confusion([], CODES)
    assert _png(figure), "drawn as an image, not '<Figure size 600x120 with 0 Axes>'"
    assert _png(plots.message_figure("nothing"))


def test_histograms_use_a_linear_axis_cut_above_a_towering_bar() -> None:
    tagged = tagged_registry()
    frame = tagged.frame
    frame["score_food"] = [0.01] * 30 + [0.5, 0.6, 0.7, 0.8, 0.9, 0.55, 0.65, 0.75, 0.85, math.nan]
    figure = plots.score_histograms(tagged)
    food = figure.axes[0]
    assert food.get_yscale() == "linear"
    assert food.get_ylim()[1] < 30, "the tall bar near 0 does not flatten the tagged bars"
    assert any(t.get_text() == "↑ 30" for t in food.texts), "the cut bar shows its count"


def test_heat_map_names_areas_in_words_and_marks_cells_on_few_projects() -> None:
    frame = registry_frame()
    long_name = {
        "food": "Framtidens livsmedelsförsörjning",
        "health": "Health",
        "energy": "Energy",
        "industry": "Industry",
    }
    figure = plots.region_area_heatmap(frame, CODES, area_labels=long_name)
    labels = [t.get_text() for t in figure.axes[0].get_xticklabels()]
    assert "Framtidens\nlivsmedelsförsörjning" in labels, "labels split between words only"
    default = plots.region_area_heatmap(frame, CODES)
    names = [t.get_text().replace("\n", " ") for t in default.axes[0].get_xticklabels()]
    assert not set(names) & set(CODES), f"area names, not codes: {names}"
    title = default.axes[0].get_title()
    assert "specialisation (location quotient)" in title and "colour: lq" not in title
    assert default.axes[1].get_ylabel() == "specialisation (location quotient)"
    hatched = [p for p in default.axes[0].patches if p.get_hatch()]
    table = plots.region_area_table(frame, CODES)
    assert len(hatched) == int((table["count"] < 5).sum()) > 0
    assert "fewer than 5 projects" in default.get_supxlabel()


@pytest.mark.parametrize("language", ["en", "sv"])
def test_the_heat_map_legend_is_never_cut(language: str) -> None:
    """Issue 18: "specialisering (lokaliserings…": on a map of few regions the colour bar's label
    ran past the figure's edge; it is wrapped to fit."""
    import pandas as pd

    frame = pd.DataFrame(
        {
            "id": [f"P{i}" for i in range(40)],
            "regions": [("Örebro",) if i % 2 else ("Uppsala",) for i in range(40)],
            "areas": [("food",) if i % 3 else ("energy",) for i in range(40)],
            "text": ["x"] * 40,
        }
    )
    figure = plots.region_area_heatmap(
        frame, CODES, regions=None, use_reviews=False, language=language
    )
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]
    labels = [ax.yaxis.label for ax in figure.axes if ax.get_ylabel()]
    assert labels, "the colour bar has its legend"
    for label in labels:
        extent = label.get_window_extent(renderer)
        assert figure.bbox.y0 <= extent.y0 and extent.y1 <= figure.bbox.y1, label.get_text()
    assert any("lokaliseringskvot" in label.get_text() for label in labels) == (language == "sv")
    quotients = [t for t in _texts(figure) if "\n" in t]  # "count\nquotient" cells
    assert quotients, "the quotients are written in the cells"
    mark = "," if language == "sv" else "."
    assert all(mark in t.split("\n")[1] for t in quotients), "Swedish writes 1,25"
