"""The training recipe of the shipped model: the corpus labels plus their English parallel texts."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ecs_tagger.corpus import load_training_data


def corpus_training_frames(
    root: Path | None = None, parallel_english: bool = True
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(labelled rows, extra rows) from the shared corpus.

    The extra rows are the English abstracts of the labelled SweCRIS records: the same project, so
    the same areas, in the same cross-validation group as their Swedish text, and never scored.
    """
    labelled = load_training_data(root)
    labelled = labelled.assign(group=labelled["id"], evaluate=True)
    frame = labelled[["id", "text", "areas", "group", "evaluate"]]
    if not parallel_english:
        return frame, frame.iloc[0:0]
    english = labelled[labelled["text_en"].notna()]
    extra = pd.DataFrame(
        {
            "id": english["id"] + "#en",
            "text": english["text_en"],
            "areas": english["areas"],
            "group": english["id"],
            "evaluate": False,
        }
    )
    return frame, extra.reset_index(drop=True)
