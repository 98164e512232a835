"""The service's status and description endpoints, errors, headers, readiness and the OpenAPI
document, over HTTP against real servers (src/ecs_tagger/service/app.py, routes/status.py,
problems.py, middleware.py, state.py)."""

from __future__ import annotations

import json
import threading
from typing import ClassVar

import httpx
import pytest

from service_support import main_server, problem, shared_loader, start_server, tagger


@pytest.fixture(scope="module")
def client():  # type: ignore[no-untyped-def]
    with main_server().client() as client:
        yield client


def test_health_ready_info_areas(client) -> None:  # type: ignore[no-untyped-def]
    version = tagger().model_version
    assert client.get("/v1/health").json() == {"status": "ok", "model_version": version}
    ready = client.get("/v1/ready").json()
    assert ready["ready"] is True and ready["seconds_to_ready"] >= 0
    info = client.get("/v1/info").json()
    assert info["model_version"] == version
    assert info["taxonomy"]["codes"] == ["food", "health", "energy", "industry"]
    assert info["encoder"]["model_id"] == tagger().embedder.model_id
    assert info["cross_validation"]["macro_f1"] == pytest.approx(0.82, abs=0.05)
    assert set(info["cross_validation"]["areas"]) == {"food", "health", "energy", "industry"}
    assert info["limits"] == {
        "max_batch_documents": 256,
        "max_text_chars": 100_000,
        "max_body_bytes": 8 * 1024 * 1024,
        "queue_texts": 1024,
    }
    assert info["index"]["projects"] == 20
    assert info["corrections"] is True and info["api_key"] is False
    areas = client.get("/v1/areas").json()["areas"]
    assert [a["code"] for a in areas] == ["food", "health", "energy", "industry"]
    assert areas[2]["name_sv"] == "Morgondagens energilösningar"
    assert areas[2]["name_en"] == "Energy solutions of tomorrow"


def test_every_response_carries_the_model_version(client) -> None:  # type: ignore[no-untyped-def]
    version = tagger().model_version
    for response in (
        client.get("/v1/health"),
        client.get("/v1/nowhere"),
        client.post("/v1/tag", json={}),
        client.get("/v1/tag"),
        client.get("/"),
    ):
        assert response.headers["x-model-version"] == version
    assert problem(client.get("/v1/nowhere"), 404)["model_version"] == version
    assert problem(client.get("/v1/tag"), 405)["model_version"] == version


def test_openapi_document_and_docs_page(client) -> None:  # type: ignore[no-untyped-def]
    document = client.get("/v1/openapi.json").json()
    assert document["openapi"].startswith("3.")
    paths = set(document["paths"])
    for path in (
        "/v1/health",
        "/v1/ready",
        "/v1/info",
        "/v1/areas",
        "/v1/tag",
        "/v1/tag-batch",
        "/v1/similar",
        "/v1/projects/{project_id}",
        "/v1/regions/{region}/portfolio",
        "/v1/actors/search",
        "/v1/actors/similar",
        "/v1/corrections",
    ):
        assert path in paths
    tag = document["paths"]["/v1/tag"]["post"]
    assert "application/problem+json" in tag["responses"]["413"]["content"]
    assert "ProblemModel" in document["components"]["schemas"]
    docs = client.get("/v1/docs")
    assert docs.status_code == 200 and "swagger-ui-bundle.js" in docs.text
    assert "cdn." not in docs.text and "https://" not in docs.text.split("<body>")[0]
    for line in docs.text.splitlines():
        if "swagger-ui-bundle.js" in line:
            script = line.split('src="')[1].split('"')[0]
            assert client.get(script).status_code == 200


def test_readiness_before_the_model_is_loaded() -> None:
    from ecs_tagger.service import ServiceSettings, create_app

    release = threading.Event()

    def slow_loader(settings):  # type: ignore[no-untyped-def]
        release.wait(60)
        return shared_loader(settings)

    running = start_server(create_app(ServiceSettings(), loader=slow_loader))
    try:
        with running.client() as client:
            assert client.get("/v1/health").status_code == 200
            waiting = client.get("/v1/ready")
            body = problem(waiting, 503)
            assert "loading" in body["detail"] and waiting.headers["retry-after"]
            problem(client.post("/v1/tag", json={"text": "Solceller"}), 503)
            # The model version is known from the model's files before the model is loaded.
            assert waiting.headers["x-model-version"] == tagger().model_version
            release.set()
            running.wait_ready(60)
            assert client.post("/v1/tag", json={"text": "Solceller"}).status_code == 200
            # Operations it was started without say how to get them.
            missing = problem(client.post("/v1/similar", json={"text": "x"}), 404)
            assert "--index" in missing["detail"]
            assert (
                "--allow-corrections"
                in problem(client.post("/v1/corrections", json={}), 404)["detail"]
            )
    finally:
        release.set()
        running.stop()


def test_a_failed_load_is_reported_by_ready() -> None:
    from ecs_tagger.errors import ModelError
    from ecs_tagger.service import ServiceSettings, create_app

    def broken(settings):  # type: ignore[no-untyped-def]
        raise ModelError("no model at /nowhere")

    running = start_server(create_app(ServiceSettings(), loader=broken))
    try:
        with running.client() as client:
            for _ in range(50):
                body = problem(client.get("/v1/ready"), 503)
                if "failed" in body["detail"]:
                    break
                threading.Event().wait(0.1)
            assert "no model at /nowhere" in body["detail"]
    finally:
        running.stop()


def test_an_unexpected_error_is_a_problem_without_traceback() -> None:
    from ecs_tagger.service import ServiceSettings, create_app
    from ecs_tagger.service.state import Loaded

    class Broken:
        model_version = "broken@1"
        manifest: ClassVar[dict[str, str]] = {}

        def tag_many(self, texts, **options):  # type: ignore[no-untyped-def]
            raise RuntimeError("secret internals")

    running = start_server(create_app(ServiceSettings(), loader=lambda s: Loaded(Broken())))  # type: ignore[arg-type]
    try:
        running.wait_ready(30)
        with running.client() as client:
            response = client.post("/v1/tag", json={"text": "Solceller"})
            body = problem(response, 500)
            assert "secret" not in response.text and body["model_version"] == "broken@1"
            assert response.headers["x-model-version"] == "broken@1"
    finally:
        running.stop()


def test_problem_details_are_json_with_the_documented_members(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/v1/projects/NOPE")
    body = json.loads(response.content)
    assert set(body) >= {"type", "title", "status", "detail", "model_version"}
    assert isinstance(httpx.codes(body["status"]), int)


def test_behind_a_proxy_that_serves_it_under_a_path() -> None:
    """A proxy passes /tagger/v1/... on as /v1/... (nginx `proxy_pass http://...:8000/;`) and the
    service runs with --root-path /tagger: its pages must link under /tagger."""
    from ecs_tagger.service import ServiceSettings, create_app

    running = start_server(create_app(ServiceSettings(), loader=shared_loader), root_path="/tagger")
    try:
        running.wait_ready(120)
        with running.client() as client:
            docs = client.get("/v1/docs").text
            assert "/tagger/v1/openapi.json" in docs and "/tagger/v1/docs-files/" in docs
            assert client.get("/v1/openapi.json").status_code == 200
            page = client.get("/").text
            assert 'href="page/style.css"' in page and 'src="page/app.js"' in page  # relative
            assert client.get("/page/app.js").status_code == 200
    finally:
        running.stop()
