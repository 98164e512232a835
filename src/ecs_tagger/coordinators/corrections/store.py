"""Reviewers' corrections: the append-only JSONL log, where the latest line of an id wins.

>>> store = CorrectionStore("corrections/corrections.jsonl")
>>> store.record("TVV-123", text=text, old_areas=("energy",), new_areas=("energy", "industry"),
...              reviewer="Anna", comment="also about manufacturing")
>>> store.latest()["TVV-123"].new_areas
('energy', 'industry')

Every review is one JSON line: ``id``, ``text_hash`` (of the text the reviewer read), ``old_areas``
(the tagger's tags), ``new_areas`` (the reviewer's), ``reviewer``, ``time`` (UTC, ISO 8601),
``comment``, ``action`` (``accept``, ``correct`` or ``withdraw``) and ``model_version``. Lines are
only ever appended (append mode, flushed and fsynced, under a file lock where the system has
one), never rewritten; when the log is read, the latest line of an id wins, and a ``withdraw``
line takes the id's review back. A line cut short by a crash is skipped when reading (and
reported in :attr:`CorrectionStore.problems`), and the next line starts on a line of its own.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import unicodedata
from collections.abc import Iterable, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ecs_tagger.config import REPO_ROOT
from ecs_tagger.errors import InputError
from ecs_tagger.model.taxonomy import Taxonomy, default_taxonomy

if TYPE_CHECKING:
    from collections.abc import Iterator

#: Environment variable naming the corrections file the notebook uses.
CORRECTIONS_ENV = "ECS_TAGGER_CORRECTIONS"

ACTION_ACCEPT = "accept"
ACTION_CORRECT = "correct"
ACTION_WITHDRAW = "withdraw"
ACTIONS = (ACTION_ACCEPT, ACTION_CORRECT, ACTION_WITHDRAW)

_WHITE_SPACE = re.compile(r"\s+")


def default_corrections_path() -> Path:
    """$ECS_TAGGER_CORRECTIONS, else corrections/corrections.jsonl in the checkout (or cwd)."""
    configured = os.environ.get(CORRECTIONS_ENV)
    if configured:
        return Path(configured).expanduser()
    base = REPO_ROOT if REPO_ROOT is not None else Path.cwd()
    return base / "corrections" / "corrections.jsonl"


def text_hash(text: Any) -> str:
    """A short fingerprint (16 hex digits of sha256) of a text, blind to white-space changes
    and to the Unicode normalisation form (taken after NFC: ``å`` composed or decomposed).

    It tells whether a registry row still holds the text a reviewer read.
    """
    if not isinstance(text, str):
        text = "" if text is None or (isinstance(text, float) and np.isnan(text)) else str(text)
    tidy = _WHITE_SPACE.sub(" ", unicodedata.normalize("NFC", text)).strip()
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
            id=ident,
            text_hash=text_hash(text),
            old_areas=old,
            new_areas=new,
            reviewer=name,
            time=_now(),
            comment=(comment or "").strip(),
            action=action,
            model_version=model_version,
        )
        self._append(correction.to_json())
        return correction

    def withdraw(self, id: str, *, reviewer: str, comment: str = "") -> Correction:
        """Take back the review of `id` (appends a ``withdraw`` line; earlier lines stay)."""
        current = self.latest().get(str(id))
        old = current.old_areas if current else ()
        return self.record(
            id,
            text="",
            old_areas=old,
            new_areas=old,
            reviewer=reviewer,
            comment=comment,
            action=ACTION_WITHDRAW,
            model_version=current.model_version if current else "",
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


__all__ = [
    "ACTIONS",
    "ACTION_ACCEPT",
    "ACTION_CORRECT",
    "ACTION_WITHDRAW",
    "CORRECTIONS_ENV",
    "Correction",
    "CorrectionStore",
    "default_corrections_path",
    "text_hash",
]
