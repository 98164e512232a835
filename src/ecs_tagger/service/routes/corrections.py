"""`POST /v1/corrections` (only with `--allow-corrections`): a reviewer's corrected tags, appended to
the corrections store the notebooks use (:mod:`ecs_tagger.coordinators.corrections.store`).
Retraining stays offline (the review notebook, or `Tagger.train` with the corrections)."""

from __future__ import annotations

from fastapi import APIRouter

from ecs_tagger.errors import TaxonomyError
from ecs_tagger.service.problems import Problem, problem_responses
from ecs_tagger.service.routes.tagging import check_length
from ecs_tagger.service.schemas_registry import CorrectionRequest, CorrectionResponse
from ecs_tagger.service.state import ServiceState


def build(state: ServiceState) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["corrections"])

    @router.post(
        "/corrections",
        status_code=201,
        summary="Record a reviewer's corrected tags",
        responses=problem_responses(401, 413, 422, 503),
    )
    async def correct(request: CorrectionRequest) -> CorrectionResponse:
        """Append one review (one JSON line) to the corrections file and return it. The file keeps
        a fingerprint of the text, not the text. Without `old_areas`, the text is tagged now and
        its areas are recorded as the tagger's."""
        loaded = state.require_ready()
        store = state.corrections
        if store is None:
            raise Problem(503, "Not ready", "the corrections store is not open")
        check_length(request.text, state.settings.max_text_chars)
        old_areas = request.old_areas
        if old_areas is None:
            result = await state.worker.tag(request.text, evidence=False)
            old_areas = list(result.areas)
        try:
            taxonomy = loaded.tagger.taxonomy
            taxonomy.validate_codes(list(request.new_areas), "new_areas")
            taxonomy.validate_codes(list(old_areas), "old_areas")
        except TaxonomyError as error:
            raise Problem(422, "Invalid request", str(error)) from None
        # The store appends under a file lock and fsyncs: off the event loop.
        correction = await state.worker.call(
            lambda: store.record(
                request.id,
                text=request.text,
                old_areas=old_areas,
                new_areas=request.new_areas,
                reviewer=request.reviewer,
                comment=request.comment,
                action=request.action,
                model_version=state.model_version,
            )
        )
        return CorrectionResponse(**{**correction.to_dict(), "model_version": state.model_version})

    return router
