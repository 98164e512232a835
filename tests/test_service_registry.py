"""The registry-index endpoints over HTTP: similar initiatives, projects, regions, portfolios and
actors (src/ecs_tagger/service/routes/registry.py), against an index of examples/registry.csv."""

from __future__ import annotations

import pytest

from service_support import main_server, problem


@pytest.fixture(scope="module")
def client():  # type: ignore[no-untyped-def]
    with main_server().client() as client:
        yield client


def test_similar_by_id_in_other_regions_with_reasons(client) -> None:  # type: ignore[no-untyped-def]
    response = client.post("/v1/similar", json={"id": "EX-001", "k": 3, "other_regions": True})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["query"]["id"] == "EX-001" and body["query"]["regions"] == ["Örebro"]
    assert 1 <= len(body["hits"]) <= 3
    assert [hit["rank"] for hit in body["hits"]] == list(range(1, len(body["hits"]) + 1))
    similarities = [hit["similarity"] for hit in body["hits"]]
    assert similarities == sorted(similarities, reverse=True)
    for hit in body["hits"]:
        assert hit["id"] != "EX-001" and "Örebro" not in hit["regions"]
        assert hit["reason"]["query_sentence"] and hit["reason"]["hit_sentence"]
        assert hit["level"] in (None, "close", "related", "weak")
        assert isinstance(hit["reason"]["shared_terms"], list)


def test_similar_by_text_and_filters(client) -> None:  # type: ignore[no-untyped-def]
    query = {
        "text": "Gödsel rötas till biogas på mjölkgårdar.",
        "k": 5,
        "other_regions": True,
        "query_regions": ["Örebro län"],
        "areas": ["energy"],
    }
    body = client.post("/v1/similar", json=query).json()
    assert body["query"]["id"] is None and body["query"]["regions"] == ["Örebro"]
    for hit in body["hits"]:
        assert "energy" in hit["areas"] and "Örebro" not in hit["regions"]
    plain = client.post("/v1/similar", json={"text": query["text"], "k": 1, "explain": False})
    assert plain.json()["hits"][0]["reason"] is None


def test_similar_errors(client) -> None:  # type: ignore[no-untyped-def]
    assert (
        "not in the index"
        in problem(client.post("/v1/similar", json={"id": "NOPE"}), 404)["detail"]
    )
    problem(client.post("/v1/similar", json={"id": "EX-001", "text": "x"}), 422)
    problem(client.post("/v1/similar", json={}), 422)
    problem(client.post("/v1/similar", json={"id": "EX-001", "k": 0}), 422)
    unknown_area = problem(
        client.post("/v1/similar", json={"id": "EX-001", "areas": ["fish"]}), 422
    )
    assert "fish" in unknown_area["detail"]
    needs_regions = problem(
        client.post("/v1/similar", json={"text": "Biogas på gårdar", "other_regions": True}), 422
    )
    assert "query_regions" in needs_regions["detail"]
    problem(client.post("/v1/similar", json={"text": "   "}), 422)


def test_project(client) -> None:  # type: ignore[no-untyped-def]
    body = client.get("/v1/projects/EX-001").json()
    assert body["id"] == "EX-001" and body["regions"] == ["Örebro"]
    assert body["title"] == "Biogas från gödsel på gårdsnivå"
    assert "energy" in body["areas"] and set(body["scores"]) == {
        "food",
        "health",
        "energy",
        "industry",
    }
    assert body["actor"] == "Lantbrukarnas Ekonomiska Förening Närke"
    assert "unknown" not in body and body["funding"] is None
    problem(client.get("/v1/projects/NOPE"), 404)


def test_regions_and_portfolio(client) -> None:  # type: ignore[no-untyped-def]
    regions = client.get("/v1/regions").json()["regions"]
    names = [r["region"] for r in regions]
    assert set(names) == {"Örebro", "Uppsala", "Västmanland", "Östergötland", "Södermanland"}
    assert sum(r["projects"] for r in regions) == 20
    body = client.get("/v1/regions/Örebro län/portfolio").json()
    assert body["region"] == "Örebro" and body["compared_with"] == 5
    areas = {row["area"]: row for row in body["areas"]}
    assert set(areas) == {"food", "health", "energy", "industry", "none"}
    assert sum(row["count"] for row in body["areas"]) >= body["projects"] * 0 + 1
    assert all(row["share"] is None or 0 <= row["share"] <= 1 for row in body["areas"])
    assert "Västmanland" in problem(client.get("/v1/regions/Gotland/portfolio"), 404)["detail"]


def test_actors(client) -> None:  # type: ignore[no-untyped-def]
    found = client.get("/v1/actors/search", params={"q": "region"}).json()["actors"]
    assert found and all("region" in a["actor"].casefold() for a in found)
    assert set(found[0]["shares"]) == {"food", "health", "energy", "industry", "none"}
    assert client.get("/v1/actors/search", params={"q": "zzzz"}).json()["actors"] == []
    problem(client.get("/v1/actors/search"), 422)
    similar = client.get(
        "/v1/actors/similar", params={"actor": "Region Uppsala", "k": 3, "other_regions": False}
    )
    assert similar.status_code == 200, similar.text
    body = similar.json()
    assert body["actor"] == "Region Uppsala" and len(body["actors"]) <= 3
    for actor in body["actors"]:
        assert actor["actor"] != "Region Uppsala" and actor["similarity"] is not None
    problem(client.get("/v1/actors/similar", params={"actor": "Ingen Sådan Aktör AB"}), 404)
