"""Which encoding a text table (CSV, JSON Lines) is in: UTF-8, UTF-16 with a BOM, Swedish cp1252, or
UTF-8 with some lines pasted from a Windows-1252 source.

`find_encoding` streams the file once, so a bad byte far down is found before any row is read, and
names its line. A file that is UTF-8 except for some lines (a line pasted from an old Windows
program into a UTF-8 export) is read line by line with the codec `MIXED_ENCODING`: each line that
is valid UTF-8 is read as UTF-8, exactly as written, and only the lines that are not are read as
Windows-1252; the note for the user names those lines (`mixed_note`).
"""

from __future__ import annotations

import codecs
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ecs_tagger.errors import InputError

#: The codec that reads each line as UTF-8 if it is valid UTF-8, and as Windows-1252 otherwise (a
#: UTF-8 byte-order mark at the start is dropped). Registered when this module is imported.
MIXED_ENCODING = "utf-8-lines-cp1252"

_SWEDISH = frozenset("åäöÅÄÖéÉüÜ")
_BLOCK = 1 << 20
#: Characters other than letters that a Windows-1252 line of ordinary text may hold.
_CP1252_TEXT_PUNCTUATION = frozenset("–—‘’‚“”„…•€™°§«»´·½¼¾±×÷©®\xa0")
_SHOWN_LINES = 10


def _decode_line(line: bytes, errors: str = "strict") -> str:
    """One line (without its line end) as UTF-8 if it is valid UTF-8, else as Windows-1252."""
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError:
        return line.decode("cp1252", errors)


def _decode_lines(data: bytes, errors: str = "strict") -> str:
    """Whole lines (split at ``\\n``), each decoded by `_decode_line`."""
    try:
        return data.decode("utf-8")  # the usual case: every line is UTF-8
    except UnicodeDecodeError:
        return "\n".join(_decode_line(line, errors) for line in data.split(b"\n"))


class _LinesDecoder(codecs.IncrementalDecoder):
    """Decodes whole lines at a time (`_decode_lines`), keeping an unfinished line for later."""

    def __init__(self, errors: str = "strict") -> None:
        super().__init__(errors)
        self._pending = b""
        self._started = False

    def decode(self, input: Any, final: bool = False) -> str:  # bytes-like
        data = self._pending + bytes(input)
        cut = len(data) if final else data.rfind(b"\n") + 1
        complete, self._pending = data[:cut], data[cut:]
        if not complete:
            return ""
        text = _decode_lines(complete, self.errors)
        if not self._started:
            self._started = True
            text = text.removeprefix("\ufeff")
        return text

    def reset(self) -> None:
        self._pending, self._started = b"", False

    def getstate(self) -> tuple[bytes, int]:
        return self._pending, int(self._started)

    def setstate(self, state: tuple[bytes, int]) -> None:
        self._pending, self._started = state[0], bool(state[1])


def _decode_mixed(data: Any, errors: str = "strict") -> tuple[str, int]:  # bytes-like
    return _LinesDecoder(errors).decode(data, final=True), len(data)


def _encode_utf8(text: str, errors: str = "strict") -> tuple[bytes, int]:
    return text.encode("utf-8", errors), len(text)


def _search(name: str) -> codecs.CodecInfo | None:
    if name.replace("-", "_") != MIXED_ENCODING.replace("-", "_"):
        return None
    return codecs.CodecInfo(
        _encode_utf8,
        _decode_mixed,
        name=MIXED_ENCODING,
        incrementaldecoder=_LinesDecoder,
        incrementalencoder=codecs.getincrementalencoder("utf-8"),
    )


codecs.register(_search)


@dataclass(frozen=True)
class FoundEncoding:
    """What `find_encoding` found: the encoding to read with, whether the file starts with a BOM,
    a note for the user (or None) and, for `MIXED_ENCODING`, the lines (1-based, counted at
    ``\\n``) that were read as Windows-1252."""

    encoding: str
    had_bom: bool
    note: str | None = None
    legacy_lines: tuple[int, ...] = ()


def _line_of_offset(path: Path, offset: int) -> int:
    line = 1
    with path.open("rb") as handle:
        remaining = offset
        while remaining > 0:
            block = handle.read(min(_BLOCK, remaining))
            if not block:
                break
            line += block.count(b"\n")
            remaining -= len(block)
    return line


