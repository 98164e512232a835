"""Shared pieces of the preprocessing tests (tests/test_preprocess_*.py): the corpus location, a
preprocessor fixture (registered as a plugin in conftest.py), the sentence-offset check and the
corpus descriptions."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from ecs_tagger.preprocess import PreprocessedText, Preprocessor, Sentence

REPO = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("ECS_TAGGER_CORPUS", REPO.parent / "shared" / "corpus"))
PROJEKTBANKEN = CORPUS / "projektbanken" / "projects.jsonl"

needs_corpus = pytest.mark.skipif(
    not PROJEKTBANKEN.exists(),
    reason=f"corpus not found at {PROJEKTBANKEN} (set ECS_TAGGER_CORPUS)",
)


@pytest.fixture(scope="module")
def pre() -> Preprocessor:
    return Preprocessor()


def _check_sentences(result: PreprocessedText) -> None:
    previous_end = 0
    for sentence in result.sentences:
        assert isinstance(sentence, Sentence)
        assert result.clean[sentence.start : sentence.end] == sentence.text
        assert sentence.text == sentence.text.strip() and sentence.text
        assert sentence.start >= previous_end
        previous_end = sentence.end


def _descriptions() -> list[str]:
    with PROJEKTBANKEN.open(encoding="utf-8") as handle:
        records = [json.loads(line) for line in handle if line.strip()]
    return [str(r["description"]) for r in records if r.get("description")]
