"""The web service: a REST door to the tagger and the registry index (FastAPI on uvicorn), with an
OpenAPI description, and a page for people without Python.

:mod:`~ecs_tagger.service.app`        `create_app(settings)`: the FastAPI application of one process
:mod:`~ecs_tagger.service.settings`   `ServiceSettings`: model, index, API key, limits
:mod:`~ecs_tagger.service.state`      the loaded model and index, loading in the background
:mod:`~ecs_tagger.service.batching`   the model worker: bounded queue and micro-batching
:mod:`~ecs_tagger.service.schemas`    JSON shapes of tagging and status (`schemas_registry`: the index's)
:mod:`~ecs_tagger.service.problems`   errors as application/problem+json
:mod:`~ecs_tagger.service.auth`       the optional API key
:mod:`~ecs_tagger.service.middleware` the request log line, X-Model-Version, last-resort 500
:mod:`~ecs_tagger.service.routes`     the operations, and the page (`page/`: HTML, JS, CSS)

The service imports the library; the library never imports the service. Start it with
``ecs-tagger serve`` (:mod:`ecs_tagger.cli.serve`).
"""

from ecs_tagger.service.app import create_app
from ecs_tagger.service.settings import ServiceSettings

__all__ = ["ServiceSettings", "create_app"]
