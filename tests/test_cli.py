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
    assert "training vectors 5549 texts (float32)" in done.output  # issue 18: shipped vectors
    reads = next(line for line in lines if line.startswith("reads text"))
    assert "unusual case in true case, diacritics restored, repeated lines dropped" in reads


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


def test_info_names_the_labels_files_the_recipe_left_out() -> None:
    """The shipped model leaves round 3 out on purpose: info says so and why, and does not ask
    for a retraining on it (the corpus beside the repository holds it)."""
    from ecs_tagger.model.recipes import SHIPPED_LEFT_OUT_LABEL_FILES, shipped_label_files

    done = runner.invoke(app, ["info"])
    assert done.exit_code == 0, done.output
    for name in SHIPPED_LEFT_OUT_LABEL_FILES:
        assert f"left out        {name}: " in done.output
        assert name not in shipped_label_files()
    assert "not learned from" not in done.output
    assert "--every-labels-file" in help_of(["train"])


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


# -- flags take no value, and the help says so -----------------------------------------------------
def test_flags_are_shown_without_a_value() -> None:
    """The issue's case: `--overwrite <bool>` was shown, but `--overwrite true` is refused."""
    for path in [[], *command_paths()]:
        text = help_of(path)
        assert "<bool>" not in text, (
            path,
            [line for line in text.splitlines() if "<bool>" in line],
        )
    assert re.search(r"--overwrite\s+Replace an existing output", help_of(["tag"]))
    done = runner.invoke(
        app, ["tag", "in.csv", "-o", "out.csv", "--text-col", "t", "--overwrite", "true"]
    )
    assert done.exit_code == 2 and "unexpected extra argument" in done.output


