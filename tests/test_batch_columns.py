"""The text of a row: text cells joined, empty and non-text cells handled."""

from __future__ import annotations

import pandas as pd

from ecs_tagger.batch import join_text_columns
from ecs_tagger.tables import MISSING


def test_join_text_columns() -> None:
    frame = pd.DataFrame(
        {
            "a": ["Titel", "", None, 5, b"bytes \xc3\xa5", float("nan"), b"\xff"],
            "b": ["Text", "Bara text", "  ", "beside a number", None, MISSING, None],
        },
        index=range(10, 17),
        dtype=object,
    )
    joined = join_text_columns(frame, ["a", "b"])
    assert list(joined.index) == list(range(10, 17))
    assert joined.tolist() == [
        "Titel\nText",
        "Bara text",
        None,
        "beside a number",
        "bytes å",
        None,
        b"\xff",
    ]
    assert join_text_columns(frame, ["a"]).tolist()[3] == 5
