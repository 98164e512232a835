"""The FastAPI application: :func:`create_app` assembles the routes, the API key, the error handling
and the model worker for one process.

>>> from ecs_tagger.service import ServiceSettings, create_app
>>> app = create_app(ServiceSettings(index=Path("out/index")))   # serve with uvicorn

Paths are versioned under `/v1`; the OpenAPI document is `/v1/openapi.json`, its interactive page
`/v1/docs`, the page for people `/`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from http import HTTPStatus
from typing import Any

import anyio
from fastapi import Depends, FastAPI

from ecs_tagger import __version__
from ecs_tagger.service.auth import ApiKeyCheck, read_api_key
from ecs_tagger.service.middleware import ServiceMiddleware
from ecs_tagger.service.problems import PROBLEM_JSON, ProblemModel, install_problem_handlers
from ecs_tagger.service.routes import corrections, page, registry, status, tagging
from ecs_tagger.service.settings import ServiceSettings
from ecs_tagger.service.state import Loader, ServiceState

DESCRIPTION = """Tags Swedish and English project descriptions with the four smart-specialisation
areas of East Central Sweden (food, health, energy, industry), explains each tag with evidence
sentences and terms, and, with a registry index, finds similar initiatives in other regions.

Errors are `application/problem+json`. Every response carries the model version (in the body and
the `X-Model-Version` header). With an API key, send it as `X-API-Key` or `Authorization: Bearer`.
"""

#: The first path segment of the operations that need an index.
INDEX_OPERATIONS = ("similar", "projects", "regions", "actors")


def create_app(settings: ServiceSettings | None = None, *, loader: Loader | None = None) -> FastAPI:
    """The application for `settings` (default: the default model, no index, open, no
    corrections). The model and index load in the background once the server starts
    (`/v1/ready` answers 503 until then); `loader` replaces how they are loaded (tests).

    Raises InputError when the API key file cannot be read."""
    settings = settings or ServiceSettings()
    state = ServiceState(settings, loader)
    key = read_api_key(settings.api_key_file) if settings.api_key_file is not None else None

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state.start_loading()
        yield
        # Requests in flight have finished (uvicorn waits for them); queued work is done next.
        await anyio.to_thread.run_sync(state.stop)

    app = FastAPI(
        title="ecs-tagger",
        version=__version__,
        description=DESCRIPTION,
        openapi_url="/v1/openapi.json",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.service = state
    missing = {}
    if settings.index is None:
        hint = "this service runs without an index: start it with --index DIR"
        missing.update({f"/v1/{name}": hint for name in INDEX_OPERATIONS})
    if not settings.allow_corrections:
        missing["/v1/corrections"] = (
            "start the service with --allow-corrections to take corrections"
        )
    install_problem_handlers(app, lambda: state.model_version, settings.max_body_bytes, missing)
    app.add_middleware(
        ServiceMiddleware,
        model_version=lambda: state.model_version,
        max_body_bytes=settings.max_body_bytes,
    )
    guarded = [Depends(ApiKeyCheck(key))] if key is not None else []
    app.include_router(status.probes(state))
    app.include_router(status.description(state), dependencies=guarded)
    app.include_router(tagging.build(state), dependencies=guarded)
    if settings.index is not None:
        app.include_router(registry.build(state), dependencies=guarded)
    if settings.allow_corrections:
        app.include_router(corrections.build(state), dependencies=guarded)
    page.install(app)
    _add_problem_schema(app)
    return app


def _add_problem_schema(app: FastAPI) -> None:
    """Describe every error answer as what it is: application/problem+json (ProblemModel),
    including FastAPI's own 422, which it would document as application/json."""
    from fastapi.openapi.utils import get_openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            schemas = schema.setdefault("components", {}).setdefault("schemas", {})
            schemas["ProblemModel"] = ProblemModel.model_json_schema()
            problem = {"schema": {"$ref": "#/components/schemas/ProblemModel"}}
            for operations in schema.get("paths", {}).values():
                for operation in operations.values():
                    for status, response in operation.get("responses", {}).items():
                        if status.isdigit() and int(status) >= 400:
                            response["content"] = {PROBLEM_JSON: problem}
                            response["description"] = HTTPStatus(int(status)).phrase
            for unused in ("HTTPValidationError", "ValidationError"):
                schemas.pop(unused, None)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def create_app_from_environment() -> FastAPI:
    """The application for the settings in $ECS_TAGGER_SERVICE_SETTINGS (uvicorn's factory for
    `ecs-tagger serve --workers N`)."""
    return create_app(ServiceSettings.from_environment())
