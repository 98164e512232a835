"""The work folder that makes a run resumable: `OUTPUT.parts/` beside the output.

It holds `checkpoint.json` (the settings of the run: input fingerprint, columns, chunk size, model,
...), a `lock` naming the process that writes it, and one Parquet part file of result columns per
finished chunk. A run that was interrupted goes on from its last finished chunk; one whose
settings changed since starts over.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
from pathlib import Path
from typing import Any

import pandas as pd

from ecs_tagger.errors import InputError
from ecs_tagger.tables.schema import to_arrow
from ecs_tagger.tables.writing import atomic_write_bytes

#: Bump when the part files or the checkpoint change shape: old work folders then start over.
WORK_FORMAT = 1
_PART_META = b"ecs_tagger_part"
_FINGERPRINT_BYTES = 1 << 20


def fingerprint(path: Path) -> dict[str, Any]:
    """Size, modification time and a digest of the first MiB: tells a changed input."""
    stat = path.stat()
    with path.open("rb") as handle:
        head = hashlib.sha256(handle.read(_FINGERPRINT_BYTES)).hexdigest()
    return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "head_sha256": head}


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class WorkFolder:
    """`OUTPUT.parts/`: checkpoint.json, lock and one part file per finished chunk."""

    def __init__(self, output: Path) -> None:
        self.path = output.with_name(output.name + ".parts")
        self.checkpoint = self.path / "checkpoint.json"
        self.lock = self.path / "lock"
        self._locked = False

    def exists(self) -> bool:
        return self.path.exists()

    def part(self, number: int) -> Path:
        return self.path / f"part-{number:07d}.parquet"

    def parts_done(self) -> int:
        """How many part files the folder holds."""
        return len(list(self.path.glob("part-*.parquet")))

    def check_not_busy(self) -> None:
        """`InputError` when another live run (on this machine) holds the work folder."""
        if not self.lock.exists():
            return
        try:
            owner = json.loads(self.lock.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        pid = owner.get("pid") if isinstance(owner, dict) else None
        if (
            isinstance(pid, int)
            and pid != os.getpid()
            and owner.get("host") == socket.gethostname()
            and _pid_alive(pid)
        ):
            raise InputError(
                f"{self.path}: another ecs-tagger run (process {pid}) is writing this output; "
                "wait for it to finish or stop it first"
            )

    def check_can_start(self, resume: bool, overwrite: bool) -> None:
        """`InputError` when the folder is busy, or left over and neither resumed nor replaced."""
        self.check_not_busy()
        if self.exists() and not (resume or overwrite):
            raise InputError(
                f"{self.path}: an earlier run of this output was interrupted and left its work "
                "folder; use --resume to continue it, or --overwrite to start over"
            )

    def acquire(self) -> None:
        self.check_not_busy()
        self.path.mkdir(parents=True, exist_ok=True)
        owner = {"pid": os.getpid(), "host": socket.gethostname()}
        atomic_write_bytes(self.lock, json.dumps(owner).encode("utf-8"))
        self._locked = True

    def release(self) -> None:
        if self._locked:
            self.lock.unlink(missing_ok=True)
            self._locked = False

    def begin(self, settings: dict[str, Any], fresh: bool) -> str | None:
        """Record the run's settings; keep the parts of an interrupted run made with the same.

        `fresh` drops every earlier part. Returns a warning when earlier parts were dropped because
        the run that made them had other settings.
        """
        if fresh:
            self.clear_parts()
            self.checkpoint.unlink(missing_ok=True)
        previous = self.read_checkpoint()
        warning = None
        if previous is not None and previous != settings:
            changed = sorted(
                k for k in set(previous) | set(settings) if previous.get(k) != settings.get(k)
            )
            warning = (
                "the interrupted run in the work folder was made with other "
                f"{', '.join(changed)}; starting over (texts embedded before come from the cache)"
            )
            self.clear_parts()
        self.write_checkpoint(settings)
        return warning

    def read_checkpoint(self) -> dict[str, Any] | None:
        try:
            data = json.loads(self.checkpoint.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def write_checkpoint(self, data: dict[str, Any]) -> None:
        text = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True)
        atomic_write_bytes(self.checkpoint, text.encode("utf-8"))

    def clear_parts(self) -> None:
        for part in self.path.glob("part-*.parquet"):
            part.unlink()

    def write_part(
        self, number: int, frame: pd.DataFrame, schema: Any, info: dict[str, Any]
    ) -> None:
        import pyarrow.parquet as pq

        table = to_arrow(frame, schema, where=str(self.part(number)))
        table = table.replace_schema_metadata({_PART_META: json.dumps(info).encode("utf-8")})
        temp = self.part(number).with_suffix(".tmp")
        pq.write_table(table, temp)
        with temp.open("rb") as handle:
            os.fsync(handle.fileno())
        os.replace(temp, self.part(number))

    def read_part(self, number: int) -> tuple[dict[str, Any], pd.DataFrame] | None:
        import pyarrow.parquet as pq

        path = self.part(number)
        if not path.exists():
            return None
        try:
            table = pq.read_table(path)
            info = json.loads((table.schema.metadata or {})[_PART_META])
        except Exception:  # a damaged part is simply tagged again
            return None
        return info, table.to_pandas()

    def remove(self) -> None:
        self.release()
        shutil.rmtree(self.path, ignore_errors=True)
