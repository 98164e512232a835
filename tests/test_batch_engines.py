"""The engine registry: engines load on first use; an unknown engine is a clear error."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from ecs_tagger.batch import tag_file
from ecs_tagger.batch.engines import ENGINES, load_engine
from ecs_tagger.cli import app
from ecs_tagger.errors import InputError


def test_engines_are_loaded_by_name() -> None:
    from ecs_tagger.batch.local import run_local

    assert list(ENGINES) == ["local", "dask"]
    assert load_engine("local") is run_local


def test_an_unknown_engine_names_the_known_ones(tmp_path: Path) -> None:
    message = r"unknown engine 'spark': use 'local' or 'dask'"
    with pytest.raises(InputError, match=message):
        tag_file(
            tmp_path / "model", tmp_path / "in.csv", tmp_path / "out.csv", "text", engine="spark"
        )
    result = CliRunner().invoke(
        app, ["tag", "in.csv", "-o", "out.csv", "--text-col", "text", "--engine", "spark"]
    )
    assert result.exit_code == 2 and "unknown engine 'spark'" in result.output
