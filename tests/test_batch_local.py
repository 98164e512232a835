"""The local engine: a model folder is loaded, evidence columns are added."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from batch_support import CODES, FOOD, RESULT_COLUMNS
from ecs_tagger.batch import BatchSummary, tag_file


def test_model_folder_path_and_evidence(batch_model: Path, tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    pd.DataFrame({"text": [FOOD, ""]}).to_csv(source, index=False)
    summary = tag_file(
        str(batch_model), source, tmp_path / "out.parquet", "text", evidence=True, progress=False
    )
    out = pd.read_parquet(tmp_path / "out.parquet")
    assert list(out.columns) == ["text", *RESULT_COLUMNS, *(f"evidence_{c}" for c in CODES)]
    assert out["evidence_food"][0] != "" and out["evidence_food"][1] == ""
    assert out["evidence_health"][0] == ""  # not tagged health
    assert isinstance(summary, BatchSummary) and "Tagged 2 rows" in summary.format()
