"""`POST /v1/tag` and `POST /v1/tag-batch`."""

from __future__ import annotations

from fastapi import APIRouter

from ecs_tagger.service.problems import Problem, problem_responses
from ecs_tagger.service.schemas import BatchRequest, BatchResponse, TagRequest, TagResponse
from ecs_tagger.service.state import ServiceState


def check_length(text: str, limit: int, what: str = "the text") -> None:
    """413 when `text` is longer than `limit` characters."""
    if len(text) > limit:
        raise Problem(
            413,
            "Text too long",
            f"{what} has {len(text)} characters; this service takes at most {limit} per text "
            "(title and text together)",
        )


def build(state: ServiceState) -> APIRouter:
    """The tagging operations of `state`'s service."""
    router = APIRouter(prefix="/v1", tags=["tagging"])
    settings = state.settings

    @router.post(
        "/tag",
        summary="Tag one text",
        responses=problem_responses(401, 413, 422, 503),
    )
    async def tag(request: TagRequest) -> TagResponse:
        """The areas of one text with their scores and, unless `evidence` is false, the evidence
        sentences and terms of each: the same values as `Tagger.tag` gives for it.

        Concurrent requests are tagged together (micro-batching). 413 when the text is longer
        than `max_text_chars`; 503 with Retry-After while the model loads or the queue is full.
        """
        state.require_ready()
        text = request.full_text()
        check_length(text, settings.max_text_chars)
        result = await state.worker.tag(text, evidence=request.evidence)
        return TagResponse.of(result, request.id, request.evidence)

    @router.post(
        "/tag-batch",
        summary="Tag many documents",
        responses=problem_responses(401, 413, 422, 503),
    )
    async def tag_batch(request: BatchRequest) -> BatchResponse:
        """Tag up to `max_batch_documents` (256) documents in one call; one result per document,
        in input order, each with its id. Texts too short to tell their language are read in the
        language of most documents of the batch, as when a file is tagged. 413 over the limit."""
        loaded = state.require_ready()
        documents = request.documents
        if len(documents) > settings.max_batch_documents:
            raise Problem(
                413,
                "Too many documents",
                f"{len(documents)} documents sent; this service takes at most "
                f"{settings.max_batch_documents} per request: split them into several requests",
            )
        texts = [document.full_text() for document in documents]
        for number, text in enumerate(texts):
            check_length(text, settings.max_text_chars, f"documents[{number}]")
        if not texts:
            return BatchResponse(results=[], model_version=state.model_version)
        evidence = request.evidence
        results = await state.worker.call(
            lambda: loaded.tagger.tag_many(texts, evidence=evidence), weight=len(texts)
        )
        return BatchResponse(
            results=[
                TagResponse.of(result, document.id, evidence)
                for result, document in zip(results, documents, strict=True)
            ],
            model_version=state.model_version,
        )

    return router
