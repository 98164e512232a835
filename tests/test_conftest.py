"""The test session keeps the libraries' scratch and settings files in its own temporary folder."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest


def _session_tmp() -> Path:
    folder = Path(os.environ["DASK_TEMPORARY_DIRECTORY"]).parent
    assert folder.name.startswith("ecs-tagger-tests-")
    assert folder.parent == Path(tempfile.gettempdir())
    return folder


def test_dask_scratch_goes_into_the_session_folder() -> None:
    dask = pytest.importorskip("dask")
    assert Path(dask.config.get("temporary-directory")).is_relative_to(_session_tmp())


def test_matplotlib_and_jupyter_settings_go_into_the_session_folder() -> None:
    matplotlib = pytest.importorskip("matplotlib")
    assert Path(matplotlib.get_configdir()).is_relative_to(_session_tmp())
    for variable in ("IPYTHONDIR", "JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR"):
        assert Path(os.environ[variable]).is_relative_to(_session_tmp()), variable
    jupyter_core = pytest.importorskip("jupyter_core.paths")
    assert Path(jupyter_core.jupyter_runtime_dir()).is_relative_to(_session_tmp())
