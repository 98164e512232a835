"""A tagging job: built from `tag_file`'s arguments, checked when it is made, never changed."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from ecs_tagger.batch import TaggingJob
from ecs_tagger.errors import InputError


def test_a_job_is_built_from_loose_arguments(tmp_path: Path) -> None:
    job = TaggingJob.of(
        str(tmp_path / "in.csv"), tmp_path / "out.csv", "text", summary_path="run.json"
    )
    assert (job.input, job.output) == (tmp_path / "in.csv", tmp_path / "out.csv")
    assert job.text_cols == ("text",) and job.summary_path == Path("run.json")
    assert (job.engine, job.chunk_rows, job.progress) == ("local", 500, True)
    with pytest.raises(dataclasses.FrozenInstanceError):
        job.resume = True  # type: ignore[misc]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"text_cols": ()}, r"name at least one text column \(--text-col\)"),
        ({"chunk_rows": 0}, r"chunk_rows must be at least 1, got 0"),
        ({"n_workers": 0}, r"n_workers must be at least 1, got 0"),
        ({"unique_ids": True}, r"--unique-ids needs an id column \(--id-col\)"),
        (
            {"scheduler": "tcp://host:8786"},
            r"scheduler address only makes sense with engine='dask'",
        ),
    ],
)
def test_a_bad_job_fails_when_it_is_made(options: dict[str, Any], message: str) -> None:
    fields: dict[str, Any] = {"input": Path("in.csv"), "output": Path("out.csv")}
    with pytest.raises(InputError, match=message):
        TaggingJob(**{**fields, "text_cols": ("text",), **options})


def test_escape_formulas_is_a_job_field_and_an_option_of_tag(
    batch_model: Path, tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from batch_support import FOOD
    from ecs_tagger.cli import app

    assert TaggingJob.of("in.csv", "out.csv", "text").escape_formulas is False  # off by default
    assert TaggingJob.of("in.csv", "out.csv", "text", escape_formulas=True).escape_formulas
    source = tmp_path / "in.csv"
    source.write_text(f'kontakt,text\n"=HYPERLINK(""http://x"",""y"")",{FOOD}\n', encoding="utf-8")
    target = tmp_path / "out.csv"
    arguments = ["tag", str(source), "-o", str(target), "--text-col", "text"]
    result = CliRunner().invoke(app, [*arguments, "--model", str(batch_model), "--escape-formulas"])
    assert result.exit_code == 0, result.output
    assert (
        target.read_text(encoding="utf-8")
        .splitlines()[1]
        .startswith('"\'=HYPERLINK(""http://x"",""y"")",')
    )
