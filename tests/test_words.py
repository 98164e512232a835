"""The wording helpers (ecs_tagger.words): numbers and percentages as each language writes them,
singular and plural, and a Swedish entry for every phrase the coordinators' tools say."""

from __future__ import annotations

import ast
import math
from pathlib import Path

import pandas as pd
import pytest

from ecs_tagger.words import SWEDISH, duration, number, percent, say, say_count

SOURCES = Path(__file__).resolve().parents[1] / "src" / "ecs_tagger"
#: Where the notebooks' words come from (the library's own errors stay English).
SPEAKING = ("coordinators", "regional/portfolio.py")


def test_numbers_are_written_as_each_language_writes_them() -> None:
    assert number(0.876, "en") == "0.88" and number(0.876, "sv") == "0,88"
    assert number(0.1, "en") == "0.10", "two decimals, never 0.1 beside 0.25"
    assert number(0, "sv") == "0,00"
    assert number(8283, "en", 0) == "8,283" and number(8283, "sv", 0) == "8\u00a0283"
    assert number(0.02, "sv", sign=True) == "+0,02" and number(-0.013, "en", sign=True) == "-0.01"
    assert number(-0.001, "en") == "0.00", "no minus sign on a number that rounds to zero"
    for missing in (None, math.nan, pd.NA, float("nan")):
        assert number(missing) == "–" and percent(missing, "sv") == "–"
    assert percent(0.16, "en") == "16%" and percent(0.16, "sv") == "16\u00a0%"
    assert percent(0.125, "sv", 1) == "12,5\u00a0%"


def test_singular_and_plural() -> None:
    assert say_count(1, "{n} row", "{n} rows", "en") == "1 row"
    assert say_count(2, "{n} row", "{n} rows", "en") == "2 rows"
    assert say_count(1, "{n} row", "{n} rows", "sv") == "1 rad"
    assert say_count(1500, "{n} row", "{n} rows", "sv") == "1\u00a0500 rader"


def test_durations() -> None:
    assert duration(42) == "42\u00a0s"
    assert duration(686) == "11\u00a0min"
    assert duration(3 * 3600 + 300) == "3\u00a0h 5\u00a0min"


def _said(path: Path) -> list[tuple[int, str]]:
    """The literal phrases a module passes to say() / say_count() (variables are not seen)."""
    return _said_in(ast.parse(path.read_text(encoding="utf-8")))


def _said_in(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "id", getattr(node.func, "attr", ""))
        literals = [
            a for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)
        ]
        if name == "say" and literals[:1] == node.args[:1]:
            found.append((node.lineno, literals[0].value))
        elif name == "say_count":
            found.extend((node.lineno, a.value) for a in literals[:2])
    return found


@pytest.mark.parametrize(
    "path",
    sorted(p for part in SPEAKING for p in (SOURCES / part).rglob("*.py"))
    + [SOURCES / part for part in SPEAKING if (SOURCES / part).is_file()],
    ids=lambda p: str(p.relative_to(SOURCES)),
)
def test_every_phrase_the_tools_say_has_a_swedish_entry(path: Path) -> None:
    missing = [f"{line}: {text!r}" for line, text in _said(path) if text not in SWEDISH]
    assert not missing, f"no Swedish for: {missing}"


def test_every_phrase_the_notebooks_say_has_a_swedish_entry() -> None:
    nbformat = pytest.importorskip("nbformat")
    missing = []
    for path in sorted((SOURCES.parents[1] / "notebooks").glob("*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        for cell in notebook.cells:
            if cell.cell_type != "code":
                continue
            code = "\n".join(
                line for line in cell.source.splitlines() if not line.startswith(("%", "!"))
            )
            said = _said_in(ast.parse(code))
            missing += [f"{path.name}: {text!r}" for _, text in said if text not in SWEDISH]
    assert not missing, f"no Swedish for: {missing}"


def test_swedish_entries_keep_their_placeholders() -> None:
    import string

    def fields(text: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}

    wrong = [key for key, value in SWEDISH.items() if fields(key) != fields(value)]
    assert not wrong, f"placeholders differ: {wrong}"
    assert say("Tags are right", "sv") == "Taggarna stämmer"
