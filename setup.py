"""Build step that ships the default model inside the package (everything else is in pyproject.toml).

`models/default` in the repository stays the one source of the default model. When setuptools builds
a wheel (``pip wheel .``, ``python -m build``, ``pip install .``), `build_py` copies that folder into
the wheel as ``ecs_tagger/default_model/``, where `ecs_tagger.config.default_model_dir` finds it once
the package is installed outside the checkout. An editable install (``pip install -e .``) copies
nothing: it reads `models/default` in the checkout directly.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
MODEL_SOURCE = ROOT / "models" / "default"
#: Where the copy lies inside the package (also read by ecs_tagger.config.PACKAGED_MODEL).
PACKAGED_NAME = "default_model"


class BuildPyWithModel(build_py):
    """`build_py` that also copies models/default into the built package as default_model/."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        if not (MODEL_SOURCE / "manifest.json").is_file():
            raise SystemExit(f"cannot build ecs-tagger: no default model at {MODEL_SOURCE}")
        target = Path(self.build_lib) / "ecs_tagger" / PACKAGED_NAME
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(MODEL_SOURCE, target)


setup(cmdclass={"build_py": BuildPyWithModel})
