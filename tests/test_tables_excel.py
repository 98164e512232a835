"""Excel tables: cell types, sheets, deterministic output, the cell limit."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from ecs_tagger.errors import InputError
from ecs_tagger.tables import TableWriter, detect_format, output_format, read_table
from tables_support import SWEDISH


def make_workbook(path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Projekt"
    sheet.append(["id", "startdatum", "belopp", "text", 2021])
    sheet.append(["007", dt.datetime(2021, 3, 1), 150000, SWEDISH, True])
    sheet.append([8, None, 12.5, None, None])
    workbook.create_sheet("Annat").append(["x"])
    workbook.save(path)


def test_excel_types_and_sheets(tmp_path: Path) -> None:
    source = tmp_path / "in.xlsx"
    make_workbook(source)
    fmt = detect_format(source)
    assert fmt.sheet == "Projekt" and fmt.columns == ("id", "startdatum", "belopp", "text", "2021")
    frame = read_table(source)
    assert list(frame.columns) == ["id", "startdatum", "belopp", "text", "2021"]
    assert frame.loc[0].tolist() == ["007", dt.datetime(2021, 3, 1), 150000, SWEDISH, True]
    assert frame.loc[1].tolist() == [8, None, 12.5, None, None]
    with pytest.raises(
        InputError, match=r"no sheet named 'Blad1'; the sheets are: 'Projekt', 'Annat'"
    ):
        detect_format(source, sheet="Blad1")
    assert read_table(source, sheet="Annat").columns.tolist() == ["x"]


def test_excel_writer_is_deterministic_and_keeps_values(tmp_path: Path) -> None:
    source = tmp_path / "in.xlsx"
    make_workbook(source)
    fmt = detect_format(source)
    outputs = []
    for name in ("a.xlsx", "b.xlsx"):
        from ecs_tagger.tables import read_excel_sheet

        full, frame = read_excel_sheet(source, fmt)
        target = tmp_path / name
        with TableWriter(target, output_format(target, full), header=full.header) as writer:
            writer.write(frame)
        outputs.append(target.read_bytes())
    assert outputs[0] == outputs[1]
    again = read_table(tmp_path / "a.xlsx")
    assert again.loc[0].tolist() == ["007", dt.datetime(2021, 3, 1), 150000, SWEDISH, True]
    assert openpyxl.load_workbook(tmp_path / "a.xlsx").sheetnames == ["Projekt"]


def test_excel_cell_limit_is_reported(tmp_path: Path) -> None:
    target = tmp_path / "long.xlsx"
    writer = TableWriter(target)
    writer.write(pd.DataFrame({"text": ["x" * 40_000, "kort\x0btext"]}))
    writer.close()
    assert any("32767" in w and "row 1" in w for w in writer.warnings)
    assert any("control characters" in w for w in writer.warnings)
    assert len(read_table(target)["text"][0]) == 32767
