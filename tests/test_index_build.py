"""Building an index: every row with text embedded and tagged once, updated incrementally."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from ecs_tagger.errors import ModelError
from ecs_tagger.index import RegistryIndex, build_or_update
from ecs_tagger.index.rows import text_hash
from ecs_tagger.tagger import Tagger
from similarity_support import pb_frame, pb_index, tagger

pytestmark = pytest.mark.usefixtures("corpus_root")


# -- building ------------------------------------------------------------------------------------
def test_every_row_with_text_is_indexed_once_with_tags_and_metadata() -> None:
    frame, index = pb_frame(), pb_index()
    with_text = frame["title"].notna() | frame["description"].notna()
    assert len(index) == int(with_text.sum())
    assert index.rows["id"].is_unique
    assert index.vectors.shape == (len(index), 384) and index.vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(index.vectors, axis=1), 1.0, atol=1e-4)
    assert set(index.codes) == set(tagger().taxonomy.codes)
    for code in index.codes:
        assert index.rows[f"score_{code}"].between(0, 1).all()
    # Regions: a comma-separated county cell becomes one row present in each region.
    row = index.rows.set_index("id").loc["TVV-41896"]
    assert list(row["regions"]) == ["Södermanland", "Västmanland", "Örebro", "Östergötland"]
    assert row["actor"] == "COMMUNICARE" and row["actor_key"] == "communicare"
    assert row["funding"] == pytest.approx(
        float(frame.set_index("id").loc["TVV-41896", "granted_sek"])
    )


def test_tags_are_those_of_the_tagger() -> None:
    index = pb_index()
    sample = index.rows.iloc[:12]
    frame = pb_frame().set_index("id").loc[sample["id"]]
    texts = [
        "\n".join(p.strip() for p in (t, d) if isinstance(p, str) and p.strip())
        for t, d in zip(frame["title"], frame["description"], strict=True)
    ]
    results = tagger().tag_many(texts)
    for result, (_, row) in zip(results, sample.iterrows(), strict=True):
        assert tuple(row["areas"]) == result.areas
        for code in index.codes:
            assert row[f"score_{code}"] == pytest.approx(result.scores[code], abs=1e-4)


# -- incremental updates -------------------------------------------------------------------------
class CountingDocuments:
    """Counts the documents the tagger embeds and tags (its `features` step)."""

    def __init__(self, tagger: Tagger) -> None:
        self.tagger = tagger
        self.documents: list[str] = []

    def __enter__(self) -> CountingDocuments:
        real = self.tagger.features

        def counting(documents: Any, progress: Any = None) -> Any:
            self.documents.extend(d.clean for d in documents)
            return real(documents, progress=progress)

        self.tagger.features = counting  # type: ignore[method-assign]
        return self

    def __exit__(self, *_: object) -> None:
        del self.tagger.features


def test_update_embeds_only_new_and_changed_rows(tmp_path: Path) -> None:
    base = pb_frame().loc[pb_frame()["description"].notna()].iloc[:20].reset_index(drop=True)
    index = RegistryIndex.build(
        base, tagger(), ["title", "description"], "id", "county", actor_col="beneficiary"
    )
    before = index.vectors.copy()
    changed = base.iloc[:3].copy()
    changed.loc[0, "description"] = changed.loc[0, "description"] + " Projektet avslutades 2014."
    changed.loc[1, "county"] = "Sörmland"  # metadata only: no new embedding
    new = pb_frame().loc[pb_frame()["description"].notna()].iloc[[40]]
    with CountingDocuments(tagger()) as counter:
        summary = index.update(pd.concat([changed, new]), tagger())
    assert (summary.added, summary.changed, summary.unchanged) == (1, 1, 2)
    assert len(counter.documents) == 2
    assert len(index) == 21
    ids = index.rows["id"].tolist()
    assert ids.count(base.loc[0, "id"]) == 1
    unchanged = index.position(base.loc[5, "id"])
    assert np.array_equal(index.vectors[unchanged], before[5])
    assert list(index.rows.at[index.position(base.loc[1, "id"]), "regions"]) == ["Södermanland"]
    assert index.manifest["text_hashes"][base.loc[0, "id"]] != text_hash(
        f"{base.loc[0, 'title']}\n{base.loc[0, 'description']}"
    )
    # Rebuilding onto the saved index re-embeds nothing that is unchanged.
    index.save(tmp_path / "idx")
    current = pd.concat([base.iloc[3:], changed, new])
    with CountingDocuments(tagger()) as counter:
        rebuilt = build_or_update(
            tmp_path / "idx",
            current,
            tagger(),
            ["title", "description"],
            "id",
            "county",
            actor_col="beneficiary",
        )
    assert counter.documents == []
    assert rebuilt.summary.unchanged == len(current) and rebuilt.summary.embedded == 0
    assert set(rebuilt.rows["id"]) == set(current["id"])


def test_update_with_another_model_is_refused() -> None:
    index = RegistryIndex.build(pb_frame().iloc[:3], tagger(), ["title"], "id", "county")
    index.manifest["model_version"] = "another-model-0000"
    with pytest.raises(ModelError, match="Build a new index"):
        index.update(pb_frame().iloc[3:5], tagger())


# -- command line --------------------------------------------------------------------------------
def test_cli_builds_updates_and_describes_an_index(tmp_path: Path) -> None:
    from ecs_tagger.cli import app

    registry = tmp_path / "registry.csv"
    frame = pb_frame().loc[pb_frame()["oms"].astype(bool)].iloc[:8]
    frame[["id", "title", "description", "county", "beneficiary", "granted_sek"]].to_csv(
        registry, index=False
    )
    runner = CliRunner()
    arguments = [
        "index",
        "build",
        str(registry),
        "-o",
        str(tmp_path / "idx"),
        "--text-col",
        "title",
        "--text-col",
        "description",
        "--id-col",
        "id",
        "--region-col",
        "county",
        "--actor-col",
        "beneficiary",
        "--funding-col",
        "granted_sek",
    ]
    result = runner.invoke(app, arguments)
    assert result.exit_code == 0, result.output
    assert RegistryIndex.load(tmp_path / "idx").rows["id"].tolist() == frame["id"].tolist()
    again = runner.invoke(app, arguments)
    assert again.exit_code == 0 and "8 unchanged" in again.output
    info = runner.invoke(app, ["index", "info", str(tmp_path / "idx")])
    assert info.exit_code == 0 and "8 rows" in info.output
    changed = frame.iloc[:2].copy()
    changed.loc[changed.index[0], "description"] = "Ett helt nytt projekt om biogas från gödsel."
    changed.to_csv(registry, index=False)
    update = runner.invoke(app, ["index", "update", str(tmp_path / "idx"), str(registry)])
    assert update.exit_code == 0, update.output
    assert "0 added, 1 changed, 1 unchanged" in update.output
    assert len(RegistryIndex.load(tmp_path / "idx")) == 8
    missing = runner.invoke(app, ["index", "update", str(tmp_path / "nowhere"), str(registry)])
    assert missing.exit_code == 2 and "not a registry index" in missing.output
