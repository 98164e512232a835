"""Shared set-up of the web-service tests (tests/test_service_*.py): real uvicorn servers on free
127.0.0.1 ports, talked to over HTTP.

Each server is started once per test process (functools.cache) and stopped at its end, so the
test files share them: the shipped model loads once (~10-15 s) and serves every file.

* :func:`main_server`: the shipped model, an index of examples/registry.csv (20 projects in the
  five regions), corrections on (into a temporary file), no API key;
* :func:`keyed_server`: the same model behind an API key (:data:`API_KEY`), no index;
* :func:`start_server`: any other app, for a test that needs its own (stopped by the caller).
"""

from __future__ import annotations

import atexit
import os
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import pandas as pd

os.environ.setdefault("ECS_TAGGER_CACHE", str(Path.home() / ".cache" / "ecs-tagger"))

ROOT = Path(__file__).resolve().parents[1]
API_KEY = "test-key-0123456789abcdef"
#: A text the shipped model tags `energy` (the README's example).
BIOGAS = "Projektet bygger biogasanläggningar på mjölkgårdar i Örebro län."
SCRATCH = Path(tempfile.mkdtemp(prefix="ecs-tagger-service-tests-"))
atexit.register(shutil.rmtree, SCRATCH, ignore_errors=True)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class RunningServer:
    """A uvicorn server in a thread of this process, listening on 127.0.0.1:`port`."""

    app: Any
    port: int
    server: Any
    thread: threading.Thread

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def client(self, **options: Any) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=options.pop("timeout", 120), **options)

    def wait_ready(self, timeout: float = 300) -> None:
        """Wait until GET /v1/ready answers 200 (AssertionError after `timeout` seconds)."""
        deadline = time.monotonic() + timeout
        with self.client() as client:
            while time.monotonic() < deadline:
                if client.get("/v1/ready").status_code == 200:
                    return
                time.sleep(0.2)
        raise AssertionError(f"the server on port {self.port} was not ready in {timeout} s")

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(60)


def start_server(app: Any, **options: Any) -> RunningServer:
    """Serve `app` with uvicorn in a thread on a free port (`options`: more of uvicorn's
    settings); returns once it listens."""
    import uvicorn

    port = free_port()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
        lifespan="on",
        **options,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise AssertionError(f"uvicorn did not start on port {port}")
        time.sleep(0.05)
    return RunningServer(app, port, server, thread)


@cache
def tagger() -> Any:
    """The shipped model, loaded once for every service test."""
    from ecs_tagger.tagger import Tagger

    return Tagger.load()


def registry() -> pd.DataFrame:
    return pd.read_csv(ROOT / "examples" / "registry.csv", dtype=str, keep_default_na=False)


@cache
def index_folder() -> Path:
    """An index of examples/registry.csv, built with the shipped model."""
    from ecs_tagger.index import RegistryIndex

    folder = SCRATCH / "index"
    RegistryIndex.build(
        registry(),
        tagger(),
        ["titel", "beskrivning"],
        "projekt_id",
        "region",
        actor_col="stodmottagare",
    ).save(folder)
    return folder


def shared_loader(settings: Any) -> Any:
    """Loads what `settings` ask for with the shared tagger (no second copy of the model)."""
    from ecs_tagger.index import RegistryIndex
    from ecs_tagger.service.state import Loaded

    index = None
    if settings.index is not None:
        index = RegistryIndex.load(settings.index)
        index.attach(tagger())
    return Loaded(tagger(), index)


def _serve(settings: Any, loader: Callable[[Any], Any] = shared_loader) -> RunningServer:
    from ecs_tagger.service import create_app

    running = start_server(create_app(settings, loader=loader))
    atexit.register(running.stop)
    running.wait_ready()
    return running


@cache
def main_server() -> RunningServer:
    from ecs_tagger.service import ServiceSettings

    return _serve(
        ServiceSettings(
            index=index_folder(),
            allow_corrections=True,
            corrections=SCRATCH / "corrections.jsonl",
        )
    )


@cache
def keyed_server() -> RunningServer:
    from ecs_tagger.service import ServiceSettings

    key_file = SCRATCH / "api-key"
    key_file.write_text(API_KEY + "\n", encoding="utf-8")
    return _serve(ServiceSettings(api_key_file=key_file))


def problem(response: httpx.Response, status: int) -> dict[str, Any]:
    """The problem+json body of `response`, checked to have `status` and the usual members."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["title"] and body["detail"]
    assert "Traceback" not in response.text
    return body
