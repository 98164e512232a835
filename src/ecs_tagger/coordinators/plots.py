"""Pictures of a reviewed registry, as matplotlib Figures (drawn on the Agg canvas).

>>> region_area_heatmap(session.reviewed_frame(), tagged.codes)   # regions × areas
>>> score_histograms(tagged)                                        # scores, thresholds marked
>>> correction_confusion(session.reviews().values(), tagged.codes)  # tagger vs reviewers

Figures are built without pyplot (so no window opens and a notebook's backend is left alone); a
notebook shows one with ``display(figure)``, a script saves it with ``figure.savefig(path)``.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ecs_tagger.corpus import OMS_REGIONS
from ecs_tagger.errors import MissingDependencyError
from ecs_tagger.words import number, say

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from ecs_tagger.coordinators.corrections.store import Correction
    from ecs_tagger.coordinators.review.session import TaggedRegistry

#: Labels of the four cells of a per-area confusion table.
CONFUSION_CELLS = ("kept", "removed", "added", "absent")


def _figure(width: float, height: float) -> Figure:
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise MissingDependencyError("matplotlib", "the review plots", "plots") from None
    figure = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def message_figure(message: str, width: float = 6.0, height: float = 1.2) -> Figure:
    """A small figure holding only a message (where there is nothing to draw)."""
    figure = _figure(width, height)
    # The message sits in an (invisible) axes: a figure without axes is not drawn by a notebook,
    # which prints "<Figure size ... with 0 Axes>" instead.
    axes = figure.add_subplot()
    axes.set_axis_off()
    axes.text(
        0.5,
        0.5,
        message,
        ha="center",
        va="center",
        fontsize=11,
        wrap=True,
        transform=axes.transAxes,
    )
    return figure


# -- region × area heat map ----------------------------------------------------------------------------
class _TagView:
    """The part of a RegistryIndex that :func:`ecs_tagger.regional.portfolio.region_portfolio` reads,
    built from a (reviewed) registry frame, so that the heat map shows the reviewed tags."""

    def __init__(self, frame: pd.DataFrame, codes: Sequence[str], areas_col: str) -> None:
        self.codes = tuple(codes)
        self.rows = pd.DataFrame(
            {
                "id": frame["id"].astype(str).to_numpy(),
                "regions": [tuple(r) for r in frame["regions"]],
                "areas": [tuple(a) if a is not None else () for a in frame[areas_col]],
                "funding": (
                    frame["funding"].to_numpy(dtype=float)
                    if "funding" in frame.columns
                    else np.full(len(frame), np.nan)
                ),
            }
        )

    def __len__(self) -> int:
        return len(self.rows)

    def regions(self) -> list[str]:
        counts = pd.Series([r for rs in self.rows["regions"] for r in rs], dtype=object)
        return [str(r) for r in counts.value_counts().index]

    def region_sets(self) -> list[frozenset[str]]:
        return [frozenset(r) for r in self.rows["regions"]]

    def area_matrix(self) -> np.ndarray:
        column = {code: i for i, code in enumerate(self.codes)}
        out = np.zeros((len(self.rows), len(self.codes)), dtype=bool)
        for row, areas in enumerate(self.rows["areas"]):
            for code in areas:
                out[row, column[code]] = True
        return out


def region_area_table(
    frame: pd.DataFrame,
    codes: Sequence[str],
    *,
    regions: Sequence[str] | None = OMS_REGIONS,
    use_reviews: bool = True,
    include_none: bool = False,
) -> pd.DataFrame:
    """The portfolio table (region, area, projects, count, share, lq, ...) of a registry frame,
    from :func:`ecs_tagger.regional.portfolio.region_portfolio`; with `use_reviews` the reviewed areas
    (``final_areas``) count where the frame has them, else the tagger's ``areas``."""
    from ecs_tagger.regional.portfolio import region_portfolio

    column = "final_areas" if use_reviews and "final_areas" in frame.columns else "areas"
    view = _TagView(
        frame[frame["text"].notna()] if "text" in frame.columns else frame, codes, column
    )
    return region_portfolio(view, regions=regions, include_none=include_none)  # type: ignore[arg-type]


