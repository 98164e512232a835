"""JSON Lines tables: values and absent keys kept, bad lines reported."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ecs_tagger.errors import InputError
from ecs_tagger.tables import MISSING, TableWriter, detect_format, iter_chunks, read_table
from tables_support import SWEDISH


def test_jsonl_keeps_values_and_absent_keys(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    records = [
        {"id": 7, "text": SWEDISH, "meta": {"år": 2021, "taggar": ["a", "b"]}},
        {"id": "007", "text": None},
        {"text": "bara text", "extra": 1.5},
    ]
    source.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records) + "\n")
    fmt = detect_format(source)
    assert fmt.columns == ("id", "text", "meta", "extra") and fmt.rows == 3
    frame = read_table(source)
    assert frame.loc[0, "meta"] == {"år": 2021, "taggar": ["a", "b"]}
    assert frame.loc[1, "text"] is None and frame.loc[1, "meta"] is MISSING
    target = tmp_path / "out.jsonl"
    with TableWriter(target) as writer:
        for chunk in iter_chunks(source, fmt, 2):
            writer.write(chunk)
    assert [json.loads(line) for line in target.read_text().splitlines()] == records


@pytest.mark.parametrize(
    ("line", "message"),
    [('{"text": "a"', r"line 2 is not valid JSON"), ('["a"]', r"line 2 is a JSON list")],
)
def test_jsonl_bad_lines(tmp_path: Path, line: str, message: str) -> None:
    source = tmp_path / "bad.jsonl"
    source.write_text('{"text": "ok"}\n' + line + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=message):
        detect_format(source)
