"""Smoke test of the benchmark suite: `python -m benchmarks --smoke` on 25 labelled texts.

Checks that the command runs end to end and writes RESULTS.md and results.json with the expected
rows; it asserts nothing about timings. Annif and ONNX Runtime are only used when their venvs
already exist (never installed here), and the time-boxed fine-tuning runs for a few seconds.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_pure_helpers() -> None:
    import numpy as np
    from benchmarks.annif_bench import apply_limit_threshold
    from benchmarks.common import best_threshold
    from benchmarks.speed import count_macs, macs_per_sequence

    # BERT-small: 12 layers, h=384, ff=1536 → 1,769,472 linear MACs per token and layer
    assert macs_per_sequence(1, 12, 384, 1536) == 12 * (1_769_472 + 2 * 384)
    flops = count_macs([1, 3], 16, {"layers": 12, "hidden": 384, "intermediate": 1536})
    assert flops["padded_macs"] == 2 * macs_per_sequence(3, 12, 384, 1536)
    scores = np.array([[0.9, 0.5, 0.2, 0.0], [0.1, 0.3, 0.35, 0.05]])
    assert apply_limit_threshold(scores, 1, 0.3).tolist() == [
        [True, False, False, False],
        [False, False, True, False],
    ]
    y = np.array([True, True, False, False, False])
    threshold = best_threshold(y, np.array([0.9, 0.8, 0.3, 0.2, 0.1]))
    assert 0.3 < threshold <= 0.8

    from benchmarks.variants import parse_variant

    variant, words = parse_variant("titles-w0.5+kind-thresholds@ft")
    assert "title" in variant.train_kinds and variant.title_weight == 0.5
    assert variant.kind_thresholds and variant.vectors == "ft" and "fine-tuned" in words
    assert parse_variant("baseline")[0].vectors == "shipped"
    with pytest.raises(ValueError, match="unknown variant"):
        parse_variant("titles+nonsense")


@pytest.mark.slow
def test_smoke_run_writes_results(corpus_root: Path, tmp_path: Path) -> None:
    out = tmp_path / "bench"
    env = dict(os.environ, ECS_TAGGER_CORPUS=str(corpus_root), PYTHONPATH=str(ROOT))
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks",
            "--smoke",
            "--out-dir",
            str(out),
            "--annif",
            "installed",
            "--onnx",
            "installed",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert results["meta"]["smoke"] is True
    sections = results["sections"]
    assert {"quality", "zeroshot", "variants", "perturbations", "speed", "setfit"} <= set(sections)
    flips = sections["perturbations"]["data"]["models"][0]["flips"]
    assert {"upper", "no_diacritics", "title_as_text"} <= set(flips)
    assert all(0 <= f["flipped"] <= f["compared"] for f in flips.values())
    assert sections["quality"]["data"]["folds_match_cross_validate"] is True

    from benchmarks.report import CORE_ROWS

    text = (out / "RESULTS.md").read_text(encoding="utf-8")
    assert "SMOKE RUN" in text
    for row in CORE_ROWS:
        assert f"| {row} |" in text or f"| **{row}** |" in text, row
    for heading in (
        "## Quality on the same 5 folds",
        "### Where ecs-tagger loses",
        "## Speed and memory on this machine",
        "### Tagging 20 Projektbanken",
        "## Variants of the training recipe, by kind of text",
        "### The encoder against the arithmetic limit",
        "## SetFit-style",
    ):
        assert heading in text, heading
    variants = sections["variants"]["data"]
    assert variants["variants"]["baseline"]["report"]["macro_f1"] == pytest.approx(
        sections["quality"]["data"]["systems"]["ecs-tagger"]["report"]["macro_f1"]
    ), "the variants' baseline is the shipped recipe on the same folds"
    for name in ("baseline", "baseline@ft"):
        assert {"projektbanken", "english", "title"} <= set(variants["variants"][name]["by_kind"])
    assert len(variants["finetuning"]) == 5, "the encoder is fine-tuned inside each fold"
    speed = sections["speed"]["data"]
    for mode in ("cold", "warm", "cached"):
        assert speed["ecs_tagger"][mode]["n_docs"] == 20
        assert speed["ecs_tagger"][mode]["peak_rss_mb"] > 0
    assert speed["plain_st"]["n_docs"] == 20 and speed["plain_st"]["encode_s"] > 0
    assert "Uncached tagging against plain fp32 sentence-transformers" in text
    assert speed["encoder"]["macs_per_token"] > 12 * 1_769_472
    assert "torch:int8:t2:bs16" in speed["variants"]["results"]
    annif = sections.get("annif", {}).get("data", {})
    if (ROOT / "benchmarks" / ".annif-venv" / "bin" / "annif").exists():
        assert "annif-tfidf" in annif["quality"]["systems"]
    else:
        assert "skipped" in annif


@pytest.fixture(autouse=True)
def _no_real_results_touched() -> None:
    before = (
        (ROOT / "benchmarks" / "RESULTS.md").stat().st_mtime
        if (ROOT / "benchmarks" / "RESULTS.md").exists()
        else None
    )
    yield
    after = (
        (ROOT / "benchmarks" / "RESULTS.md").stat().st_mtime
        if (ROOT / "benchmarks" / "RESULTS.md").exists()
        else None
    )
    assert before == after, "the smoke run must not rewrite benchmarks/RESULTS.md"


def test_a_variant_screen_scores_only_its_folds(corpus_root: Path, tmp_path: Path) -> None:
    """`--variant-folds 1` trains and scores fold 1 alone, and says so in the row's name."""
    from benchmarks.common import labelled_data, scored_rows

    out = tmp_path / "bench"
    env = dict(os.environ, ECS_TAGGER_CORPUS=str(corpus_root), PYTHONPATH=str(ROOT))
    command = [sys.executable, "-m", "benchmarks", "--smoke", "--out-dir", str(out)]
    command += ["--only", "variants", "--variants", "baseline", "--variant-folds", "1"]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-4000:]
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    record = results["sections"]["variants"]["data"]["variants"]["baseline [fold 1 of 5]"]
    data = labelled_data(25, titles="score")
    scored = int((data.evaluate & scored_rows(data, 1)).sum())
    assert 0 < scored < int(data.evaluate.sum())
    assert record["folds_scored"] == 1 and len(record["per_fold"]) == 1
    assert record["report"]["n_documents"] == scored
    assert "fold 1 of 5 only" in record["description"]


