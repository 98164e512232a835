"""Remove outputs, execution counts and widget state from notebooks before they are committed.

    .venv/bin/python notebooks/strip_outputs.py            # every notebook in notebooks/
    .venv/bin/python notebooks/strip_outputs.py a.ipynb    # the notebooks named
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat


def strip(path: Path) -> bool:
    """Strip one notebook in place; True when it changed."""
    notebook = nbformat.read(path, as_version=4)
    changed = False
    for cell in notebook.cells:
        if cell.cell_type == "code" and (
            cell.get("outputs") or cell.get("execution_count") is not None
        ):
            cell.outputs, cell.execution_count = [], None
            changed = True
        for key in ("execution", "collapsed", "scrolled"):
            if key in cell.metadata:
                del cell.metadata[key]
                changed = True
    for key in ("widgets", "papermill"):
        if key in notebook.metadata:
            del notebook.metadata[key]
            changed = True
    if changed:
        nbformat.write(notebook, path)
    return changed


def main(arguments: list[str]) -> int:
    paths = [Path(a) for a in arguments] or sorted(Path(__file__).parent.glob("*.ipynb"))
    for path in paths:
        print(f"{path}: {'stripped' if strip(path) else 'clean'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
