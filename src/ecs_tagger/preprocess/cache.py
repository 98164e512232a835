"""On-disk preprocessing cache: :class:`PreprocessedText` by a hash of the text, beside the vectors.

Re-tagging an unchanged registry reads every analysed text from here and runs neither language
detection nor spaCy. The key is the sha256 of the text (exactly as given, so that truncation and
cleaning see the same characters), the :class:`PreprocessSettings` and :func:`preprocess_version`:
a version constant, the versions of the libraries preprocessing depends on (spaCy, its lookup
tables, the language identifier, ftfy) and a hash of the source of the preprocessing modules, so a
change to cleaning, lemma or compound code never reads a stale analysis.

Rows are JSON (loading one never executes code); a row that does not parse into a
:class:`PreprocessedText` counts as missing and is recomputed and overwritten. SQLite gives atomic
writes, so a run killed half-way leaves every finished batch usable by the next run.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import sqlite3
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from ecs_tagger.preprocess.preprocessor import PreprocessedText, Preprocessor, PreprocessSettings
from ecs_tagger.preprocess.sentences import Sentence

__all__ = ["PREPROCESS_VERSION", "PreprocessCache", "preprocess_key", "preprocess_version"]

#: Bump when preprocessing changes in a way the source hash below cannot see (data files).
PREPROCESS_VERSION = "2"

#: Libraries whose version changes what preprocessing produces.
_LIBRARIES = ("spacy", "spacy-lookups-data", "py3langid", "ftfy")
#: Modules whose source decides what preprocessing produces.
_MODULES = (
    "ecs_tagger.preprocess.cleaning",
    "ecs_tagger.preprocess.compounds",
    "ecs_tagger.preprocess.lemmas",
    "ecs_tagger.preprocess.pipelines",
    "ecs_tagger.preprocess.preprocessor",
    "ecs_tagger.preprocess.sentences",
    "ecs_tagger.preprocess.language",
    "ecs_tagger.preprocess.word_forms",
)


@functools.cache
def preprocess_version() -> str:
    """Identity of the preprocessing code and libraries; part of every cache key."""
    import importlib.util

    parts = [f"ecs-preprocess-{PREPROCESS_VERSION}"]
    for package in _LIBRARIES:
        try:
            parts.append(f"{package}={metadata.version(package)}")
        except metadata.PackageNotFoundError:
            parts.append(f"{package}=none")
    digest = hashlib.sha256()
    for name in _MODULES:
        spec = importlib.util.find_spec(name)
        origin = spec.origin if spec is not None else None
        try:
            digest.update(Path(origin).read_bytes() if origin else name.encode())
        except OSError:  # no source on disk (frozen install): the versions above decide
            digest.update(name.encode())
    parts.append(digest.hexdigest()[:16])
    return ";".join(parts)


def preprocess_key(text: str, settings: PreprocessSettings, version: str | None = None) -> str:
    """Cache key of `text` preprocessed with `settings` by preprocessing `version`."""
    settings_json = json.dumps(dataclasses.asdict(settings), sort_keys=True)
    payload = f"{version or preprocess_version()}\x00{settings_json}\x00{text}"
    return hashlib.sha256(payload.encode("utf-8", "surrogatepass")).hexdigest()


def _to_json(document: PreprocessedText) -> str:
    return json.dumps(
        {
            "clean": document.clean,
            "language": document.language,
            "language_confidence": document.language_confidence,
            "lemmas": list(document.lemmas),
            "sentences": [[s.text, s.start, s.end] for s in document.sentences],
            "truncated": document.truncated,
            "words": None if document.words is None else sorted(document.words),
            "canonical": document.canonical,
        },
        ensure_ascii=False,
    )


def _from_json(original: str, data: str) -> PreprocessedText:
    """The document stored as `data`; raises ValueError, TypeError or KeyError when malformed."""
    row: dict[str, Any] = json.loads(data)
    clean = row["clean"]
    sentences = tuple(Sentence(str(t), int(a), int(b)) for t, a, b in row["sentences"])
    words = row["words"]
    document = PreprocessedText(
        original=original,
        clean=clean,
        language=row["language"],
        language_confidence=float(row["language_confidence"]),
        lemmas=tuple(row["lemmas"]),
        sentences=sentences,
        truncated=row["truncated"],
        words=None if words is None else frozenset(words),
        canonical=row.get("canonical"),
    )
    canonical = document.canonical
    if not (
        isinstance(clean, str)
        and isinstance(document.language, str)
        and isinstance(document.truncated, bool)
        and all(isinstance(lemma, str) for lemma in document.lemmas)
        and all(isinstance(word, str) for word in document.words or ())
        and all(clean[s.start : s.end] == s.text for s in sentences)
        and (canonical is None or (isinstance(canonical, str) and len(canonical) == len(clean)))
    ):
        raise ValueError("malformed cached preprocessing row")
    return document


class PreprocessCache:
    """Preprocessed texts stored as JSON by :func:`preprocess_key`, in one SQLite file."""

    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / "preprocessed.sqlite"
        self._connection = sqlite3.connect(self.path, timeout=60, check_same_thread=False)
        self._connection.execute("PRAGMA journal_mode=WAL")
        self._connection.execute(
            "CREATE TABLE IF NOT EXISTS documents (key TEXT PRIMARY KEY, data TEXT NOT NULL)"
        )
        self._connection.commit()

    def get_many(self, keys: Sequence[str]) -> dict[str, str]:
        """The stored JSON of those `keys` that are present."""
        found: dict[str, str] = {}
        unique = list(dict.fromkeys(keys))
        for start in range(0, len(unique), 500):
            chunk = unique[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._connection.execute(
                f"SELECT key, data FROM documents WHERE key IN ({marks})", chunk
            )
            for key, data in rows:
                if isinstance(data, str):
                    found[key] = data
        return found

    def put_many(self, items: dict[str, PreprocessedText]) -> None:
        rows = [(key, _to_json(document)) for key, document in items.items()]
        with self._connection:
            self._connection.executemany(
                "INSERT OR REPLACE INTO documents (key, data) VALUES (?, ?)", rows
            )

    def process_many(
        self, preprocessor: Preprocessor, texts: Sequence[str]
    ) -> list[PreprocessedText]:
        """``preprocessor.process_many(texts)``, reading what is cached and storing the rest."""
        texts = list(texts)
        version = preprocess_version()
        keys = [preprocess_key(text, preprocessor.settings, version) for text in texts]
        stored = self.get_many(keys)
        out: list[PreprocessedText | None] = [None] * len(texts)
        todo: dict[str, list[int]] = {}
        for index, (key, text) in enumerate(zip(keys, texts, strict=True)):
            data = stored.get(key)
            if data is not None:
                try:
                    out[index] = _from_json(text, data)
                    continue
                except (ValueError, TypeError, KeyError, IndexError, AttributeError):
                    pass  # corrupt or from an incompatible writer: recompute and overwrite
            todo.setdefault(key, []).append(index)
        if todo:
            todo_keys = list(todo)
            fresh = preprocessor.process_many([texts[todo[key][0]] for key in todo_keys])
            self.put_many(dict(zip(todo_keys, fresh, strict=True)))
            for key, document in zip(todo_keys, fresh, strict=True):
                for index in todo[key]:
                    out[index] = document
        return [document for document in out if document is not None]

    def __len__(self) -> int:
        return int(self._connection.execute("SELECT COUNT(*) FROM documents").fetchone()[0])

    def close(self) -> None:
        self._connection.close()