def region_area_heatmap(
    frame: pd.DataFrame,
    codes: Sequence[str],
    *,
    value: str = "lq",
    annotate: str = "count",
    regions: Sequence[str] | None = OMS_REGIONS,
    use_reviews: bool = True,
    area_labels: Mapping[str, str] | None = None,
    title: str | None = None,
    language: str = "en",
) -> Figure:
    """Heat map of regions × areas (:func:`ecs_tagger.regional.portfolio.portfolio_figure`): colour by
    `value` (``lq``: specialisation, ``share`` or ``count``), cells annotated with `annotate`."""
    from ecs_tagger.regional.portfolio import portfolio_figure

    lang = language
    if "regions" not in frame.columns or not any(len(r) for r in frame["regions"]):
        return message_figure(say("This registry names no regions: no heat map to draw.", lang))
    table = region_area_table(frame, codes, regions=regions, use_reviews=use_reviews)
    if table.empty or not table["projects"].any():
        return message_figure(
            say(
                "No row of the registry lies in the regions asked for ({regions}).",
                lang,
                regions=", ".join(regions or []),
            )
        )
    source = say(
        "reviewed tags" if use_reviews and "final_areas" in frame.columns else "tags", lang
    )
    labels = dict(area_labels) if area_labels else _default_area_labels(codes, lang)
    # Whole words per line: a long word ("livsmedelsförsörjning") stays on one line.
    wrapped = {
        code: textwrap.fill(label, 16, break_long_words=False, break_on_hyphens=False)
        for code, label in labels.items()
    }
    described = {
        "lq": "specialisation (location quotient)",
        "share": "share of projects",
        "count": "number of projects",
    }
    numbers = {"count": "number of projects", "share": "share of projects"}
    heading = say(
        "Regions × areas ({source}).\nColour: {colour}; numbers: {numbers}",
        lang,
        source=source,
        colour=say(described.get(value, value), lang),
        numbers=say(numbers.get(annotate, annotate), lang),
    )
    return portfolio_figure(
        table,
        value,
        annotate=annotate,
        area_labels=wrapped,
        language=lang,
        title=title or heading + (say(" and the quotient", lang) if value == "lq" else ""),
    )


def _default_area_labels(codes: Sequence[str], language: str = "en") -> dict[str, str]:
    """The areas' names when the codes are the shipped taxonomy's, else the codes."""
    from ecs_tagger.coordinators.review.render import area_names
    from ecs_tagger.model.taxonomy import default_taxonomy

    names = area_names(default_taxonomy(), language)
    return {code: names.get(code, code) for code in codes}


