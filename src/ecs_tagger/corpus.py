"""Readers for the shared corpus (../shared/corpus, or $ECS_TAGGER_CORPUS); nothing is copied."""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Collection, Iterator, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from ecs_tagger.config import CORPUS_ENV, corpus_dir
from ecs_tagger.errors import InputError
from ecs_tagger.hashing import sha256_file

PROJEKTBANKEN = "projektbanken/projects.jsonl"
SWECRIS = "swecris_kth/projects.jsonl.gz"
H2020 = "h2020_norway/projects.csv"
INTERREG_PARTNERS = "interreg_partners/partners_2021_2027.csv"
TRAIN_LABELS = "labels/train_labels.jsonl"
#: Every labelling round: `train_labels.jsonl` (round 1), `train_labels_round2.jsonl`, … (sorted by name).
TRAIN_LABELS_GLOB = "labels/train_labels*.jsonl"

#: The five regions (län) of Östra Mellansverige, as Projektbanken spells them in `county`.
OMS_REGIONS = ("Västmanland", "Örebro", "Södermanland", "Uppsala", "Östergötland")


def corpus_path(relative: str, root: Path | None = None) -> Path:
    """Path of a corpus file, with a clear error naming the env var when it is missing."""
    path = (root or corpus_dir()) / relative
    if not path.exists():
        raise InputError(
            f"corpus file not found: {path}. Put the shared corpus beside the repository "
            f"(../shared/corpus) or point {CORPUS_ENV} at it."
        )
    return path


def _read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def load_projektbanken(root: Path | None = None) -> pd.DataFrame:
    """Projektbanken projects, one row each, with a `text` column (title + newline + description)."""
    frame = pd.DataFrame(list(_read_jsonl(corpus_path(PROJEKTBANKEN, root))))
    frame["text"] = join_title(frame["title"], frame["description"])
    return frame


def load_swecris(root: Path | None = None) -> pd.DataFrame:
    """SweCRIS projects with `id` (SWECRIS-<projectId>), `text_sv` and `text_en` (title + abstract)."""
    frame = pd.DataFrame(list(_read_jsonl(corpus_path(SWECRIS, root))))
    frame["id"] = "SWECRIS-" + frame["projectId"].astype(str)
    frame["text_sv"] = join_title(frame["projectTitleSv"], frame["projectAbstractSv"])
    frame["text_en"] = join_title(frame["projectTitleEn"], frame["projectAbstractEn"])
    return frame


def join_title(titles: pd.Series, bodies: pd.Series) -> pd.Series:
    """Title and body joined by a newline; None where the body is missing or empty."""
    out = []
    for title, body in zip(titles, bodies, strict=True):
        body_text = body.strip() if isinstance(body, str) else ""
        title_text = title.strip() if isinstance(title, str) else ""
        out.append(f"{title_text}\n{body_text}".strip() if body_text else None)
    return pd.Series(out, index=titles.index, dtype=object)


def label_files(root: Path | None = None, names: Collection[str] | None = None) -> list[Path]:
    """Every labels file of the corpus (`labels/train_labels*.jsonl`), sorted by name; with
    `names`, only those files (file names such as ``train_labels_round2.jsonl``).

    Raises InputError when the corpus has no labels file, or lacks a named one.
    """
    base = root or corpus_dir()
    files = sorted(base.glob(TRAIN_LABELS_GLOB))
    if not files:
        corpus_path(TRAIN_LABELS, root)  # raises the clear "corpus not found" error
    if names is not None:
        missing = sorted(set(names) - {path.name for path in files})
        if missing:
            raise InputError(
                f"labels file(s) not in the corpus at {base / 'labels'}: {', '.join(missing)}"
            )
        files = [path for path in files if path.name in set(names)]
    return files


def label_file_digests(
    root: Path | None = None, names: Collection[str] | None = None
) -> dict[str, str]:
    """{file name: sha256 of its bytes} of the corpus labels files (all, or those `names`): what
    a model trained on the corpus records as the labels it learned from."""
    return {path.name: sha256_file(path) for path in label_files(root, names)}


