"""The optional API key over HTTP (src/ecs_tagger/service/auth.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ecs_tagger.errors import InputError
from ecs_tagger.service.auth import read_api_key
from service_support import API_KEY, BIOGAS, keyed_server, problem


@pytest.fixture(scope="module")
def client():  # type: ignore[no-untyped-def]
    with keyed_server().client() as client:
        yield client


def test_missing_or_wrong_key_is_401(client) -> None:  # type: ignore[no-untyped-def]
    missing = client.post("/v1/tag", json={"text": BIOGAS})
    assert "X-API-Key" in problem(missing, 401)["detail"]
    assert missing.headers["www-authenticate"].startswith("Bearer")
    wrong = client.post("/v1/tag", json={"text": BIOGAS}, headers={"X-API-Key": "guess"})
    assert problem(wrong, 401)["title"] == "API key not accepted"
    problem(client.get("/v1/info", headers={"Authorization": f"Basic {API_KEY}"}), 401)
    problem(client.get("/v1/areas", headers={"Authorization": "Bearer " + API_KEY[:-1]}), 401)


def test_right_key_passes_either_way(client) -> None:  # type: ignore[no-untyped-def]
    by_header = client.post("/v1/tag", json={"text": BIOGAS}, headers={"X-API-Key": API_KEY})
    assert by_header.status_code == 200 and by_header.json()["areas"] == ["energy"]
    by_bearer = client.get("/v1/info", headers={"Authorization": f"Bearer {API_KEY}"})
    assert by_bearer.status_code == 200 and by_bearer.json()["api_key"] is True


def test_probes_page_and_description_stay_open(client) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/v1/health").status_code == 200
    assert client.get("/v1/ready").status_code == 200
    assert client.get("/").status_code == 200
    document = client.get("/v1/openapi.json").json()
    schemes = document["components"]["securitySchemes"]
    assert {"APIKeyHeader", "HTTPBearer"} <= set(schemes)
    assert "security" not in document["paths"]["/v1/health"]["get"]
    assert document["paths"]["/v1/tag"]["post"]["security"]


def test_key_files(tmp_path: Path) -> None:
    good = tmp_path / "key"
    good.write_text(f"  {API_KEY}  \nsecond line ignored\n", encoding="utf-8")
    assert read_api_key(good) == API_KEY
    short = tmp_path / "short"
    short.write_text("abc\n", encoding="utf-8")
    with pytest.raises(InputError, match="too short"):
        read_api_key(short)
    (tmp_path / "empty").write_text("", encoding="utf-8")
    with pytest.raises(InputError, match="empty"):
        read_api_key(tmp_path / "empty")
    with pytest.raises(InputError, match="cannot read"):
        read_api_key(tmp_path / "missing")
