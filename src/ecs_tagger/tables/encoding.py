"""Which encoding a text table (CSV, JSON Lines) is in: UTF-8, UTF-16 with a BOM, or Swedish cp1252.

`detect_encoding` streams the file once, so a bad byte far down is found before any row is read,
and names its line.
"""

from __future__ import annotations

import codecs
from pathlib import Path

from ecs_tagger.errors import InputError

_SWEDISH = frozenset("åäöÅÄÖéÉüÜ")
_BLOCK = 1 << 20


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


def _swedish_letters_in_cp1252(path: Path) -> int | None:
    """Swedish letters the file holds when read as cp1252; None when it is not valid cp1252."""
    decoder = codecs.getincrementaldecoder("cp1252")()
    count = 0
    with path.open("rb") as handle:
        while True:
            block = handle.read(_BLOCK)
            try:
                text = decoder.decode(block, final=not block)
            except UnicodeDecodeError:
                return None
            count += sum(text.count(letter) for letter in _SWEDISH)
            if not block:
                return count


def detect_encoding(path: str | Path, encoding: str | None = None) -> tuple[str, bool, str | None]:
    """(encoding to read with, whether the file starts with a BOM, a note for the user or None).

    UTF-8 (a BOM is recognised and dropped) and UTF-16 with a BOM are read as they are. A file that
    is not UTF-8 but reads as Windows-1252 with Swedish letters in it (Excel's "CSV" on Swedish
    Windows) is read as cp1252, with a note; anything else is an `InputError` telling how to pass
    the encoding.
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
        return encoding, bom, None
    if head.startswith(codecs.BOM_UTF8):
        bad = _first_bad_utf8(path, len(codecs.BOM_UTF8))
        if bad is not None:
            raise InputError(
                f"{path}: starts with a UTF-8 byte-order mark but line "
                f"{_line_of_offset(path, bad)} "
                f"holds bytes that are not UTF-8; re-save the file as UTF-8 or pass encoding="
            )
        return "utf-8-sig", True, None
    if head[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        return "utf-16", True, None
    bad = _first_bad_utf8(path, 0)
    if bad is None:
        return "utf-8", False, None
    line = _line_of_offset(path, bad)
    with path.open("rb") as handle:
        handle.seek(bad)
        byte = handle.read(1)
    letters = _swedish_letters_in_cp1252(path)
    if letters:
        return (
            "cp1252",
            False,
            (
                f"{path.name} is not UTF-8 (byte 0x{byte.hex()} on line {line}); it reads as "
                f"Windows-1252 (cp1252) with {letters} Swedish letters, so it was read as cp1252 — "
                "pass encoding= if that is wrong"
            ),
        )
    raise InputError(
        f"{path}: line {line} holds a byte (0x{byte.hex()}) that is not UTF-8, and the file does "
        "not read as Windows-1252 Swedish text either; save it as UTF-8, or pass the encoding it "
        "was written in (encoding='cp1252', 'latin-1', ... or --encoding on the command line)"
    )
