"""The preprocessing cache: same analyses as without it, keyed by settings and version, robust to
corrupt rows, and a re-tag of cached texts runs neither spaCy nor the encoder."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from ecs_tagger.config import cache_dir
from ecs_tagger.embedding.encoder import Embedder
from ecs_tagger.preprocess import Preprocessor, PreprocessSettings
from ecs_tagger.preprocess import cache as cache_module
from ecs_tagger.preprocess import preprocessor as preprocessor_module
from ecs_tagger.preprocess.cache import PreprocessCache, preprocess_key, preprocess_version
from ecs_tagger.tagger import Tagger

TEXTS = [
    "Projektet bygger biogasanläggningar på mjölkgårdar. Gödsel rötas till biogas, bl.a. för "
    "bussar.\n\nVälfärdsteknik och e-hälsa i hemtjänsten: trygghetslarm och sensorer.",
    "<p>Research on hydrogen storage &amp; fuel cells for heavy trucks.</p> It ends here.",
    "Vätgas i Mälardalen",
    "livsmedels-\nföretagen i regionen utvecklar nya måltider av fisk",
    "Prosjektet skal utvikle nye løsninger for fornybar energi i kommunene.",
    "   ",
    "12345",
    "Vätgas i Mälardalen",
]


def _refuse(*_: object, **__: object) -> None:
    raise AssertionError("spaCy or language detection ran")


@pytest.fixture
def store(tmp_path: Path) -> PreprocessCache:
    return PreprocessCache(tmp_path / "preprocessed")


def test_cached_analysis_equals_a_fresh_one(
    store: PreprocessCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    pre = Preprocessor()
    fresh = pre.process_many(TEXTS)
    assert store.process_many(pre, TEXTS) == fresh
    assert len(store) == len(set(TEXTS))
    monkeypatch.setattr(pre, "process_many", _refuse)
    again = PreprocessCache(store.path.parent).process_many(pre, TEXTS)
    assert again == fresh
    assert [d.original for d in again] == TEXTS


def test_truncated_texts_round_trip(store: PreprocessCache) -> None:
    pre = Preprocessor(PreprocessSettings(max_chars=40))
    text = "Solceller på skolans tak ger el till köket och idrottshallen hela sommaren."
    fresh = pre.process(text)
    assert fresh.truncated
    store.process_many(pre, [text])
    assert store.process_many(pre, [text]) == [fresh]


def test_other_settings_or_version_miss(
    store: PreprocessCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = TEXTS[0]
    plain = PreprocessSettings()
    other = PreprocessSettings(split_compounds=False)
    assert preprocess_key(text, plain) != preprocess_key(text, other)
    assert preprocess_key(text, plain, "v1") != preprocess_key(text, plain, "v2")
    store.process_many(Preprocessor(plain), [text])
    unsplit = store.process_many(Preprocessor(other), [text])
    assert unsplit == Preprocessor(other).process_many([text]) and len(store) == 2
    # a new version constant (or library/source change) gives new keys: nothing is read
    monkeypatch.setattr(cache_module, "PREPROCESS_VERSION", "test-next")
    preprocess_version.cache_clear()
    try:
        assert preprocess_key(text, plain) != preprocess_key(text, plain, "ecs-preprocess-1")
        calls: list[int] = []
        pre = Preprocessor(plain)
        process_many = pre.process_many
        monkeypatch.setattr(
            pre, "process_many", lambda texts: calls.append(len(texts)) or process_many(texts)
        )
        store.process_many(pre, [text])
        assert calls == [1]
    finally:
        monkeypatch.undo()
        preprocess_version.cache_clear()
    version = preprocess_version()
    assert "spacy=" in version and "spacy-lookups-data=" in version


@pytest.mark.parametrize(
    "data",
    ["{not json", "[1, 2]", '{"clean": 5}', '{"clean": "x", "language": "sv"}', "null", ""],
)
def test_corrupt_rows_are_recomputed(store: PreprocessCache, data: str) -> None:
    pre = Preprocessor()
    fresh = pre.process_many(TEXTS[:2])
    store.process_many(pre, TEXTS[:2])
    with sqlite3.connect(store.path) as connection:
        connection.execute("UPDATE documents SET data = ?", (data,))
    assert store.process_many(pre, TEXTS[:2]) == fresh
    assert PreprocessCache(store.path.parent).process_many(pre, TEXTS[:2]) == fresh


def test_sentence_offsets_that_do_not_match_are_recomputed(store: PreprocessCache) -> None:
    pre = Preprocessor()
    fresh = pre.process(TEXTS[0])
    store.process_many(pre, [TEXTS[0]])
    with sqlite3.connect(store.path) as connection:
        (data,) = connection.execute("SELECT data FROM documents").fetchone()
        connection.execute("UPDATE documents SET data = ?", (data.replace('", 0, ', '", 1, '),))
    assert store.process_many(pre, [TEXTS[0]]) == [fresh]


def test_warm_retag_runs_no_spacy_no_encoder_and_gives_identical_results(
    small_tagger: Tagger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    small_tagger.save(tmp_path / "model")
    private = tmp_path / "cache"
    private.mkdir()
    (private / "models").symlink_to(cache_dir() / "models", target_is_directory=True)
    uncached = Tagger.load(tmp_path / "model", use_cache=False)
    expected = uncached.tag_many(TEXTS, evidence=True)
    expected_plain = uncached.tag_many(TEXTS)
    filling = Tagger.load(tmp_path / "model", cache_directory=private)
    assert filling.tag_many(TEXTS, evidence=True) == expected

    monkeypatch.setattr(preprocessor_module, "get_pipeline", _refuse)
    monkeypatch.setattr(preprocessor_module, "detect_language", _refuse)
    monkeypatch.setattr(Embedder, "_load", _refuse)
    warm = Tagger.load(tmp_path / "model", cache_directory=private)
    assert warm.tag_many(TEXTS, evidence=True) == expected
    assert warm.tag_many(TEXTS) == expected_plain
    assert warm.embedder._model is None
    # a text not seen before does need both
    with pytest.raises(AssertionError, match="spaCy or language detection ran"):
        warm.tag("Ett helt nytt projekt om solceller.")
