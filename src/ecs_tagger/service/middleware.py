"""The service's outer layer (plain ASGI): one log line per request, the model version on every
response, the request body limit (413), and a problem+json 500 instead of a traceback for anything
unexpected.

The body limit is checked here, before FastAPI reads a body: a request whose Content-Length is over
the limit is answered at once without reading it; a body sent in chunks is counted as it arrives
and stopped at the limit.

The log line is ``METHOD PATH STATUS MILLISECONDS ms``: the path without its query string, never a
body (texts stay out of the logs).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable

from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ecs_tagger.service.problems import PROBLEM_JSON

LOG = logging.getLogger("ecs_tagger.service")
ACCESS = logging.getLogger("ecs_tagger.service.access")
MODEL_VERSION_HEADER = "X-Model-Version"


class ServiceMiddleware:
    """See the module. `model_version` gives the version to send (empty: none yet);
    `max_body_bytes`: the largest request body taken."""

    def __init__(self, app: ASGIApp, model_version: Callable[[], str], max_body_bytes: int) -> None:
        self.app = app
        self.model_version = model_version
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 0

        async def send_with_version(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                version = self.model_version()
                if version:
                    MutableHeaders(scope=message).append(MODEL_VERSION_HEADER, version)
            await send(message)

        received = 0

        async def receive_within_limit() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise HTTPException(413)  # FastAPI passes it to the problem handlers
            return message

        try:
            length = Headers(scope=scope).get("content-length", "")
            if length.isdigit() and int(length) > self.max_body_bytes:
                status = 413
                await self._problem(send, 413, "Request too large", self._too_large())
                return
            await self.app(scope, receive_within_limit, send_with_version)
        except Exception:
            LOG.exception("%s %s failed", scope.get("method"), scope.get("path"))
            if status:  # the response had started: nothing more can be sent
                raise
            status = 500
            await self._problem(
                send,
                500,
                "Internal error",
                "the service failed on this request; the error is in the service's log",
            )
        finally:
            elapsed = (time.perf_counter() - started) * 1000
            ACCESS.info("%s %s %d %.1f ms", scope.get("method"), scope.get("path"), status, elapsed)

    def _too_large(self) -> str:
        return f"the request body is larger than this service takes ({self.max_body_bytes} bytes)"

    async def _problem(self, send: Send, status: int, title: str, detail: str) -> None:
        version = self.model_version()
        body = json.dumps(
            {
                "type": "about:blank",
                "title": title,
                "status": status,
                "detail": detail,
                "model_version": version,
            }
        ).encode("utf-8")
        headers = [
            (b"content-type", PROBLEM_JSON.encode()),
            (b"content-length", str(len(body)).encode()),
        ]
        if version:
            headers.append((MODEL_VERSION_HEADER.lower().encode(), version.encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
