"""CSV tables: separators, cells kept verbatim, ragged rows, headers, huge cells."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from ecs_tagger.errors import InputError
from ecs_tagger.tables import TableWriter, detect_format, read_table, sniff_separator
from tables_support import SWEDISH, write_csv_copy


def test_csv_round_trip_keeps_every_cell_verbatim(tmp_path: Path) -> None:
    text = (
        "id;datum;belopp;beskrivning\r\n"
        "007;2021-01-05;1 000,50;" + SWEDISH + "\r\n"
        '0012;;;"Flera rader:\r\nrad två; med semikolon och ""citat"""\r\n'
        "NA;null;-;\r\n"
    )
    source = tmp_path / "in.csv"
    source.write_bytes(text.encode("utf-8"))
    fmt = detect_format(source)
    assert (fmt.kind, fmt.separator, fmt.encoding, fmt.lineterminator) == (
        "csv",
        ";",
        "utf-8",
        "\r\n",
    )
    frame = read_table(source)
    assert frame["id"].tolist() == ["007", "0012", "NA"]
    assert frame["datum"].tolist() == ["2021-01-05", "", "null"]
    assert frame["belopp"].tolist() == ["1 000,50", "", "-"]
    target = tmp_path / "out.csv"
    write_csv_copy(source, target)
    assert target.read_bytes() == source.read_bytes()


@pytest.mark.parametrize(
    ("sample", "expected"),
    [
        ("a;b;c\n1;2,5;3\n4;5,5;6\n", ";"),
        ('a,b,c\n1,"2;5",3\n', ","),
        ("a\tb\n1\t2\n", "\t"),
        ("a|b\n1|2\n", "|"),
        ("text\nhej, hopp\n", ","),
    ],
)
def test_separator_sniffing(sample: str, expected: str) -> None:
    assert sniff_separator(sample) == expected


def test_separator_can_be_named(tmp_path: Path) -> None:
    source = tmp_path / "tabs.csv"
    source.write_text("a\tb;c\n1\t2;3\n", encoding="utf-8")
    assert detect_format(source, separator="\\t").separator == "\t"
    assert detect_format(source, separator="semicolon").columns == ("a\tb", "c")
    with pytest.raises(InputError, match="one character"):
        detect_format(source, separator=";;")
    with pytest.raises(InputError, match="only Excel files have sheets"):
        detect_format(source, sheet="Blad1")


def test_csv_rows_with_missing_or_extra_cells(tmp_path: Path) -> None:
    source = tmp_path / "ragged.csv"
    source.write_text("a;b;c\n1;2\n3;4;5;\n", encoding="utf-8")
    frame = read_table(source)
    assert frame.values.tolist() == [["1", "2", ""], ["3", "4", "5"]]
    bad = tmp_path / "bad.csv"
    bad.write_text("a;b;c\n1;2;3\n4;5;6;oops\n", encoding="utf-8")
    with pytest.raises(
        InputError, match=r"bad\.csv: line 3 \(row 2\) has 4 cells but the header has 3"
    ):
        read_table(bad)


def test_csv_empty_and_duplicate_header_names_are_written_back(tmp_path: Path) -> None:
    source = tmp_path / "dup.csv"
    source.write_text("namn,namn,\nA,B,C\n", encoding="utf-8")
    fmt = detect_format(source)
    assert fmt.columns == ("namn", "namn.1", "Unnamed: 2")
    target = tmp_path / "copy.csv"
    write_csv_copy(source, target)
    assert target.read_text(encoding="utf-8") == source.read_text(encoding="utf-8")


def test_huge_cell_is_read(tmp_path: Path) -> None:
    source = tmp_path / "big.csv"
    source.write_text('id,text\n1,"' + "ord " * 100_000 + '"\n', encoding="utf-8")
    assert len(read_table(source)["text"][0]) == 400_000


# -- would-be formulas --------------------------------------------------------------------------
def test_csv_cells_are_kept_as_they_are_unless_formulas_are_escaped(tmp_path: Path) -> None:
    """The issue's = + - @ cells; off by default, with an apostrophe in front when asked (OWASP)."""
    cells = ['=HYPERLINK("http://x","y")', "+46 70 123", "-5", "@x", "\tflik", "\rcr", "a=b", ""]
    frame = pd.DataFrame({"=rubrik": cells, "n": [-1.5, 2, None, 3, 4, 5, 6, 7]})
    plain = tmp_path / "plain.csv"
    with TableWriter(plain) as writer:
        writer.write(frame)
    assert read_table(plain)["=rubrik"].tolist() == cells  # untouched by default
    escaped = tmp_path / "escaped.csv"
    with TableWriter(escaped, escape_formulas=True) as writer:
        writer.write(frame)
    again = read_table(escaped)
    assert again.columns.tolist() == ["'=rubrik", "n"]  # the header is user text too
    assert again["'=rubrik"].tolist() == [
        '\'=HYPERLINK("http://x","y")',
        "'+46 70 123",
        "'-5",
        "'@x",
        "'\tflik",
        "'\rcr",
        "a=b",
        "",
    ]
    assert again["n"].tolist() == ["-1.5", "2.0", "", "3.0", "4.0", "5.0", "6.0", "7.0"]
