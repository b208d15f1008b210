"""`/docs`: Swagger UI served from a PyPI package of its assets, so it works with no network."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

INIT_SCRIPT = Path(__file__).resolve().parent / "static" / "docs-init.js"
DOCS_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>techan API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/docs/assets/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script></body></html>
"""


def install_docs(app: FastAPI) -> None:
    """Serve the OpenAPI explorer at /docs from local files (the app has docs_url=None)."""
    app.mount("/docs/assets", StaticFiles(directory=swagger_ui_path), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return HTMLResponse(DOCS_PAGE)

    @app.get("/docs/init.js", include_in_schema=False)
    async def docs_init() -> FileResponse:
        return FileResponse(INIT_SCRIPT, media_type="text/javascript")
