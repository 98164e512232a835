"""The built wheel works where it is installed: it carries the default model (issue 12, item 11).

The wheel is built from a copy of the sources in a temporary folder (so the build writes nothing into
the checkout), installed without dependencies into a fresh virtual environment, and used from another
folder: `Tagger.load()` and `ecs-tagger tag` must find the packaged default model. The fresh
environment borrows the test environment's dependencies (torch, spaCy, …) through a .pth file that
lists its site-packages folder as a plain path, which puts those packages on sys.path without running
the checkout's editable-install hook, so `ecs_tagger` can only come from the wheel.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "src", "models/default")
TEXT = "Projektet bygger biogasanläggningar på mjölkgårdar i Örebro län."


def _copy_sources(target: Path) -> Path:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "default_model")
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=ignore)
        else:
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


def _run(command: list[str], cwd: Path, env: dict[str, str]) -> str:
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{command}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    sources = _copy_sources(tmp_path_factory.mktemp("sources"))
    dist = tmp_path_factory.mktemp("dist")
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"]
    _run([*command, "--quiet", "-w", str(dist), str(sources)], sources, dict(os.environ))
    (built,) = dist.glob("ecs_tagger-*.whl")
    return built


def test_wheel_carries_the_default_model(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {p.name for p in (ROOT / "models" / "default").iterdir() if p.is_file()}
    assert {f"ecs_tagger/default_model/{name}" for name in shipped} <= names
    assert "ecs_tagger/data/taxonomy.toml" in names
    assert not any(name.startswith(("models/", "tests/")) for name in names)


@pytest.mark.slow
def test_installed_wheel_tags_from_another_folder(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    _run(
        [sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", str(venv)],
        tmp_path,
        dict(os.environ),
    )
    python = venv / "bin" / "python"
    fresh_site = _run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        tmp_path,
        dict(os.environ),
    ).strip()
    # The test environment's dependencies as a plain path line: no .pth of theirs (no editable hook).
    Path(fresh_site, "borrowed_dependencies.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8"
    )
    install = [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet"]
    _run(
        [*install, "--no-deps", "--no-index", str(wheel)],
        tmp_path,
        dict(os.environ),
    )

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("ECS_TAGGER_MODEL", "PYTHONPATH")}
    script = (
        "import json, ecs_tagger\n"
        "from ecs_tagger import Tagger\n"
        "from ecs_tagger.config import default_model_dir\n"
        "tagger = Tagger.load()\n"
        f"result = tagger.tag({TEXT!r})\n"
        "print(json.dumps({'file': ecs_tagger.__file__, 'model': str(default_model_dir()),\n"
        "    'areas': list(result.areas), 'status': result.status,\n"
        "    'version': tagger.model_version}))\n"
    )
    shown = json.loads(_run([str(python), "-c", script], elsewhere, env).strip().splitlines()[-1])
    assert Path(shown["file"]).is_relative_to(venv), shown["file"]  # the wheel, not the checkout
    assert Path(shown["model"]) == Path(shown["file"]).parent / "default_model"
    assert "energy" in shown["areas"]
    assert shown["status"] == "ok"
    manifest = json.loads((ROOT / "models" / "default" / "manifest.json").read_text("utf-8"))
    assert shown["version"] == manifest["model_version"]

    (elsewhere / "in.csv").write_text(f"id,text\n1,{TEXT}\n2,\n", encoding="utf-8")
    command = [str(venv / "bin" / "ecs-tagger"), "tag", "in.csv", "-o", "out.csv"]
    _run([*command, "--text-col", "text", "--id-col", "id"], elsewhere, env)
    import pandas as pd

    out = pd.read_csv(elsewhere / "out.csv", dtype=str, keep_default_na=False)
    assert len(out) == 2
    assert "energy" in out.loc[0, "areas"].split(";")
    assert out.loc[0, "model_version"] == manifest["model_version"]
    assert out.loc[1, "tag_status"].startswith("empty")