def unseen_label_files(
    learned: Mapping[str, str] | None,
    root: Path | None = None,
    left_out: Collection[str] = (),
) -> dict[str, str]:
    """The corpus labels files a model has not learned from: {file name: "new" or "changed"}.

    `learned` is the model's record (``manifest["training_data"]["label_files"]``); with none
    (a model trained on a table of its own, or before models recorded it) nothing is compared
    and the answer is empty. Files its recipe left out on purpose (`left_out`, names recorded as
    ``training_data["label_files_left_out"]``) are not unseen.
    """
    if not learned:
        return {}
    unseen = {}
    for name, digest in label_file_digests(root).items():
        if name in left_out:
            continue
        if name not in learned:
            unseen[name] = "new"
        elif learned[name] != digest:
            unseen[name] = "changed"
    return unseen


def load_labels(root: Path | None = None, files: Collection[str] | None = None) -> pd.DataFrame:
    """The label records of every labels file (or of the named `files`), with `round` (1 where
    the file has none) and `label_file`.

    A record id labelled in two files is an error: the rounds are meant to be disjoint.
    """
    frames = []
    for path in label_files(root, files):
        frame = pd.DataFrame(list(_read_jsonl(path)))
        if frame.empty:
            continue
        if "round" not in frame.columns:
            frame["round"] = 1
        frame["round"] = frame["round"].fillna(1).astype(int)
        frame["label_file"] = path.name
        frames.append(frame)
    labels = pd.concat(frames, ignore_index=True)
    duplicated = labels.loc[labels["id"].duplicated(), "id"].tolist()
    if duplicated:
        raise InputError(
            f"records labelled in more than one labels file: {', '.join(duplicated[:10])}"
        )
    return labels


def load_training_data(
    root: Path | None = None,
    rounds: set[int] | None = None,
    files: Collection[str] | None = None,
) -> pd.DataFrame:
    """The labelled records of every labels file (or of the named `files`) joined to their texts.

    Columns: id, source, text (the field the annotator read, with its title), text_en (the
    English parallel abstract for SweCRIS records, else None), title (the title alone), areas
    (list), confidence, sampling, round. `rounds` keeps only those labelling rounds (ablations).
    """
    labels = load_labels(root, files)
    if rounds is not None:
        labels = labels[labels["round"].isin(rounds)].reset_index(drop=True)
    projects = load_projektbanken(root).set_index("id")
    swecris = load_swecris(root).set_index("id")
    texts: list[str | None] = []
    english: list[str | None] = []
    titles: list[str | None] = []
    for record in labels.itertuples():
        if record.source == "projektbanken":
            texts.append(projects["text"].get(record.id))
            english.append(None)
            titles.append(projects["title"].get(record.id))
        else:
            texts.append(swecris["text_sv"].get(record.id))
            english.append(swecris["text_en"].get(record.id))
            titles.append(swecris["projectTitleSv"].get(record.id))
    labels["text"] = texts
    labels["text_en"] = english
    labels["title"] = [t.strip() if isinstance(t, str) and t.strip() else None for t in titles]
    missing = labels.loc[labels["text"].isna(), "id"].tolist()
    if missing:
        raise InputError(f"labelled records without text in the corpus: {', '.join(missing[:10])}")
    columns = ["id", "source", "text", "text_en", "title", "areas", "confidence", "sampling"]
    return labels[[*columns, "round"]]


def load_h2020(root: Path | None = None) -> pd.DataFrame:
    """Horizon 2020 projects with Norwegian participants (English titles, weak area labels)."""
    return pd.read_csv(corpus_path(H2020, root), dtype={"project_id": str})


def load_interreg_partners(root: Path | None = None) -> pd.DataFrame:
    """Swedish partners in Interreg 2021-2027 projects."""
    return pd.read_csv(corpus_path(INTERREG_PARTNERS, root), dtype={"id": str})


def data_hash(frame: pd.DataFrame, columns: list[str]) -> str:
    """sha256 of the given columns, row by row as JSON: identifies the training data of a model."""
    digest = hashlib.sha256()
    for row in frame[columns].itertuples(index=False):
        digest.update(json.dumps(list(row), ensure_ascii=False, default=str).encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()
