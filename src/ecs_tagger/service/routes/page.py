"""The page for people (`GET /`, its files under `/page/`) and the API's interactive documentation
(`/v1/docs`), all served from package data: neither loads anything from the internet.

The documentation page uses the Swagger UI files that the package `fastapi-offline` ships.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

PAGE_FILES = Path(str(resources.files("ecs_tagger.service") / "page"))
DOCS_STATIC = "/v1/docs-files"
#: The page's security headers: nothing from elsewhere, no framing.
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def _swagger_files() -> Path | None:
    try:
        import fastapi_offline
    except ImportError:
        return None
    folder = Path(fastapi_offline.__file__).parent / "static"
    return folder if (folder / "swagger-ui-bundle.js").is_file() else None


def install(app: FastAPI) -> None:
    """Add the page and the documentation to `app`."""
    index_html = (PAGE_FILES / "index.html").read_text(encoding="utf-8")

    @app.get("/", include_in_schema=False)
    async def page() -> HTMLResponse:
        return HTMLResponse(index_html, headers=PAGE_HEADERS)

    app.mount("/page", StaticFiles(directory=PAGE_FILES), name="page")

    swagger = _swagger_files()

    @app.get("/v1/docs", include_in_schema=False)
    async def docs(request: Request) -> Response:
        root = request.scope.get("root_path", "")
        if swagger is None:  # the CDN would be needed: say how to get the files instead
            return HTMLResponse(
                "<p>The interactive documentation needs the package fastapi-offline "
                "(pip install fastapi-offline); the API's description is at "
                f'<a href="{root}/v1/openapi.json">/v1/openapi.json</a>.</p>'
            )
        return get_swagger_ui_html(
            openapi_url=f"{root}{app.openapi_url}",
            title="ecs-tagger API",
            swagger_js_url=f"{root}{DOCS_STATIC}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{DOCS_STATIC}/swagger-ui.css",
            swagger_favicon_url=f"{root}{DOCS_STATIC}/favicon.png",
        )

    if swagger is not None:
        app.mount(DOCS_STATIC, StaticFiles(directory=swagger), name="docs-files")
