"""JSON tables (an array of objects): values and absent keys kept, written back, bad files named."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ecs_tagger.errors import InputError
from ecs_tagger.tables import MISSING, TableWriter, detect_format, iter_chunks, read_table
from tables_support import SWEDISH


def test_json_keeps_values_and_absent_keys(tmp_path: Path) -> None:
    records = [
        {"id": 7, "text": SWEDISH, "meta": {"år": 2021}},
        {"id": "007", "text": None},
        {"text": "bara text", "extra": [1.5, "två"]},
    ]
    source = tmp_path / "in.json"
    source.write_text(json.dumps(records, ensure_ascii=False, indent=2), encoding="utf-8")
    fmt = detect_format(source)
    assert (fmt.kind, fmt.columns, fmt.rows) == ("json", ("id", "text", "meta", "extra"), 3)
    frame = read_table(source)
    assert frame.loc[1, "text"] is None and frame.loc[1, "meta"] is MISSING
    target = tmp_path / "out.json"
    with TableWriter(target) as writer:
        for chunk in iter_chunks(source, fmt, 2):
            writer.write(chunk)
    assert json.loads(target.read_text(encoding="utf-8")) == records


def test_an_empty_table_is_an_empty_array(tmp_path: Path) -> None:
    target = tmp_path / "empty.json"
    with TableWriter(target) as writer:
        writer.write(read_table(_write(tmp_path / "none.json", "[]")))
    assert target.read_text(encoding="utf-8") == "[]\n"


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[{"text": "a"},\n {"text": }]', r"bad\.json: line 2 is not valid JSON"),
        ('[{"text": "a"}, ["b"]]', r"item 2 of the array is a JSON list"),
        ('{"text": "a"}', r"a JSON table must be an array of objects.*JSON Lines"),
    ],
)
def test_bad_json_files_are_named(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        detect_format(_write(tmp_path / "bad.json", text))