def test_seeded_earlier_reviews_agree_with_the_tagger(
    registry: object, small_tagger: object
) -> None:
    """issue 18, point 8: an "accepted" seeded review keeps the tagger's tags, a "corrected" one
    changes them, so the summary, the tagger-vs-reviewer picture and the review log agree."""
    import tempfile

    from benchmarks.common import corrected_areas, seed_reviews

    choices = ((("energy", "industry"), "both"), (("energy",), "energy"))
    assert corrected_areas(("food",), choices) == (("energy", "industry"), "both")
    assert corrected_areas(("industry", "energy"), choices) == (("energy",), "energy")
    with tempfile.TemporaryDirectory() as folder:
        store = seed_reviews(
            Path(folder) / "c.jsonl",
            registry,  # type: ignore[arg-type]
            reviewer="CI",
            tagger=small_tagger,
        )
        reviews = list(store.latest().values())
    said = small_tagger.tag_many(list(registry["text"].head(3)))  # type: ignore[attr-defined]
    assert [r.old_areas for r in reviews] == [tuple(s.areas) for s in said]
    assert [r.action for r in reviews] == ["accept", "correct", "correct"]
    assert [r.changed for r in reviews] == [False, True, True]
    assert reviews[0].new_areas == reviews[0].old_areas
    assert {r.model_version for r in reviews} == {small_tagger.model_version}  # type: ignore[attr-defined]


def test_the_browser_check_sees_a_lost_kernel() -> None:
    from benchmarks.notebook_screenshots import kernel_lost

    live = {
        "indicator": "idle",
        "statusBar": "Python 3 (ipykernel) | Idle",
        "connection": "connected",
    }
    assert kernel_lost(live) == ""
    assert "'dead'" in kernel_lost({**live, "indicator": "dead"})
    assert "'disconnected'" in kernel_lost({**live, "indicator": "disconnected"})
    assert "no kernel" in kernel_lost({**live, "indicator": ""})
    assert "Disconnected" in kernel_lost({**live, "statusBar": "Python 3 | Disconnected"})
    assert "connecting" in kernel_lost({**live, "connection": "connecting"})
    assert "no kernel status indicator" in kernel_lost({})
