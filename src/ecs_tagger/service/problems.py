"""Errors as RFC 9457 problem details (`application/problem+json`): a title, the status, a detail
that says what to do, and the model version; never a traceback, never the text sent.

>>> raise Problem(404, "Unknown project", "id 'X-1' is not in the index")

Every error the service answers passes through :func:`install_problem_handlers`: FastAPI's
validation errors (422, with the place and message of each error but not the value sent),
HTTP errors of the framework (404, 405, 413 from the body limit), the library's own errors
(:class:`ecs_tagger.errors.InputError` → 422, other :class:`~ecs_tagger.errors.EcsTaggerError` →
500 with its message) and a full queue (503 with Retry-After). Anything unexpected becomes a 500
with a fixed detail in :mod:`ecs_tagger.service.middleware` (the traceback goes to the log only).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from ecs_tagger.errors import EcsTaggerError, InputError
from ecs_tagger.service.batching import QueueFull, WorkerStopped

PROBLEM_JSON = "application/problem+json"
LOG = logging.getLogger("ecs_tagger.service")


class ProblemModel(BaseModel):
    """An error (RFC 9457 problem details)."""

    type: str = Field("about:blank", description="A URI naming the kind of problem.")
    title: str = Field(description="A short summary of the kind of problem.")
    status: int = Field(description="The HTTP status code.")
    detail: str = Field(description="What went wrong with this request, and what to do.")
    model_version: str = Field("", description="The model this service runs.")
    errors: list[dict[str, Any]] | None = Field(
        None, description="Validation errors (422 only): where (`loc`) and what (`msg`)."
    )


class Problem(Exception):
    """An error to answer as problem+json: `status`, `title`, `detail`, extra `headers`."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str,
        *,
        headers: dict[str, str] | None = None,
        errors: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.title = title
        self.detail = detail
        self.headers = headers or {}
        self.errors = errors


def problem_response(
    status: int,
    title: str,
    detail: str,
    model_version: str,
    *,
    headers: dict[str, str] | None = None,
    errors: list[dict[str, Any]] | None = None,
) -> JSONResponse:
    """The problem+json response (`errors` only when given)."""
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        "model_version": model_version,
    }
    if errors is not None:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_JSON)


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries for the given error statuses (documented as problem+json by
    :func:`ecs_tagger.service.app.create_app`, which rewrites every error response)."""
    return {
        status: {"model": ProblemModel, "description": HTTPStatus(status).phrase}
        for status in statuses
    }


def _validation_errors(error: RequestValidationError) -> tuple[str, list[dict[str, Any]]]:
    """A one-line detail and the error list, without the values sent (they may be texts)."""
    listed = []
    for item in error.errors():
        where = [str(part) for part in item.get("loc", ()) if part != "body"]
        message = str(item.get("msg", "invalid"))
        if item.get("type") == "json_invalid":
            context = item.get("ctx") or {}
            at = f" at character {where[0]}" if where else ""
            message = f"the body is not valid JSON{at}: {context.get('error', 'cannot parse it')}"
            where = []
        listed.append({"loc": where, "msg": message, "type": str(item.get("type", ""))})
    first = listed[0] if listed else {"loc": [], "msg": "invalid request"}
    place = ".".join(first["loc"])
    detail = f"{place}: {first['msg']}" if place else str(first["msg"])
    if len(listed) > 1:
        detail += f" (and {len(listed) - 1} more)"
    return detail, listed


def install_problem_handlers(
    app: FastAPI,
    model_version: Callable[[], str],
    max_body_bytes: int,
    missing: dict[str, str] | None = None,
) -> None:
    """Answer every error of `app` as problem+json carrying `model_version()`. `missing` maps a
    path prefix of operations this service was started without to how to enable them (added to
    the 404's detail)."""

    async def on_problem(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, Problem)
        return problem_response(
            error.status,
            error.title,
            error.detail,
            model_version(),
            headers=error.headers,
            errors=error.errors,
        )

    async def on_validation(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, RequestValidationError)
        detail, listed = _validation_errors(error)
        return problem_response(422, "Invalid request", detail, model_version(), errors=listed)

    async def on_http(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, StarletteHTTPException)
        status = error.status_code
        title = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
        detail = str(error.detail) if error.detail else title
        if status == 400 and detail == "There was an error parsing the body":
            # FastAPI's answer to a body it cannot decode (not UTF-8): bad JSON like any other.
            return problem_response(
                422,
                "Invalid request",
                "the body is not valid JSON (it is not UTF-8 text)",
                model_version(),
                errors=[{"loc": [], "msg": "not UTF-8 text", "type": "json_invalid"}],
            )
        if status == 413:
            title = "Request too large"
            detail = f"the request body is larger than this service takes ({max_body_bytes} bytes)"
        elif status == 404 and detail == "Not Found":
            detail = f"no such endpoint: {request.method} {request.url.path}"
            path = request.url.path
            for prefix, hint in (missing or {}).items():
                if path == prefix or path.startswith(prefix + "/"):
                    detail += f" ({hint})"
                    break
        elif status == 405:
            detail = f"{request.method} is not allowed on {request.url.path}"
        return problem_response(
            status, title, detail, model_version(), headers=dict(error.headers or {})
        )

    async def on_queue_full(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, QueueFull)
        return problem_response(
            503,
            "Busy",
            str(error),
            model_version(),
            headers={"Retry-After": str(error.retry_after)},
        )

    async def on_stopped(request: Request, error: Exception) -> JSONResponse:
        return problem_response(
            503, "Shutting down", str(error), model_version(), headers={"Retry-After": "5"}
        )

    async def on_library(request: Request, error: Exception) -> JSONResponse:
        if isinstance(error, InputError):
            return problem_response(422, "Invalid request", str(error), model_version())
        LOG.error("%s %s failed: %s", request.method, request.url.path, error)
        return problem_response(500, "Model error", str(error), model_version())

    app.add_exception_handler(Problem, on_problem)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(QueueFull, on_queue_full)
    app.add_exception_handler(WorkerStopped, on_stopped)
    app.add_exception_handler(EcsTaggerError, on_library)
