"""The corrections log (ecs_tagger.coordinators.corrections.store): append-only JSONL, latest line wins."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from ecs_tagger.coordinators.corrections import store as corr
from ecs_tagger.coordinators.corrections.store import (
    ACTION_ACCEPT,
    ACTION_CORRECT,
    Correction,
    CorrectionStore,
    text_hash,
)
from ecs_tagger.errors import InputError, TaxonomyError

TEXT = "Projektet bygger biogasanläggningar på mjölkgårdar i Örebro län."


def test_record_appends_one_json_line_with_every_field(tmp_path: Path) -> None:
    store = CorrectionStore(tmp_path / "sub" / "c.jsonl")
    saved = store.record(
        "TVV-1",
        text=TEXT,
        old_areas=["industry"],
        new_areas=["energy", "food"],
        reviewer=" Anna ",
        comment=" biogas ",
        model_version="m1",
    )
    lines = (tmp_path / "sub" / "c.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1
    data = json.loads(lines[0])
    assert set(data) >= {"id", "text_hash", "old_areas", "new_areas", "reviewer", "time", "comment"}
    assert data["new_areas"] == ["food", "energy"]  # taxonomy order, whatever the order given
    assert data["reviewer"] == "Anna" and data["comment"] == "biogas"
    assert data["text_hash"] == text_hash(TEXT) and data["action"] == ACTION_CORRECT
    assert data["time"].endswith("Z")
    assert saved == Correction.from_dict(data)
    assert saved.added == ("food", "energy") and saved.removed == ("industry",) and saved.changed


def test_accepting_is_recorded_as_accept(tmp_path: Path) -> None:
    store = CorrectionStore(tmp_path / "c.jsonl")
    review = store.record(
        "TVV-1", text=TEXT, old_areas=["energy"], new_areas=["energy"], reviewer="Anna"
    )
    assert review.action == ACTION_ACCEPT and not review.changed


def test_earlier_lines_are_never_rewritten_and_the_latest_line_wins(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    store = CorrectionStore(path)
    store.record("A", text=TEXT, old_areas=[], new_areas=["energy"], reviewer="Anna")
    store.record("B", text="b", old_areas=[], new_areas=[], reviewer="Anna")
    before = path.read_bytes()
    store.record("A", text=TEXT, old_areas=[], new_areas=["food"], reviewer="Bo", comment="no")
    after = path.read_bytes()
    assert after.startswith(before), "appending keeps every earlier byte"
    assert len(store.read()) == 3
    latest = store.latest()
    assert latest["A"].new_areas == ("food",) and latest["A"].reviewer == "Bo"
    assert latest["B"].new_areas == ()
    # A new store object on the same file (the notebook re-opened) sees the same reviews.
    assert CorrectionStore(path).latest() == latest
    assert len(CorrectionStore(path)) == 2


def test_withdraw_takes_a_review_back_but_keeps_the_history(tmp_path: Path) -> None:
    store = CorrectionStore(tmp_path / "c.jsonl")
    store.record("A", text=TEXT, old_areas=[], new_areas=["energy"], reviewer="Anna")
    store.withdraw("A", reviewer="Anna", comment="clicked by mistake")
    assert "A" not in store.latest()
    assert [c.action for c in store.read()] == [ACTION_CORRECT, "withdraw"]
    store.record("A", text=TEXT, old_areas=[], new_areas=["food"], reviewer="Anna")
    assert store.latest()["A"].new_areas == ("food",)


def test_appends_are_flushed_and_fsynced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    synced: list[int] = []
    real = os.fsync

    def fsync(fd: int) -> None:
        synced.append(fd)
        real(fd)

    monkeypatch.setattr(corr.os, "fsync", fsync)
    store = CorrectionStore(tmp_path / "c.jsonl")
    store.record("A", text=TEXT, old_areas=[], new_areas=["energy"], reviewer="Anna")
    store.record("B", text=TEXT, old_areas=[], new_areas=[], reviewer="Anna")
    assert len(synced) == 2


def test_a_line_cut_by_a_crash_is_skipped_and_the_next_line_starts_fresh(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    store = CorrectionStore(path)
    store.record("A", text=TEXT, old_areas=[], new_areas=["energy"], reviewer="Anna")
    with open(path, "ab") as handle:
        handle.write(b'{"id": "B", "old_areas": [], "new_ar')  # no new line: a crash mid-write
    store.record("C", text=TEXT, old_areas=[], new_areas=["food"], reviewer="Anna")
    assert set(store.latest()) == {"A", "C"}
    assert len(store.problems) == 1 and store.problems[0][0] == 2
    assert path.read_text(encoding="utf-8").count("\n") == 3


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"reviewer": "  "}, InputError),
        ({"new_areas": ["energi"]}, TaxonomyError),
        ({"action": "delete"}, InputError),
    ],
)
def test_bad_reviews_are_refused_and_nothing_is_written(
    tmp_path: Path, kwargs: dict[str, object], error: type[Exception]
) -> None:
    store = CorrectionStore(tmp_path / "c.jsonl")
    arguments: dict[str, object] = {
        "text": TEXT,
        "old_areas": [],
        "new_areas": ["energy"],
        "reviewer": "Anna",
        **kwargs,
    }
    with pytest.raises(error):
        store.record("A", **arguments)  # type: ignore[arg-type]
    assert not (tmp_path / "c.jsonl").exists()
    with pytest.raises(InputError):
        store.record(" ", text=TEXT, old_areas=[], new_areas=[], reviewer="Anna")


def test_text_hash_ignores_white_space_but_not_words() -> None:
    assert text_hash("a  b\r\nc ") == text_hash("a b c")
    assert text_hash("a b c") != text_hash("a b d")
    assert text_hash(None) == text_hash("")
    assert len(text_hash(TEXT)) == 16


def test_frame_lists_the_latest_reviews(tmp_path: Path) -> None:
    store = CorrectionStore(tmp_path / "c.jsonl")
    assert store.frame().empty and list(store.frame().columns)[:3] == [
        "id",
        "text_hash",
        "old_areas",
    ]
    store.record("A", text=TEXT, old_areas=["food"], new_areas=["energy", "food"], reviewer="Anna")
    frame = store.frame()
    assert frame.loc[0, "new_areas"] == "food;energy" and frame.loc[0, "old_areas"] == "food"


def test_text_hash_is_blind_to_the_normalisation_form() -> None:
    import unicodedata

    text = "Förädling av mjölk på Åland"
    assert text_hash(unicodedata.normalize("NFD", text)) == text_hash(text)
    assert text_hash("Förädling") != text_hash("Foradling")
