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


# -- a header longer than the sniffing sample ----------------------------------------------------
def test_a_header_longer_than_the_sample_is_read_whole(tmp_path: Path) -> None:
    """The issue's case: a survey export with 4,002 columns (a header of about 200,000
    characters) gives every column, the last name whole, and the data in the last columns."""
    names = [f"fraga_{i:04d}_hur_nojd_ar_du_med_insatsen" for i in range(4002)]
    rows = [",".join(f"svar {row}.{i}" for i in range(4002)) for row in range(3)]
    source = tmp_path / "survey.csv"
    source.write_text("\n".join([",".join(names), *rows]) + "\n", encoding="utf-8")
    assert len(names[0]) * 4002 > 150_000
    fmt = detect_format(source)
    assert fmt.columns == tuple(names) and fmt.separator == ","
    frame = read_table(source)
    assert frame.shape == (3, 4002)
    assert frame[names[-1]].tolist() == ["svar 0.4001", "svar 1.4001", "svar 2.4001"]


def test_a_long_semicolon_header_with_decimal_commas_in_the_cells(tmp_path: Path) -> None:
    """Variant: Swedish Excel's ';', a header of 80,000 characters, decimal commas in the data,
    Windows line ends: the separator is told from the whole header, the last name is whole."""
    names = [f"Kolumn nummer {i} om insatsen" for i in range(2800)]
    row = ";".join(f"{i},5" for i in range(2800))
    source = tmp_path / "semi.csv"
    source.write_bytes((";".join(names) + "\r\n" + row + "\r\n").encode("utf-8"))
    assert len(";".join(names)) > 80_000
    fmt = detect_format(source)
    assert fmt.separator == ";" and fmt.columns[-1] == "Kolumn nummer 2799 om insatsen"
    assert fmt.lineterminator == "\r\n"
    assert read_table(source).iloc[0, -1] == "2799,5"
