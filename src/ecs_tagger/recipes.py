"""The training recipe of the shipped model: the corpus labels (every labels file) plus extra rows.

Extra rows are never scored in cross-validation and share the CV group of their record:
* the English parallel abstract of every labelled SweCRIS record (`parallel_english`), and
* a title-only copy of every labelled record (`titles`), so that short texts are learned too.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ecs_tagger.corpus import load_training_data

#: The extra rows of the shipped recipe.
SHIPPED_EXTRA = {"parallel_english": True, "titles": True}


def corpus_training_frames(
    root: Path | None = None,
    parallel_english: bool = True,
    titles: bool = False,
    rounds: set[int] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(labelled rows, extra rows) from the shared corpus, from every `labels/train_labels*.jsonl`.

    Both frames have id, text, areas, group (the record id: one CV group per project) and evaluate;
    `kind` says what a row is (`projektbanken`, `swecris_kth`, `english`, `title`). `rounds` keeps
    only those labelling rounds (for ablations).
    """
    labelled = load_training_data(root, rounds=rounds)
    labelled = labelled.assign(group=labelled["id"], evaluate=True, kind=labelled["source"])
    columns = ["id", "text", "areas", "group", "evaluate", "kind"]
    frame = labelled[columns]
    extras = []
    if parallel_english:
        english = labelled[labelled["text_en"].notna()]
        extras.append(
            pd.DataFrame(
                {
                    "id": english["id"] + "#en",
                    "text": english["text_en"],
                    "areas": english["areas"],
                    "group": english["id"],
                    "evaluate": False,
                    "kind": "english",
                }
            )
        )
    if titles:
        titled = labelled[labelled["title"].notna()]
        extras.append(
            pd.DataFrame(
                {
                    "id": titled["id"] + "#title",
                    "text": titled["title"],
                    "areas": titled["areas"],
                    "group": titled["id"],
                    "evaluate": False,
                    "kind": "title",
                }
            )
        )
    extra = pd.concat(extras, ignore_index=True) if extras else frame.iloc[0:0]
    return frame, extra.reset_index(drop=True)
