"""`ecs-tagger serve` (src/ecs_tagger/cli/serve.py): refusing bad settings in the terminal, and the
real command in a subprocess: start, readiness, an API key, the request log, graceful shutdown."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from ecs_tagger.cli import app
from service_support import API_KEY, BIOGAS, free_port, index_folder


def test_serve_is_a_command_with_its_options() -> None:
    runner = CliRunner()
    assert "serve" in runner.invoke(app, ["--help"]).output
    help_text = runner.invoke(app, ["serve", "--help"], env={"COLUMNS": "200"}).output
    for option in ("--port", "--index", "--api-key-file", "--allow-corrections", "--workers"):
        assert option in help_text


def test_serve_refuses_bad_settings_before_starting(tmp_path: Path) -> None:
    runner = CliRunner()
    no_model = runner.invoke(app, ["serve", "--model", str(tmp_path)])
    assert no_model.exit_code == 2 and "error:" in no_model.output
    no_index = runner.invoke(app, ["serve", "--index", str(tmp_path / "none")])
    assert no_index.exit_code == 2 and "no index" in no_index.output
    (tmp_path / "key").write_text("short\n", encoding="utf-8")
    short_key = runner.invoke(app, ["serve", "--api-key-file", str(tmp_path / "key")])
    assert short_key.exit_code == 2 and "too short" in short_key.output


def command() -> list[str]:
    script = Path(sys.executable).parent / "ecs-tagger"
    return [str(script)] if script.exists() else [sys.executable, "-m", "ecs_tagger.cli.main"]


@pytest.mark.slow
def test_serve_end_to_end_with_graceful_shutdown(tmp_path: Path) -> None:
    key_file = tmp_path / "key"
    key_file.write_text(API_KEY, encoding="utf-8")
    port = free_port()
    log = tmp_path / "server.log"
    arguments = [
        "serve",
        "--port",
        str(port),
        "--index",
        str(index_folder()),
        "--api-key-file",
        str(key_file),
        "--allow-corrections",
        "--corrections",
        str(tmp_path / "corrections.jsonl"),
        "--graceful-timeout",
        "300",  # the batch in flight below must finish even on a busy shared machine
    ]
    with log.open("w") as output:
        process = subprocess.Popen(
            [*command(), *arguments], stdout=output, stderr=subprocess.STDOUT, env=dict(os.environ)
        )
    url = f"http://127.0.0.1:{port}"
    headers = {"X-API-Key": API_KEY}
    try:
        started = time.monotonic()
        with httpx.Client(base_url=url, timeout=120) as client:
            ready = None
            while time.monotonic() - started < 300:
                assert process.poll() is None, log.read_text()
                try:
                    ready = client.get("/v1/ready")
                except httpx.TransportError:
                    ready = None
                if ready is not None and ready.status_code == 200:
                    break
                time.sleep(0.5)
            assert ready is not None and ready.status_code == 200, log.read_text()
            tagged = client.post("/v1/tag", json={"text": BIOGAS}, headers=headers)
            assert tagged.status_code == 200 and tagged.json()["areas"] == ["energy"]
            assert client.post("/v1/tag", json={"text": BIOGAS}).status_code == 401
            hits = client.post("/v1/similar", json={"id": "EX-001", "k": 2}, headers=headers)
            assert hits.status_code == 200 and len(hits.json()["hits"]) == 2

            # A batch in flight when the server is told to stop is still answered.
            documents = [{"id": str(i), "text": f"{BIOGAS} Variant {i}."} for i in range(24)]
            answers: list[httpx.Response] = []
            sender = threading.Thread(
                target=lambda: answers.append(
                    client.post("/v1/tag-batch", json={"documents": documents}, headers=headers)
                )
            )
            sender.start()
            while client.get("/v1/ready").json()["queued_texts"] == 0 and sender.is_alive():
                time.sleep(0.01)
            process.send_signal(signal.SIGTERM)
            sender.join(120)
        assert answers and answers[0].status_code == 200, log.read_text()
        assert [r["id"] for r in answers[0].json()["results"]] == [str(i) for i in range(24)]
        # uvicorn shuts down gracefully, then ends by the signal it was sent (status -15).
        assert process.wait(120) in (0, -signal.SIGTERM)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    text = log.read_text()
    assert "POST /v1/tag 200" in text and "POST /v1/tag 401" in text
    assert "POST /v1/tag-batch 200" in text
    assert "biogasanläggningar" not in text  # texts are never logged
    assert "ready in" in text
    assert "Waiting for background tasks" in text or "Finished server process" in text