def _first_bad_utf8(path: Path, skip: int) -> int | None:
    """Byte offset of the first byte that is not valid UTF-8, or None; streams the whole file."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = skip
    with path.open("rb") as handle:
        handle.seek(skip)
        while True:
            block = handle.read(_BLOCK)
            pending = len(decoder.getstate()[0])
            try:
                decoder.decode(block, final=not block)
            except UnicodeDecodeError as error:
                return max(skip, offset - pending + error.start)
            if not block:
                return None
            offset += len(block)


def _is_text(text: str) -> bool:
    """Whether every non-ASCII character of `text` is a letter or common text punctuation."""
    return all(
        ch.isascii() or ch in _CP1252_TEXT_PUNCTUATION or unicodedata.category(ch).startswith("L")
        for ch in text
    )


@dataclass
class _LineScan:
    """Per line of a file that is not wholly UTF-8: which lines are what."""

    utf8_lines: int = 0  # lines with non-ASCII characters that are valid UTF-8
    legacy: list[int] | None = None  # lines that are not UTF-8 but read as cp1252
    letters: int = 0  # Swedish letters in the cp1252 lines
    odd_line: int | None = None  # first cp1252 line that does not read as text
    undecodable: tuple[int, bytes] | None = None  # first line neither UTF-8 nor cp1252, its byte


def _scan_lines(path: Path, skip: int) -> _LineScan:
    scan = _LineScan(legacy=[])
    assert scan.legacy is not None
    with path.open("rb") as handle:
        handle.seek(skip)
        for number, line in enumerate(handle, start=1):
            if line.isascii():
                continue
            try:
                line.decode("utf-8")
                scan.utf8_lines += 1
                continue
            except UnicodeDecodeError as error:
                bad_byte = line[error.start : error.start + 1]
            try:
                text = line.decode("cp1252")
            except UnicodeDecodeError:
                if scan.undecodable is None:
                    scan.undecodable = (number, bad_byte)
                continue
            scan.legacy.append(number)
            scan.letters += sum(text.count(letter) for letter in _SWEDISH)
            if scan.odd_line is None and not _is_text(text):
                scan.odd_line = number
    return scan


def _listed(numbers: Sequence[int]) -> str:
    shown = [str(n) for n in numbers[:_SHOWN_LINES]]
    more = len(numbers) - len(shown)
    if more:
        return ", ".join(shown) + f" and {more} more"
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]


def mixed_note(path: Path, lines: Sequence[int], rows: Sequence[int] | None = None) -> str:
    """The note for a file read with `MIXED_ENCODING`: which lines (and rows) were read as cp1252.

    `lines` are 1-based line numbers in the file; `rows` (optional, same order) the 1-based data
    rows they belong to.
    """
    where = f"line {lines[0]}" if len(lines) == 1 else f"lines {_listed(lines)}"
    if rows:
        distinct = list(dict.fromkeys(rows))
        where += f" (row {distinct[0]})" if len(distinct) == 1 else f" (rows {_listed(distinct)})"
    return (
        f"{path.name} is UTF-8 except {where}, which "
        f"{'is' if len(lines) == 1 else 'are'} not UTF-8 and "
        f"{'was' if len(lines) == 1 else 'were'} read as Windows-1252 (cp1252); every other line "
        "was read as UTF-8, as written. Check "
        f"{'that row' if len(lines) == 1 else 'those rows'}, or pass --encoding if that is wrong"
    )


def detect_encoding(path: str | Path, encoding: str | None = None) -> tuple[str, bool, str | None]:
    """(encoding to read with, whether the file starts with a BOM, a note for the user or None).

    What `find_encoding` finds, without the lines read as Windows-1252.
    """
    found = find_encoding(path, encoding)
    return found.encoding, found.had_bom, found.note


def find_encoding(path: str | Path, encoding: str | None = None) -> FoundEncoding:
    """The encoding to read a text table with; see `FoundEncoding`.

    UTF-8 (a BOM is recognised and dropped) and UTF-16 with a BOM are read as they are. A file that
    is not UTF-8 at all but reads as Windows-1252 with Swedish letters in it (Excel's "CSV" on
    Swedish Windows) is read as cp1252, with a note. A UTF-8 file (it has a UTF-8 BOM or lines with
    valid UTF-8 letters) with some lines that are not UTF-8 but read as Windows-1252 text is read
    with `MIXED_ENCODING`: the correct lines stay as written, only those lines are read as cp1252,
    and the note names them. Anything else is an `InputError` naming the first bad line and asking
    for `--encoding`. `encoding` (the user's choice) is taken as it is.
    """
    path = Path(path)
    with path.open("rb") as handle:
        head = handle.read(4)
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise InputError(f"{path}: unknown encoding {encoding!r}") from None
        bom = head.startswith(codecs.BOM_UTF8) or head[:2] in (
            codecs.BOM_UTF16_LE,
            codecs.BOM_UTF16_BE,
        )
        if head.startswith(codecs.BOM_UTF8) and encoding.lower().replace("_", "-") in (
            "utf-8",
            "utf8",
        ):
            encoding = "utf-8-sig"
        return FoundEncoding(encoding, bom)
    if head[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        return FoundEncoding("utf-16", True)
    bom = head.startswith(codecs.BOM_UTF8)
    skip = len(codecs.BOM_UTF8) if bom else 0
    if _first_bad_utf8(path, skip) is None:
        return FoundEncoding("utf-8-sig" if bom else "utf-8", bom)
    scan = _scan_lines(path, skip)
    assert scan.legacy is not None
    if scan.undecodable is not None:
        line, byte = scan.undecodable
        raise InputError(
            f"{path}: line {line} holds a byte (0x{byte.hex()}) that is not UTF-8, and the line "
            "does not read as Windows-1252 text either; save the file as UTF-8, or pass the "
            "encoding it was written in (--encoding cp1252, latin-1, ...; encoding= in Python)"
        )
    if not bom and not scan.utf8_lines:
        if not scan.letters:
            raise InputError(
                f"{path}: line {scan.legacy[0]} holds bytes that are not UTF-8, and the file does "
                "not read as Windows-1252 Swedish text either; save it as UTF-8, or pass the "
                "encoding it was written in (--encoding cp1252, latin-1, ...; encoding= in Python)"
            )
        return FoundEncoding(
            "cp1252",
            False,
            f"{path.name} is not UTF-8 (from line {scan.legacy[0]}); it reads as Windows-1252 "
            f"(cp1252) with {scan.letters} Swedish letter{'' if scan.letters == 1 else 's'}, so it "
            "was read as cp1252 — pass --encoding if that is wrong",
        )
    if scan.odd_line is not None:
        raise InputError(
            f"{path}: is UTF-8, but line {scan.odd_line} is not, and it does not read as "
            "Windows-1252 text either; save the file as UTF-8, or pass the encoding it was "
            "written in (--encoding; encoding= in Python)"
        )
    lines = tuple(scan.legacy)
    return FoundEncoding(MIXED_ENCODING, bom, mixed_note(path, lines), lines)
