"""POST /v1/tag and /v1/tag-batch over HTTP against a real server (src/ecs_tagger/service/routes/tagging.py)."""

from __future__ import annotations

import math

import pytest

from service_support import BIOGAS, main_server, problem, tagger

TEXTS = [
    BIOGAS,
    "Region Uppsala testar videobesök och sensorer i hemmet för äldre personer.",
    "Små tillverkande företag får stöd att införa kollaborativa robotar i monteringen.",
    "The project helps municipal kitchens buy more locally produced food.",
    "",
]


@pytest.fixture(scope="module")
def client():  # type: ignore[no-untyped-def]
    with main_server().client() as client:
        yield client


def same_as_library(answer: dict, text: str, evidence: bool = True) -> None:
    """The answer holds the values `Tagger.tag` gives for `text`."""
    expected = tagger().tag(text, evidence=evidence)
    assert answer["areas"] == list(expected.areas)
    for code, score in expected.scores.items():
        if math.isnan(score):
            assert answer["scores"][code] is None
        else:
            assert answer["scores"][code] == pytest.approx(score, abs=2e-3)
    assert answer["language"] == expected.language
    assert answer["status"] == expected.status
    assert answer["message"] == expected.message
    assert answer["model_version"] == expected.model_version
    if evidence:
        assert answer["clean_text"] == expected.clean_text
        assert set(answer["evidence"]) == set(expected.evidence)
        for code, found in expected.evidence.items():
            got = answer["evidence"][code]
            assert [s["text"] for s in got["sentences"]] == [s.text for s in found.sentences]
            assert [(s["start"], s["end"]) for s in got["sentences"]] == [
                (s.start, s.end) for s in found.sentences
            ]
            assert [t["term"] for t in got["terms"]] == [t.term for t in found.terms]
    else:
        assert answer["evidence"] is None and answer["clean_text"] is None


def test_tag_gives_what_the_library_gives(client) -> None:  # type: ignore[no-untyped-def]
    response = client.post("/v1/tag", json={"text": BIOGAS, "id": "p-1"})
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["id"] == "p-1"
    assert answer["areas"] == ["energy"]
    same_as_library(answer, BIOGAS)
    sentence = answer["evidence"]["energy"]["sentences"][0]
    assert answer["clean_text"][sentence["start"] : sentence["end"]] == sentence["text"]
    assert response.headers["x-model-version"] == answer["model_version"]


@pytest.mark.parametrize("text", TEXTS[1:])
def test_other_texts_and_no_evidence(client, text: str) -> None:  # type: ignore[no-untyped-def]
    answer = client.post("/v1/tag", json={"text": text, "evidence": False}).json()
    same_as_library(answer, text, evidence=False)


def test_title_is_put_before_the_text(client) -> None:  # type: ignore[no-untyped-def]
    title, text = "Biogas på gården", "Gödsel rötas till fordonsgas."
    answer = client.post("/v1/tag", json={"title": title, "text": text}).json()
    same_as_library(answer, f"{title}\n{text}")


def test_an_empty_text_is_answered_not_refused(client) -> None:  # type: ignore[no-untyped-def]
    answer = client.post("/v1/tag", json={"text": "  "}).json()
    assert answer["status"] == "empty" and answer["areas"] == []
    assert all(score is None for score in answer["scores"].values())


def test_batch_keeps_order_and_ids(client) -> None:  # type: ignore[no-untyped-def]
    documents = [{"id": f"d{i}", "text": text} for i, text in enumerate(TEXTS)]
    documents[2]["title"] = "Robotar"
    response = client.post("/v1/tag-batch", json={"documents": documents})
    assert response.status_code == 200, response.text
    body = response.json()
    assert [r["id"] for r in body["results"]] == [d["id"] for d in documents]
    texts = [f"{d['title']}\n{d['text']}" if "title" in d else d["text"] for d in documents]
    expected = tagger().tag_many(texts)
    assert [r["areas"] for r in body["results"]] == [list(e.areas) for e in expected]
    assert body["results"][0]["areas"] == ["energy"]
    assert body["results"][-1]["status"] == "empty"
    assert body["model_version"] == expected[0].model_version
    assert client.post("/v1/tag-batch", json={"documents": []}).json()["results"] == []


def test_batch_with_evidence(client) -> None:  # type: ignore[no-untyped-def]
    body = client.post(
        "/v1/tag-batch", json={"documents": [{"text": BIOGAS}], "evidence": True}
    ).json()
    assert body["results"][0]["evidence"]["energy"]["sentences"]


def test_limits_answer_413(client) -> None:  # type: ignore[no-untyped-def]
    documents = [{"id": str(i), "text": "Solceller på tak."} for i in range(257)]
    body = problem(client.post("/v1/tag-batch", json={"documents": documents}), 413)
    assert "257" in body["detail"] and "256" in body["detail"]
    body = problem(client.post("/v1/tag", json={"text": "a" * 100_001}), 413)
    assert "100000" in body["detail"]
    long = [{"text": "ord " * 10}, {"text": "b" * 100_001}]
    assert (
        "documents[1]"
        in problem(client.post("/v1/tag-batch", json={"documents": long}), 413)["detail"]
    )
    huge = b'{"text": "' + b"a" * (9 * 1024 * 1024) + b'"}'
    problem(client.post("/v1/tag", content=huge, headers={"content-type": "application/json"}), 413)


def test_bad_requests_answer_422_without_echoing_the_text(client) -> None:  # type: ignore[no-untyped-def]
    bad_json = client.post(
        "/v1/tag", content=b'{"text": "hemligt', headers={"content-type": "application/json"}
    )
    body = problem(bad_json, 422)
    assert "not valid JSON" in body["detail"] and "hemligt" not in bad_json.text
    body = problem(client.post("/v1/tag", json={"title": "x"}), 422)
    assert body["errors"][0]["loc"] == ["text"]
    problem(client.post("/v1/tag", json={"text": 12}), 422)
    extra = problem(client.post("/v1/tag", json={"text": "hemligt", "txt": "x"}), 422)
    assert "hemligt" not in str(extra)
    problem(client.post("/v1/tag-batch", json={"documents": [{"id": "a"}]}), 422)
    problem(client.post("/v1/tag-batch", json=[{"text": "x"}]), 422)
    not_utf8 = b'{"text": "' + "gård".encode("cp1252") + b'"}'
    body = problem(
        client.post("/v1/tag", content=not_utf8, headers={"content-type": "application/json"}),
        422,
    )
    assert "UTF-8" in body["detail"]


def test_lone_surrogates_are_replaced_not_a_crash(client) -> None:  # type: ignore[no-untyped-def]
    raw = b'{"text": "Biogas \\ud800 p\\u00e5 g\\u00e5rden"}'
    response = client.post("/v1/tag", content=raw, headers={"content-type": "application/json"})
    assert response.status_code == 200, response.text
