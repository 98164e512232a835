"""What a service process is started with: the model, the index, the API key and the limits.

The settings travel to every worker process of ``ecs-tagger serve --workers N`` as JSON in the
environment variable :data:`SETTINGS_ENV` (the API key by its file, never by value).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

#: Environment variable holding the JSON of a :class:`ServiceSettings` for worker processes.
SETTINGS_ENV = "ECS_TAGGER_SERVICE_SETTINGS"

#: Documents in one `POST /v1/tag-batch` request, at most (Annif's batch endpoint takes 32).
MAX_BATCH_DOCUMENTS = 256
#: Characters of one text, at most: the tagger's own cut-off (PreprocessSettings.max_chars).
MAX_TEXT_CHARS = 100_000
#: Bytes of one request body, at most.
MAX_BODY_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class ServiceSettings:
    """How one service process runs.

    `model`: model folder (None: the default model, see :func:`ecs_tagger.config.default_model_dir`);
    `index`: registry index folder (None: no similarity endpoints); `api_key_file`: a file whose
    first line is the API key every request but `/v1/health` and `/v1/ready` must carry (None:
    open); `allow_corrections` enables `POST /v1/corrections`, appending to `corrections` (None:
    :func:`ecs_tagger.coordinators.corrections.store.default_corrections_path`).

    Limits: `max_batch_documents` per batch request (more: 413), `max_text_chars` per text (more:
    413), `max_body_bytes` per request body (more: 413); `queue_texts` texts may wait for the model
    at once (more: 503 with Retry-After). Micro-batching: single texts arriving together are tagged
    in one `tag_many` call of at most `micro_batch_texts` texts, the worker waiting at most
    `batch_wait_ms` milliseconds for more once it has seen concurrent requests. `torch_threads`:
    threads of the encoder (None: torch's default, all cores). `warm_up` tags two short texts
    before the service reports ready, so that the first request does not pay for loading.
    """

    model: Path | None = None
    index: Path | None = None
    api_key_file: Path | None = None
    allow_corrections: bool = False
    corrections: Path | None = None
    max_batch_documents: int = MAX_BATCH_DOCUMENTS
    max_text_chars: int = MAX_TEXT_CHARS
    max_body_bytes: int = MAX_BODY_BYTES
    queue_texts: int = 1024
    micro_batch_texts: int = 32
    batch_wait_ms: float = 5.0
    torch_threads: int | None = None
    warm_up: bool = True

    def __post_init__(self) -> None:
        for name in ("max_batch_documents", "max_text_chars", "max_body_bytes", "queue_texts"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, not {getattr(self, name)}")
        if self.micro_batch_texts < 1:
            raise ValueError(f"micro_batch_texts must be at least 1, not {self.micro_batch_texts}")
        if self.queue_texts < self.max_batch_documents:
            raise ValueError(
                f"queue_texts ({self.queue_texts}) must be at least max_batch_documents "
                f"({self.max_batch_documents}), or a full batch could never be queued"
            )
        if self.batch_wait_ms < 0:
            raise ValueError(f"batch_wait_ms must not be negative, not {self.batch_wait_ms}")

    def to_json(self) -> str:
        data = {k: str(v) if isinstance(v, Path) else v for k, v in asdict(self).items()}
        return json.dumps(data)

    @classmethod
    def from_json(cls, text: str) -> ServiceSettings:
        data: dict[str, Any] = json.loads(text)
        paths = {"model", "index", "api_key_file", "corrections"}
        known = {f.name for f in fields(cls)}
        values: dict[str, Any] = {
            k: (Path(v) if k in paths and v is not None else v)
            for k, v in data.items()
            if k in known
        }
        return cls(**values)

    @classmethod
    def from_environment(cls) -> ServiceSettings:
        """The settings in :data:`SETTINGS_ENV` (the defaults when it is not set)."""
        text = os.environ.get(SETTINGS_ENV)
        return cls.from_json(text) if text else cls()
