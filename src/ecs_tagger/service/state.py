"""What one service process holds: its settings, the model and index once loaded (in a background
thread, so that `/v1/health` answers and `/v1/ready` says 503 while they load), the model worker,
and the corrections store.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ecs_tagger.service.batching import ModelWorker
from ecs_tagger.service.problems import Problem
from ecs_tagger.service.settings import ServiceSettings

if TYPE_CHECKING:
    from ecs_tagger.coordinators.corrections.store import CorrectionStore
    from ecs_tagger.index import RegistryIndex
    from ecs_tagger.tagger import Tagger

LOG = logging.getLogger("ecs_tagger.service")

#: Tagged once before the service says it is ready (loads the encoder and both spaCy pipelines).
WARM_UP_TEXTS = (
    "Projektet bygger biogasanläggningar på mjölkgårdar och utvecklar digital vård i hemmet.",
    "The project builds biogas plants on dairy farms and develops digital care at home.",
)


@dataclass
class Loaded:
    """The model, and the index when the service has one."""

    tagger: Tagger
    index: RegistryIndex | None = None


#: Loads what a service needs from its settings (tests pass their own).
Loader = Callable[[ServiceSettings], Loaded]


def load_models(settings: ServiceSettings) -> Loaded:
    """Load the tagger (without the on-disk caches: the texts sent are not kept), the encoder's
    weights and the index (attached to the tagger's encoder); then warm them up."""
    from ecs_tagger.tagger import Tagger

    if settings.torch_threads:
        import torch

        torch.set_num_threads(settings.torch_threads)
    tagger = Tagger.load(settings.model, use_cache=False)
    tagger.embedder.model  # noqa: B018  (loads the weights now)
    index = None
    if settings.index is not None:
        from ecs_tagger.index import RegistryIndex

        index = RegistryIndex.load(settings.index)
        index.attach(tagger)
        if index.model_version != tagger.model_version:
            LOG.warning(
                "the index was tagged by model %s, the service runs %s: the tags of indexed "
                "projects are the index's",
                index.model_version,
                tagger.model_version,
            )
    if settings.warm_up:
        for text in WARM_UP_TEXTS:
            tagger.tag(text, evidence=True)
        if index is not None and len(index):
            from ecs_tagger.regional.similarity import similar

            similar(index, WARM_UP_TEXTS[0], k=1, by="text")
    return Loaded(tagger, index)


class ServiceState:
    """The service's models, worker and stores (see the module)."""

    def __init__(self, settings: ServiceSettings, loader: Loader | None = None) -> None:
        self.settings = settings
        self.loader = loader or load_models
        self.started = time.monotonic()
        self.loaded: Loaded | None = None
        self.error: str | None = None
        self.seconds_to_ready: float | None = None
        self.corrections: CorrectionStore | None = None
        self.manifest = self._read_manifest()
        self.worker = ModelWorker(
            capacity=settings.queue_texts,
            max_batch=settings.micro_batch_texts,
            wait_s=settings.batch_wait_ms / 1000,
        )
        self._thread: threading.Thread | None = None

    def _read_manifest(self) -> dict[str, Any]:
        """The model's manifest (its version is known at once, before the model loads)."""
        from ecs_tagger.config import default_model_dir
        from ecs_tagger.errors import EcsTaggerError
        from ecs_tagger.model.files import read_manifest

        try:
            return read_manifest(self.settings.model or default_model_dir())
        except (EcsTaggerError, OSError, ValueError):
            return {}

    @property
    def model_version(self) -> str:
        if self.loaded is not None:
            return self.loaded.tagger.model_version
        return str(self.manifest.get("model_version", ""))

    # -- loading ---------------------------------------------------------------------------------
    def start_loading(self) -> None:
        """Load the models in a background thread; `ready` turns true when done."""
        self._thread = threading.Thread(target=self._load, name="ecs-tagger-load", daemon=True)
        self._thread.start()

    def _load(self) -> None:
        try:
            loaded = self.loader(self.settings)
            if self.settings.allow_corrections:
                from ecs_tagger.coordinators.corrections.store import CorrectionStore

                self.corrections = CorrectionStore(
                    self.settings.corrections, taxonomy=loaded.tagger.taxonomy
                )
            self.manifest = loaded.tagger.manifest
            self.worker.start(loaded.tagger)
        except Exception as error:  # reported by /v1/ready; the process stays up to say so
            self.error = f"{type(error).__name__}: {error}"
            LOG.error("loading failed: %s", self.error)
            return
        self.seconds_to_ready = round(time.monotonic() - self.started, 2)
        self.loaded = loaded
        LOG.info(
            "ready in %.1f s: model %s%s",
            self.seconds_to_ready,
            loaded.tagger.model_version,
            f", index of {len(loaded.index)} projects" if loaded.index is not None else "",
        )

    @property
    def ready(self) -> bool:
        return self.loaded is not None

    def require_ready(self) -> Loaded:
        """The loaded models, or a 503 problem saying why there are none yet."""
        if self.loaded is not None:
            return self.loaded
        if self.error is not None:
            raise Problem(503, "Not ready", f"loading the model failed: {self.error}")
        waited = time.monotonic() - self.started
        raise Problem(
            503,
            "Not ready",
            f"the model is loading (for {waited:.0f} s so far); try again shortly",
            headers={"Retry-After": "5"},
        )

    def require_index(self) -> RegistryIndex:
        index = self.require_ready().index
        if index is None:
            raise Problem(
                404, "No index", "this service was started without an index (--index DIR)"
            )
        return index

    def stop(self) -> None:
        """Finish the queued model work and stop the worker (at shutdown)."""
        self.worker.stop()
