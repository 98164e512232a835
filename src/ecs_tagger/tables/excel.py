"""Excel workbooks (.xlsx, .xlsm): cells as Excel shows them, written back as they were.

Reading (openpyxl, read-only): text as written (``N/A``, ``NULL`` and ``#N/A`` stay text), numbers
(whole ones as ints), ids stored as numbers with a zero-padded format as the text Excel shows
(``0180``), dates whose format shows no time as dates, date-times, booleans; formulas give their
last computed values (see `ecs_tagger.tables.numfmt`), and a formula whose result the file does not
hold (a workbook saved by a script) is a `FormulaCell`. The reader cannot stream, so a sheet is
read whole (Excel holds at most 1,048,576 rows anyway).

Writing: every text is a text cell, value unchanged (``=HYPERLINK(...)``, ``+46 ...``, ``-5``,
``@x`` and ``#N/A`` are never formulas or errors, and stay text when edited in Excel); a
`FormulaCell` is written back as the user's formula. Output of an Excel input keeps, row by row,
each cell's number format and stored value (`SheetStyles`). Output is byte-deterministic (fixed
document and zip entry times). A table wider or longer than a sheet (`MAX_COLUMNS`, `MAX_ROWS`)
is an `InputError` before anything is written (`check_fits`); cells over Excel's 32,767-character
limit are cut, and control characters Excel cannot store are replaced (line-break-like ones, such
as Word's manual line break, by a line break) or removed, each with a warning naming the cells.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import re
import zipfile
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ecs_tagger.errors import InputError, counted
from ecs_tagger.tables.base import FormatWriter, ReadOptions, TableFormat, WriteOptions
from ecs_tagger.tables.cells import (
    FORMULA_MARKS,
    FormulaCell,
    is_blank,
    json_default,
    plain,
    unique_names,
)
from ecs_tagger.tables.numfmt import display_text, shows_time

EXTENSIONS = (".xlsx", ".xlsm")
SHEETS = True

EXCEL_CELL_LIMIT = 32767
#: The size of an Excel sheet: columns (A to XFD) and rows, the header row included.
MAX_COLUMNS = 16_384
MAX_ROWS = 1_048_576
_EPOCH_ZIP = (1980, 1, 1, 0, 0, 0)
_FIXED_TIME = dt.datetime(2000, 1, 1)
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
#: Control characters that stand for a line break (vertical tab: Word's manual line break; form
#: feed: a page break; the file, group and record separators) or a space (the unit separator):
#: Excel cannot store them, so they become what they mean instead of gluing words together.
_BREAKS = str.maketrans(dict.fromkeys("\x0b\x0c\x1c\x1d\x1e", "\n") | {"\x1f": " "})
#: How many changed cells a warning names.
_SHOWN_CELLS = 10
#: A formula element in a sheet's XML (``<f>``, ``<f t="shared" .../>``, ``<x:f>``).
_FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[\s>/]")
#: Texts Excel reads as error values.
_ERROR_CODES = frozenset(("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A"))


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | decimal.Decimal | dt.date | dt.time) and not isinstance(
        value, bool
    )


def check_fits(columns: int, rows: int | None, where: str) -> None:
    """`InputError` when a table of `columns` columns and `rows` data rows (None: not known yet)
    does not fit in an Excel sheet, whose cells past the last column or row Excel drops."""
    if columns <= MAX_COLUMNS and (rows is None or rows + 1 <= MAX_ROWS):
        return
    size = f"{columns:,} columns" if columns > MAX_COLUMNS else f"{rows:,} rows and a header"
    raise InputError(
        f"{where}: {size} do not fit in an Excel sheet, which holds at most 16,384 columns "
        "(A to XFD) and 1,048,576 rows (Excel drops the rest); write CSV (.csv) or Parquet "
        "(.parquet) instead"
    )


def detect(path: Path, options: ReadOptions) -> TableFormat:
    """The sheet to read and, as a preview, its header row (`read_excel_sheet` gives the rest)."""
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise InputError(f"{path}: not a readable Excel workbook (.xlsx): {error}") from None
    sheet = options.sheet
    try:
        sheets = list(workbook.sheetnames)
        if not sheets:
            raise InputError(f"{path}: the workbook has no sheets")
        if sheet is None:
            sheet = sheets[0]
        elif sheet not in sheets:
            raise InputError(
                f"{path}: there is no sheet named {sheet!r}; the sheets are: "
                + ", ".join(repr(s) for s in sheets)
            )
        first = next(workbook[sheet].iter_rows(max_row=1, values_only=True), ())
    finally:
        workbook.close()
    header = list(first)
    while header and is_blank(header[-1]):
        header.pop()
    return TableFormat("excel", None, None, sheet, False, "\n", unique_names(header), tuple(header))


@dataclass
class SheetStyles:
    """What Excel output needs to give back the cells of an input sheet as they were.

    `number_formats` maps a column (frame name) to the number format of each of its data rows
    (0-based; None for ``General`` and for text cells); only columns with a format are present.
    `originals` maps a column to {row: (stored value, Excel data type, frame value)} for the
    cells whose frame value differs from the stored one: ids shown through a zero-padded format
    (frame ``"0180"``, stored 180), dates with a time their format hides, and error cells
    (``#N/A``).
    """

    number_formats: dict[str, list[str | None]] = field(default_factory=dict)
    originals: dict[str, dict[int, tuple[Any, str, Any]]] = field(default_factory=dict)

    def cell(self, column: str, row: int, value: Any) -> tuple[str | None, tuple[Any, str] | None]:
        """(number format or None, (stored value, data type) or None) of the data cell at `row`
        (0-based) of `column` whose frame value is `value` (a changed value has no original)."""
        formats = self.number_formats.get(column)
        number_format = formats[row] if formats is not None and row < len(formats) else None
        kept = self.originals.get(column, {}).get(row)
        if kept is None or kept[2] != value:
            return number_format, None
        return number_format, (kept[0], kept[1])


def _cell_value(cell: Any) -> tuple[Any, str | None, tuple[Any, str, Any] | None]:
    """(frame value, number format to keep, original to keep) of one read-only cell.

    Whole floats become ints; numbers in an id format become the text Excel shows (``0180``);
    date-times in a format without a time become dates; errors become their text (``#N/A``).
    """
    value = cell.value
    kind = getattr(cell, "data_type", "n")
    if value is None:
        return None, None, None
    if kind == "e":
        return str(value), None, (value, "e", str(value))
    if isinstance(value, str | bool):
        return value, None, None
    number_format = cell.number_format
    if number_format == "General":
        number_format = None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int | float):
        shown = display_text(value, number_format)
        if shown is not None:
            return shown, number_format, (value, "n", shown)
        return value, number_format, None
    if isinstance(value, dt.datetime) and not shows_time(number_format):
        original = None if value.time() == dt.time(0) else (value, "d", value.date())
        return value.date(), number_format, original
    return value, number_format, None


def _has_formulas(workbook: Any, sheet: str) -> bool:
    """Whether the sheet's XML holds a formula (read as bytes, without parsing it)."""
    worksheet = workbook[sheet]
    path = getattr(worksheet, "_worksheet_path", None)
    archive = getattr(workbook, "_archive", None)
    if path is None or archive is None:
        return True  # cannot tell: look at the cells
    tail = b""
    with archive.open(path) as source:
        while block := source.read(1 << 20):
            if _FORMULA_TAG.search(tail + block):
                return True
            tail = block[-16:]
    return False


def _uncalculated_formulas(path: Path, sheet: str) -> Generator[list[str | None], None, None]:
    """Per row of the sheet, per cell: the formula of a formula cell, else None."""
    import openpyxl

    workbook = openpyxl.load_workbook(path, read_only=True, data_only=False)
    try:
        worksheet = workbook[sheet]
        worksheet.reset_dimensions()
        for row in worksheet.iter_rows():
            yield [
                str(getattr(cell.value, "text", cell.value))
                if getattr(cell, "data_type", None) == "f"
                else None
                for cell in row
            ]
    finally:
        workbook.close()


def _sheet_rows(path: Path, sheet: str) -> tuple[list[list[Any]], list[list[Any]]]:
    """The cells of a sheet as (values, [(format, original) per cell]) rows; trailing empty rows
    and cells dropped, as Excel shows the sheet. A formula with no stored result (a workbook
    saved by a script) is a `FormulaCell`."""
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise InputError(f"{path}: not a readable Excel workbook (.xlsx): {error}") from None
    values: list[list[Any]] = []
    styles: list[list[Any]] = []
    try:
        if sheet not in workbook.sheetnames:
            raise InputError(f"{path}: there is no sheet named {sheet!r}")
        worksheet = workbook[sheet]
        worksheet.reset_dimensions()  # some writers store wrong dimensions
        formulas = _uncalculated_formulas(path, sheet) if _has_formulas(workbook, sheet) else None
        last = -1
        try:
            for row in worksheet.iter_rows():
                cells = [_cell_value(cell) for cell in row]
                if formulas is not None:
                    _keep_formulas(cells, row, next(formulas, []))
                while cells and cells[-1][0] is None:
                    cells.pop()
                if cells:
                    last = len(values)
                values.append([value for value, _, _ in cells])
                styles.append([(number_format, original) for _, number_format, original in cells])
        finally:
            if formulas is not None:
                formulas.close()
    except (KeyError, ValueError, zipfile.BadZipFile) as error:
        raise InputError(f"{path}: cannot read sheet {sheet!r}: {error}") from None
    finally:
        workbook.close()
    return values[: last + 1], styles[: last + 1]


def _keep_formulas(cells: list[Any], row: Any, formulas: list[str | None]) -> None:
    """Make each cell of `cells` whose value is missing but whose formula is known a
    `FormulaCell` (with the cell's number format)."""
    for position, formula in enumerate(formulas[: len(cells)]):
        if formula is not None and cells[position][0] is None:
            number_format = getattr(row[position], "number_format", None)
            if number_format == "General":
                number_format = None
            cells[position] = (FormulaCell(formula), number_format, None)


def read_excel_sheet(path: str | Path, fmt: TableFormat) -> tuple[TableFormat, pd.DataFrame]:
    """A whole Excel sheet as a frame of cell values, and the completed format.

    Cells are what Excel shows (see `ecs_tagger.tables.numfmt`): text as written (also ``N/A``
    or ``NULL``), numbers (whole ones as ints), ids in a zero-padded format as their text
    (``0180``), dates without a time as dates, date-times, booleans, errors as their text
    (``#N/A``); formulas give their last computed values. The format's `styles` (`SheetStyles`)
    let Excel output keep number formats and the stored values.
    """
    path = Path(path)
    sheet = fmt.sheet or ""
    rows, row_styles = _sheet_rows(path, sheet)
    if not rows:
        raise InputError(
            f"{path}: sheet {fmt.sheet!r} is empty; a header row with column names is needed"
        )
    width = max(len(row) for row in rows)
    header = rows[0] + [None] * (width - len(rows[0]))
    data_rows = rows[1:]
    while len(header) > 1 and header[-1] is None and all(len(r) < len(header) for r in data_rows):
        header.pop()
    columns = unique_names(header)
    count = len(columns)
    data = pd.DataFrame(
        [row[:count] + [None] * (count - len(row)) for row in data_rows],
        columns=list(columns),
        dtype=object,
    )
    if data.empty:
        data = pd.DataFrame({name: pd.Series([], dtype=object) for name in columns})
    data.index = pd.RangeIndex(0, len(data_rows))
    styles = SheetStyles()
    for position, cells in enumerate(row_styles[1:]):
        for name, (number_format, original) in zip(columns, cells, strict=False):
            if number_format is not None:
                formats = styles.number_formats.setdefault(name, [None] * len(data_rows))
                formats[position] = number_format
            if original is not None:
                styles.originals.setdefault(name, {})[position] = original
    header_cells = tuple(header)
    return (
        TableFormat(
            "excel",
            None,
            None,
            fmt.sheet,
            False,
            "\n",
            columns,
            header_cells,
            len(data),
            styles=styles,
        ),
        data,
    )


def iter_chunks(path: Path, fmt: TableFormat, chunk_rows: int) -> Iterator[pd.DataFrame]:
    """Row ranges of the sheet, which is read whole first."""
    _, frame = read_excel_sheet(path, fmt)
    if frame.empty:
        yield frame
    for start in range(0, len(frame), chunk_rows):
        yield frame.iloc[start : start + chunk_rows]


def read(path: Path, fmt: TableFormat) -> pd.DataFrame:
    """The whole sheet as one frame."""
    return read_excel_sheet(path, fmt)[1]


def output_format(path: Path, like: TableFormat | None = None) -> TableFormat:
    """Excel output keeps the input's sheet name (`Sheet1` otherwise) and, row by row, the input
    sheet's number formats and stored values (`SheetStyles`; the rows must be the input's)."""
    if like is None or like.kind != "excel":
        return TableFormat("excel", sheet="Sheet1")
    return TableFormat("excel", sheet=like.sheet or "Sheet1", styles=like.styles)


class _ExcelWriter:
    """Appends rows to a write-only workbook, saved and normalised by `finish`."""

    def __init__(self, temp: Path, fmt: TableFormat, options: WriteOptions) -> None:
        import openpyxl

        check_fits(len(options.header), None, options.where or str(temp))
        self.temp = temp
        self.where = options.where or str(temp)
        self.rows = 0
        self._long_cells = 0
        self._first_long: str | None = None
        #: The cells whose control characters were replaced or removed: how many, the first ones.
        self._control_cells = 0
        self._control_shown: list[str] = []
        self._workbook = openpyxl.Workbook(write_only=True)
        self._workbook.properties.created = _FIXED_TIME
        self._workbook.properties.creator = "ecs-tagger"
        self._sheet = self._workbook.create_sheet(fmt.sheet or "Sheet1")
        self._styles: SheetStyles | None = fmt.styles
        self._sheet.append(
            [self._styled(self._cell(c, "header", 0), "", -1, c) for c in options.header]
        )

    def _cell(self, value: Any, column: str, row: int) -> Any:
        if is_blank(value):
            return None
        if isinstance(value, np.generic):
            value = value.item()
        if isinstance(value, pd.Timestamp):
            value = value.to_pydatetime()
        if isinstance(value, dt.datetime | dt.time) and value.tzinfo is not None:
            value = value.replace(tzinfo=None)
        if isinstance(value, bytes):
            value = value.decode("utf-8", errors="replace")
        if isinstance(value, dict | list | tuple | np.ndarray):
            value = json.dumps(plain(value), ensure_ascii=False, default=json_default)
        if isinstance(value, FormulaCell):
            return value
        if isinstance(value, str):
            if _ILLEGAL_XML.search(value):
                value = _ILLEGAL_XML.sub("", value.translate(_BREAKS))
                self._control_cells += 1
                if len(self._control_shown) < _SHOWN_CELLS:
                    self._control_shown.append(
                        "the header" if row == 0 else f"row {row}, column {column!r}"
                    )
            if len(value) > EXCEL_CELL_LIMIT:
                self._long_cells += 1
                if self._first_long is None:
                    self._first_long = f"row {row}, column {column!r}"
                value = value[:EXCEL_CELL_LIMIT]
            return value
        if isinstance(
            value, int | float | bool | decimal.Decimal | dt.datetime | dt.date | dt.time
        ):
            return value
        return str(value)

    def _styled(self, cell: Any, name: str, position: int, value: Any) -> Any:
        """The cell to append: text always as text (never a formula or an error), the input
        sheet's number format and stored value where it has them, dates without a time shown as
        dates. `position` is the 0-based data row (-1: the header), `value` the frame cell."""
        from openpyxl.cell import WriteOnlyCell

        number_format, original = None, None
        if self._styles is not None and position >= 0:
            number_format, original = self._styles.cell(name, position, value)
        if isinstance(cell, FormulaCell):
            wrapped = WriteOnlyCell(self._sheet, value=cell.formula)
            wrapped.data_type = "f"  # the user's formula, as it was
        elif original is not None:
            wrapped = WriteOnlyCell(self._sheet, value=original[0])
            wrapped.data_type = original[1]
        elif isinstance(cell, str):
            if not cell.startswith(FORMULA_MARKS) and cell not in _ERROR_CODES:
                return cell  # plain text: openpyxl writes it as text
            wrapped = WriteOnlyCell(self._sheet, value=cell)
            wrapped.data_type = "s"  # a text cell, not a formula (=...) or an error (#N/A)
            wrapped.quotePrefix = True  # and Excel keeps it text when the cell is edited
            return wrapped
        elif isinstance(cell, dt.datetime) or (number_format and _is_number(cell)):
            wrapped = WriteOnlyCell(self._sheet, value=cell)
            if isinstance(cell, dt.datetime) and cell.time() == dt.time(0):
                wrapped.number_format = "yyyy-mm-dd"
        else:
            return cell
        if number_format:
            wrapped.number_format = number_format
        return wrapped

    def write(self, frame: pd.DataFrame) -> None:
        check_fits(len(frame.columns), self.rows + len(frame), self.where)
        names = [str(c) for c in frame.columns]
        columns = [frame[c].tolist() for c in frame.columns]
        for offset, row in enumerate(zip(*columns, strict=True)):
            position = self.rows + offset
            self._sheet.append(
                [
                    self._styled(self._cell(value, name, position + 1), name, position, value)
                    for name, value in zip(names, row, strict=True)
                ]
            )
        self.rows += len(frame)

    def finish(self) -> list[str]:
        self._workbook.save(self.temp)
        _normalise_xlsx(self.temp)
        warnings = []
        if self._long_cells:
            warnings.append(
                f"{counted(self._long_cells, 'cell')} longer than Excel's limit of "
                f"{EXCEL_CELL_LIMIT} "
                f"characters cut (first: {self._first_long}); write CSV or Parquet to "
                "keep them whole"
            )
        if self._control_cells:
            more = self._control_cells - len(self._control_shown)
            warnings.append(
                f"{counted(self._control_cells, 'cell')} held control characters that Excel "
                "cannot store: line-break-like ones (a vertical tab, Word's manual line break; "
                "a form feed) became line breaks, others were removed; changed: "
                + "; ".join(self._control_shown)
                + (f" and {more} more" if more > 0 else "")
                + " (write CSV or Parquet to keep them as they are)"
            )
        return warnings

    def abort(self) -> None:
        """Nothing is open: the workbook is written to disk by `finish` only."""


def keep_texts_as_text(worksheet: Any) -> None:
    """Make every cell of an openpyxl `worksheet` that openpyxl took from a text as a formula
    (``=HYPERLINK(...)``) or an error (``#N/A``) a text cell again, value unchanged.

    For workbooks written with openpyxl or `pandas.DataFrame.to_excel` outside `TableWriter`.
    """
    for row in worksheet.iter_rows():
        for cell in row:
            if cell.data_type in ("f", "e") and isinstance(cell.value, str):
                cell.data_type = "s"


def open_writer(temp: Path, fmt: TableFormat, options: WriteOptions) -> FormatWriter:
    """A writer of workbook rows, saved into `temp` by `finish`."""
    return _ExcelWriter(temp, fmt, options)


def _normalise_xlsx(path: Path) -> None:
    """Make an .xlsx byte-deterministic: fixed zip entry times and document times."""
    with zipfile.ZipFile(path) as source:
        entries = [(info, source.read(info.filename)) for info in source.infolist()]
    stamp = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)")
    with zipfile.ZipFile(path, "w") as target:
        for info, data in entries:
            if info.filename == "docProps/core.xml":
                data = stamp.sub(rb"\g<1>2000-01-01T00:00:00Z\g<2>", data)
            fixed = zipfile.ZipInfo(info.filename, date_time=_EPOCH_ZIP)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            target.writestr(fixed, data)
