"""Region portfolios: how each region's projects spread over the areas, and where it specialises.

>>> table = region_portfolio(index)                    # the five Östra Mellansverige regions
>>> wide = portfolio_matrix(table, "lq")               # regions x areas
>>> figure = portfolio_figure(table, path="out/portfolio.png")

A project counts once in each region it is listed in (a project of "Södermanland, Uppsala"
counts for both), so the table works on region-project incidences. For region r and area a:

``projects``   the region's projects (incidences), tagged or not;
``count``      its projects tagged with a (a project may carry several areas, or none);
``share``      count / projects: the share of the region's projects in the area;
``lq``         the location quotient (specialisation index): share / the same share over all
               regions of the table, i.e. (count_ra / projects_r) / (sum_r count_ra / sum_r
               projects_r). Above 1: the region does relatively more in the area than the regions
               together; NaN when no region has a project in the area;
``funding``, ``funding_share``, ``funding_lq``
               the same with the projects' funding as weights (sum of funding of tagged projects;
               only projects with known funding), when the index has funding.

Rows with area ``"none"`` count the projects without any area tag; their lq is computed alike.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ecs_tagger.corpus import OMS_REGIONS
from ecs_tagger.errors import InputError, MissingDependencyError
from ecs_tagger.regions import normalise_regions
from ecs_tagger.words import number, say

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from ecs_tagger.index import RegistryIndex

NO_AREA = "none"
#: Cells of the heat map with fewer projects than this are drawn as uncertain.
MIN_COUNT = 5
VALUES = ("count", "share", "lq", "funding", "funding_share", "funding_lq")


def region_portfolio(
    index: RegistryIndex,
    *,
    regions: Sequence[str] | None = OMS_REGIONS,
    include_none: bool = True,
) -> pd.DataFrame:
    """Tidy region x area table (see the module docstring), regions in the order given.

    `regions=None` takes every region of the index (most projects first).
    """
    chosen = list(normalise_regions(regions)) if regions is not None else index.regions()
    if not chosen:
        raise InputError("no regions to compare (the index has no region column?)")
    codes = list(index.codes)
    tagged = index.area_matrix()
    none = ~tagged.any(axis=1)
    matrix = np.column_stack([tagged, none]) if include_none else tagged
    areas = [*codes, NO_AREA] if include_none else codes
    funding = index.rows["funding"].to_numpy(dtype=float)
    has_funding = bool(np.isfinite(funding).any())
    funding = np.nan_to_num(funding, nan=0.0)
    sets = index.region_sets()
    counts = np.zeros((len(chosen), len(areas)))
    money = np.zeros((len(chosen), len(areas)))
    projects = np.zeros(len(chosen))
    money_total = np.zeros(len(chosen))
    for r, name in enumerate(chosen):
        rows = np.array([name in s for s in sets], dtype=bool)
        projects[r] = rows.sum()
        counts[r] = matrix[rows].sum(axis=0)
        money[r] = (matrix[rows] * funding[rows, None]).sum(axis=0)
        money_total[r] = funding[rows].sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        share = counts / projects[:, None]
        overall = counts.sum(axis=0) / projects.sum()
        lq = share / overall[None, :]
        funding_share = money / money_total[:, None]
        funding_lq = funding_share / (money.sum(axis=0) / money_total.sum())[None, :]
    records: list[dict[str, Any]] = []
    for r, name in enumerate(chosen):
        for a, area in enumerate(areas):
            record: dict[str, Any] = {
                "region": name,
                "area": area,
                "projects": int(projects[r]),
                "count": int(counts[r, a]),
                "share": _clean(share[r, a]),
                "lq": _clean(lq[r, a]),
            }
            if has_funding:
                record.update(
                    funding=float(money[r, a]),
                    funding_share=_clean(funding_share[r, a]),
                    funding_lq=_clean(funding_lq[r, a]),
                )
            records.append(record)
    return pd.DataFrame(records)


def _clean(value: float) -> float:
    return float(value) if np.isfinite(value) else float("nan")


def portfolio_matrix(table: pd.DataFrame, value: str = "lq") -> pd.DataFrame:
    """A regions x areas view of one column of :func:`region_portfolio` (order kept)."""
    if value not in table.columns:
        raise InputError(
            f"no column {value!r} in the portfolio table; have {', '.join(table.columns)}"
        )
    wide = table.pivot(index="region", columns="area", values=value)
    regions = list(dict.fromkeys(table["region"]))
    areas = list(dict.fromkeys(table["area"]))
    return wide.loc[regions, areas]


def portfolio_figure(
    table: pd.DataFrame,
    value: str = "lq",
    *,
    annotate: str = "count",
    path: str | Path | None = None,
    title: str | None = None,
    area_labels: dict[str, str] | None = None,
    min_count: int = MIN_COUNT,
    language: str = "en",
) -> Figure:
    """Heat map of `value` (default the location quotient) per region and area, each cell
    annotated with `annotate` (default the project count). Saved to `path` (.png, .svg, .pdf)
    when given. Draws on matplotlib's Agg canvas (no display needed, pyplot's backend left as it
    is, so a notebook shows the returned Figure inline).

    Cells resting on fewer than `min_count` projects of the area (one food project of 47 gives a
    high quotient by chance) are drawn greyed and hatched, their count shown, and a note under
    the map says so: they are too few to call a specialisation."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.colors import TwoSlopeNorm
        from matplotlib.figure import Figure
        from matplotlib.patches import Rectangle
    except ImportError:
        raise MissingDependencyError("matplotlib", "the portfolio figure", "plots") from None
    colours = portfolio_matrix(table, value)
    labels = portfolio_matrix(table, annotate)
    data = colours.to_numpy(dtype=float)
    names = [(area_labels or {}).get(str(a), str(a)) for a in colours.columns]
    # Each column wide enough for its label's longest line ("livsmedelsförsörjning" is one word).
    longest = max((len(line) for name in names for line in name.splitlines()), default=0)
    column = max(1.3, 0.085 * longest + 0.2)
    figure = Figure(
        figsize=(1.5 + column * data.shape[1], 1.2 + 0.55 * data.shape[0]), layout="constrained"
    )
    FigureCanvasAgg(figure)  # the Agg backend, without switching pyplot's (a notebook's) backend
    axes = figure.add_subplot()
    counts = portfolio_matrix(table, "count").to_numpy(dtype=float)
    few = np.nan_to_num(counts, nan=0.0) < min_count
    masked = np.ma.masked_invalid(data)
    if value.endswith("lq"):
        # The scale follows the cells that can be trusted: a quotient on 1 project is not shown.
        trusted = data[~few & np.isfinite(data)]
        top = float(trusted.max()) if trusted.size else 2.0
        norm = TwoSlopeNorm(vcenter=1.0, vmin=0.0, vmax=max(top, 1.01))
        image = axes.imshow(masked, cmap="RdBu_r", norm=norm, aspect="auto")
    else:
        image = axes.imshow(masked, cmap="Blues", aspect="auto")
    axes.set_xticks(range(data.shape[1]), names)
    axes.set_yticks(range(data.shape[0]), [str(r) for r in colours.index])
    for r in range(data.shape[0]):
        for a in range(data.shape[1]):
            label = labels.iat[r, a]
            text = _format(label, annotate, language)
            if np.isfinite(data[r, a]) and value.endswith("lq"):
                text += f"\n{number(data[r, a], language)}"
            ink = _ink(image, data[r, a])
            if few[r, a]:  # the count only: a quotient on so few projects would mislead
                axes.add_patch(
                    Rectangle(
                        (a - 0.5, r - 0.5),
                        1,
                        1,
                        facecolor="#e6e6e6",
                        edgecolor="#9a9a9a",
                        hatch="///",
                        linewidth=0,
                    )
                )
                text = f"{int(counts[r, a])}"
                ink = "#444444"
            axes.text(a, r, text, ha="center", va="center", fontsize=9, color=ink)
    if few.any():
        figure.supxlabel(
            say(
                "Grey hatched cells: fewer than {n} projects in the area, too few to tell a "
                "specialisation (only the number of projects is shown).",
                language,
                n=min_count,
            ),
            fontsize=8,
            color="#555555",
        )
    described = {
        "lq": "specialisation (location quotient)",
        "share": "share of projects",
        "count": "projects",
        "funding_lq": "funding specialisation (location quotient)",
        "funding_share": "share of funding",
        "funding": "funding",
    }
    legend = say(described.get(value, value), language)
    # The colour bar is as tall as the map: a legend longer than that is cut at the figure's edge
    # ("specialisering (lokaliseringskvot)" on a map of two regions), so it is wrapped at whole
    # words into lines that fit (about 12 characters an inch at this size).
    fits = max(12, int((figure.get_figheight() - 1.0) * 12))
    figure.colorbar(image, ax=axes, label=textwrap.fill(legend, fits, break_long_words=False))
    heading = title or say(
        "Area portfolio by region: {colour}, cells: {cells}",
        language,
        colour=legend,
        cells=say(annotate, language),
    ) + (say(" and the location quotient", language) if value.endswith("lq") else "")
    # Whole words per line, as wide as the figure (about 15 characters an inch at this size).
    width = int(figure.get_figwidth() * 15)
    lines = [textwrap.fill(line, width, break_long_words=False) for line in heading.split("\n")]
    axes.set_title("\n".join(lines), fontsize=10)
    if path is not None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        figure.savefig(path, dpi=150)
    return figure


def _ink(image: Any, value: float) -> str:
    """Black or white text, whichever reads better on the cell's colour."""
    if not np.isfinite(value):
        return "black"
    red, green, blue, _ = image.cmap(image.norm(value))
    return "white" if 0.299 * red + 0.587 * green + 0.114 * blue < 0.5 else "black"


def _format(value: Any, kind: str, language: str = "en") -> str:
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return "–"
    if kind in ("count", "projects"):
        return f"{int(value)}"
    if kind == "funding":
        return f"{number(float(value) / 1e6, language, 1)} M"
    return number(value, language)
