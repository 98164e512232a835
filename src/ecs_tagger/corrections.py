"""Reviewers' corrections: an append-only JSONL log, and retraining the tagger with it.

>>> store = CorrectionStore("corrections/corrections.jsonl")
>>> store.record("TVV-123", text=text, old_areas=("energy",), new_areas=("energy", "industry"),
...              reviewer="Anna", comment="also about manufacturing")
>>> store.latest()["TVV-123"].new_areas
('energy', 'industry')
>>> report = retrain_with_corrections(tagger, store.latest(), registry_texts)

Every review is one JSON line: ``id``, ``text_hash`` (of the text the reviewer read), ``old_areas``
(the tagger's tags), ``new_areas`` (the reviewer's), ``reviewer``, ``time`` (UTC, ISO 8601),
``comment``, ``action`` (``accept``, ``correct`` or ``withdraw``) and ``model_version``. Lines are
only ever appended (append mode, flushed and fsynced, under a file lock where the system has
one), never rewritten; when the log is read, the latest line of an id wins, and a ``withdraw``
line takes the id's review back. A line cut short by a crash is skipped when reading (and
reported in :attr:`CorrectionStore.problems`), and the next line starts on a line of its own.

Retraining (:func:`retrain_with_corrections`) adds the reviewed rows to the training data as extra
rows (weight 2 by default, never scored in the cross-validation); a reviewed id that is already a
training id has its label replaced instead (and so do its parallel texts, e.g. the English
abstract of a SweCRIS record, found by their ``group``).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable, Iterable, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from ecs_tagger.config import REPO_ROOT
from ecs_tagger.errors import InputError
from ecs_tagger.taxonomy import Taxonomy, default_taxonomy

if TYPE_CHECKING:
    from collections.abc import Iterator

    from ecs_tagger.metrics import MultiLabelReport
    from ecs_tagger.tagger import Tagger
    from ecs_tagger.training import TrainSettings

#: Environment variable naming the corrections file the notebook uses.
CORRECTIONS_ENV = "ECS_TAGGER_CORRECTIONS"

ACTION_ACCEPT = "accept"
ACTION_CORRECT = "correct"
ACTION_WITHDRAW = "withdraw"
ACTIONS = (ACTION_ACCEPT, ACTION_CORRECT, ACTION_WITHDRAW)

#: Weight of a reviewed row in training (the corpus labels weigh 1).
DEFAULT_WEIGHT = 2.0

_WHITE_SPACE = re.compile(r"\s+")


def default_corrections_path() -> Path:
    """$ECS_TAGGER_CORRECTIONS, else corrections/corrections.jsonl in the checkout (or cwd)."""
    configured = os.environ.get(CORRECTIONS_ENV)
    if configured:
        return Path(configured).expanduser()
    base = REPO_ROOT if REPO_ROOT is not None else Path.cwd()
    return base / "corrections" / "corrections.jsonl"


def text_hash(text: Any) -> str:
    """A short fingerprint (16 hex digits of sha256) of a text, blind to white-space changes.

    It tells whether a registry row still holds the text a reviewer read.
    """
    if not isinstance(text, str):
        text = "" if text is None or (isinstance(text, float) and np.isnan(text)) else str(text)
    tidy = _WHITE_SPACE.sub(" ", text).strip()
    return hashlib.sha256(tidy.encode("utf-8")).hexdigest()[:16]


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class Correction:
    """One review of one row: what the tagger said, what the reviewer says, who, when and why."""

    id: str
    text_hash: str
    old_areas: tuple[str, ...]
    new_areas: tuple[str, ...]
    reviewer: str
    time: str
    comment: str = ""
    action: str = ACTION_CORRECT
    model_version: str = ""

    @property
    def changed(self) -> bool:
        """True when the reviewer's areas differ from the tagger's."""
        return set(self.old_areas) != set(self.new_areas)

    @property
    def added(self) -> tuple[str, ...]:
        """Areas the reviewer added (the tagger missed them)."""
        return tuple(a for a in self.new_areas if a not in self.old_areas)

    @property
    def removed(self) -> tuple[str, ...]:
        """Areas the reviewer removed (the tagger was wrong to give them)."""
        return tuple(a for a in self.old_areas if a not in self.new_areas)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["old_areas"] = list(self.old_areas)
        data["new_areas"] = list(self.new_areas)
        return data

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=False)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Correction:
        missing = [k for k in ("id", "old_areas", "new_areas", "time") if k not in data]
        if missing:
            raise ValueError(f"missing {', '.join(missing)}")
        action = str(data.get("action") or ACTION_CORRECT)
        if action not in ACTIONS:
            raise ValueError(f"unknown action {action!r}")
        return cls(
            id=str(data["id"]),
            text_hash=str(data.get("text_hash") or ""),
            old_areas=tuple(str(a) for a in data["old_areas"]),
            new_areas=tuple(str(a) for a in data["new_areas"]),
            reviewer=str(data.get("reviewer") or ""),
            time=str(data["time"]),
            comment=str(data.get("comment") or ""),
            action=action,
            model_version=str(data.get("model_version") or ""),
        )


try:  # POSIX: serialise appends of several notebooks writing the same file
    import fcntl

    @contextmanager
    def _locked(handle: Any) -> Iterator[None]:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)

except ImportError:  # pragma: no cover - Windows: appends of one line are still atomic enough

    @contextmanager
    def _locked(handle: Any) -> Iterator[None]:
        yield


class CorrectionStore:
    """The corrections file (JSONL): appended to, never rewritten; the latest line per id wins."""

    def __init__(self, path: str | Path | None = None, taxonomy: Taxonomy | None = None) -> None:
        self.path = Path(path) if path is not None else default_corrections_path()
        self.taxonomy = taxonomy or default_taxonomy()
        #: Lines that could not be read at the last `read()`: (line number, reason).
        self.problems: list[tuple[int, str]] = []

    def __repr__(self) -> str:
        return f"CorrectionStore({str(self.path)!r})"

    # -- writing ---------------------------------------------------------------------------------
    def _areas(self, areas: Iterable[str], what: str) -> tuple[str, ...]:
        if isinstance(areas, str):
            areas = [a for a in areas.replace(",", ";").split(";") if a.strip()]
        chosen = {str(a).strip() for a in areas}
        self.taxonomy.validate_codes(sorted(chosen), what)
        return tuple(code for code in self.taxonomy.codes if code in chosen)

    def record(
        self,
        id: str,
        *,
        text: Any,
        old_areas: Iterable[str],
        new_areas: Iterable[str],
        reviewer: str,
        comment: str = "",
        action: str | None = None,
        model_version: str = "",
    ) -> Correction:
        """Append one review and return it.

        `action` defaults to ``accept`` when the areas are the tagger's and ``correct`` otherwise.
        The reviewer's name is required: a review log without names cannot be followed up.
        """
        ident = str(id).strip() if id is not None else ""
        if not ident:
            raise InputError("a correction needs the id of the row it corrects")
        name = (reviewer or "").strip()
        if not name:
            raise InputError("type the reviewer's name before saving a review")
        old = self._areas(old_areas, f"old areas of {ident}")
        new = self._areas(new_areas, f"new areas of {ident}")
        if action is None:
            action = ACTION_ACCEPT if set(old) == set(new) else ACTION_CORRECT
        if action not in ACTIONS:
            raise InputError(f"action must be one of {', '.join(ACTIONS)}, not {action!r}")
        correction = Correction(
            id=ident, text_hash=text_hash(text), old_areas=old, new_areas=new, reviewer=name,
            time=_now(), comment=(comment or "").strip(), action=action,
            model_version=model_version,
        )
        self._append(correction.to_json())
        return correction

    def withdraw(self, id: str, *, reviewer: str, comment: str = "") -> Correction:
        """Take back the review of `id` (appends a ``withdraw`` line; earlier lines stay)."""
        current = self.latest().get(str(id))
        old = current.old_areas if current else ()
        return self.record(
            id, text="", old_areas=old, new_areas=old, reviewer=reviewer, comment=comment,
            action=ACTION_WITHDRAW, model_version=current.model_version if current else "",
        )

    def _append(self, line: str) -> None:
        if "\n" in line:
            raise ValueError("a correction must be one line")  # json.dumps escapes new lines
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a+b") as handle, _locked(handle):
            handle.seek(0, os.SEEK_END)
            prefix = b""
            if handle.tell() > 0:  # a crash may have cut the last line: start on a new one
                handle.seek(-1, os.SEEK_END)
                if handle.read(1) != b"\n":
                    prefix = b"\n"
                handle.seek(0, os.SEEK_END)
            handle.write(prefix + line.encode("utf-8") + b"\n")
            handle.flush()
            os.fsync(handle.fileno())

    # -- reading ---------------------------------------------------------------------------------
    def read(self) -> list[Correction]:
        """Every readable line, in file order (unreadable lines go to `problems`)."""
        self.problems = []
        if not self.path.exists():
            return []
        out: list[Correction] = []
        with open(self.path, encoding="utf-8", errors="replace") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    out.append(Correction.from_dict(json.loads(line)))
                except (ValueError, TypeError, AttributeError) as error:
                    self.problems.append((number, str(error)[:200]))
        return out

    def latest(self) -> dict[str, Correction]:
        """The current review of every id: its latest line, unless that line withdraws it."""
        current: dict[str, Correction] = {}
        for correction in self.read():
            if correction.action == ACTION_WITHDRAW:
                current.pop(correction.id, None)
            else:
                current[correction.id] = correction
        return current

    def frame(self, latest_only: bool = True) -> pd.DataFrame:
        """The reviews as a DataFrame (areas as ';'-joined codes), the latest per id by default."""
        rows = list(self.latest().values()) if latest_only else self.read()
        columns = [f.name for f in Correction.__dataclass_fields__.values()]
        frame = pd.DataFrame([c.to_dict() for c in rows], columns=columns)
        for column in ("old_areas", "new_areas"):
            frame[column] = frame[column].map(";".join)
        return frame

    def __len__(self) -> int:
        return len(self.latest())


# -- retraining ------------------------------------------------------------------------------------
@dataclass
class CorrectedTraining:
    """The training data with the reviews folded in, and what happened to each review."""

    data: pd.DataFrame
    extra: pd.DataFrame
    added: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)

    @property
    def used(self) -> int:
        return len(self.added) + len(self.replaced)


def apply_corrections(
    data: pd.DataFrame,
    extra: pd.DataFrame | None,
    corrections: Mapping[str, Correction] | Iterable[Correction],
    texts: Mapping[str, Any] | pd.Series,
    *,
    weight: float = DEFAULT_WEIGHT,
    include_accepted: bool = True,
    text_col: str = "text",
    labels_col: str = "areas",
    id_col: str = "id",
) -> CorrectedTraining:
    """Fold reviews into training data (`data`: scored rows, `extra`: rows only trained on).

    A reviewed id found among the training ids (or as the ``group`` of training rows, such as a
    translation) gets its label replaced and its weight raised to `weight`. Any other reviewed
    id becomes an extra row with the text of `texts` (id -> registry text), weight `weight`,
    ``evaluate=False`` and its own CV group; it is skipped when `texts` lacks it or its text
    changed since the review (the text hash differs). Accepted tags count as labels too
    (`include_accepted`): a reviewer confirmed them.
    """
    reviews = list(corrections.values()) if isinstance(corrections, Mapping) else list(corrections)
    latest = {c.id: c for c in reviews if c.action != ACTION_WITHDRAW}
    data = data.copy()
    extra = extra.copy() if extra is not None else data.iloc[0:0].copy()
    for frame in (data, extra):
        if "weight" not in frame.columns:
            frame["weight"] = 1.0
        if "group" not in frame.columns:
            frame["group"] = frame[id_col].astype(str)
    extra["evaluate"] = extra["evaluate"] if "evaluate" in extra.columns else False
    lookup = texts.to_dict() if isinstance(texts, pd.Series) else dict(texts)
    result = CorrectedTraining(data, extra)
    new_rows: list[dict[str, Any]] = []
    for ident, review in latest.items():
        if not review.changed and not include_accepted:
            result.skipped[ident] = "accepted tags left out (include_accepted=False)"
            continue
        areas = list(review.new_areas)
        hit = False
        for frame in (result.data, result.extra):
            rows = (frame[id_col].astype(str) == ident) | (frame["group"].astype(str) == ident)
            if rows.any():
                hit = True
                frame.loc[rows, labels_col] = pd.Series([areas] * int(rows.sum()),
                                                        index=frame.index[rows], dtype=object)
                raised = np.maximum(frame.loc[rows, "weight"].astype(float), weight)
                frame.loc[rows, "weight"] = raised
        if hit:
            result.replaced.append(ident)
            continue
        text = lookup.get(ident)
        if not isinstance(text, str) or not text.strip():
            result.skipped[ident] = "not in the registry loaded (no text to train on)"
            continue
        if review.text_hash and text_hash(text) != review.text_hash:
            result.skipped[ident] = "the text changed since it was reviewed"
            continue
        new_rows.append({id_col: ident, text_col: text, labels_col: areas, "group": ident,
                         "weight": weight, "evaluate": False})
        result.added.append(ident)
    if new_rows:
        added = pd.DataFrame(new_rows)
        result.extra = (
            pd.concat([result.extra, added], ignore_index=True) if len(result.extra) else added
        )
    return result


def settings_of(tagger: Tagger) -> TrainSettings:
    """The training settings stored in a tagger's manifest (to retrain it the same way)."""
    from ecs_tagger.embedding.encoder import EmbedderSettings
    from ecs_tagger.preprocess import PreprocessSettings
    from ecs_tagger.training import TrainSettings

    stored = dict(tagger.manifest.get("settings", {}))
    known = set(TrainSettings.__dataclass_fields__)
    values = {k: v for k, v in stored.items() if k in known and k not in ("preprocess", "embedder")}
    if "preprocess" in stored:
        values["preprocess"] = PreprocessSettings(**stored["preprocess"])
    if "embedder" in stored:
        values["embedder"] = EmbedderSettings(**stored["embedder"])
    return TrainSettings(**values)


