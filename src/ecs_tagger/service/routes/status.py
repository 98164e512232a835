"""`GET /v1/health`, `/v1/ready` (open to probes), `/v1/info` and `/v1/areas`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from ecs_tagger.service.problems import problem_responses
from ecs_tagger.service.schemas import (
    AreaOut,
    AreasResponse,
    HealthResponse,
    InfoResponse,
    Limits,
    ReadyResponse,
    describe_cross_validation,
)
from ecs_tagger.service.state import ServiceState


def probes(state: ServiceState) -> APIRouter:
    """Health and readiness: never behind the API key."""
    router = APIRouter(prefix="/v1", tags=["status"])

    @router.get("/health", summary="The process answers")
    async def health() -> HealthResponse:
        """Always 200 while the process runs (loading or not)."""
        return HealthResponse(status="ok", model_version=state.model_version)

    @router.get("/ready", summary="The model is loaded", responses=problem_responses(503))
    async def ready() -> ReadyResponse:
        """200 once the model (and the index) are loaded and warmed up; 503 with Retry-After
        before, and 503 naming the error when loading failed."""
        state.require_ready()
        return ReadyResponse(
            ready=True,
            model_version=state.model_version,
            seconds_to_ready=state.seconds_to_ready or 0.0,
            queued_texts=state.worker.pending,
        )

    return router


def description(state: ServiceState) -> APIRouter:
    """What the service runs."""
    router = APIRouter(prefix="/v1", tags=["status"])

    @router.get(
        "/info",
        summary="Versions, taxonomy, encoder, metrics",
        responses=problem_responses(401, 503),
    )
    async def info() -> InfoResponse:
        """The ecs-tagger and model versions, the taxonomy, the encoder's identity, the model
        card's cross-validated figures, the index (when loaded) and the service's limits."""
        from ecs_tagger import __version__

        loaded = state.require_ready()
        tagger = loaded.tagger
        manifest = tagger.manifest
        taxonomy = tagger.taxonomy
        settings = state.settings
        index: dict[str, Any] | None = None
        if loaded.index is not None:
            index = {
                "projects": len(loaded.index),
                "regions": len(loaded.index.regions()),
                "model_version": loaded.index.model_version,
                "updated": loaded.index.manifest.get("updated", ""),
            }
        return InfoResponse(
            ecs_tagger_version=__version__,
            model_version=tagger.model_version,
            model_name=str(manifest.get("name", "")),
            model_created=str(manifest.get("created", "")),
            taxonomy={
                "name": taxonomy.name,
                "version": taxonomy.version,
                "region": taxonomy.region,
                "codes": list(taxonomy.codes),
            },
            encoder={
                "model": tagger.embedder.settings.model,
                "model_id": tagger.embedder.model_id,
                "precision": tagger.embedder.precision,
                "trained_on": manifest.get("embedding_model_id", ""),
            },
            thresholds={
                code: float(value)
                for code, value in zip(taxonomy.codes, tagger.classifier.thresholds_, strict=True)
            },
            cross_validation=describe_cross_validation(manifest),
            index=index,
            limits=Limits(
                max_batch_documents=settings.max_batch_documents,
                max_text_chars=settings.max_text_chars,
                max_body_bytes=settings.max_body_bytes,
                queue_texts=settings.queue_texts,
            ),
            corrections=settings.allow_corrections,
            api_key=settings.api_key_file is not None,
        )

    @router.get("/areas", summary="The areas", responses=problem_responses(401, 503))
    async def areas() -> AreasResponse:
        """Every area of the model's taxonomy: code, Swedish and English names and descriptions."""
        taxonomy = state.require_ready().tagger.taxonomy
        return AreasResponse(
            taxonomy=taxonomy.name,
            areas=[
                AreaOut(
                    code=area.code,
                    name_sv=area.name_sv,
                    name_en=area.name_en,
                    description_sv=area.description_sv,
                    description_en=area.description_en,
                )
                for area in taxonomy
            ],
            model_version=state.model_version,
        )

    return router