# -- score histograms ------------------------------------------------------------------------------------
def score_histograms(
    tagged: TaggedRegistry,
    *,
    bins: int = 20,
    language: str = "en",
    log: bool = False,
) -> Figure:
    """One histogram of scores per area, the decision threshold marked; tagged rows (score at or
    above the threshold) in colour, the rest grey. The count axis is linear; when one bar (most
    scores sit near 0) is far taller than the others, the axis is cut above the others and the
    cut bar carries its count, so the tagged bars stay readable. `log` uses a logarithmic axis."""
    from ecs_tagger.coordinators.review.render import AREA_COLOURS, area_names

    codes = tagged.codes
    names = area_names(tagged.taxonomy, language)
    columns = min(2, len(codes))
    rows = int(np.ceil(len(codes) / columns))
    figure = _figure(4.2 * columns, 2.8 * rows)
    axes = figure.subplots(rows, columns, squeeze=False)
    from matplotlib.ticker import MaxNLocator

    edges = np.linspace(0.0, 1.0, bins + 1)
    for i, code in enumerate(codes):
        ax = axes[i // columns][i % columns]
        scores = tagged.frame[f"score_{code}"].to_numpy(dtype=float)
        scores = scores[np.isfinite(scores)]
        threshold = tagged.thresholds[code]
        above = scores >= threshold
        colour = AREA_COLOURS[i % len(AREA_COLOURS)]
        ax.hist(
            [scores[~above], scores[above]],
            bins=edges,
            stacked=True,
            log=log,
            color=["#bbbbbb", colour],
            edgecolor="#555555",
            linewidth=0.4,
            label=["not tagged", "tagged"],
        )
        if not log:
            _cut_tallest_bar(ax, np.histogram(scores, bins=edges)[0], edges)
            ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # whole rows, no "2.5 rows"
        ax.axvline(threshold, color="#c0392b", linestyle="--", linewidth=1.2)
        ax.text(
            threshold,
            0.97,
            f" {say('threshold', language)} {number(threshold, language)}",
            transform=ax.get_xaxis_transform(),
            color="#c0392b",
            fontsize=8,
            va="top",
        )
        ax.set_title(
            say(
                "{area}: {n} of {total} tagged",
                language,
                area=names[code],
                n=int(above.sum()),
                total=len(scores),
            ),
            fontsize=10,
        )
        ax.set_xlim(0, 1)
        ax.set_xlabel(say("score", language))
        ax.set_ylabel(say("rows", language))
    for j in range(len(codes), rows * columns):
        axes[j // columns][j % columns].set_visible(False)
    handles, _ = axes[0][0].get_legend_handles_labels()
    figure.legend(
        handles[:2],
        [say("not tagged (grey)", language), say("tagged (colour of the area)", language)],
        loc="outside lower center",
        ncols=2,
        fontsize=8,
        frameon=False,
    )
    figure.suptitle(
        say(
            "Scores per area ({n} rows, model {model})",
            language,
            n=len(tagged),
            model=tagged.model_version,
        ),
        fontsize=11,
    )
    return figure


def _cut_tallest_bar(ax: Any, heights: np.ndarray, edges: np.ndarray) -> None:
    """Cut the count axis above the second tallest bar when the tallest is over 3 times higher;
    the cut bar is labelled with its count."""
    if len(heights) < 2:
        return
    order = np.argsort(heights)
    tallest, second = int(heights[order[-1]]), int(heights[order[-2]])
    if second == 0 or tallest <= 3 * second:
        return
    top = max(second * 1.6, 3.0)
    ax.set_ylim(0, top)
    ax.text(
        edges[order[-1] + 1] + 0.01,
        top * 0.97,
        f"↑ {tallest}",
        ha="left",
        va="top",
        fontsize=8,
        color="#333333",
    )


# -- corrections against predictions --------------------------------------------------------------------
def correction_confusion_table(
    reviews: Iterable[Correction] | Mapping[str, Correction], codes: Sequence[str]
) -> pd.DataFrame:
    """Per area, how the reviewers' areas compare with the tagger's: ``kept`` (both), ``removed``
    (tagger only: a wrong tag), ``added`` (reviewer only: a missed tag), ``absent`` (neither);
    plus the precision and recall of the tagger measured on the reviewed rows."""
    items = list(reviews.values()) if isinstance(reviews, Mapping) else list(reviews)
    rows: list[dict[str, Any]] = []
    for code in codes:
        counts = dict.fromkeys(CONFUSION_CELLS, 0)
        for review in items:
            said, truth = code in review.old_areas, code in review.new_areas
            key = ("kept" if truth else "removed") if said else ("added" if truth else "absent")
            counts[key] += 1
        tagged, true = counts["kept"] + counts["removed"], counts["kept"] + counts["added"]
        rows.append(
            {
                "area": code,
                **counts,
                "precision": counts["kept"] / tagged if tagged else np.nan,
                "recall": counts["kept"] / true if true else np.nan,
            }
        )
    return pd.DataFrame(rows, columns=["area", *CONFUSION_CELLS, "precision", "recall"]).set_index(
        "area"
    )


def correction_confusion(
    reviews: Iterable[Correction] | Mapping[str, Correction],
    codes: Sequence[str],
    *,
    area_labels: Mapping[str, str] | None = None,
    language: str = "en",
) -> Figure:
    """One 2 × 2 table per area: the tagger's decision (rows) against the reviewer's (columns),
    counted over the reviewed rows; off-diagonal cells are the tagger's errors."""
    table = correction_confusion_table(reviews, codes)
    total = int(table.iloc[0][list(CONFUSION_CELLS)].sum()) if len(table) else 0
    if total == 0:
        return message_figure(say("No reviews yet: nothing to compare with the tagger.", language))
    figure = _figure(2.6 * len(codes) + 0.6, 3.0)
    axes = figure.subplots(1, len(codes), squeeze=False)[0]
    labels = dict(area_labels or {})
    for ax, code in zip(axes, codes, strict=True):
        row = table.loc[code]
        matrix = np.array(
            [[row["kept"], row["removed"]], [row["added"], row["absent"]]], dtype=float
        )
        errors = np.array([[0, 1], [1, 0]], dtype=bool)
        shade = np.where(errors, matrix, 0.0)
        # The darkest red is kept light enough for black numbers to stay readable.
        ax.imshow(shade, cmap="Reds", vmin=0, vmax=2.5 * max(1.0, float(matrix[errors].max())))
        for r in range(2):
            for c in range(2):
                ax.text(
                    c,
                    r,
                    f"{int(matrix[r, c])}",
                    ha="center",
                    va="center",
                    fontsize=12,
                    fontweight="bold" if errors[r, c] else "normal",
                )
        yes_no = [say("yes", language), say("no", language)]
        ax.set_xticks([0, 1], yes_no)
        ax.set_yticks([0, 1], yes_no)
        ax.set_xlabel(say("reviewer says", language))
        ax.set_ylabel(say("tagger said", language))
        ax.set_title(labels.get(code, code), fontsize=10)
    figure.suptitle(
        say(
            "Tagger against reviewers over {n} reviewed rows (red: the tagger's errors)",
            language,
            n=total,
        ),
        fontsize=11,
    )
    return figure


__all__ = [
    "CONFUSION_CELLS",
    "correction_confusion",
    "correction_confusion_table",
    "message_figure",
    "region_area_heatmap",
    "region_area_table",
    "score_histograms",
]