# -- the same output options for every command that writes results --------------------------------
def _registry(path: Path) -> Path:
    """A small registry whose header is written as macOS writes it (NFD), with a hidden space."""
    import unicodedata

    from batch_support import ENGLISH, FOOD, HEALTH

    header = unicodedata.normalize("NFD", "id\u200b,län ,beskrivning")
    rows = [
        ("EX-1", "Uppsala", FOOD),
        ("EX-2", "Örebro", HEALTH),
        ("EX-3", "Västmanland", ENGLISH),
        ("EX-4", "Uppsala", "Solceller och energieffektivisering i fastigheter."),
    ]
    path.write_text("\n".join([header, *(",".join(r) for r in rows)]) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def index_dir(batch_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index built with the column names typed (found in the NFD header: issue 19, item 13)."""
    folder = tmp_path_factory.mktemp("cli-index")
    source = _registry(folder / "reg.csv")
    command = ["index", "build", str(source), "-o", str(folder / "idx"), "--text-col"]
    command += ["beskrivning", "--id-col", "id", "--region-col", "län", "-m", str(batch_model)]
    done = runner.invoke(app, command)
    assert done.exit_code == 0, done.output
    assert "indexed 4 rows" in done.output
    return folder / "idx"


def test_similar_writes_json_instead_of_a_traceback_about_pairs(
    index_dir: Path, tmp_path: Path
) -> None:
    """The issue's case: `similar … -o hits.json` ended in a traceback speaking of pairs."""
    import json

    target = tmp_path / "hits.json"
    done = runner.invoke(app, ["similar", str(index_dir), "--id", "EX-1", "-o", str(target)])
    assert done.exit_code == 0, done.output
    hits = json.loads(target.read_text(encoding="utf-8"))
    assert [hit["rank"] for hit in hits] == [1, 2, 3] and "EX-1" not in {h["id"] for h in hits}
    again = runner.invoke(app, ["similar", str(index_dir), "--id", "EX-1", "-o", str(target)])
    assert again.exit_code == 2 and "exists; use --overwrite to replace it" in again.output


@pytest.mark.parametrize(
    ("command", "suffix"),
    [
        (["similar", "{index}", "--id", "EX-2"], ".parquet"),
        (["similar", "{index}", "--id", "EX-2"], ".xlsx"),
        (["match", "{index}", "--threshold", "0.01", "--all-regions"], ".json"),
        (["portfolio", "{index}", "--all-regions"], ".jsonl"),
        (["portfolio", "{index}", "--all-regions"], ".tsv"),
        (["similar", "{index}", "--id", "EX-2"], "-jsonl"),
        (["portfolio", "{index}", "--all-regions"], "-"),
    ],
)
def test_every_results_command_takes_every_format_and_standard_output(
    index_dir: Path, tmp_path: Path, command: list[str], suffix: str
) -> None:
    """Variant: the other formats and commands, and `-` (with --format) for standard output."""
    import json

    from ecs_tagger.tables import read_table

    args = [part.replace("{index}", str(index_dir)) for part in command]
    if suffix.startswith("-"):
        args += ["-o", "-"] + (["--format", suffix[1:]] if suffix != "-" else [])
        done = CliRunner().invoke(app, args)
        assert done.exit_code == 0, done.output
        lines = done.stdout.splitlines()
        if suffix == "-jsonl":
            assert [json.loads(line)["rank"] for line in lines] == [1, 2, 3]
        else:
            assert lines[0].startswith("region,area,")  # CSV, no byte-order mark
        return
    target = tmp_path / f"out{suffix}"
    done = runner.invoke(app, [*args, "-o", str(target)])
    assert done.exit_code == 0, done.output
    if command[0] == "match":  # four short texts: no pair is similar enough, an empty array
        assert target.read_text(encoding="utf-8") == "[]\n"
        return
    written = read_table(target)
    assert len(written) > 0 and len(written.columns) > 2


def test_options_are_named_as_the_command_line_names_them(tmp_path: Path) -> None:
    """The issue's case: `similar --text … --other-regions` answered `query_regions`."""
    done = runner.invoke(app, ["similar", str(tmp_path), "--text", "lokal mat", "--other-regions"])
    assert done.exit_code == 2
    assert "add --query-region REGION" in done.output and "query_regions" not in done.output
    # variant: formats that cannot go to standard output, and --format with a file
    done = runner.invoke(app, ["portfolio", str(tmp_path), "-o", "-", "--format", "xlsx"])
    assert (
        done.exit_code == 2 and "xlsx is not text and cannot go to standard output" in done.output
    )
    done = runner.invoke(app, ["actors", str(tmp_path), "-o", "a.csv", "--format", "json"])
    assert done.exit_code == 2 and "--format is for standard output" in done.output


# -- no silent waits; similarity figures that say what they mean --------------------------------
def _unseen(text: str) -> str:
    """A text no earlier run has embedded (the shared vector cache would spare the encoder)."""
    import uuid

    return f"{text} ({uuid.uuid4().hex[:8]})"


def test_similar_text_says_it_loads_the_encoder_and_what_the_figures_mean(
    index_dir: Path,
) -> None:
    """The issue's case: `similar --text` printed nothing for 12-21 s, and a hit's 0.030 came
    without a word on the scale. Now each long wait is a line on standard error, every hit shows
    its level, and a line under the hits says what the figures mean."""
    from ecs_tagger.regional.levels import LEVELS

    query = _unseen("Lokal mat från gårdar i länet till skolkök")
    done = CliRunner().invoke(app, ["similar", str(index_dir), "--text", query, "-k", "3"])
    assert done.exit_code == 0, done.output
    assert "loading the encoder…" in done.stderr.splitlines()
    assert "loading the encoder" not in done.stdout
    hits = re.findall(r"^ ?\d\. (-?\d\.\d\d) (close|related|weak) +(EX-\d)", done.stdout, re.M)
    assert len(hits) == 3, done.stdout
    levels = LEVELS["hybrid"]
    for figure, level, _ in hits:
        assert level == levels.level(float(figure))
    all_weak = {level for _, level, _ in hits} == {"weak"}
    assert ("no close match in this registry" in done.stdout) == all_weak
    note = done.stderr.strip().splitlines()[-1]
    assert note.startswith("similarity: the whole texts compared")
    assert (
        f"From {levels.related:.2f} on most pairs a person read were related, from "
        f"{levels.close:.2f} on most were counterparts (close); below {levels.related:.2f} a hit "
        "is weak." in note
    )
    assert "compares those two sentences alone" in note


def test_the_minimum_score_help_states_the_derived_levels() -> None:
    """The help said "related work mostly 0.1-0.3"; the levels are derived from judged pairs."""
    from ecs_tagger.regional.levels import LEVELS

    levels = LEVELS["hybrid"]
    text = " ".join(help_of(["similar"]).split())
    assert f"related from {levels.related:.2f}, close from {levels.close:.2f}" in text
    assert "0.1-0.3" not in text


def test_tag_notes_the_encoder_load_on_its_bar(batch_model: Path, tmp_path: Path) -> None:
    """The issue's case: the tag bar's first reading included the model load (4.38s/rows), with
    nothing said. The load is now noted on the bar (and left out of its rate:
    tests/test_notices.py)."""
    source = tmp_path / "in.csv"
    text = _unseen("Projektet bygger biogasanläggningar på mjölkgårdar i Örebro län.")
    source.write_text(f"text\n{text}\n", encoding="utf-8")
    args = ["tag", str(source), "-o", str(tmp_path / "out.csv"), "--text-col", "text"]
    done = CliRunner().invoke(app, [*args, "-m", str(batch_model)])
    assert done.exit_code == 0, done.output
    assert "loading the encoder…]" in done.stderr  # the bar's note, after its count


def test_evaluate_says_what_it_waits_for(batch_model: Path, tmp_path: Path) -> None:
    """The issue's case: `evaluate` printed nothing for 12-21 s."""
    from batch_support import TRAINING

    labels = _labelled(tmp_path / "labels.csv", "text,areas")
    done = CliRunner().invoke(app, ["evaluate", "--labels", str(labels), "-m", str(batch_model)])
    assert done.exit_code == 0, done.output
    said = done.stderr.splitlines()
    assert said[:2] == ["loading the encoder…", f"tagging {len(TRAINING)} texts…"], said
    assert "macro" in done.stdout


def test_tag_writes_json_and_to_standard_output(batch_model: Path, tmp_path: Path) -> None:
    """The issue's case: `tag -o x.json` was refused and `tag` had no --json; variant: the
    tagged rows as JSON Lines on standard output, the summary in a file by --json."""
    import json

    from batch_support import FOOD, HEALTH

    source = tmp_path / "in.csv"
    source.write_text(f"id,text\n1,{FOOD}\n2,{HEALTH}\n", encoding="utf-8")
    common = ["--text-col", "text", "-m", str(batch_model)]
    done = runner.invoke(app, ["tag", str(source), "-o", str(tmp_path / "x.json"), *common])
    assert done.exit_code == 0, done.output
    rows = json.loads((tmp_path / "x.json").read_text(encoding="utf-8"))
    assert [r["id"] for r in rows] == ["1", "2"] and rows[0]["tag_status"] == "ok"
    summary = tmp_path / "run.json"
    args = ["tag", str(source), "-o", "-", "--format", "jsonl", "--json", str(summary), *common]
    done = CliRunner().invoke(app, args)
    assert done.exit_code == 0, done.output
    assert [json.loads(line)["id"] for line in done.stdout.splitlines()] == ["1", "2"]
    assert json.loads(summary.read_text(encoding="utf-8"))["output"] == "-"
    assert sorted(tmp_path.iterdir()) == sorted([source, tmp_path / "x.json", summary])


# -- a full disk: what was kept and what to do, not a traceback ----------------------------------
def _disk_full(*args: object, **kwargs: object) -> None:
    import errno
    import os

    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


@pytest.mark.parametrize(
    "where",
    ["ecs_tagger.tables.writing.TableWriter.write", "ecs_tagger.batch.parts.WorkFolder.write_part"],
    ids=["writing the output", "writing a part file"],
)
def test_a_full_disk_says_so_and_resume_finishes_the_run(
    batch_model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    """The issue's case (the disk fills while the output is written) and a variant (while a part
    file of the second chunk is written): exit 1, a message in the CLI's words, nothing lost;
    after making room, --resume finishes the run."""
    from batch_support import FOOD, HEALTH
    from ecs_tagger.batch.parts import WorkFolder

    source = tmp_path / "in.csv"
    source.write_text(f"text\n{FOOD}\n{HEALTH}\n{FOOD}\n", encoding="utf-8")
    target = tmp_path / "out.csv"
    args = ["tag", str(source), "-o", str(target), "--text-col", "text", "-m", str(batch_model)]
    args += ["--chunk-rows", "2"]
    if where.endswith("write_part"):
        original = WorkFolder.write_part

        def fill_at_second(self: WorkFolder, number: int, *rest: object) -> None:
            if number == 1:
                _disk_full()
            original(self, number, *rest)

        monkeypatch.setattr(where, fill_at_second)
    else:
        monkeypatch.setattr(where, _disk_full)
    done = runner.invoke(app, args)
    assert done.exit_code == 1, done.output
    assert "Traceback" not in done.output and isinstance(done.exception, SystemExit)
    message = done.output.strip().splitlines()[-1]
    assert message.startswith(
        f"error: the disk is full (no space left on device) while writing {target}."
    )
    assert "Nothing is lost: the input is untouched, no partial output was left" in message
    assert "Make room on the disk and run the same command again with --resume." in message
    assert not target.exists() and (tmp_path / "out.csv.parts").is_dir()
    monkeypatch.undo()
    done = runner.invoke(app, [*args, "--resume"])
    assert done.exit_code == 0, done.output
    assert len(target.read_text(encoding="utf-8").splitlines()) == 4
    done_before = 1 if where.endswith("write_part") else 2
    assert f"Resumed: {done_before} of 2 chunks already done." in done.output


# -- every command finds columns as `tag` does ---------------------------------------------------
def _labelled(path: Path, header: str) -> Path:
    from batch_support import TRAINING

    lines = [header] + [f'"{text}",{areas}' for text, areas in TRAINING]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_train_and_evaluate_find_columns_as_tag_does(batch_model: Path, tmp_path: Path) -> None:
    """The issue's case: a header written decomposed (macOS) and with a zero-width space."""
    import unicodedata

    header = unicodedata.normalize("NFD", "text\u200b,områden")
    labels = _labelled(tmp_path / "labels.csv", header)
    named = ["--labels", str(labels), "--text-col", "text", "--labels-col", "områden"]
    done = runner.invoke(app, ["evaluate", *named, "-m", str(batch_model), "--json", "-"])
    assert done.exit_code == 0, done.output
    assert '"model_version"' in done.output
    done = runner.invoke(app, ["train", *named, "-o", str(tmp_path / "m"), "--no-cross-validate"])
    assert done.exit_code == 0, done.output
    assert (tmp_path / "m" / "manifest.json").exists()
    assert (tmp_path / "m" / "training_vectors.safetensors").exists()
    done = runner.invoke(app, ["evaluate", *named[:3], "Text", "-m", str(batch_model)])
    assert done.exit_code == 2
    assert "labels.csv: there is no text column 'Text'" in done.output  # as `tag` says it
    assert "Did you mean 'text\\u200b'?" in done.output


def test_index_update_finds_the_indexed_columns_in_a_re_saved_file(
    index_dir: Path, batch_model: Path, tmp_path: Path
) -> None:
    """Variant: the index was built from an NFD header with hidden spaces; the update file is
    written composed and clean, and is still matched by the names the index holds."""
    import shutil

    from batch_support import FOOD

    shutil.copytree(index_dir, tmp_path / "idx")
    update = tmp_path / "update.csv"
    update.write_text(f"id,län,beskrivning\nEX-9,Örebro,{FOOD}\n", encoding="utf-8")
    done = runner.invoke(
        app, ["index", "update", str(tmp_path / "idx"), str(update), "-m", str(batch_model)]
    )
    assert done.exit_code == 0, done.output
    assert "5 rows" in done.output and "1 added" in done.output


def test_train_reuses_the_training_vectors_saved_with_a_model(
    batch_model: Path, tmp_path: Path
) -> None:
    """`train --vectors-from DIR` copies DIR's saved training vectors into the embedding cache
    first (default: the shipped model's); a damaged file is said and not used (issue 18)."""
    import shutil

    labels = _labelled(tmp_path / "labels.csv", "text,områden")
    named = ["--labels", str(labels), "--labels-col", "områden", "--no-cross-validate"]
    done = runner.invoke(
        app, ["train", *named, "-o", str(tmp_path / "m"), "--vectors-from", str(batch_model)]
    )
    assert done.exit_code == 0, done.output
    assert "reusing the saved vectors of " in done.output and str(batch_model) in done.output
    damaged = Path(shutil.copytree(batch_model, tmp_path / "damaged"))
    path = damaged / "training_vectors.safetensors"
    path.write_bytes(path.read_bytes()[:-1] + b"!")
    done = runner.invoke(
        app, ["train", *named, "-o", str(tmp_path / "m2"), "--vectors-from", str(damaged)]
    )
    assert done.exit_code == 0, done.output
    assert "not reusing the training vectors of" in done.output
    assert "does not match its checksum" in done.output
