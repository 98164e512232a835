"""The table writer: atomic output, no overwriting unless asked."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from ecs_tagger.errors import InputError
from ecs_tagger.tables import TableWriter


def test_writer_is_atomic_and_refuses_to_overwrite(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    target.write_text("keep me", encoding="utf-8")
    with pytest.raises(InputError, match="exists; use --overwrite to replace it"):
        TableWriter(target)
    with pytest.raises(RuntimeError), TableWriter(target, overwrite=True) as writer:
        writer.write(pd.DataFrame({"a": ["1"]}))
        raise RuntimeError("interrupted")
    assert target.read_text(encoding="utf-8") == "keep me"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]
    with TableWriter(target, overwrite=True) as writer:
        writer.write(pd.DataFrame({"a": ["1"]}))
    assert target.read_text(encoding="utf-8") == "a\n1\n"
