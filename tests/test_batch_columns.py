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


def test_chunk_text_hash_is_taken_after_nfc() -> None:
    """A file re-saved with decomposed letters reuses the part files of the composed one."""
    import unicodedata

    from ecs_tagger.batch.columns import text_hash

    texts = ["Vård på distans", None, 12]
    decomposed = [unicodedata.normalize("NFD", texts[0]), None, 12]
    assert text_hash(pd.Series(decomposed)) == text_hash(pd.Series(texts))
    assert text_hash(pd.Series(["Vård"])) != text_hash(pd.Series(["Vard"]))


def test_a_cell_that_cannot_be_read_as_text_flags_its_row() -> None:
    """An Excel formula with no calculated value stands for text that is not there: the row is
    that cell (not_text), even beside text."""
    from ecs_tagger.tables import FormulaCell

    formula = FormulaCell("=A2")
    frame = pd.DataFrame(
        {"a": ["Titel", None, 5], "b": [formula, formula, FormulaCell("=B1")]}, dtype=object
    )
    assert join_text_columns(frame, ["a", "b"]).tolist() == [formula, formula, FormulaCell("=B1")]
