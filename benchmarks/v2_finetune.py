"""Fine-tuning the top two layers of multilingual-e5-small on cached layer-10 states, inside CV folds.

The hidden states after layer 10 of every piece (benchmarks/v2_encode.py) are the frozen input; only
layers 11-12 and a linear 4-area head are trained (`ecs_tagger.embedding.finetune`, the code the
shipped recipe uses), on the pieces of the training part of one fold (labelled texts, English
parallels, titles). Then every piece of every row goes through the tuned layers once, pooled as the
library pools, and the vectors of that fold are saved as `emb_ft-<tag>.f<fold>.npy`;
`benchmarks.v2_cv --emb ft-<tag>` uses fold f's vectors for fold f only (fine-tuning never saw the
rows of fold f).

    PYTHONPATH=src:. python -m benchmarks.v2_finetune --folds 0,1,2,3,4 --tag e1
"""

from __future__ import annotations

import argparse
import json
import pickle
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

V2 = Path("scratch/v2")


def main() -> None:
    from ecs_tagger.embedding.finetune import (
        FineTuneSettings,
        LowerStates,
        embed_with_layers,
        tune_top_layers,
    )

    defaults = FineTuneSettings()
    parser = argparse.ArgumentParser()
    parser.add_argument("--folds", default="0,1,2,3,4")
    parser.add_argument("--epochs", type=float, default=defaults.epochs)
    parser.add_argument("--lr", type=float, default=defaults.learning_rate)
    parser.add_argument("--head-lr", type=float, default=defaults.head_learning_rate)
    parser.add_argument("--train-tokens", type=int, default=defaults.train_tokens)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--tag", default="e1")
    parser.add_argument("--train-kinds", default="pb,swecris_sv,en,title")
    parser.add_argument("--states", type=Path, default=V2, help="folder of the layer-10 states")
    args = parser.parse_args()
    settings = replace(
        defaults,
        epochs=args.epochs,
        learning_rate=args.lr,
        head_learning_rate=args.head_lr,
        train_tokens=args.train_tokens,
    )

    import torch

    torch.set_num_threads(args.threads)
    from benchmarks.v2_cv import fold_of_rows, label_matrix, load_rows
    from ecs_tagger.embedding.encoder import Embedder
    from ecs_tagger.model.taxonomy import default_taxonomy

    codes = default_taxonomy().codes
    rows, _ = load_rows()
    folds = fold_of_rows(rows)
    Y = label_matrix(rows, codes)
    with open(args.states / "unique.pkl", "rb") as handle:
        unique = pickle.load(handle)
    position = {text: i for i, text in enumerate(unique)}
    text_of_row = np.array([position[c] for c in rows["clean"]])
    index = np.load(args.states / "l10_index.npz")
    lower = LowerStates(
        np.load(args.states / "l10_states.npy", mmap_mode="r"),
        index["offsets"],
        index["owners"],
        index["weights"],
    )
    base = Embedder().model[0].auto_model.encoder.layer
    kinds = rows["kind"].to_numpy()
    log: list[dict[str, object]] = []
    for fold in [int(f) for f in args.folds.split(",")]:
        started = time.perf_counter()
        train_rows = np.flatnonzero((folds != fold) & np.isin(kinds, args.train_kinds.split(",")))
        text_labels = np.zeros((len(unique), len(codes)), dtype=bool)
        for r in train_rows:
            text_labels[text_of_row[r]] |= Y[r]
        layers, record = tune_top_layers(
            [base[i] for i in range(settings.cut, 12)],
            lower,
            text_labels,
            np.unique(text_of_row[train_rows]),
            replace(settings, seed=fold),
            log=lambda m, f=fold: print(f"fold {f}: {m}", flush=True),
        )
        doc = embed_with_layers(layers, lower, len(unique))
        np.save(V2 / f"emb_ft-{args.tag}.f{fold}.npy", doc[text_of_row])
        record |= {"fold": fold, "total_s": round(time.perf_counter() - started, 1)}
        log.append(record)
        print(json.dumps(record), flush=True)
        (V2 / f"ft-{args.tag}.log.json").write_text(
            json.dumps(
                {
                    "settings": settings.__dict__,
                    "args": {k: str(v) for k, v in vars(args).items()},
                    "folds": log,
                },
                indent=1,
            )
        )


if __name__ == "__main__":
    main()
