"""`ecs-tagger serve`: the web service (FastAPI on uvicorn; see :mod:`ecs_tagger.service`)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import typer

from ecs_tagger.cli.options import FLAG, ModelOption, fail, reported


def log_config(level: str) -> dict[str, Any]:
    """uvicorn's logging set-up plus the service's loggers (one line per request)."""
    from uvicorn.config import LOGGING_CONFIG

    config: dict[str, Any] = {
        **LOGGING_CONFIG,
        "formatters": {
            **LOGGING_CONFIG["formatters"],
            "service": {"format": "%(asctime)s %(levelname)s %(message)s"},
        },
        "handlers": {
            **LOGGING_CONFIG["handlers"],
            "service": {
                "formatter": "service",
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
            },
        },
        "loggers": {
            **LOGGING_CONFIG["loggers"],
            "ecs_tagger": {"handlers": ["service"], "level": level.upper(), "propagate": False},
        },
    }
    return config


def serve(
    host: Annotated[
        str,
        typer.Option(metavar="ADDRESS", help="Address to listen on (0.0.0.0: every interface)."),
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(metavar="PORT", help="Port to listen on.")] = 8000,
    model: ModelOption = None,
    index: Annotated[
        Path | None,
        typer.Option(
            metavar="DIR",
            help="Registry index (ecs-tagger index build): adds /v1/similar, projects, regions, actors.",
        ),
    ] = None,
    api_key_file: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE",
            help="File whose first line is the API key requests must send (X-API-Key or "
            "Authorization: Bearer); /v1/health and /v1/ready stay open.",
            show_default="no key: open",
        ),
    ] = None,
    allow_corrections: Annotated[
        bool,
        typer.Option(
            "--allow-corrections",
            metavar=FLAG,
            help="Enable POST /v1/corrections (appends reviews to the corrections file).",
        ),
    ] = False,
    corrections: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE",
            help="Corrections file for --allow-corrections.",
            show_default="$ECS_TAGGER_CORRECTIONS, else corrections/corrections.jsonl",
        ),
    ] = None,
    workers: Annotated[
        int,
        typer.Option(
            metavar="N",
            min=1,
            help="Processes, each with its own model (memory × N); behind a proxy.",
        ),
    ] = 1,
    threads: Annotated[
        int | None,
        typer.Option(
            metavar="N", min=1, help="Encoder threads per process.", show_default="cores / workers"
        ),
    ] = None,
    max_batch: Annotated[
        int, typer.Option(metavar="N", min=1, help="Documents per /v1/tag-batch request, at most.")
    ] = 256,
    queue: Annotated[
        int,
        typer.Option(
            metavar="N",
            min=1,
            help="Texts that may wait for the model; more get 503 + Retry-After.",
        ),
    ] = 1024,
    root_path: Annotated[
        str,
        typer.Option(
            metavar="PATH",
            help="Path prefix a reverse proxy serves the service under, e.g. /tagger.",
        ),
    ] = "",
    forwarded_allow_ips: Annotated[
        str,
        typer.Option(
            metavar="ADDRESSES",
            help="Proxies whose X-Forwarded-* headers are trusted (comma-separated).",
        ),
    ] = "127.0.0.1",
    graceful_timeout: Annotated[
        int,
        typer.Option(
            metavar="SECONDS",
            min=1,
            help="Seconds a stopping server waits for the requests in flight.",
        ),
    ] = 30,
    log_level: Annotated[
        str, typer.Option(metavar="LEVEL", help="debug, info, warning or error.")
    ] = "info",
) -> None:
    """Start the web service: REST API under /v1 (OpenAPI at /v1/docs) and a page at /."""
    from ecs_tagger.errors import InputError, MissingDependencyError

    try:
        import uvicorn

        from ecs_tagger.service.settings import SETTINGS_ENV, ServiceSettings
    except ImportError as error:
        fail(MissingDependencyError(error.name or "fastapi", "the web service", "service"))
    from ecs_tagger.config import default_model_dir
    from ecs_tagger.model.files import read_manifest
    from ecs_tagger.service.auth import read_api_key

    with reported():  # fail now, in the user's terminal, rather than in a worker
        read_manifest(model or default_model_dir())
        if index is not None:
            from ecs_tagger.index import RegistryIndex

            if not RegistryIndex.exists(index):
                raise InputError(f"no index at {index} (build one with `ecs-tagger index build`)")
        if api_key_file is not None:
            read_api_key(api_key_file)
        settings = ServiceSettings(
            model=model,
            index=index,
            api_key_file=api_key_file,
            allow_corrections=allow_corrections,
            corrections=corrections,
            max_batch_documents=max_batch,
            queue_texts=max(queue, max_batch),
            torch_threads=threads
            or (max(1, (os.cpu_count() or 1) // workers) if workers > 1 else None),
        )
    os.environ[SETTINGS_ENV] = settings.to_json()  # read by every worker process
    typer.echo(f"ecs-tagger service on http://{host}:{port}/ (API: /v1/docs)", err=True)
    uvicorn.run(
        "ecs_tagger.service.app:create_app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_config=log_config(log_level),
        log_level=log_level,
        access_log=False,  # the service logs one line per request itself
        proxy_headers=True,
        forwarded_allow_ips=forwarded_allow_ips,
        root_path=root_path,
        timeout_graceful_shutdown=graceful_timeout,
    )
