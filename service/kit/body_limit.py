"""A cap on request bodies, announced (Content-Length) or streamed (chunked), answered as JSON.

A plain ASGI middleware rather than `@app.middleware("http")`: Starlette's BaseHTTPMiddleware
runs every request through an extra task and memory streams (measured: most of a millisecond
per request on these machines). Starlette's own RequestBodyLimitMiddleware answers in plain
text when the endpoint never reads the body; the contract wants the JSON error shape.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.kit.errors import PayloadTooLarge


class BodyLimit:
    """Refuse request bodies over MAX_BYTES with 413 before the endpoint sees them."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.error = PayloadTooLarge(f"request body over {max_bytes} bytes")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = Headers(scope=scope).get("content-length")
        if length is not None and length.isdigit() and int(length) > self.max_bytes:
            await self.error.response()(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            # A chunked body announces no length: count it as it arrives. Raised where the
            # endpoint reads its body, before any of the response is sent; FastAPI lets an
            # HTTPException through its body parsing (anything else becomes a 400) and the
            # app's handler renders it in the contract's shape.
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise HTTPException(self.error.status, self.error.message)
            return message

        await self.app(scope, counted, send)
