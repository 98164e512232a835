"""The README's "Web service" blocks run as written (tests/test_readme.py runs the others).

The `bash serve` block starts the service in a folder laid out like the repository root (a copy of
examples/, the index built by its first command), on a free port instead of 8000; every `bash
curl` block then runs against it, and the `json response` block must be what `POST /v1/tag`
answers (floats within 0.02). The `bash deploy` block needs a server's folders: its options are
checked against `ecs-tagger serve --help` instead.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from service_support import free_port, index_folder

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
FENCE = re.compile(r"^```(\w+) (\w+)\n(.*?)^```", re.MULTILINE | re.DOTALL)


def blocks(language: str, kind: str) -> list[str]:
    return [
        code
        for lang, what, code in FENCE.findall(README.read_text("utf-8"))
        if (lang, what) == (language, kind)
    ]


def same(actual: Any, shown: Any) -> bool:
    if isinstance(shown, float) and isinstance(actual, int | float):
        return abs(actual - shown) <= 0.02
    if isinstance(shown, dict) and isinstance(actual, dict):
        return shown.keys() == actual.keys() and all(same(actual[k], shown[k]) for k in shown)
    if isinstance(shown, list) and isinstance(actual, list):
        return len(shown) == len(actual) and all(
            same(a, s) for a, s in zip(actual, shown, strict=True)
        )
    return bool(actual == shown)


def test_the_section_has_its_blocks() -> None:
    assert len(blocks("bash", "serve")) == 1
    assert len(blocks("bash", "curl")) == 1
    assert len(blocks("json", "response")) == 1
    assert len(blocks("bash", "deploy")) == 1
    (curl,) = blocks("bash", "curl")
    for path in ("/v1/tag ", "/v1/tag-batch", "/v1/similar", "/v1/info", "/v1/areas", "/v1/ready"):
        assert path in curl


def test_deploy_options_exist() -> None:
    from typer.testing import CliRunner

    from ecs_tagger.cli import app

    (deploy,) = blocks("bash", "deploy")
    shown = set(re.findall(r"(--[a-z][a-z-]+)", deploy))
    help_text = CliRunner().invoke(app, ["serve", "--help"], env={"COLUMNS": "200"}).output
    assert shown and all(option in help_text for option in shown), shown


def bash(code: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", code],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.mark.slow
def test_serve_and_curl_blocks_run(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    (tmp_path / "out").mkdir()
    shutil.copytree(index_folder(), tmp_path / "out" / "index")  # the build below updates it
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("ECS_TAGGER_MODEL", "VIRTUAL_ENV")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["ECS_TAGGER_CORRECTIONS"] = str(tmp_path / "corrections.jsonl")
    (serve,) = blocks("bash", "serve")
    serve = re.sub(r"^(ecs-tagger serve\b)", rf"\1 --port {port}", serve, flags=re.MULTILINE)
    log = tmp_path / "serve.log"
    with log.open("w") as output:
        server = subprocess.Popen(
            ["bash", "-e", "-c", serve],
            cwd=tmp_path,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 600
        with httpx.Client(base_url=url, timeout=60) as client:
            while True:
                assert server.poll() is None, log.read_text()
                assert time.monotonic() < deadline, log.read_text()
                try:
                    if client.get("/v1/ready").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.5)
            (curl,) = blocks("bash", "curl")
            done = bash(curl.replace("127.0.0.1:8000", f"127.0.0.1:{port}"), tmp_path, env)
            assert done.returncode == 0, done.stderr
            out = done.stdout
            for expected in ('"ready":true', '"areas":["energy"]', '"results":[', '"hits":['):
                assert expected in out, out
            assert '"status":4' not in out and '"status":5' not in out, out  # no problem answers
            assert '"new_areas":["food","energy"]' in out
            (shown,) = blocks("json", "response")
            request = json.loads(re.search(r"-d '(\{\"id\": \"p1\".*?\})'", curl).group(1))  # type: ignore[union-attr]
            actual = client.post("/v1/tag", json=request).json()
            assert same(actual, json.loads(shown)), json.dumps(actual, ensure_ascii=False)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(120)
