from __future__ import annotations

import json
from pathlib import Path

import pytest

from ecs_tagger.corpus import (
    label_file_digests,
    label_files,
    load_labels,
    unseen_label_files,
)
from ecs_tagger.errors import InputError


def test_every_labels_file_is_read(corpus_root: Path) -> None:
    """All labelling rounds, with counts derived from the files themselves (no number pinned)."""
    files = label_files(corpus_root)
    assert files[0].name == "train_labels.jsonl" and len(files) >= 2
    lines = sum(1 for f in files for line in f.open(encoding="utf-8") if line.strip())
    labels = load_labels(corpus_root)
    assert len(labels) == lines and labels["id"].is_unique
    assert set(labels["round"]) >= {1, 2}


def test_training_rows_of_the_recipe(corpus_root: Path) -> None:
    from ecs_tagger.model.recipes import corpus_training_frames

    labels = load_labels(corpus_root)
    data, extra = corpus_training_frames(corpus_root, titles="score")
    assert len(data) == len(labels) and data["evaluate"].all()
    assert not extra["evaluate"].any() and set(extra["group"]) <= set(data["id"])
    titles = extra[extra["kind"] == "title"]
    assert len(titles) == len(data) and (titles["text"].str.len() < 300).all()
    assert (titles["weight"] == 0).all()
    round1, _ = corpus_training_frames(corpus_root, rounds={1})
    assert len(round1) == int((labels["round"] == 1).sum())


def test_a_record_labelled_twice_is_refused(tmp_path: Path) -> None:
    (tmp_path / "labels").mkdir()
    record = {"id": "TVV-1", "source": "projektbanken", "areas": []}
    for name in ("train_labels.jsonl", "train_labels_round2.jsonl"):
        (tmp_path / "labels" / name).write_text(json.dumps(record) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="TVV-1"):
        load_labels(tmp_path)


def test_a_model_record_of_labels_files_tells_new_and_changed_files(tmp_path: Path) -> None:
    labels = tmp_path / "labels"
    labels.mkdir()
    first = labels / "train_labels.jsonl"
    first.write_text(json.dumps({"id": "TVV-1", "areas": []}) + "\n", encoding="utf-8")
    learned = label_file_digests(tmp_path)
    assert list(learned) == ["train_labels.jsonl"] and len(learned["train_labels.jsonl"]) == 64
    assert unseen_label_files(learned, tmp_path) == {}
    (labels / "train_labels_round2.jsonl").write_text(
        json.dumps({"id": "TVV-2", "areas": ["food"]}) + "\n", encoding="utf-8"
    )
    assert unseen_label_files(learned, tmp_path) == {"train_labels_round2.jsonl": "new"}
    first.write_text(json.dumps({"id": "TVV-1", "areas": ["energy"]}) + "\n", encoding="utf-8")
    assert unseen_label_files(learned, tmp_path) == {
        "train_labels.jsonl": "changed",
        "train_labels_round2.jsonl": "new",
    }
    assert unseen_label_files(None, tmp_path) == {}, "a model with no record compares nothing"
    left_out = ["train_labels_round2.jsonl"]  # a file its recipe leaves out on purpose
    assert unseen_label_files(learned, tmp_path, left_out) == {"train_labels.jsonl": "changed"}
    assert [p.name for p in label_files(tmp_path, ["train_labels_round2.jsonl"])] == [
        "train_labels_round2.jsonl"
    ]
    assert len(load_labels(tmp_path, ["train_labels.jsonl"])) == 1
    with pytest.raises(InputError, match=r"train_labels_round9\.jsonl"):
        label_files(tmp_path, ["train_labels_round9.jsonl"])
