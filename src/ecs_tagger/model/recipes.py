"""The training recipe of the shipped model: the corpus labels (every labels file) plus extra rows.

Extra rows are never scored in cross-validation and share the CV group of their record:
* the English parallel abstract of every labelled SweCRIS record (`parallel_english`), and
* a title-only copy of every labelled record (`titles`): "train" (a training row), "score" (weight 0:
  never trained on, only predicted and reported in cross-validation) or "none".
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

import pandas as pd

from ecs_tagger.corpus import load_training_data
from ecs_tagger.embedding.encoder import EmbedderSettings
from ecs_tagger.model.training import TrainSettings
from ecs_tagger.preprocess import PreprocessSettings

#: The encoder quantisation of the shipped recipe, chosen by CV (benchmarks/RESULTS.md, "Earlier experiments (tagger v2 round)"): "int8"
#: (torch dynamic) costs 0.023 macro-F1 on all labels, more than the 0.005 allowed, so fp32 stays.
SHIPPED_QUANTIZE = "none"
#: The encoder precision of the shipped recipe: "auto" computes in bf16 where the CPU has native
#: bf16 instructions (about 1.5x faster, vectors within cosine 0.9999 of fp32), else in fp32.
SHIPPED_PRECISION = "auto"
#: Title copies in the shipped recipe: "score" (predicted and reported in cross-validation, never
#: trained on). As training rows ("train") they raise CV on titles alone (0.58 → 0.65) but lower it
#: on full descriptions and abstracts by 0.016-0.02 (benchmarks/RESULTS.md, "Earlier experiments (tagger v2 round)").
SHIPPED_TITLES = "score"
#: Texts shorter than this many characters are decided by the short-text head, trained on the same
#: rows plus the title copies: CV macro-F1 on titles alone 0.598 -> 0.715, every full text unchanged
#: (benchmarks/RESULTS.md, variants `baseline` and `short-head`).
SHIPPED_SHORT_TEXT_CHARS = 200
#: How the shipped recipe reads a text (`PreprocessSettings`): texts in UPPER CASE, Title Case or
#: without capitals in true case (names and acronyms as the corpus writes them), ordinary writing
#: as written; Swedish typed without å, ä and ö with them restored; a description that repeats
#: its title read once. Tag flips on 320 labelled texts (benchmarks/RESULTS.md, "Robustness"):
#: case 1.9 % -> 1.2 %, diacritics 8.4 % -> 1.2 %, title as text 4.1 % -> 0; CV macro-F1 on all
#: labels 0.836 against 0.837, on Projektbanken (rounds 1+2) 0.807 either way (variants
#: `unusual-truecase+diacritics+…`, `unusual-case+…`). Every text in true case
#: (`canonical_case="always"`) makes the case flips zero by construction but costs 0.021 on
#: Projektbanken (0.786; variant `truecase+diacritics+rounds12+short-head`).
SHIPPED_PREPROCESS = PreprocessSettings(
    canonical_case="unusual", true_case=True, restore_diacritics=True, drop_repeated_lines=True
)


#: Corpus labels files the shipped recipe leaves out, and why. Round 3 (899 SweCRIS research
#: abstracts) lowers CV macro-F1 on the Projektbanken descriptions from 0.807 to 0.799 (health
#: 0.870 -> 0.812, energy 0.869 -> 0.855; food 0.689 -> 0.732), so it is kept only where it helps
#: there, which it does not (benchmarks/RESULTS.md, variants `rounds12` and `baseline`).
SHIPPED_LEFT_OUT_LABEL_FILES = {
    "train_labels_round3.jsonl": (
        "research abstracts that lower CV macro-F1 on registry descriptions (Projektbanken "
        "0.807 -> 0.799)"
    ),
}


def shipped_label_files(root: Path | None = None) -> list[str]:
    """Names of the corpus labels files the shipped recipe trains on: every one it does not
    leave out (`SHIPPED_LEFT_OUT_LABEL_FILES`)."""
    from ecs_tagger.corpus import label_files

    return [p.name for p in label_files(root) if p.name not in SHIPPED_LEFT_OUT_LABEL_FILES]


def shipped_train_settings(name: str = "ecs-default") -> TrainSettings:
    """TrainSettings of the shipped model: the defaults with the shipped preprocessing, encoder
    quantisation and precision, and the short-text head."""
    return TrainSettings(
        name=name,
        preprocess=SHIPPED_PREPROCESS,
        embedder=EmbedderSettings(quantize=SHIPPED_QUANTIZE, precision=SHIPPED_PRECISION),
        short_text_chars=SHIPPED_SHORT_TEXT_CHARS,
    )


def corpus_training_frames(
    root: Path | None = None,
    parallel_english: bool = True,
    titles: str = "none",
    rounds: set[int] | None = None,
    label_files: Collection[str] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(labelled rows, extra rows) from the shared corpus, from every `labels/train_labels*.jsonl`
    (or the named `label_files`, e.g. those a model records it learned from).

    Both frames have id, text, areas, group (the record id: one CV group per project) and evaluate;
    `kind` says what a row is (`projektbanken`, `swecris_kth`, `english`, `title`). `rounds` keeps
    only those labelling rounds (for ablations).
    """
    labelled = load_training_data(root, rounds=rounds, files=label_files)
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
    if titles not in ("none", "score", "train"):
        raise ValueError(f"titles must be 'none', 'score' or 'train', not {titles!r}")
    if titles != "none":
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
                    "weight": 0.0 if titles == "score" else 1.0,
                }
            )
        )
    extra = pd.concat(extras, ignore_index=True) if extras else frame.iloc[0:0]
    return frame, extra.reset_index(drop=True)
