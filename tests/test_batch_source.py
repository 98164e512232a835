"""Bad input gives a clear error naming the file, row and column, before any tagging."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from ecs_tagger.batch import tag_file
from ecs_tagger.errors import InputError
from ecs_tagger.tagger import Tagger


# -- bad input: clear errors ---------------------------------------------------------------------
def _csv(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


@pytest.mark.parametrize(
    ("case", "message"),
    [
        (
            "missing_text_column",
            r"in\.csv: there is no text column 'beskrivning'; the columns are: "
            r"'id', 'Beskrivning'\. Did you mean 'Beskrivning'\?",
        ),
        ("missing_id_column", r"there is no id column 'nr'"),
        (
            "duplicate_ids",
            r"the id column 'id' repeats 2 id\(s\): '7' in rows 1, 3; '9' in rows 2, 4",
        ),
        ("output_columns_clash", r"already has column\(s\) 'areas', 'tag_status'.*rename"),
        ("unknown_extension", r"out\.docx: cannot read or write files ending in '\.docx'"),
        ("output_is_input", r"the output would replace the input file"),
        ("output_exists", r"the output file exists; pass overwrite=True"),
        ("not_utf8", r"line 2 holds a byte \(0x81\) that is not UTF-8.*encoding="),
        ("too_many_cells", r"line 3 \(row 2\) has 3 cells but the header has 2 columns"),
        ("wrong_sheet", r"no sheet named 'Blad1'; the sheets are: 'Sheet1'"),
        ("no_text_columns", r"name at least one text column"),
    ],
)
def test_bad_input_gives_a_clear_error(
    tagger: Tagger, tmp_path: Path, case: str, message: str
) -> None:
    source = tmp_path / "in.csv"
    target = tmp_path / "out.csv"
    text_cols: list[str] = ["text"]
    options: dict[str, Any] = {}
    if case == "missing_text_column":
        _csv(source, "id,Beskrivning\n1,a\n")
        text_cols = ["beskrivning"]
    elif case == "missing_id_column":
        _csv(source, "id,text\n1,a\n")
        options["id_col"] = "nr"
    elif case == "duplicate_ids":
        _csv(source, "id,text\n7,a\n9,b\n7,c\n9,d\n8,e\n")
        options["id_col"] = "id"
    elif case == "output_columns_clash":
        _csv(source, "id,text,areas,tag_status\n1,a,food,ok\n")
    elif case == "unknown_extension":
        _csv(source, "text\na\n")
        target = tmp_path / "out.docx"
    elif case == "output_is_input":
        _csv(source, "text\na\n")
        target = source
        options["overwrite"] = True
    elif case == "output_exists":
        _csv(source, "text\na\n")
        target.write_text("x", encoding="utf-8")
    elif case == "not_utf8":
        source.write_bytes(b"id,text\n1,\x81\x8d\n")
    elif case == "too_many_cells":
        _csv(source, "id,text\n1,a\n2,b,c\n")
    elif case == "wrong_sheet":
        source = tmp_path / "in.xlsx"
        pd.DataFrame({"text": ["a"]}).to_excel(source, index=False)
        options["sheet"] = "Blad1"
    elif case == "no_text_columns":
        _csv(source, "text\na\n")
        text_cols = []
    with pytest.raises(InputError, match=message):
        tag_file(tagger, source, target, text_cols, progress=False, **options)
    if case != "output_exists":
        assert not target.exists() or target == source
