"""POST /v1/corrections over HTTP: reviews appended to the corrections store the notebooks read
(src/ecs_tagger/service/routes/corrections.py)."""

from __future__ import annotations

import pytest

from ecs_tagger.coordinators.corrections.store import CorrectionStore, text_hash
from service_support import BIOGAS, SCRATCH, main_server, problem, tagger


@pytest.fixture(scope="module")
def client():  # type: ignore[no-untyped-def]
    with main_server().client() as client:
        yield client


def test_a_correction_is_appended_to_the_store(client) -> None:  # type: ignore[no-untyped-def]
    store = CorrectionStore(SCRATCH / "corrections.jsonl")
    before = len(store.read())
    response = client.post(
        "/v1/corrections",
        json={
            "id": "TVV-1",
            "text": BIOGAS,
            "new_areas": ["food", "energy"],
            "reviewer": "Anna",
            "comment": "också mat",
        },
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["old_areas"] == ["energy"]  # tagged now: no old_areas were sent
    assert body["new_areas"] == ["food", "energy"] and body["action"] == "correct"
    assert body["model_version"] == tagger().model_version
    lines = store.read()
    assert len(lines) == before + 1
    latest = store.latest()["TVV-1"]
    assert latest.text_hash == text_hash(BIOGAS) and latest.reviewer == "Anna"
    assert BIOGAS not in (SCRATCH / "corrections.jsonl").read_text("utf-8")  # the text is not kept

    accepted = client.post(
        "/v1/corrections",
        json={
            "id": "TVV-2",
            "text": "x",
            "old_areas": ["health"],
            "new_areas": ["health"],
            "reviewer": "Bo",
        },
    ).json()
    assert accepted["action"] == "accept"


def test_bad_corrections_are_422(client) -> None:  # type: ignore[no-untyped-def]
    base = {"id": "TVV-3", "text": BIOGAS, "new_areas": ["energy"], "reviewer": "Anna"}
    assert (
        "fish"
        in problem(client.post("/v1/corrections", json={**base, "new_areas": ["fish"]}), 422)[
            "detail"
        ]
    )
    problem(client.post("/v1/corrections", json={**base, "reviewer": ""}), 422)
    problem(client.post("/v1/corrections", json={**base, "action": "delete"}), 422)
    problem(client.post("/v1/corrections", json={k: v for k, v in base.items() if k != "id"}), 422)
