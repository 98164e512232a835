"""Reading and writing user tables (CSV, JSON Lines, JSON, Excel, Parquet) without losing anything.

Pure I/O, no tagging. The rules, so that an office can trust a round trip through ecs-tagger:

* **Cells are kept as they are.** CSV cells are read as strings, exactly as written (leading zeros,
  dates, Swedish letters and empty cells stay what they were) and written back as the same strings.
  JSON Lines records (and the objects of a JSON array) keep their values (numbers, nested objects,
  null); a key that a record does not have stays absent in JSON Lines and JSON output. Parquet columns keep their Arrow types exactly (the frames
  use `pd.ArrowDtype`). Excel cells are read as Excel shows them: text as written, numbers,
  ids stored as numbers with a zero-padded format as their text (``0180``), dates without a
  time as dates, booleans; formulas as their last computed values. Excel output writes every
  text as a text cell (never a formula) and, for Excel input, keeps each cell's number format.
  CSV output can escape would-be formulas with an apostrophe (`escape_formulas`, off by default).
* **Records are counted against lines.** A CSV cell whose closing quote is missing (typed as a
  typographic ``”``), which would swallow the lines below it into one row, is an `InputError`
  naming its line; CSV rows with fewer cells than the header are kept and named in a note. The
  header is read whole, however long.
* **A sheet's limits are checked.** Excel output wider or longer than a sheet is an `InputError`
  before anything is written; an Excel formula with no stored result is read as a `FormulaCell`
  (not text to tag) and written back as the formula.
* **Rows are streamed.** `iter_chunks` yields consecutive row ranges of `chunk_rows` rows, so memory
  stays flat however long a CSV, JSON Lines or Parquet file is. Excel workbooks cannot be streamed
  by the reader used here: a sheet is read whole (Excel holds at most 1,048,576 rows anyway).
* **Bad input is an `InputError`** naming the file, the line or row and the column: unknown
  extensions, undecodable bytes, rows with more cells than the header, invalid JSON lines, missing
  sheets. CSV files are sniffed: the encoding (UTF-8, with or without BOM, UTF-16 with BOM, a
  legacy Windows-1252 file recognised by its Swedish letters, or UTF-8 with some lines pasted from
  a Windows-1252 source: each line read as what it is, the cp1252 lines named in a note) and the
  separator (`,` `;` tab or `|`; Swedish Excel writes `;`).
* **Column names are matched as users type them** (`names`): after Unicode NFC (a header written
  decomposed on macOS is found by the composed name), then ignoring invisible characters.
* **Output is atomic.** `TableWriter` writes to a hidden temporary file beside the target and
  renames it into place on `close()`; an aborted write leaves no partial output. Output is
  deterministic: the same frames give byte-identical files (Excel and Parquet carry no creation
  time).

Layout: one module per format (`csv`, `jsonl`, `json`, `excel`, `parquet`), each offering the same
`detect`, `iter_chunks`, `read`, `output_format` and `open_writer`; `registry` maps a kind to its
module; `reading` and `writing` are the entry points over all formats; `csv_records` checks a CSV
file's records against its lines. Shared pieces: `base`
(`TableFormat`, the writers' protocol), `cells` (cell rules such as `is_blank`), `encoding`
(encoding detection), `names` (column-name matching), `numfmt` (Excel number formats) and `schema`
(Arrow schemas for Parquet output).
"""

from ecs_tagger.tables.base import Kind, TableFormat
from ecs_tagger.tables.cells import (
    MISSING,
    FormulaCell,
    escape_formula,
    is_blank,
    text_cell,
    unique_names,
)
from ecs_tagger.tables.csv import sniff_separator
from ecs_tagger.tables.encoding import MIXED_ENCODING, detect_encoding, find_encoding
from ecs_tagger.tables.excel import EXCEL_CELL_LIMIT, MAX_COLUMNS, MAX_ROWS, read_excel_sheet
from ecs_tagger.tables.names import find_column, match_columns
from ecs_tagger.tables.parquet import parquet_schema
from ecs_tagger.tables.reading import detect_format, iter_chunks, read_table
from ecs_tagger.tables.registry import SUPPORTED_EXTENSIONS, kind_of
from ecs_tagger.tables.schema import infer_schema, to_arrow
from ecs_tagger.tables.writing import TableWriter, atomic_write_bytes, output_format

__all__ = [
    "EXCEL_CELL_LIMIT",
    "MAX_COLUMNS",
    "MAX_ROWS",
    "MISSING",
    "MIXED_ENCODING",
    "SUPPORTED_EXTENSIONS",
    "FormulaCell",
    "Kind",
    "TableFormat",
    "TableWriter",
    "atomic_write_bytes",
    "detect_encoding",
    "detect_format",
    "escape_formula",
    "find_column",
    "find_encoding",
    "infer_schema",
    "is_blank",
    "iter_chunks",
    "kind_of",
    "match_columns",
    "output_format",
    "parquet_schema",
    "read_excel_sheet",
    "read_table",
    "sniff_separator",
    "text_cell",
    "to_arrow",
    "unique_names",
]
