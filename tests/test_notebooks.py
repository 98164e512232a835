"""The notebooks run top to bottom headless (nbclient; widgets are built, nobody clicks) on the real
corpus, on the first rows only (ECS_TAGGER_NOTEBOOK_ROWS), and are committed without outputs."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
from benchmarks.common import seed_reviews

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
#: Rows the notebooks tag in CI (the default registry has 111).
ROWS = int(os.environ.get("ECS_TAGGER_TEST_NOTEBOOK_ROWS", "20"))


def _outputs(notebook: Any, kind: str | None = None) -> list[Any]:
    return [
        o
        for c in notebook.cells
        if c.cell_type == "code"
        for o in c.outputs
        if kind is None or o.output_type == kind
    ]


def _text(notebook: Any) -> str:
    parts: list[str] = []
    for output in _outputs(notebook):
        if output.output_type == "stream":
            parts.append(output.text)
        elif "data" in output:
            parts.extend(str(output.data.get(k, "")) for k in ("text/plain", "text/html"))
    return "\n".join(parts)


def _run(name: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, **env: str) -> Any:
    monkeypatch.setenv("ECS_TAGGER_NOTEBOOK_ROWS", str(ROWS))
    monkeypatch.setenv("ECS_TAGGER_NOTEBOOK_OUT", str(tmp_path / "out"))
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    client = nbclient.NotebookClient(
        notebook,
        # One cell retrains on every training text of the model's recipe (about 5,600): their
        # vectors come with the model (1-2 min), but an encoder of another identity (no bf16)
        # embeds them all, 10-20 min on a machine whose embedding cache lacks them.
        timeout=3000,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    )
    client.execute()
    errors = _outputs(notebook, "error")
    assert not errors, "\n".join(f"{e.ename}: {e.evalue}" for e in errors)
    text = _text(notebook)
    assert "Traceback" not in text, "a message, never a traceback"
    undrawn = [
        o.data["text/plain"]
        for o in _outputs(notebook)
        if "data" in o
        and "image/png" not in o.data
        and "<Figure size" in str(o.data.get("text/plain"))
    ]
    assert not undrawn, f"every figure is drawn, not shown as {undrawn}"
    assert "<ecs_tagger" not in text, "no raw object repr"
    return notebook


def _progress_bars(notebook: Any) -> str:
    """The progress bars as displayed (their descriptions) and as they ended (the widget state
    nbclient saves: "20/20" once the library's callback has reported every text)."""
    shown = [
        str(o.data.get("text/plain", ""))
        for o in _outputs(notebook, "display_data")
        if "application/vnd.jupyter.widget-view+json" in o.data
    ]
    return "\n".join(shown) + json.dumps(notebook.metadata.get("widgets", {}), ensure_ascii=False)


def test_committed_notebooks_say_to_run_all_first() -> None:
    for path in NOTEBOOKS.glob("*.ipynb"):
        notebook = nbformat.read(path, as_version=4)
        first = notebook.cells[0]
        assert first.cell_type == "markdown" and "Run All Cells" in first.source.split("\n\n")[1]


def test_committed_notebooks_have_no_outputs() -> None:
    paths = sorted(NOTEBOOKS.glob("*.ipynb"))
    assert {p.name for p in paths} >= {"review_tags.ipynb", "similar_initiatives.ipynb"}
    for path in paths:
        notebook = nbformat.read(path, as_version=4)
        nbformat.validate(notebook)
        for cell in notebook.cells:
            if cell.cell_type == "code":
                assert cell.outputs == [], (
                    f"{path.name}: strip outputs (notebooks/strip_outputs.py)"
                )
                assert cell.execution_count is None, f"{path.name}: strip execution counts"
        assert "widgets" not in notebook.metadata, f"{path.name}: strip widget state"


def test_notebooks_read_the_row_limit_from_the_environment() -> None:
    for path in NOTEBOOKS.glob("*.ipynb"):
        assert "ECS_TAGGER_NOTEBOOK_ROWS" in path.read_text(encoding="utf-8"), path.name


@pytest.mark.slow
def test_review_notebook_runs_top_to_bottom(
    corpus_root: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Earlier reviews are in the corrections file (the notebook was opened before): the notebook
    shows them, draws them, retrains with them (no cross-validation in CI) and exports them."""
    from ecs_tagger.coordinators.review import load_registry

    registry = load_registry(corpus_root=corpus_root, limit=ROWS)
    store = seed_reviews(tmp_path / "corrections.jsonl", registry, reviewer="CI")
    before = store.path.read_bytes()
    notebook = _run(
        "review_tags.ipynb",
        monkeypatch,
        tmp_path,
        ECS_TAGGER_CORRECTIONS=str(store.path),
        ECS_TAGGER_NOTEBOOK_CV="0",
        ECS_TAGGER_REVIEWER="CI",
    )
    text = _text(notebook)
    assert f"{ROWS} rows tagged with model" in text
    assert "3 of " in text and "tagged rows reviewed" in text, "earlier reviews are shown"
    widgets = [
        o
        for o in _outputs(notebook, "display_data")
        if "application/vnd.jupyter.widget-view+json" in o.data
    ]
    assert len(widgets) >= 2, "the browser and the review panel are displayed"
    images = [o for o in _outputs(notebook) if "data" in o and "image/png" in o.data]
    assert len(images) >= 3, "heat map, histograms and confusion are drawn"
    assert "Retrained with 3 reviewed rows" in text
    assert (
        "cross-validated when the model was trained" in text
        or "Cross-validation was skipped" in text
    )
    assert "Tagging" in _progress_bars(notebook) and f"{ROWS}/{ROWS}" in _progress_bars(notebook), (
        "tagging shows a progress bar fed by the library's callback"
    )
    bars = _progress_bars(notebook)
    assert "Retraining" in bars
    assert re.search(r"\b(\d{3,})/\1\b", bars) and "/?" not in bars, (
        "the retraining bar is told its total and ends at n/n"
    )
    assert not list((tmp_path / "out").glob("*.xlsx")), "Run All exports nothing by itself"
    assert "Export to Excel" in _progress_bars(notebook), "exports come from a button, on request"
    assert store.path.read_bytes() == before, "running the notebook writes no review by itself"


@pytest.mark.slow
def test_similar_initiatives_notebook_runs_top_to_bottom(
    corpus_root: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    notebook = _run(
        "similar_initiatives.ipynb",
        monkeypatch,
        tmp_path,
        ECS_TAGGER_NOTEBOOK_ACTOR="Region Örebro län",
    )
    text = _text(notebook)
    assert "No actor called «Region Örebro län»" in text or "Actors most like" in text
    assert "Reading the projects" in _progress_bars(notebook)
    assert f"Index: {ROWS} projects in" in text and "RegistryIndex(" not in text
    assert "initiatives most like project" in text and "Why: " in text
    assert "Shared key words" in text
    widgets = [
        o
        for o in _outputs(notebook, "display_data")
        if "application/vnd.jupyter.widget-view+json" in o.data
    ]
    assert widgets, "the search widget is displayed"
    assert (tmp_path / "out" / "similar_index" / "manifest.json").exists(), "the index is saved"


#: The English interface's words; none may show when LANGUAGE = "sv" (in any output, widget
#: label, table heading or progress bar of either notebook).
ENGLISH_UI = (
    "rows tagged with model",
    "tagged rows reviewed",
    "Tagging",
    "Retraining",
    "Retrained with",
    "Tags in the registry",
    "Cross-validation was skipped",
    "How well the tagger",
    "Rows whose tags changed",
    "Wrote ",
    "Tags from model",
    "Reading the projects",
    "This run:",
    "projects in",
    "RegistryIndex(",
    "chance wrong",
    "review status",
    "meaning says",
    "threshold",
    "not tagged",
    "Tags are right",
    "Save ticked areas",
    "Evidence of",
    "Similar to",
    "initiatives most like",
    "Why: ",
    "Shared key words",
    "closest sentences",
    '"similarity"',
    "No actor called",
    "Did you mean",
    "Actors most like",
    '"Find"',
    "all regions",
    " rows</p>",
)


@pytest.mark.slow
def test_the_notebooks_in_swedish_show_no_english(
    corpus_root: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """LANGUAGE = "sv" (ECS_TAGGER_NOTEBOOK_LANGUAGE=sv): outputs, widgets and progress bars of
    both notebooks are Swedish (the figures' texts are checked in tests/test_widgets.py)."""
    from ecs_tagger.coordinators.review import load_registry

    registry = load_registry(corpus_root=corpus_root, limit=ROWS)
    store = seed_reviews(tmp_path / "corrections.jsonl", registry, reviewer="CI", count=2)
    found: dict[str, list[str]] = {}
    for name in ("review_tags.ipynb", "similar_initiatives.ipynb"):
        notebook = _run(
            name,
            monkeypatch,
            tmp_path,
            ECS_TAGGER_NOTEBOOK_LANGUAGE="sv",
            ECS_TAGGER_CORRECTIONS=str(store.path),
            ECS_TAGGER_NOTEBOOK_CV="0",
            ECS_TAGGER_NOTEBOOK_ACTOR="Region Örebro län",
            ECS_TAGGER_REVIEWER="CI",
        )
        shown = _text(notebook) + _progress_bars(notebook)
        found[name] = [word for word in ENGLISH_UI if word in shown]
        if name == "review_tags.ipynb":
            assert f"{ROWS} rader taggade med modellen" in shown and "Taggar" in shown
            assert "Omtränad med 2 granskade rader" in shown and "Exportera till Excel" in shown
        else:
            assert f"Index: {ROWS} projekt i" in shown and "initiativ som mest liknar" in shown
    assert not any(found.values()), f"English shown in Swedish: {found}"
