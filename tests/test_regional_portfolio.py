"""Region portfolios: counts, shares, location quotients and the heat map."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ecs_tagger.corpus import OMS_REGIONS
from ecs_tagger.errors import InputError
from ecs_tagger.index import RegistryIndex
from ecs_tagger.regional.portfolio import portfolio_figure, portfolio_matrix, region_portfolio
from similarity_support import pb_index, synthetic_index


def small_index() -> RegistryIndex:
    return synthetic_index(
        regions=[
            ["Uppsala"],
            ["Uppsala"],
            ["Uppsala", "Örebro"],
            ["Örebro"],
            ["Örebro"],
            ["Gotland"],
        ],
        areas=[["food"], ["food", "health"], ["energy"], ["energy"], [], ["food"]],
        funding=[10.0, 30.0, 20.0, 40.0, 0.0, 5.0],
    )


def test_counts_shares_and_location_quotients() -> None:
    table = region_portfolio(small_index(), regions=["Uppsala län", "Örebro"])
    cell = table.set_index(["region", "area"])
    # Uppsala: 3 projects (one shared with Örebro); Örebro: 3 projects.
    assert cell.loc[("Uppsala", "food"), "projects"] == 3
    assert cell.loc[("Uppsala", "food"), "count"] == 2
    assert cell.loc[("Uppsala", "food"), "share"] == pytest.approx(2 / 3)
    assert cell.loc[("Örebro", "energy"), "count"] == 2
    assert cell.loc[("Örebro", "none"), "count"] == 1
    # LQ = (2/3) / (2/6) for food in Uppsala; Örebro has no food: 0.
    assert cell.loc[("Uppsala", "food"), "lq"] == pytest.approx(2.0)
    assert cell.loc[("Örebro", "food"), "lq"] == 0.0
    assert cell.loc[("Uppsala", "energy"), "lq"] == pytest.approx((1 / 3) / (3 / 6))
    assert cell.loc[("Örebro", "energy"), "lq"] == pytest.approx((2 / 3) / (3 / 6))
    # Industry: nobody has it, the quotient is undefined.
    assert np.isnan(cell.loc[("Uppsala", "industry"), "lq"])
    # Funding-weighted: Uppsala funds 60, food 40 of it; both regions fund 120, food 40.
    assert cell.loc[("Uppsala", "food"), "funding"] == 40.0
    assert cell.loc[("Uppsala", "food"), "funding_share"] == pytest.approx(40 / 60)
    assert cell.loc[("Uppsala", "food"), "funding_lq"] == pytest.approx((40 / 60) / (40 / 120))
    wide = portfolio_matrix(table, "count")
    assert list(wide.index) == ["Uppsala", "Örebro"]
    assert list(wide.columns) == ["food", "health", "energy", "industry", "none"]


def test_portfolio_of_ostra_mellansverige_matches_the_index() -> None:
    index = pb_index()
    table = region_portfolio(index)
    assert list(dict.fromkeys(table["region"])) == list(OMS_REGIONS)
    tagged = index.area_matrix()
    for region in OMS_REGIONS:
        rows = np.array([region in regions for regions in index.rows["regions"]])
        for i, code in enumerate(index.codes):
            cell = table.loc[(table["region"] == region) & (table["area"] == code)].iloc[0]
            assert cell["projects"] == rows.sum()
            assert cell["count"] == tagged[rows, i].sum()
    # Location quotients average to 1 when weighted by the regions' projects.
    for code in index.codes:
        part = table.loc[table["area"] == code]
        if part["count"].sum():
            weighted = (part["lq"] * part["projects"]).sum() / part["projects"].sum()
            assert weighted == pytest.approx(1.0, abs=1e-3)
    with pytest.raises(InputError, match="no column"):
        portfolio_matrix(table, "colour")


def test_heat_map_is_written_as_png_and_svg(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    from matplotlib.figure import Figure

    table = region_portfolio(pb_index())
    figure = portfolio_figure(table, path=tmp_path / "portfolio.png")
    assert isinstance(figure, Figure)
    assert (tmp_path / "portfolio.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    texts = [t.get_text() for t in figure.axes[0].texts]
    assert len(texts) == len(OMS_REGIONS) * 5  # one annotation per cell
    counts = portfolio_matrix(table, "count")
    assert texts[0].split("\n")[0] == str(int(counts.iat[0, 0]))
    portfolio_figure(table, "share", annotate="count", path=tmp_path / "portfolio.svg")
    assert b"<svg" in (tmp_path / "portfolio.svg").read_bytes()[:400]


def test_cli_portfolio_and_actors(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    import pandas as pd
    from typer.testing import CliRunner

    from ecs_tagger.cli import app

    pb_index().save(tmp_path / "idx")
    runner = CliRunner()
    result = runner.invoke(
        app,
        [
            "portfolio",
            str(tmp_path / "idx"),
            "-o",
            str(tmp_path / "p.csv"),
            "--figure",
            str(tmp_path / "p.png"),
        ],
    )
    assert result.exit_code == 0, result.output
    table = pd.read_csv(tmp_path / "p.csv", encoding="utf-8-sig")
    assert set(table["region"]) == set(OMS_REGIONS) and "lq" in table.columns
    assert (tmp_path / "p.png").stat().st_size > 1000
    actors = runner.invoke(app, ["actors", str(tmp_path / "idx"), "-o", str(tmp_path / "a.xlsx")])
    assert actors.exit_code == 0, actors.output
    profiles = pd.read_excel(tmp_path / "a.xlsx")
    assert {"actor", "regions", "projects", "share_energy"} <= set(profiles.columns)
    similar = runner.invoke(
        app, ["actors", str(tmp_path / "idx"), "--similar-to", "communicare", "-k", "3"]
    )
    assert similar.exit_code == 0, similar.output
    assert "similarity" in similar.output


def test_missing_matplotlib_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from ecs_tagger.errors import MissingDependencyError

    monkeypatch.setitem(sys.modules, "matplotlib.backends.backend_agg", None)
    with pytest.raises(MissingDependencyError, match="matplotlib"):
        portfolio_figure(region_portfolio(small_index(), regions=["Uppsala"]))


def test_cells_on_few_projects_are_hatched_and_say_so() -> None:
    pytest.importorskip("matplotlib")
    table = region_portfolio(small_index(), regions=["Uppsala", "Örebro"], include_none=False)
    figure = portfolio_figure(table, min_count=2)
    hatched = [p for p in figure.axes[0].patches if p.get_hatch()]
    assert len(hatched) == int((table["count"] < 2).sum())
    assert "fewer than 2 projects" in figure.get_supxlabel()
    none = portfolio_figure(table, min_count=0)
    assert not [p for p in none.axes[0].patches if p.get_hatch()] and not none.get_supxlabel()
