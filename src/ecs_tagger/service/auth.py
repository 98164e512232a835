"""The optional API key: read from a file, sent as `X-API-Key: KEY` or `Authorization: Bearer KEY`,
compared in constant time (:func:`hmac.compare_digest`).

Without a key file the service is open. With one, every operation but `/v1/health` and
`/v1/ready` (probes of load balancers and orchestrators) needs the key; a request without it, or
with another, gets 401 with a `WWW-Authenticate` header. The page (`/`), its files and the API's
description stay readable, and the page asks for the key when the API answers 401.
"""

from __future__ import annotations

import hmac
from pathlib import Path
from typing import Annotated

from fastapi import Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from ecs_tagger.errors import InputError
from ecs_tagger.service.problems import Problem

API_KEY_HEADER = "X-API-Key"
_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="ecs-tagger"'}
#: Shortest key accepted from a key file.
MIN_KEY_CHARS = 16

_header = APIKeyHeader(
    name=API_KEY_HEADER, auto_error=False, description="The API key (or send it as a Bearer token)."
)
_bearer = HTTPBearer(auto_error=False, description="The API key as a Bearer token.")


def read_api_key(path: Path) -> str:
    """The key in the first line of `path` (InputError when missing, empty or too short)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise InputError(f"cannot read the API key file {path}: {error.strerror}") from None
    key = lines[0].strip() if lines else ""
    if len(key) < MIN_KEY_CHARS:
        raise InputError(
            f"the API key in {path} is {'empty' if not key else 'too short'}: write a key of at "
            f"least {MIN_KEY_CHARS} characters on its first line (e.g. `openssl rand -hex 32`)"
        )
    return key


class ApiKeyCheck:
    """A FastAPI dependency that lets a request pass only with `key`."""

    def __init__(self, key: str) -> None:
        self._key = key.encode("utf-8")

    async def __call__(
        self,
        header: Annotated[str | None, Security(_header)] = None,
        bearer: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)] = None,
    ) -> None:
        given = header if header is not None else (bearer.credentials if bearer else None)
        if not given:
            raise Problem(
                401,
                "API key missing",
                f"this service needs an API key: send it as {API_KEY_HEADER}: KEY or "
                "Authorization: Bearer KEY",
                headers=_CHALLENGE,
            )
        if not hmac.compare_digest(given.encode("utf-8", "surrogateescape"), self._key):
            raise Problem(
                401,
                "API key not accepted",
                "the API key sent is not this service's key",
                headers=_CHALLENGE,
            )
