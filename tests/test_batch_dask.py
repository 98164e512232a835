"""The Dask engine: a local Dask cluster gives what the single-process run gives."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pandas as pd
import pytest

from batch_support import train_model

os.environ.setdefault("ECS_TAGGER_CACHE", str(Path.home() / ".cache" / "ecs-tagger"))

from ecs_tagger.batch import TaggingJob, tag_file
from ecs_tagger.errors import MissingDependencyError
from ecs_tagger.tables import read_table
from ecs_tagger.tagger import Tagger

TRAINING = [
    ("Lokalproducerad mat och gårdsbutiker för små livsmedelsföretag.", "food"),
    ("Jordbruk och lantbruk för hållbar livsmedelsförsörjning.", "food"),
    ("Offentliga måltider i skolor med lokala livsmedel och mindre matsvinn.", "food"),
    ("Välfärdsteknik i äldreomsorgen, trygghetslarm och sensorer.", "health"),
    ("E-hälsa och digitala vårdtjänster på landsbygden.", "health"),
    ("Telemedicin och digitala vårdbesök för patienter.", "health"),
    ("Solceller och energieffektivisering i fastigheter.", "energy"),
    ("Vindkraft och förnybar energi byggs ut i regionen.", "energy"),
    ("Biogas ersätter fossila bränslen i transporter.", "energy"),
    ("Tillverkningsindustrin digitaliseras med automation.", "industry"),
    ("Industriföretag inför ny produktionsteknik.", "industry"),
    ("Verkstadsindustrin utvecklar avancerad tillverkning.", "industry"),
    ("Kulturlivet och turismen får nya festivaler.", ""),
    ("Ungdomar får stöd att starta eget företag.", ""),
]

TEXTS = [
    "Skolor och kommuner ska servera mer lokalproducerad mat från jordbruk i länet.",
    "Digitala vårdtjänster och välfärdsteknik för äldre i hemtjänsten.",
    "",
    "Vindkraft och solceller för fossilfri energi i industrin.",
    "Prosjektet skal styrke små og mellomstore bedrifter gjennom bærekraftig matproduksjon.",
    "<p>Robotar och <b>automation</b> i tillverkningsindustrin.</p>",
    "   ",
    "Kulturlivet får nya evenemang.",
]


@pytest.fixture(scope="module")
def dask_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return train_model(TRAINING, tmp_path_factory.mktemp("dask-model") / "model")


def test_local_dask_cluster_gives_the_same_output(dask_model: Path, tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    from ecs_tagger.batch.dask import tag_with_dask

    source = tmp_path / "in.csv"
    ids = [f"{i:03d}" for i in range(len(TEXTS))]
    pd.DataFrame({"id": ids, "text": TEXTS}).to_csv(source, index=False, sep=";")
    local = tag_file(
        str(dask_model),
        source,
        tmp_path / "local.csv",
        "text",
        id_col="id",
        chunk_rows=3,
        progress=False,
    )
    dask = tag_with_dask(
        dask_model,
        TaggingJob.of(
            source,
            tmp_path / "dask.csv",
            "text",
            id_col="id",
            chunk_rows=3,
            progress=False,
            n_workers=2,
            summary_path=tmp_path / "summary.json",
        ),
    )
    assert dask.engine == "dask" and local.engine == "local"
    assert dask.chunks == 3 and dask.rows == len(TEXTS)
    first, second = read_table(tmp_path / "local.csv"), read_table(tmp_path / "dask.csv")
    results = [c for c in first.columns if c not in ("id", "text")]
    assert results[0] == "areas" and results[-1] == "tag_status"
    pd.testing.assert_frame_equal(first[results], second[results])
    assert second["id"].tolist() == ids
    assert (tmp_path / "local.csv").read_bytes() == (tmp_path / "dask.csv").read_bytes()
    assert dask.statuses == local.statuses == {"empty": 2, "ok": 5, "untrained_language": 1}


def test_a_loaded_tagger_is_shipped_as_a_model_folder(dask_model: Path, tmp_path: Path) -> None:
    from ecs_tagger.batch.dask import model_path_of

    tagger = Tagger.load(dask_model)
    with model_path_of(tagger, tmp_path / "out.csv") as folder:
        assert Tagger.load(folder).model_version == tagger.model_version
    assert list(tmp_path.iterdir()) == []


def test_missing_dask_names_the_extra(
    dask_model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)
    source = tmp_path / "in.csv"
    pd.DataFrame({"text": ["a"]}).to_csv(source, index=False)
    with pytest.raises(
        MissingDependencyError, match=r"--engine dask.*pip install 'ecs-tagger\[dask\]'"
    ):
        tag_file(str(dask_model), source, tmp_path / "out.csv", "text", engine="dask")
