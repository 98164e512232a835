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

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from ecs_tagger.corrections.store import Correction
    from ecs_tagger.review.session import TaggedRegistry

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
    figure.text(0.5, 0.5, message, ha="center", va="center", fontsize=11, wrap=True)
    return figure


# -- region × area heat map ----------------------------------------------------------------------------
class _TagView:
    """The part of a RegistryIndex that :func:`ecs_tagger.portfolio.region_portfolio` reads,
    built from a (reviewed) registry frame, so that the heat map shows the reviewed tags."""

    def __init__(self, frame: pd.DataFrame, codes: Sequence[str], areas_col: str) -> None:
        self.codes = tuple(codes)
        self.rows = pd.DataFrame(
            {
                "id": frame["id"].astype(str).to_numpy(),
                "regions": [tuple(r) for r in frame["regions"]],
                "areas": [tuple(a) if a is not None else () for a in frame[areas_col]],
                "funding": (frame["funding"].to_numpy(dtype=float) if "funding" in frame.columns
                            else np.full(len(frame), np.nan)),
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
    from :func:`ecs_tagger.portfolio.region_portfolio`; with `use_reviews` the reviewed areas
    (``final_areas``) count where the frame has them, else the tagger's ``areas``."""
    from ecs_tagger.portfolio import region_portfolio

    column = "final_areas" if use_reviews and "final_areas" in frame.columns else "areas"
    view = _TagView(frame[frame["text"].notna()] if "text" in frame.columns else frame, codes, column)
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
) -> Figure:
    """Heat map of regions × areas (:func:`ecs_tagger.portfolio.portfolio_figure`): colour by
    `value` (``lq``: specialisation, ``share`` or ``count``), cells annotated with `annotate`."""
    from ecs_tagger.portfolio import portfolio_figure

    if "regions" not in frame.columns or not any(len(r) for r in frame["regions"]):
        return message_figure("This registry names no regions: no heat map to draw.")
    table = region_area_table(frame, codes, regions=regions, use_reviews=use_reviews)
    if table.empty or not table["projects"].any():
        return message_figure("No row of the registry lies in the regions asked for "
                              f"({', '.join(regions or [])}).")
    source = "reviewed tags" if use_reviews and "final_areas" in frame.columns else "tags"
    wrapped = {code: textwrap.fill(label, 16) for code, label in (area_labels or {}).items()}
    return portfolio_figure(
        table, value, annotate=annotate, area_labels=wrapped,
        title=title or f"Regions × areas ({source}; colour: {value}, cells: {annotate})",
    )


# -- score histograms ------------------------------------------------------------------------------------
def score_histograms(
    tagged: TaggedRegistry,
    *,
    bins: int = 20,
    language: str = "en",
    log: bool = True,
) -> Figure:
    """One histogram of scores per area, the decision threshold marked; tagged rows (score at or
    above the threshold) in colour, the rest grey. `log` uses a logarithmic count axis (most
    scores sit near 0)."""
    from ecs_tagger.review.render import AREA_COLOURS, area_names

    codes = tagged.codes
    names = area_names(tagged.taxonomy, language)
    columns = min(2, len(codes))
    rows = int(np.ceil(len(codes) / columns))
    figure = _figure(4.2 * columns, 2.8 * rows)
    axes = figure.subplots(rows, columns, squeeze=False)
    edges = np.linspace(0.0, 1.0, bins + 1)
    for i, code in enumerate(codes):
        ax = axes[i // columns][i % columns]
        scores = tagged.frame[f"score_{code}"].to_numpy(dtype=float)
        scores = scores[np.isfinite(scores)]
        threshold = tagged.thresholds[code]
        above = scores >= threshold
        colour = AREA_COLOURS[i % len(AREA_COLOURS)]
        ax.hist([scores[~above], scores[above]], bins=edges, stacked=True, log=log,
                color=["#bbbbbb", colour], edgecolor="#555555", linewidth=0.4,
                label=["not tagged", "tagged"])
        ax.axvline(threshold, color="#c0392b", linestyle="--", linewidth=1.2)
        ax.text(threshold, 0.97, f" threshold {threshold:.2f}", transform=ax.get_xaxis_transform(),
                color="#c0392b", fontsize=8, va="top")
        ax.set_title(f"{names[code]}: {int(above.sum())} of {len(scores)} tagged", fontsize=10)
        ax.set_xlim(0, 1)
        ax.set_xlabel("score")
        ax.set_ylabel("rows")
    for j in range(len(codes), rows * columns):
        axes[j // columns][j % columns].set_visible(False)
    handles, _ = axes[0][0].get_legend_handles_labels()
    figure.legend(handles[:2], ["not tagged", "tagged (colour of the area)"], loc="outside lower center",
                  ncols=2, fontsize=8, frameon=False)
    figure.suptitle(f"Scores per area ({len(tagged)} rows, model {tagged.model_version})", fontsize=11)
    return figure


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
        rows.append({
            "area": code, **counts,
            "precision": counts["kept"] / tagged if tagged else np.nan,
            "recall": counts["kept"] / true if true else np.nan,
        })
    return pd.DataFrame(rows, columns=["area", *CONFUSION_CELLS, "precision", "recall"]).set_index("area")


def correction_confusion(
    reviews: Iterable[Correction] | Mapping[str, Correction],
    codes: Sequence[str],
    *,
    area_labels: Mapping[str, str] | None = None,
) -> Figure:
    """One 2 × 2 table per area: the tagger's decision (rows) against the reviewer's (columns),
    counted over the reviewed rows; off-diagonal cells are the tagger's errors."""
    table = correction_confusion_table(reviews, codes)
    total = int(table.iloc[0][list(CONFUSION_CELLS)].sum()) if len(table) else 0
    if total == 0:
        return message_figure("No reviews yet: nothing to compare with the tagger.")
    figure = _figure(2.6 * len(codes) + 0.6, 3.0)
    axes = figure.subplots(1, len(codes), squeeze=False)[0]
    labels = dict(area_labels or {})
    for ax, code in zip(axes, codes, strict=True):
        row = table.loc[code]
        matrix = np.array([[row["kept"], row["removed"]], [row["added"], row["absent"]]], dtype=float)
        errors = np.array([[0, 1], [1, 0]], dtype=bool)
        shade = np.where(errors, matrix, 0.0)
        # The darkest red is kept light enough for black numbers to stay readable.
        ax.imshow(shade, cmap="Reds", vmin=0, vmax=2.5 * max(1.0, float(matrix[errors].max())))
        for r in range(2):
            for c in range(2):
                ax.text(c, r, f"{int(matrix[r, c])}", ha="center", va="center", fontsize=12,
                        fontweight="bold" if errors[r, c] else "normal")
        ax.set_xticks([0, 1], ["yes", "no"])
        ax.set_yticks([0, 1], ["yes", "no"])
        ax.set_xlabel("reviewer says")
        ax.set_ylabel("tagger said")
        ax.set_title(labels.get(code, code), fontsize=10)
    figure.suptitle(
        f"Tagger against reviewers over {total} reviewed rows (red: the tagger's errors)", fontsize=11
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
