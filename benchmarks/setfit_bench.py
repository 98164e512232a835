"""SetFit-style contrastive fine-tuning of the embedding model, time-boxed, on the shared folds.

No `setfit` package (it pins other transformers/datasets versions): the same recipe in plain torch
on the converted sentence-transformers folder. Pairs of training texts are labelled 1 when they carry
the same set of areas and 0 otherwise; the encoder (word-embedding matrix frozen) learns to make the
cosine of each pair match its label (SetFit's CosineSimilarityLoss). Then the usual ecs-tagger
classifier (both signals, and embeddings only) is trained on the fine-tuned embeddings of the fold's
training part and scored on its test part. By default one fold runs, and the cost of five is
extrapolated from it.
"""

from __future__ import annotations

import random
import time
from dataclasses import replace
from typing import Any

import numpy as np

from benchmarks.common import RunOptions, labelled_data, log
from benchmarks.encoders import document_prompt
from benchmarks.speed import chunk_pieces, model_dir, pool

LEARNING_RATE = 2e-5
BATCH_PAIRS = 16
TRAIN_MAX_TOKENS = 128
PAIRS_PER_TEXT = 4  # SetFit's num_iterations=2: one positive and one negative pair, twice


def make_pairs(
    rows: np.ndarray, labels: np.ndarray, groups: np.ndarray, seed: int
) -> list[tuple[int, int, float]]:
    rng = random.Random(seed)
    keys = {int(i): tuple(np.flatnonzero(labels[i])) for i in rows}
    by_key: dict[tuple[int, ...], list[int]] = {}
    for i, key in keys.items():
        by_key.setdefault(key, []).append(i)
    pairs: list[tuple[int, int, float]] = []
    for _ in range(PAIRS_PER_TEXT // 2):
        for i in rng.sample(list(keys), len(keys)):
            same = [j for j in by_key[keys[i]] if groups[j] != groups[i]]
            if same:
                pairs.append((i, rng.choice(same), 1.0))
            other = rng.choice(list(keys))
            while keys[other] == keys[i] and len(by_key) > 1:
                other = rng.choice(list(keys))
            pairs.append((i, other, 0.0))
    rng.shuffle(pairs)
    return pairs


def fine_tune(
    texts: list[str],
    pairs: list[tuple[int, int, float]],
    minutes: float,
    seed: int,
    batch_pairs: int = BATCH_PAIRS,
) -> tuple[Any, dict[str, Any]]:
    import torch
    import torch.nn.functional as F
    from sentence_transformers import SentenceTransformer

    torch.manual_seed(seed)
    prompt = document_prompt(model_dir())
    model = SentenceTransformer(str(model_dir()), device="cpu", local_files_only=True)
    model.max_seq_length = TRAIN_MAX_TOKENS
    model[0].auto_model.embeddings.word_embeddings.weight.requires_grad_(False)
    model.train()
    optimizer = torch.optim.AdamW(
        [p for p in model.parameters() if p.requires_grad], lr=LEARNING_RATE
    )
    started = time.perf_counter()
    done, losses = 0, []
    for start in range(0, len(pairs), batch_pairs):
        if time.perf_counter() - started > minutes * 60:
            break
        batch = pairs[start : start + batch_pairs]
        left = model.tokenize([prompt + texts[i] for i, _, _ in batch])
        right = model.tokenize([prompt + texts[j] for _, j, _ in batch])
        target = torch.tensor([y for _, _, y in batch], dtype=torch.float32)
        cosine = F.cosine_similarity(
            model(left)["sentence_embedding"], model(right)["sentence_embedding"]
        )
        loss = F.mse_loss(cosine, target)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        losses.append(float(loss.detach()))
        done += len(batch)
    seconds = time.perf_counter() - started
    model.eval()
    model.max_seq_length = 512
    return model, {
        "pairs_planned": len(pairs),
        "pairs_done": done,
        "train_seconds": round(seconds, 1),
        "pairs_per_s": round(done / max(seconds, 1e-9), 2),
        "loss_first_10": round(float(np.mean(losses[:10])), 4) if losses else None,
        "loss_last_10": round(float(np.mean(losses[-10:])), 4) if losses else None,
    }


def embed_fp32(model: Any, pieces: list[str], owners: list[int], n: int) -> np.ndarray:
    """Document vectors from a SentenceTransformer, chunked and pooled as the library does."""
    prompt = document_prompt(model_dir())
    vectors = model.encode(
        pieces,
        prompt=prompt,
        batch_size=16,
        normalize_embeddings=True,
        convert_to_numpy=True,
        show_progress_bar=False,
    )
    return pool(np.asarray(vectors, dtype=np.float32), pieces, owners, n)


def run_setfit(options: RunOptions) -> dict[str, Any]:
    from benchmarks.common import documents_for, embeddings_for, shipped_settings
    from ecs_tagger.model.classifier import AreaFeatures
    from ecs_tagger.model.metrics import multilabel_report
    from ecs_tagger.model.training import PreparedData, fit_classifier

    data = labelled_data(options.n_labelled)
    settings = shipped_settings()
    if options.smoke:
        settings = replace(settings, inner_folds=3)
    documents = documents_for(data, settings.preprocess)
    cleans = [d.clean[: options.text_chars] for d in documents]
    batch_pairs = 4 if options.smoke else BATCH_PAIRS  # a smoke run takes one small step
    base = embeddings_for(data, settings.preprocess, settings.embedder)
    pieces, owners, _ = chunk_pieces(cleans)
    out: dict[str, Any] = {
        "folds": [],
        "settings": {
            "learning_rate": LEARNING_RATE,
            "batch_pairs": batch_pairs,
            "train_max_tokens": TRAIN_MAX_TOKENS,
            "pairs_per_text": PAIRS_PER_TEXT,
            "time_box_minutes": options.setfit_minutes,
        },
    }
    for fold in range(min(options.setfit_folds, len(data.folds))):
        fold_started = time.perf_counter()
        train, test = data.folds[fold]
        pairs = make_pairs(train, data.labels, data.training.groups, seed=fold)
        log(
            f"setfit fold {fold}: fine-tuning on {len(pairs)} pairs "
            f"(time box {options.setfit_minutes} min)"
        )
        model, training = fine_tune(
            cleans, pairs, options.setfit_minutes, seed=fold, batch_pairs=batch_pairs
        )
        embed_started = time.perf_counter()
        tuned = embed_fp32(model, pieces, owners, len(cleans))
        del model
        training["embed_seconds"] = round(time.perf_counter() - embed_started, 1)
        scored = test[data.evaluate[test]]
        reports = {}
        for key, embeddings, signals in (
            ("ecs-tagger", base, "both"),
            ("setfit + ecs head", tuned, "both"),
            ("ecs embedding-only", base, "embedding"),
            ("setfit + embedding-only head", tuned, "embedding"),
        ):
            fold_settings = replace(settings, signals=signals)
            prepared = PreparedData(documents, embeddings)
            lexical, classifier = fit_classifier(
                prepared,
                data.labels,
                fold_settings,
                train,
                data.training.weights,
                data.training.groups,
            )
            features = AreaFeatures(
                embeddings[scored], lexical.transform([documents[i].lemmas for i in scored])
            )
            predicted = classifier.predict(features)
            reports[key] = multilabel_report(data.codes, data.labels[scored], predicted).to_dict()
            log(f"setfit fold {fold} {key}: macro-F1 {reports[key]['macro_f1']:.3f}")
        training["fold_seconds"] = round(time.perf_counter() - fold_started, 1)
        out["folds"].append({"fold": fold, "training": training, "reports": reports})
    spent = [f["training"]["fold_seconds"] for f in out["folds"]]
    out["extrapolated_five_fold_minutes"] = round(np.mean(spent) * 5 / 60, 1) if spent else None
    if out["folds"]:
        pairs_done = out["folds"][0]["training"]["pairs_done"]
        planned = out["folds"][0]["training"]["pairs_planned"]
        rate = out["folds"][0]["training"]["pairs_per_s"]
        out["full_schedule_minutes_per_fold"] = round(planned / max(rate, 1e-9) / 60, 1)
        out["completed_fraction"] = round(pairs_done / max(planned, 1), 3)
    return out