def training_hash(data: pd.DataFrame, extra: pd.DataFrame | None, text_col: str = "text",
                  labels_col: str = "areas") -> str:
    """The sha256 `Tagger.train` records for this training data (to match stored metrics)."""
    from ecs_tagger.corpus import data_hash

    frame = data.copy()
    if "evaluate" not in frame.columns:
        frame["evaluate"] = True
    if extra is not None and len(extra):
        frame = pd.concat([frame, extra], ignore_index=True)
    return data_hash(frame.assign(_areas=frame[labels_col].astype(str)), [text_col, "_areas"])


BeforeMode = Literal["auto", "stored", "recompute", "none"]


@dataclass
class RetrainReport:
    """A tagger retrained with the reviews, its metrics beside the old ones, and what changed."""

    tagger: Tagger
    training: CorrectedTraining
    before: MultiLabelReport | None
    after: MultiLabelReport | None
    before_source: str
    changes: pd.DataFrame
    registry_rows: int
    seconds: float = 0.0

    def __repr__(self) -> str:
        return (f"RetrainReport({self.training.used} reviews used, {self.changed_rows} of "
                f"{self.registry_rows} registry rows changed, model "
                f"{getattr(self.tagger, 'model_version', '?')})")

    def changes_frame(self) -> pd.DataFrame:
        """The changed rows for people: id, tags before, tags after, added, removed."""
        def words(areas: Any) -> str:
            if isinstance(areas, str):
                areas = [a for a in areas.split(";") if a]
            return ", ".join(areas) if areas else "–"

        return pd.DataFrame({
            "id": self.changes["id"],
            **{column: self.changes[column].map(words)
               for column in ("before", "after", "added", "removed")},
        })

    @property
    def changed_rows(self) -> int:
        """Registry rows whose tags differ between the old and the new tagger."""
        return len(self.changes)

    @property
    def changed_tags(self) -> int:
        """Single tags (row × area) added or removed by the new tagger."""
        return int(sum(len(a) + len(r) for a, r in zip(
            self.changes["added"], self.changes["removed"], strict=True)))

    def metrics_frame(self) -> pd.DataFrame:
        """Cross-validated precision, recall and F1 per area (and macro/micro), before and after."""
        rows: list[dict[str, Any]] = []
        reports = {"before": self.before, "after": self.after}
        codes = next((list(r.areas) for r in reports.values() if r is not None), [])
        for code in [*codes, "macro", "micro"]:
            row: dict[str, Any] = {"area": code}
            for name, report in reports.items():
                for metric in ("precision", "recall", "f1"):
                    row[f"{metric} {name}"] = _metric(report, code, metric)
            reference = self.after or self.before
            row["support"] = (reference.areas[code].support
                              if reference is not None and code in codes else None)
            rows.append(row)
        frame = pd.DataFrame(rows).set_index("area")
        frame["f1 change"] = frame["f1 after"] - frame["f1 before"]
        return frame

    def _repr_html_(self) -> str:
        """What a notebook shows: the summary, the metrics side by side and the changed tags."""
        import html

        parts = ["<p>" + "<br>".join(html.escape(line) for line in self.summary().splitlines())
                 + "</p>"]
        if self.before is not None or self.after is not None:
            parts.append("<h4>Cross-validated metrics, before and after</h4>")
            parts.append(self.metrics_frame().round(3).to_html(na_rep="–"))
        if len(self.changes):
            parts.append(f"<h4>Rows whose tags changed ({len(self.changes)})</h4>")
            parts.append(self.changes_frame().head(100).to_html(index=False))
        return "".join(parts)

    def summary(self) -> str:
        """A few lines in plain words."""
        used = self.training
        lines = [
            f"Retrained with {used.used} reviewed rows in {self.seconds:.0f} s: "
            f"{len(used.added)} added to the training data, {len(used.replaced)} replacing a "
            f"training label" + (f", {len(used.skipped)} left out" if used.skipped else "") + ".",
            f"Tags in the registry: {self.changed_rows} of {self.registry_rows} rows changed "
            f"({self.changed_tags} single tags added or removed).",
        ]
        if self.before is not None and self.after is not None:
            lines.append(
                f"Cross-validated macro-F1: {self.before.macro_f1:.3f} before "
                f"({self.before_source}), {self.after.macro_f1:.3f} after "
                f"({self.after.macro_f1 - self.before.macro_f1:+.3f})."
            )
        elif self.after is None:
            lines.append("Cross-validation was skipped: no metrics after retraining.")
        else:
            lines.append(f"No metrics before retraining ({self.before_source}).")
        reasons: dict[str, int] = {}
        for reason in used.skipped.values():
            reasons[reason] = reasons.get(reason, 0) + 1
        lines.extend(f"Left out: {n} review(s): {reason}." for reason, n in reasons.items())
        return "\n".join(lines)


