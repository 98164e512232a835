"""One fp32 pass over every training text of the v2 experiments (issue 9).

Rows: the labelled texts of every labels file, the English parallel abstracts of the SweCRIS records
and a title-only copy of every labelled record. Each text is preprocessed as the library does; its
pieces (the library's chunks, "passage: " prompt) go through multilingual-e5-small once, giving
  * the document vector, written into the library's embedding cache under the library's own key
    (so `Embedder.embed_documents` finds it: same vectors as the library computes), and
  * the hidden states after layer 10 of every token of every piece (float16), the frozen input of the
    top-layer fine-tuning experiments (benchmarks/v2_finetune.py).

    PYTHONPATH=src python -m benchmarks.v2_encode --out scratch/v2
"""

from __future__ import annotations

import argparse
import pickle
import time
from pathlib import Path

import numpy as np
import pandas as pd

CUT_LAYER = 10  # hidden_states[10]: the output of the first ten of twelve layers


def training_rows() -> pd.DataFrame:
    """id, group, kind (pb / swecris_sv / en / title), text, areas for every v2 training row."""
    from ecs_tagger.corpus import load_training_data

    data = load_training_data()
    kind = np.where(data["source"] == "projektbanken", "pb", "swecris_sv")
    base = pd.DataFrame(
        {
            "id": data["id"],
            "group": data["id"],
            "kind": kind,
            "text": data["text"],
            "areas": data["areas"],
            "round": data["round"],
        }
    )
    en = data[data["text_en"].notna()]
    english = pd.DataFrame(
        {
            "id": en["id"] + "#en",
            "group": en["id"],
            "kind": "en",
            "text": en["text_en"],
            "areas": en["areas"],
            "round": en["round"],
        }
    )
    ti = data[data["title"].notna()]
    titles = pd.DataFrame(
        {
            "id": ti["id"] + "#title",
            "group": ti["id"],
            "kind": "title",
            "text": ti["title"],
            "areas": ti["areas"],
            "round": ti["round"],
        }
    )
    return pd.concat([base, english, titles], ignore_index=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, default=Path("scratch/v2"))
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--quantize", default="none", help="none (fp32) or int8")
    parser.add_argument("--states", type=Path, default=None, help="where the layer-10 states go")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    import torch

    torch.set_num_threads(args.threads)
    from ecs_tagger.embedding.cache import text_key
    from ecs_tagger.embedding.encoder import Embedder
    from ecs_tagger.embedding.finetune import padded_batches
    from ecs_tagger.preprocess import Preprocessor

    rows = training_rows()
    started = time.perf_counter()
    documents = Preprocessor().process_many(rows["text"].tolist())
    prep_s = time.perf_counter() - started
    rows["clean"] = [d.clean for d in documents]
    rows["language"] = [d.language for d in documents]
    with open(
        args.out / f"rows{'' if args.quantize == 'none' else '.' + args.quantize}.pkl", "wb"
    ) as handle:
        pickle.dump({"rows": rows, "lemmas": [d.lemmas for d in documents]}, handle)
    print(f"preprocessed {len(rows)} rows in {prep_s:.1f} s", flush=True)

    from ecs_tagger.embedding.encoder import EmbedderSettings

    embedder = Embedder(EmbedderSettings(quantize=args.quantize))
    states_dir = args.states or args.out
    states_dir.mkdir(parents=True, exist_ok=True)
    model = embedder.model
    bert = model[0].auto_model
    tokenizer = model.tokenizer
    prompt = model.prompts["passage"]
    unique = list(dict.fromkeys(rows["clean"]))
    pieces: list[str] = []
    owners: list[int] = []
    for index, text in enumerate(unique):
        for piece in embedder.chunk(text):
            pieces.append(piece)
            owners.append(index)
    encoded = [tokenizer(prompt + p, truncation=True, max_length=512)["input_ids"] for p in pieces]
    lengths = np.array([len(ids) for ids in encoded])
    print(f"{len(unique)} unique texts, {len(pieces)} pieces, {lengths.sum()} tokens", flush=True)
    piece_vectors = np.zeros((len(pieces), 384), dtype=np.float32)
    states = np.zeros((int(lengths.sum()), 384), dtype=np.float16)
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    started = time.perf_counter()
    done = 0
    with torch.inference_mode():
        for number, (batch, ids, mask) in enumerate(padded_batches(encoded, args.batch_size)):
            out = bert(input_ids=ids, attention_mask=mask, output_hidden_states=True)
            last = out.last_hidden_state
            cut = out.hidden_states[CUT_LAYER]
            m = mask.unsqueeze(-1).float()
            pooled = (last * m).sum(1) / m.sum(1)
            pooled = torch.nn.functional.normalize(pooled, dim=-1)
            piece_vectors[batch] = pooled.numpy()
            for row, i in enumerate(batch):
                states[offsets[i] : offsets[i + 1]] = cut[row, : lengths[i]].numpy()
            done += len(batch)
            if number % 20 == 0:
                elapsed = time.perf_counter() - started
                print(f"  {done}/{len(pieces)} pieces, {elapsed:.0f} s", flush=True)
    encode_s = time.perf_counter() - started
    weights = np.array([max(1, len(p)) for p in pieces], dtype=np.float32)
    doc = np.zeros((len(unique), 384), dtype=np.float32)
    np.add.at(doc, np.array(owners), piece_vectors * weights[:, None])
    doc /= np.maximum(np.linalg.norm(doc, axis=1, keepdims=True), 1e-12)
    kind = "passage-chunked"
    assert embedder.cache is not None
    embedder.cache.put_many({text_key(kind, t): v for t, v in zip(unique, doc, strict=True)})
    np.save(states_dir / "l10_states.npy", states)
    np.savez(
        states_dir / "l10_index.npz",
        offsets=offsets,
        owners=np.array(owners),
        weights=weights,
        lengths=lengths,
        piece_vectors=piece_vectors,
    )
    with open(states_dir / "unique.pkl", "wb") as handle:
        pickle.dump(unique, handle)
    position = {t: i for i, t in enumerate(unique)}
    np.save(states_dir / "emb_rows.npy", doc[[position[c] for c in rows["clean"]]])
    print(
        f"encoded {len(pieces)} pieces ({lengths.sum()} tokens) in {encode_s:.1f} s "
        f"({len(unique) / encode_s:.1f} texts/s)",
        flush=True,
    )
    # Check against the library's own path on a few texts (no cache).
    check = Embedder(EmbedderSettings(quantize=args.quantize), use_cache=False)
    sample = [unique[i] for i in np.linspace(0, len(unique) - 1, 6).astype(int)]
    ref = check.embed_documents(sample)
    mine = doc[[unique.index(t) for t in sample]]
    print("cosine to library vectors:", np.round((ref * mine).sum(1), 6), flush=True)


if __name__ == "__main__":
    main()
