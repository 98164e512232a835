"""Reading any table: unsupported and unreadable files, chunks as consecutive row ranges."""

from __future__ import annotations

from pathlib import Path

import pytest

from ecs_tagger.errors import InputError
from ecs_tagger.tables import detect_format, iter_chunks


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("a.xls", b"", r"\.xls files are not supported: .*save it as \.xlsx"),
        ("a.json", b'{"text": "ett objekt"}', r"a JSON table must be an array of objects"),
        ("a.doc", b"", r"supported: \.csv, \.tsv"),
        ("empty.csv", b"", r"empty"),
        ("missing.csv", None, r"no such file"),
    ],
)
def test_unreadable_files(tmp_path: Path, name: str, content: bytes | None, message: str) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(InputError, match=message):
        detect_format(path)


def test_chunks_are_consecutive_row_ranges(tmp_path: Path) -> None:
    source = tmp_path / "rows.csv"
    source.write_text("n\n" + "".join(f"{i}\n" for i in range(7)), encoding="utf-8")
    chunks = list(iter_chunks(source, detect_format(source), 3))
    assert [list(c.index) for c in chunks] == [[0, 1, 2], [3, 4, 5], [6]]
    assert [v for c in chunks for v in c["n"]] == [str(i) for i in range(7)]
    header_only = tmp_path / "header.csv"
    header_only.write_text("a,b\n", encoding="utf-8")
    (only,) = iter_chunks(header_only, detect_format(header_only), 3)
    assert only.empty and list(only.columns) == ["a", "b"]
