"""Shared pieces of the benchmark suite: run options, the labelled data and its folds, the shipped
settings and the texts' analyses and vectors, scoring, timing; and the set-up the notebook checks
share with the tests (scratch folders for Jupyter and matplotlib, earlier reviews).

Every system is scored on the same split: ``folds_for(any_area, groups, 5, random_state=0)`` over
the labelled rows plus their English parallel texts (the split `ecs_tagger.model.training.cross_validate`
uses, via `training_folds`: title-only copies follow their record), and only the labelled (Swedish)
rows are scored.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from ecs_tagger.coordinators.corrections import CorrectionStore

ROOT = Path(__file__).resolve().parents[1]
BENCH_DIR = ROOT / "benchmarks"
ANNIF_VENV = BENCH_DIR / ".annif-venv"
ORT_VENV = BENCH_DIR / ".ort-venv"
FOLDS = 5
RANDOM_STATE = 0


@dataclass
class RunOptions:
    """What one invocation of ``python -m benchmarks`` does."""

    smoke: bool = False
    out_dir: Path = BENCH_DIR
    sections: tuple[str, ...] = ("quality", "zeroshot", "variants", "annif", "speed", "setfit")
    annif: str = "auto"  # auto: install unless --smoke; never: skip; installed: only if present
    onnx: str = "auto"
    speed_docs: int = 1000
    variant_docs: int = 300
    #: the variants section trains and scores only the first this many folds (0: all 5): a screen
    variant_folds: int = 0
    setfit_minutes: float = 12.0
    setfit_folds: int = 1
    variants: tuple[str, ...] = ()  # empty: benchmarks.variants' defaults
    #: model folders the perturbations section also runs, beside the shipped model
    compare_models: tuple[Path, ...] = ()
    command: str = "python -m benchmarks"
    work_dir: Path = field(default_factory=lambda: Path("/tmp"))

    @property
    def n_labelled(self) -> int | None:
        return 25 if self.smoke else None

    @property
    def text_chars(self) -> int | None:
        """Smoke runs cut the texts they encode to this many characters (they check the steps, not
        the figures); full runs use whole texts."""
        return 300 if self.smoke else None


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def command_line(argv: Sequence[str]) -> str:
    return "python -m benchmarks" + ("".join(" " + shlex.quote(a) for a in argv) if argv else "")


# -- data -----------------------------------------------------------------------------------------
@dataclass
class LabelledData:
    frame: pd.DataFrame  # labelled rows, then their English parallel rows (evaluate=False)
    training: Any  # ecs_tagger.model.training.TrainingSet
    folds: list[tuple[np.ndarray, np.ndarray]]
    codes: tuple[str, ...]

    @property
    def evaluate(self) -> np.ndarray:
        return np.asarray(self.training.evaluate, dtype=bool)

    @property
    def labels(self) -> np.ndarray:
        return np.asarray(self.training.labels, dtype=bool)


def _smoke_subset(labelled: pd.DataFrame, size: int) -> pd.DataFrame:
    per_area = max(1, size // 5)
    picked = [
        labelled[labelled["areas"].map(lambda a, c=c: c in a)].head(per_area)
        for c in ("food", "health", "energy", "industry")
    ]
    picked.append(labelled[labelled["areas"].map(len) == 0].head(size - 4 * per_area))
    return pd.concat(picked).drop_duplicates("id").reset_index(drop=True)


@cache
def labelled_data(n_labelled: int | None = None, titles: str = "none") -> LabelledData:
    """The training recipe's rows (labels + English parallels) and the shared 5-fold split.

    `titles="score"` adds a title-only copy of every labelled record (weight 0, not in the
    headline scores); a copy follows its record's fold, so the folds of every record stay the same.
    """
    from ecs_tagger.model.recipes import corpus_training_frames
    from ecs_tagger.model.taxonomy import default_taxonomy
    from ecs_tagger.model.training import TrainingSet, training_folds

    labelled, extra = corpus_training_frames(titles=titles)
    if n_labelled is not None:
        labelled = _smoke_subset(labelled, n_labelled)
        extra = extra[extra["group"].isin(set(labelled["id"]))]
    frame = pd.concat([labelled, extra], ignore_index=True)
    taxonomy = default_taxonomy()
    training = TrainingSet.from_frame(frame, taxonomy)
    folds = training_folds(training, FOLDS, RANDOM_STATE)
    return LabelledData(frame, training, folds, taxonomy.codes)


def rows_in_rounds(data: LabelledData, rounds: frozenset[int]) -> np.ndarray:
    """Which rows belong to a record of the given labelling rounds (a row's round is its
    record's: English parallels and title copies follow their record through `group`)."""
    from ecs_tagger.corpus import load_labels

    labels = load_labels()
    round_of = dict(zip(labels["id"].astype(str), labels["round"].astype(int), strict=True))
    groups = data.frame["group"].fillna(data.frame["id"]).astype(str)
    unknown = sorted(set(groups) - set(round_of))
    if unknown:
        raise ValueError(f"rows of records in no labels file: {', '.join(unknown[:5])}")
    return groups.map(lambda group: round_of[group] in rounds).to_numpy(dtype=bool)


def speed_texts(n: int, max_chars: int | None = None) -> list[str]:
    """`n` real Projektbanken descriptions (not the title), a fixed random sample, each cut to
    `max_chars` characters when given."""
    from ecs_tagger.corpus import load_projektbanken

    frame = load_projektbanken()
    texts = frame["description"].dropna().map(str).map(str.strip)
    texts = texts[texts.str.len() > 0].drop_duplicates()
    sample = texts.sample(n=min(n, len(texts)), random_state=RANDOM_STATE)
    return [text[:max_chars] for text in sample] if max_chars else sample.tolist()


# -- the shipped settings, the texts' analyses and vectors ----------------------------------------
_DOCUMENTS: dict[Any, Any] = {}
_EMBEDDINGS: dict[Any, np.ndarray] = {}


def shipped_settings() -> Any:
    """TrainSettings of the shipped model (models/default/manifest.json)."""
    from ecs_tagger.model.training import TrainSettings

    manifest = json.loads((ROOT / "models" / "default" / "manifest.json").read_text("utf-8"))
    return TrainSettings.from_dict(manifest["settings"])


def documents_for(data: LabelledData, preprocess: Any) -> list[Any]:
    """The preprocessed training texts (computed once per data set and settings in a process)."""
    from ecs_tagger.preprocess import Preprocessor

    key = (id(data), preprocess)
    if key not in _DOCUMENTS:
        started = time.perf_counter()
        _DOCUMENTS[key] = Preprocessor(preprocess).process_many(data.training.texts)
        log(
            f"preprocessed {len(data.training.texts)} texts ({preprocess}) in "
            f"{time.perf_counter() - started:.0f} s"
        )
    return _DOCUMENTS[key]


def embeddings_for(data: LabelledData, preprocess: Any, embedder_settings: Any) -> np.ndarray:
    """Embeddings of the texts as models read them (`model_text`; shared cache: only texts never seen before are encoded)."""
    from ecs_tagger.embedding.encoder import Embedder

    documents = documents_for(data, preprocess)
    key = (id(data), tuple(d.model_text for d in documents).__hash__(), embedder_settings)
    if key not in _EMBEDDINGS:
        started = time.perf_counter()
        embedder = Embedder(embedder_settings)
        _EMBEDDINGS[key] = embedder.embed_documents([d.model_text for d in documents])
        embedder.close()
        log(f"embeddings ({embedder_settings}) in {time.perf_counter() - started:.0f} s")
    return _EMBEDDINGS[key]


# -- scoring ---------------------------------------------------------------------------------------
def score_predictions(
    data: LabelledData, predicted: np.ndarray, n_folds: int | None = None
) -> dict[str, Any]:
    """Out-of-fold report over the scored rows, and the per-fold reports, of a prediction matrix;
    with `n_folds`, over the test rows of the first `n_folds` folds only."""
    from ecs_tagger.model.metrics import multilabel_report

    folds = data.folds[:n_folds] if n_folds else data.folds
    mask = data.evaluate & scored_rows(data, n_folds)
    report = multilabel_report(data.codes, data.labels[mask], predicted[mask])
    per_fold = []
    for fold, (_, test) in enumerate(folds):
        scored = test[mask[test]]
        fold_report = multilabel_report(data.codes, data.labels[scored], predicted[scored])
        per_fold.append({"fold": fold, **fold_report.to_dict()})
    return {"report": report.to_dict(), "per_fold": per_fold}


def scored_rows(data: LabelledData, n_folds: int | None = None) -> np.ndarray:
    """Boolean mask of the rows in the test parts of the first `n_folds` folds (None or 0: all)."""
    mask = np.zeros(len(data.labels), dtype=bool)
    for _, test in data.folds[:n_folds] if n_folds else data.folds:
        mask[test] = True
    return mask


def best_threshold(y: np.ndarray, scores: np.ndarray) -> float:
    """The F1-maximising threshold on `scores` (any scale), smoothed like the classifier's."""
    if not y.any():
        return float(np.max(scores)) + 1.0
    grid = np.unique(np.quantile(scores, np.linspace(0.0, 1.0, 201)))
    f1 = np.array(
        [2 * (y & (scores >= t)).sum() / max(1, (scores >= t).sum() + y.sum()) for t in grid]
    )
    if len(grid) >= 5:
        f1 = np.convolve(np.pad(f1, 1, mode="edge"), np.ones(3) / 3, mode="valid")
    return float(grid[int(np.argmax(f1))])


# -- processes and memory --------------------------------------------------------------------------
def vmhwm_mb(pid: int | str = "self") -> float | None:
    """Peak resident memory of a live process's own address space (VmHWM), in MB.

    Not ru_maxrss: Linux carries the parent's high-water mark into a child across fork+exec, so a
    child started from this (large) process would report at least the parent's size.
    """
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        return None
    return None


def run_wait4(
    cmd: Sequence[str],
    *,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = 3600,
    stdout_path: Path | None = None,
) -> dict[str, Any]:
    """Run a command (any program); its wall time and peak resident memory.

    The peak is VmHWM of the child's /proc entry, polled every 20 ms until it exits (monotonic, so
    the last reading is the peak up to the final 20 ms); ru_maxrss from wait4() is kept as well but
    includes this parent's size (see vmhwm_mb).
    """
    out = open(stdout_path, "w") if stdout_path else subprocess.DEVNULL  # noqa: SIM115
    err_path = stdout_path.with_suffix(".err") if stdout_path else None
    err = open(err_path, "w") if err_path else subprocess.DEVNULL  # noqa: SIM115
    try:
        started = time.perf_counter()
        process = subprocess.Popen(
            list(cmd), env=env, cwd=cwd, stdout=out, stderr=err, stdin=subprocess.DEVNULL
        )
        deadline = started + timeout
        peak = 0.0
        while True:
            reading = vmhwm_mb(process.pid)
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            peak = max(peak, reading or 0.0)
            if time.perf_counter() > deadline:
                process.kill()
                raise RuntimeError(f"timed out: {' '.join(cmd)}")
            time.sleep(0.02)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
    finally:
        for handle in (out, err):
            if hasattr(handle, "close"):
                handle.close()
    stderr_text = err_path.read_text(errors="replace") if err_path else ""
    return {
        "wall_s": wall,
        "returncode": process.returncode,
        "maxrss_mb": peak or None,
        "ru_maxrss_mb": usage.ru_maxrss / 1024,
        "stderr": stderr_text,
    }


def python_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("TOKENIZERS_PARALLELISM", "false")
    env.update(extra)
    return env


def save_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(
        json.dumps(data, indent=1, ensure_ascii=False, default=_jsonable) + "\n", encoding="utf-8"
    )
    tmp.replace(path)


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON: {type(value)}")


# -- notebooks: scratch folders and earlier reviews (tests/ and notebook_screenshots.py) ----------
#: Where Jupyter, IPython and matplotlib keep settings and runtime files, inside a scratch folder
#: (dot-folders: the folder may be JupyterLab's root, whose file browser then hides them).
TOOL_DIRS = {
    "JUPYTER_CONFIG_DIR": ".jupyter/config",
    "JUPYTER_DATA_DIR": ".jupyter/data",
    "JUPYTER_RUNTIME_DIR": ".jupyter/runtime",
    "IPYTHONDIR": ".ipython",
    "MPLCONFIGDIR": ".matplotlib",
}


def use_scratch_dirs(folder: Path, **more: str) -> None:
    """Point Jupyter's, IPython's and matplotlib's settings and runtime folders, and the `more`
    variables (name=folder relative to `folder`), into `folder`, creating them.

    Set before those libraries are imported; processes started later (notebook kernels,
    JupyterLab) inherit them, so nothing is written into the user's home folder."""
    for variable, relative in {**TOOL_DIRS, **more}.items():
        (folder / relative).mkdir(parents=True, exist_ok=True)
        os.environ[variable] = str(folder / relative)


#: Earlier reviews of a registry's first rows, as a coordinator's earlier session left them: what
#: the reviewer did with the tagger's tags, and for a correction the areas set with a comment, the
#: first choice whose areas differ from the tagger's (`corrected_areas`). An accepted review keeps
#: the tagger's tags; a corrected one always changes them, and its comment says how.
EARLIER_REVIEWS: tuple[tuple[str, tuple[tuple[tuple[str, ...], str], ...]], ...] = (
    ("accept", ()),
    ("correct", ((("energy", "industry"), "both energy and industry"), (("energy",), "energy"))),
    ("correct", (((), "none of the four areas"), (("industry",), "industry, not none"))),
)


def corrected_areas(
    tagged: Sequence[str], choices: Sequence[tuple[tuple[str, ...], str]]
) -> tuple[tuple[str, ...], str]:
    """The areas and comment of a correction: the first of `choices` ((areas, comment) pairs)
    whose areas differ from the tagger's (`tagged`). Raises ValueError when none does."""
    for areas, comment in choices:
        if set(areas) != set(tagged):
            return tuple(areas), comment
    raise ValueError(f"no choice differs from the tagger's areas {tuple(tagged)}")


def seed_reviews(
    path: Path,
    registry: pd.DataFrame,
    reviewer: str,
    count: int = 3,
    tagger: Any = None,
) -> CorrectionStore:
    """A corrections file at `path` holding the first `count` EARLIER_REVIEWS, one for each of the
    registry's first rows (columns id and text), as a coordinator's earlier session left them,
    so a notebook opened again has reviews to show, draw and retrain with. Returns the store.

    Each review starts from what `tagger` (default: the shipped model, as the notebooks load it)
    says of the row: an accepted review keeps those tags, a corrected one changes them, so the
    summary, the tagger-against-reviewer picture and the Excel review log agree with the tags
    shown. Raises ValueError for more than len(EARLIER_REVIEWS) reviews."""
    from ecs_tagger.coordinators.corrections import CorrectionStore

    if count > len(EARLIER_REVIEWS):
        raise ValueError(f"at most {len(EARLIER_REVIEWS)} earlier reviews, not {count}")
    if tagger is None:
        from ecs_tagger.tagger import Tagger

        tagger = Tagger.load()
    store = CorrectionStore(path)
    rows = registry.head(count)
    said = tagger.tag_many(list(rows["text"]))
    for row_id, text, result, (action, choices) in zip(
        rows["id"], rows["text"], said, EARLIER_REVIEWS, strict=False
    ):
        old = tuple(result.areas)
        new, comment = (old, "") if action == "accept" else corrected_areas(old, choices)
        store.record(
            row_id,
            text=text,
            old_areas=old,
            new_areas=new,
            reviewer=reviewer,
            comment=comment,
            model_version=tagger.model_version,
        )
    return store
