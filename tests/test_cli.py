"""The `ecs-tagger` command's surface: help texts, --version, messages in the CLI's words, `info`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer.main
from typer.testing import CliRunner

from ecs_tagger import __version__
from ecs_tagger.cli import app
from ecs_tagger.errors import counted

runner = CliRunner()


def command_paths() -> list[list[str]]:
    """Every command and subcommand of the app, as argument lists."""
    group = typer.main.get_command(app)
    paths: list[list[str]] = []

    def walk(command: object, prefix: list[str]) -> None:
        for name, sub in getattr(command, "commands", {}).items():
            paths.append([*prefix, name])
            walk(sub, [*prefix, name])

    walk(group, [])
    return paths


def help_of(path: list[str]) -> str:
    done = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "200", "TERMINAL_WIDTH": "200"})
    assert done.exit_code == 0, done.output
    return done.output


def test_every_command_is_listed() -> None:
    names = {" ".join(p) for p in command_paths()}
    assert {"tag", "train", "evaluate", "info", "similar", "match", "actors", "portfolio"} <= names
    assert {"index build", "index update", "index info"} <= names


@pytest.mark.parametrize("path", command_paths(), ids=" ".join)
def test_help_has_no_stray_spaces_or_lost_defaults(path: list[str]) -> None:
    text = help_of(path)
    assert not re.search(r"\w \.(\s|$)", text), (
        text
    )  # "Model folder ." (a swallowed "[default: …]")
    assert "[default: ]" not in text


def test_tag_help_shows_the_defaults_that_matter() -> None:
    text = help_of(["tag"])
    for shown in (
        "Model folder. [default: ($ECS_TAGGER_MODEL, else the shipped default model)]",
        "Excel sheet name. [default: (the first sheet)]",
        "[default: (detected)]",
        "[default: 500]",
        "[default: local]",
    ):
        assert shown in text, shown
    assert "--no-overwrite" not in text  # off-by-default switches are plain flags
    assert "--text-col" in text and "COLUMN" in text


def test_train_and_evaluate_help_show_their_defaults() -> None:
    assert "[default: (the corpus labels)]" in help_of(["train"])
    assert "[default: areas]" in help_of(["evaluate"])


def test_version() -> None:
    done = runner.invoke(app, ["--version"])
    assert done.exit_code == 0
    assert done.output.strip() == f"ecs-tagger {__version__}"


def test_info_lists_areas_in_taxonomy_order() -> None:
    done = runner.invoke(app, ["info"])
    assert done.exit_code == 0, done.output
    assert "(food, health, energy, industry)" in done.output
    thresholds = next(line for line in done.output.splitlines() if line.startswith("thresholds"))
    assert re.fullmatch(
        r"thresholds\s+food 0\.\d\d, health 0\.\d\d, energy 0\.\d\d, industry 0\.\d\d", thresholds
    )
    lines = done.output.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("area "))
    assert [line.split()[0] for line in lines[header + 1 : header + 5]] == [
        "food",
        "health",
        "energy",
        "industry",
    ]


def test_info_says_which_labels_files_the_model_has_not_learned_from(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json
    import shutil

    from ecs_tagger.config import default_model_dir

    model = tmp_path / "model"
    shutil.copytree(default_model_dir(), model)
    corpus = tmp_path / "corpus"
    (corpus / "labels").mkdir(parents=True)
    (corpus / "labels" / "train_labels.jsonl").write_text('{"id": "TVV-1"}\n', encoding="utf-8")
    monkeypatch.setenv("ECS_TAGGER_CORPUS", str(corpus))
    manifest = json.loads((model / "manifest.json").read_text(encoding="utf-8"))
    manifest["training_data"]["label_files"] = {"train_labels.jsonl": "0" * 64}
    (model / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    done = runner.invoke(app, ["info", "--model", str(model)])
    assert done.exit_code == 0, done.output
    assert "learned from    train_labels.jsonl" in done.output
    assert "not learned from: train_labels.jsonl (changed)" in done.output
    (corpus / "labels" / "train_labels_round2.jsonl").write_text("", encoding="utf-8")
    done = runner.invoke(app, ["info", "--model", str(model)])
    assert "train_labels_round2.jsonl (new)" in done.output


def test_an_existing_output_asks_for_the_overwrite_option(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text("id,text\n1,Mat\n", encoding="utf-8")
    target = tmp_path / "out.csv"
    target.write_text("keep me\n", encoding="utf-8")
    done = runner.invoke(app, ["tag", str(source), "-o", str(target), "--text-col", "text"])
    assert done.exit_code == 2
    assert "the output file exists; use --overwrite to replace it" in done.output
    assert "overwrite=True" not in done.output
    assert target.read_text(encoding="utf-8") == "keep me\n"


def test_messages_name_options_not_python_arguments() -> None:
    source = Path(__file__).resolve().parents[1] / "src" / "ecs_tagger"
    # "pass overwrite=True (--overwrite)", "pass encoding=": Python arguments in CLI messages
    pattern = re.compile(r"pass \w+=|\w+=(True|False) \(--")
    found = [
        f"{path.name}:{number}: {line.strip()}"
        for path in source.rglob("*.py")
        for number, line in enumerate(path.read_text("utf-8").splitlines(), 1)
        if pattern.search(line)
    ]
    assert not found, found


@pytest.mark.parametrize(
    ("count", "noun", "plural", "text"),
    [
        (0, "row", None, "0 rows"),
        (1, "row", None, "1 row"),
        (2, "row", None, "2 rows"),
        (1, "match row", None, "1 match row"),
        (3, "analysis", "analyses", "3 analyses"),
    ],
)
def test_counted(count: int, noun: str, plural: str | None, text: str) -> None:
    assert counted(count, noun, plural) == text
