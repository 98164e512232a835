"""Annif (tfidf, svc, omikuji, fasttext) on the shared folds, and its tagging speed.

Annif lives in its own virtual environment (benchmarks/.annif-venv, git-ignored), installed from PyPI
by `ensure_annif`, and runs only through its CLI in subprocesses, with a projects.cfg, a four-subject
vocabulary and JSONL corpora written to a temporary folder. NLTK's `punkt_tab` sentence model, which
Annif's analyzers need and would otherwise download from the internet, is trained here on unlabelled
Projektbanken descriptions with NLTK's own Punkt trainer.

Per fold and backend: train on an inner split (80 %) of the fold's training part, pick limit and
threshold with `annif optimize` on the other 20 % (Annif's own measure, F1 doc avg), retrain on the
whole training part and index the test part. A second reading of the same test scores uses one
threshold per area, chosen on the same inner 20 % for F1 of that area (what ecs-tagger does with its
own out-of-fold scores).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.common import (
    ANNIF_VENV,
    LabelledData,
    RunOptions,
    best_threshold,
    labelled_data,
    log,
    python_env,
    run_wait4,
    score_predictions,
    speed_texts,
)

ANNIF_VERSION = "1.4.3"
INSTALL_SPECS = (
    f"annif[omikuji,fasttext]=={ANNIF_VERSION}",
    f"annif[omikuji]=={ANNIF_VERSION}",
    f"annif=={ANNIF_VERSION}",
)
ANALYZER = "snowball(swedish)"
#: Backend parameters, fixed before any run (fastText: one-vs-all loss suits multi-label tagging).
BACKENDS: dict[str, dict[str, str]] = {
    "tfidf": {},
    "svc": {},
    "omikuji": {},
    "fasttext": {"dim": "100", "lr": "0.1", "epoch": "30", "loss": "ova", "chunksize": "24"},
}
URI = "http://example.org/ecs-area/{}"


def annif_bin() -> Path:
    return ANNIF_VENV / "bin" / "annif"


def installed_backends() -> list[str]:
    """Backends whose Python packages are importable in the Annif venv."""
    python = ANNIF_VENV / "bin" / "python"
    found = ["tfidf", "svc"]
    for backend, module in (("omikuji", "omikuji"), ("fasttext", "fasttext")):
        check = subprocess.run([str(python), "-c", f"import {module}"], capture_output=True)
        if check.returncode == 0:
            found.append(backend)
    return found


def ensure_annif(options: RunOptions) -> dict[str, Any]:
    """Install Annif into its own venv if asked and missing; report what is there."""
    info: dict[str, Any] = {"venv": str(ANNIF_VENV.relative_to(ANNIF_VENV.parents[1]))}
    if not annif_bin().exists():
        if options.annif in ("never", "installed") or (options.annif == "auto" and options.smoke):
            info["skipped"] = f"no Annif venv at {ANNIF_VENV} (not installed in smoke/CI runs)"
            return info
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(ANNIF_VENV)], check=True)
        pip = str(ANNIF_VENV / "bin" / "pip")
        for spec in INSTALL_SPECS:
            log(f"installing {spec} into {ANNIF_VENV}")
            done = subprocess.run([pip, "install", "--quiet", spec], capture_output=True, text=True)
            if done.returncode == 0:
                info["installed"] = spec
                break
            info.setdefault("install_failures", []).append(
                {"spec": spec, "error": done.stderr.strip().splitlines()[-3:]}
            )
        else:
            info["skipped"] = "pip could not install Annif"
            return info
        info["install_seconds"] = round(time.perf_counter() - started, 1)
    listing = subprocess.run(
        [str(ANNIF_VENV / "bin" / "pip"), "list", "--format=json"], capture_output=True, text=True
    )
    packages = {p["name"].lower(): p["version"] for p in json.loads(listing.stdout or "[]")}
    info["version"] = packages.get("annif")
    info["torch_in_venv"] = packages.get("torch")  # must stay None: Annif needs no torch
    info["backends"] = installed_backends()
    if options.smoke:
        info["backends"] = info["backends"][:1]  # tfidf: enough to see the pipeline work
    ensure_punkt()
    return info


def nltk_data_dir() -> Path:
    return ANNIF_VENV / "nltk_data"


def ensure_punkt() -> None:
    """Train NLTK Punkt parameters on Projektbanken descriptions into nltk_data/punkt_tab."""
    target = nltk_data_dir() / "tokenizers" / "punkt_tab"
    if (target / "english" / "collocations.tab").exists():
        return
    texts = speed_texts(2000)
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus.txt"
        corpus.write_text("\n\n".join(texts), encoding="utf-8")
        script = (
            "import sys\nfrom nltk.tokenize.punkt import PunktTrainer, save_punkt_params\n"
            "trainer = PunktTrainer()\ntrainer.INCLUDE_ALL_COLLOCS = True\n"
            "trainer.train(open(sys.argv[1], encoding='utf-8').read(), finalize=True)\n"
            "params = trainer.get_params()\n"
            "for lang in ('english', 'swedish'):\n"
            "    save_punkt_params(params, sys.argv[2] + '/' + lang)\n"
        )
        target.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [str(ANNIF_VENV / "bin" / "python"), "-c", script, str(corpus), str(target)], check=True
        )


# -- the Annif workspace ---------------------------------------------------------------------------
class AnnifWorkspace:
    """A temporary folder with projects.cfg, the vocabulary and Annif's data folder."""

    def __init__(self, codes: tuple[str, ...], backends: list[str]) -> None:
        from ecs_tagger.model.taxonomy import default_taxonomy

        self.dir = Path(tempfile.mkdtemp(prefix="ecs-annif-"))
        self.codes = codes
        self.backends = backends
        taxonomy = default_taxonomy()
        vocab = self.dir / "vocab.tsv"
        vocab.write_text(
            "".join(f"<{URI.format(a.code)}>\t{a.name_sv}\n" for a in taxonomy.areas),
            encoding="utf-8",
        )
        sections = []
        for backend in backends:
            params = {
                "name": f"{backend} sv",
                "language": "sv",
                "backend": backend,
                "analyzer": ANALYZER,
                "vocab": "ecs",
                "limit": "4",
                **BACKENDS[backend],
            }
            sections.append(f"[{backend}]\n" + "".join(f"{k}={v}\n" for k, v in params.items()))
        (self.dir / "projects.cfg").write_text("\n".join(sections), encoding="utf-8")
        self.env = python_env(
            ANNIF_PROJECTS=str(self.dir / "projects.cfg"),
            ANNIF_DATADIR=str(self.dir / "data"),
            NLTK_DATA=str(nltk_data_dir()),
            OMP_NUM_THREADS="2",
        )
        self.run(["load-vocab", "--language", "sv", "ecs", str(vocab)])

    def run(self, args: list[str], measure: bool = False) -> dict[str, Any]:
        cmd = [str(annif_bin()), *args]
        if measure:
            result = run_wait4(
                cmd, env=self.env, cwd=self.dir, stdout_path=self.dir / "measured.out"
            )
            if result["returncode"] != 0:
                raise RuntimeError(f"annif {' '.join(args)} failed:\n{result['stderr'][-2000:]}")
            return result
        started = time.perf_counter()
        done = subprocess.run(cmd, env=self.env, cwd=self.dir, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"annif {' '.join(args)} failed:\n{done.stderr[-2000:]}")
        return {"stdout": done.stdout, "wall_s": time.perf_counter() - started}

    def write_corpus(self, name: str, texts: list[str], labels: np.ndarray | None) -> Path:
        path = self.dir / f"{name}.jsonl"
        with path.open("w", encoding="utf-8") as handle:
            for i, text in enumerate(texts):
                record: dict[str, Any] = {"document_id": str(i), "text": text}
                if labels is not None and labels[i].any():
                    record["subjects"] = [
                        {"uri": URI.format(c)}
                        for c, on in zip(self.codes, labels[i], strict=True)
                        if on
                    ]
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        return path

    def scores(self, backend: str, corpus: Path, n: int) -> np.ndarray:
        """documents × areas scores (limit 4, threshold 0: every score Annif gives)."""
        output = corpus.with_suffix(".annif.out.jsonl")
        self.run(
            [
                "index",
                backend,
                str(corpus),
                "--limit",
                "4",
                "--threshold",
                "0",
                "--no-include-doc",
                "--force",
                "--output",
                str(output),
            ]
        )
        matrix = np.zeros((n, len(self.codes)))
        with output.open(encoding="utf-8") as handle:
            for row, line in enumerate(handle):
                record = json.loads(line)
                index = int(record.get("document_id", row))
                for hit in record["results"]:
                    code = hit["uri"].rsplit("/", 1)[-1]
                    matrix[index, self.codes.index(code)] = float(hit["score"])
        return matrix

    def close(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


_BEST = re.compile(
    r"Best\s+F1 score \(doc avg\):\s*([0-9.]+)\s+Limit:\s*(\d+)\s+Threshold:\s*([0-9.]+)"
)


def apply_limit_threshold(scores: np.ndarray, limit: int, threshold: float) -> np.ndarray:
    """Annif's filter: the `limit` best subjects whose score reaches `threshold` (and is > 0)."""
    ranks = np.argsort(np.argsort(-scores, axis=1, kind="stable"), axis=1, kind="stable")
    return (ranks < limit) & (scores >= threshold) & (scores > 0)


def fold_backend(
    workspace: AnnifWorkspace,
    backend: str,
    files: dict[str, Path],
    labels: np.ndarray,
    inner_val: np.ndarray,
    test: np.ndarray,
    scores: dict[str, np.ndarray],
    optimized: dict[str, np.ndarray],
    per_area: dict[str, np.ndarray],
    n_areas: int,
) -> dict[str, Any]:
    """Tune on the inner split, retrain on the training part, score the test part."""
    started = time.perf_counter()
    workspace.run(["train", backend, str(files["inner_train"])])
    optimize = workspace.run(["optimize", backend, str(files["inner_val"])])["stdout"]
    match = _BEST.search(optimize)
    if match is None:
        raise RuntimeError(f"cannot read annif optimize output:\n{optimize[-800:]}")
    limit, threshold = int(match.group(2)), float(match.group(3))
    val_scores = workspace.scores(backend, files["inner_val"], len(inner_val))
    thresholds = [best_threshold(labels[inner_val, a], val_scores[:, a]) for a in range(n_areas)]
    workspace.run(["train", backend, str(files["train"])])
    test_scores = workspace.scores(backend, files["test"], len(test))
    scores[backend][test] = test_scores
    optimized[backend][test] = apply_limit_threshold(test_scores, limit, threshold)
    per_area[backend][test] = test_scores >= np.maximum(thresholds, 1e-9)
    return {
        "limit": limit,
        "threshold": threshold,
        "per_area_thresholds": [round(t, 4) for t in thresholds],
        "seconds": round(time.perf_counter() - started, 1),
    }


def run_quality(options: RunOptions, info: dict[str, Any]) -> dict[str, Any]:
    from ecs_tagger.model.classifier import folds_for

    data: LabelledData = labelled_data(options.n_labelled)
    backends = info["backends"]
    texts = data.training.texts
    labels = data.labels
    n = len(texts)
    out: dict[str, Any] = {"systems": {}, "tuning": {}}
    workspace = AnnifWorkspace(data.codes, backends)
    try:
        scores = {b: np.zeros((n, len(data.codes))) for b in backends}
        optimized = {b: np.zeros((n, len(data.codes)), dtype=bool) for b in backends}
        per_area = {b: np.zeros((n, len(data.codes)), dtype=bool) for b in backends}
        failed: dict[str, str] = {}
        for fold, (train, test) in enumerate(data.folds):
            inner_train_pos, inner_val_pos = folds_for(
                labels[train].any(axis=1), data.training.groups[train], 5, 0
            )[0]
            inner_train, inner_val = train[inner_train_pos], train[inner_val_pos]
            inner_val = inner_val[data.evaluate[inner_val]]  # tune on the Swedish texts only
            files = {
                "inner_train": workspace.write_corpus(
                    f"f{fold}-inner-train", [texts[i] for i in inner_train], labels[inner_train]
                ),
                "inner_val": workspace.write_corpus(
                    f"f{fold}-inner-val", [texts[i] for i in inner_val], labels[inner_val]
                ),
                "train": workspace.write_corpus(
                    f"f{fold}-train", [texts[i] for i in train], labels[train]
                ),
                "test": workspace.write_corpus(f"f{fold}-test", [texts[i] for i in test], None),
            }
            for backend in backends:
                if backend in failed:
                    continue
                try:
                    tuning = fold_backend(
                        workspace,
                        backend,
                        files,
                        labels,
                        inner_val,
                        test,
                        scores,
                        optimized,
                        per_area,
                        len(data.codes),
                    )
                except RuntimeError as error:  # e.g. fastText diverging on a small corpus
                    failed[backend] = f"fold {fold}: " + str(error).strip().splitlines()[-1]
                    log(f"annif {backend} failed: {failed[backend]}")
                    continue
                out["tuning"].setdefault(backend, []).append({"fold": fold, **tuning})
                log(f"annif {backend} fold {fold}: {tuning}")
        for backend in backends:
            if backend in failed:
                out["systems"][f"annif-{backend}"] = {"failed": failed[backend]}
                continue
            out["systems"][f"annif-{backend}"] = {
                "description": f"Annif {backend}, {ANALYZER}; limit/threshold by `annif optimize` "
                "(F1 doc avg) on an inner 20 % of each training part",
                **score_predictions(data, optimized[backend]),
            }
            out["systems"][f"annif-{backend}-per-area"] = {
                "description": f"Annif {backend}, same scores; one threshold per area tuned on the "
                "same inner 20 %",
                **score_predictions(data, per_area[backend]),
            }
            for key in (f"annif-{backend}", f"annif-{backend}-per-area"):
                log(f"{key}: macro-F1 {out['systems'][key]['report']['macro_f1']:.3f}")
    finally:
        workspace.close()
    return out


def run_speed(options: RunOptions, info: dict[str, Any], n_docs: int) -> dict[str, Any]:
    """Cold `annif index` of n_docs descriptions and of one, per backend, after training on all."""
    data = labelled_data(options.n_labelled)
    texts = speed_texts(n_docs)
    backends = info.get("backends_ok", info["backends"])
    workspace = AnnifWorkspace(data.codes, backends)
    out: dict[str, Any] = {"n_docs": len(texts), "backends": {}}
    try:
        train = workspace.write_corpus("all", data.training.texts, data.labels)
        many = workspace.write_corpus("speed", texts, None)
        one = workspace.write_corpus("one", texts[:1], None)
        for backend in backends:
            try:
                workspace.run(["train", backend, str(train)])
                args = ["--limit", "4", "--threshold", "0", "--no-include-doc", "--force"]
                single = workspace.run(
                    ["index", backend, str(one), *args, "--output", str(workspace.dir / "one.out")],
                    measure=True,
                )
                full = workspace.run(
                    [
                        "index",
                        backend,
                        str(many),
                        *args,
                        "--output",
                        str(workspace.dir / "speed.out"),
                    ],
                    measure=True,
                )
            except RuntimeError as error:
                out["backends"][backend] = {"failed": str(error).strip().splitlines()[-1]}
                continue
            warm_seconds = max(1e-6, full["wall_s"] - single["wall_s"])
            out["backends"][backend] = {
                "cold_seconds": round(full["wall_s"], 2),
                "cold_docs_per_s": round(len(texts) / full["wall_s"], 2),
                "startup_seconds": round(single["wall_s"], 2),
                "warm_docs_per_s": round((len(texts) - 1) / warm_seconds, 2),
                "peak_rss_mb": round(full["maxrss_mb"], 1),
            }
            log(f"annif {backend} speed: {out['backends'][backend]}")
    finally:
        workspace.close()
    return out
