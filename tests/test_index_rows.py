"""Index rows: a registry's columns checked, ids unique, metadata (funding) read."""

from __future__ import annotations

import numpy as np
import pytest

from ecs_tagger.errors import InputError
from ecs_tagger.index import RegistryIndex
from similarity_support import pb_frame, tagger

pytestmark = pytest.mark.usefixtures("corpus_root")


# -- errors --------------------------------------------------------------------------------------
def test_duplicate_ids_are_named() -> None:
    frame = pb_frame().iloc[:6].copy()
    # The same project once per region, with one id: must be one row listing both regions.
    frame.loc[4, "id"] = frame.loc[0, "id"]
    frame.loc[5, "id"] = frame.loc[1, "id"]
    with pytest.raises(InputError) as error:
        RegistryIndex.build(frame, tagger(), ["title", "description"], "id", "county")
    message = str(error.value)
    assert "unique" in message and repr(frame.loc[0, "id"]) in message
    assert repr(frame.loc[1, "id"]) in message


def test_missing_columns_and_rows_without_text() -> None:
    frame = pb_frame().iloc[:4].copy()
    with pytest.raises(InputError, match="'län'"):
        RegistryIndex.build(frame, tagger(), ["title", "description"], "id", "län")
    frame.loc[3, ["title", "description"]] = [None, "   "]
    index = RegistryIndex.build(frame, tagger(), ["title", "description"], "id", "county")
    assert len(index) == 3
    assert index.manifest["skipped"] == [{"id": frame.loc[3, "id"], "reason": "no text"}]
    with pytest.raises(InputError, match="no text"):
        index.position(frame.loc[3, "id"])


def test_funding_is_read_from_numbers_and_text() -> None:
    frame = pb_frame().iloc[:4].copy()
    frame["granted_sek"] = ["1 200 000", "350000,50", "okänt", None]
    index = RegistryIndex.build(
        frame, tagger(), ["title", "description"], "id", "county", funding_col="granted_sek"
    )
    funding = index.rows.set_index("id").loc[frame["id"], "funding"].tolist()
    assert funding[:2] == [1_200_000.0, 350_000.5]
    assert np.isnan(funding[2]) and np.isnan(funding[3])


def test_text_hash_is_taken_after_nfc() -> None:
    import unicodedata

    from ecs_tagger.index import text_hash

    text = "Vård på distans i Västerås"
    assert text_hash(unicodedata.normalize("NFD", text)) == text_hash(text)
    assert text_hash(text) != text_hash(text + ".")