def _metric(report: MultiLabelReport | None, code: str, metric: str) -> float:
    if report is None:
        return float("nan")
    if code == "macro":
        return report.macro_f1 if metric == "f1" else float("nan")
    if code == "micro":
        return float(getattr(report, f"micro_{metric}"))
    return float(getattr(report.areas[code], metric))


def _areas_of(tagger: Tagger, texts: list[Any]) -> list[tuple[str, ...]]:
    return [r.areas for r in tagger.tag_many(texts)]


def retrain_with_corrections(
    base: Tagger,
    corrections: Mapping[str, Correction] | Iterable[Correction],
    registry_texts: Mapping[str, Any] | pd.Series,
    *,
    data: pd.DataFrame | None = None,
    extra: pd.DataFrame | None = None,
    weight: float = DEFAULT_WEIGHT,
    include_accepted: bool = True,
    cross_validation: bool = True,
    before: BeforeMode = "auto",
    settings: TrainSettings | None = None,
    old_areas: Mapping[str, tuple[str, ...]] | None = None,
    progress: Callable[[int], None] | None = None,
) -> RetrainReport:
    """Retrain `base`'s classifier on its training data plus the reviews; compare before/after.

    `data`/`extra` default to the shipped model's recipe (the corpus labels and their English
    parallel texts, :func:`ecs_tagger.recipes.corpus_training_frames`), `settings` to the ones
    stored in `base`. `registry_texts` (id -> text) gives the texts of reviewed rows and of the
    registry whose tag changes are counted; `old_areas` (id -> tags of `base`) saves tagging it
    again with `base`.

    ``before``: ``"stored"`` takes the cross-validated metrics stored in `base` (they are for
    its own training data), ``"recompute"`` cross-validates the training data without the reviews
    (as long again as the retraining), ``"auto"`` takes the stored ones when `base` was trained
    on exactly `data` + `extra` and recomputes otherwise (only with `cross_validation`),
    ``"none"`` skips them. The "after" metrics score the same labelled rows (with any replaced
    labels); note that adding rows also moves rows between folds, so differences of about ±0.01
    are noise.
    """
    import time

    from ecs_tagger.tagger import Tagger

    started = time.perf_counter()
    if data is None:
        from ecs_tagger.recipes import corpus_training_frames

        data, default_extra = corpus_training_frames()
        extra = default_extra if extra is None else extra
    settings = settings or settings_of(base)
    folded = apply_corrections(
        data, extra, corrections, registry_texts, weight=weight, include_accepted=include_accepted
    )
    before_report: MultiLabelReport | None = None
    stored = base.metrics
    same_data = base.manifest.get("training_data", {}).get("sha256") == training_hash(data, extra)
    if before == "stored" or (before == "auto" and stored is not None and same_data):
        before_report = stored
        before_source = ("cross-validated when the model was trained" if same_data else
                         "stored with the model, which was trained on other data")
        if stored is None:
            before_source = "the model has no stored metrics"
    elif before == "recompute" or (before == "auto" and cross_validation):
        without = Tagger.train(data, extra=extra, taxonomy=base.taxonomy, settings=settings,
                               embedder=base.embedder, cross_validation=True, progress=progress)
        before_report = without.metrics
        before_source = "cross-validated now, without the reviews"
    else:
        before_source = "not computed"
    retrained = Tagger.train(
        folded.data, extra=folded.extra if len(folded.extra) else None, taxonomy=base.taxonomy,
        settings=replace(settings, name=f"{settings.name}+reviews"), embedder=base.embedder,
        cross_validation=cross_validation, progress=progress,
    )
    retrained.manifest["reviews"] = {
        "added": len(folded.added), "replaced": len(folded.replaced),
        "skipped": len(folded.skipped), "weight": weight, "base_model": base.model_version,
    }
    lookup = (registry_texts.to_dict() if isinstance(registry_texts, pd.Series)
              else dict(registry_texts))
    ids = list(lookup)
    texts = [lookup[i] for i in ids]
    old = ([tuple(old_areas.get(i, ())) for i in ids] if old_areas is not None
           else _areas_of(base, texts))
    new = _areas_of(retrained, texts)
    changes = pd.DataFrame(
        [
            {"id": i, "before": ";".join(o), "after": ";".join(n),
             "added": tuple(a for a in n if a not in o),
             "removed": tuple(a for a in o if a not in n)}
            for i, o, n in zip(ids, old, new, strict=True)
            if set(o) != set(n)
        ],
        columns=["id", "before", "after", "added", "removed"],
    )
    return RetrainReport(
        tagger=retrained, training=folded, before=before_report,
        after=retrained.metrics if cross_validation else None, before_source=before_source,
        changes=changes, registry_rows=len(ids), seconds=time.perf_counter() - started,
    )


__all__ = [
    "ACTIONS",
    "ACTION_ACCEPT",
    "ACTION_CORRECT",
    "ACTION_WITHDRAW",
    "CORRECTIONS_ENV",
    "DEFAULT_WEIGHT",
    "CorrectedTraining",
    "Correction",
    "CorrectionStore",
    "RetrainReport",
    "apply_corrections",
    "default_corrections_path",
    "retrain_with_corrections",
    "settings_of",
    "text_hash",
    "training_hash",
]
