"""The work folder: a killed run resumes, a changed input starts over, a live run is left alone."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pandas as pd
import pytest

from batch_support import ENGLISH, FOOD, HEALTH, NORWEGIAN
from ecs_tagger.batch import tag_file
from ecs_tagger.errors import InputError
from ecs_tagger.tables import read_table
from ecs_tagger.tagger import Tagger

_RUNNER = """
import sys
from ecs_tagger.batch import tag_file
tag_file(sys.argv[1], sys.argv[2], sys.argv[3], ["text"], id_col="id", chunk_rows=2, progress=False)
"""


def test_killed_run_resumes_to_identical_output(
    batch_model: Path, tagger: Tagger, tmp_path: Path
) -> None:
    marker = uuid.uuid4().hex  # texts never seen before: the run must embed them, slowly enough
    texts = [
        f"{[FOOD, HEALTH, ENGLISH, NORWEGIAN][i % 4]} Rad {i} {marker} {uuid.uuid4().hex[:8]}."
        for i in range(16)
    ]
    texts[5] = ""
    source = tmp_path / "in.csv"
    pd.DataFrame({"id": [f"{i:04d}" for i in range(16)], "text": texts}).to_csv(source, index=False)
    target = tmp_path / "out.csv"
    parts = tmp_path / "out.csv.parts"
    process = subprocess.Popen(
        [sys.executable, "-c", _RUNNER, str(batch_model), str(source), str(target)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 240
        while not list(parts.glob("part-*.parquet")):
            if process.poll() is not None:
                pytest.fail(f"the run ended early: {process.stderr.read().decode()[-2000:]}")
            assert time.monotonic() < deadline, "no part file appeared"
            time.sleep(0.01)
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(timeout=60)
        if process.stderr is not None:
            process.stderr.close()
    done = len(list(parts.glob("part-*.parquet")))
    assert 1 <= done < 8
    assert not target.exists()

    with pytest.raises(
        InputError, match=r"use --resume to continue it, or --overwrite to start over"
    ):
        tag_file(tagger, source, target, ["text"], id_col="id", chunk_rows=2, progress=False)
    resumed = tag_file(
        tagger, source, target, ["text"], id_col="id", chunk_rows=2, progress=False, resume=True
    )
    assert resumed.chunks == 8 and resumed.chunks_resumed >= done
    assert not parts.exists()

    fresh = tmp_path / "fresh.csv"
    whole = tag_file(tagger, source, fresh, ["text"], id_col="id", chunk_rows=2, progress=False)
    assert whole.chunks_resumed == 0
    assert target.read_bytes() == fresh.read_bytes()
    assert resumed.statuses == whole.statuses and resumed.rows == 16


def test_resume_after_the_input_changed_starts_over(tagger: Tagger, tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    pd.DataFrame({"text": [FOOD, HEALTH, ENGLISH]}).to_csv(source, index=False)
    target = tmp_path / "out.csv"
    parts = tmp_path / "out.csv.parts"
    parts.mkdir()
    (parts / "checkpoint.json").write_text(json.dumps({"work_format": 1, "rows": 99}))
    (parts / "part-0000000.parquet").write_bytes(b"not parquet")
    summary = tag_file(tagger, source, target, "text", resume=True, progress=False, chunk_rows=2)
    assert summary.chunks_resumed == 0 and summary.rows == 3
    assert any("starting over" in w for w in summary.warnings)
    assert read_table(target)["tag_status"].tolist() == ["ok", "ok", "ok"]
    parts.mkdir()
    with pytest.raises(InputError, match="exists"):
        tag_file(tagger, source, target, "text", resume=True, progress=False)
    summary = tag_file(tagger, source, target, "text", overwrite=True, progress=False)
    assert not parts.exists() and summary.rows == 3


def test_a_live_run_holding_the_work_folder_is_not_disturbed(
    tagger: Tagger, tmp_path: Path
) -> None:
    import socket

    source = tmp_path / "in.csv"
    pd.DataFrame({"text": [FOOD]}).to_csv(source, index=False)
    parts = tmp_path / "out.csv.parts"
    parts.mkdir()
    lock = {"pid": os.getppid(), "host": socket.gethostname()}  # a live process
    (parts / "lock").write_text(json.dumps(lock), encoding="utf-8")
    for options in ({}, {"resume": True}, {"overwrite": True}):
        with pytest.raises(InputError, match=r"another ecs-tagger run \(process \d+\)"):
            tag_file(tagger, source, tmp_path / "out.csv", "text", progress=False, **options)
    assert (parts / "lock").exists()
