"""One error type for service code, rendered as the JSON error body of the API contract."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException


class ServiceError(Exception):
    """A rule was broken; `status` and `code` say how, `message` says it to a person."""

    status: ClassVar[int] = 400
    code: ClassVar[str] = "bad_request"

    def __init__(
        self, message: str, *, details: Any = None, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.details = details
        # Extra response headers the answer needs to be usable (Retry-After on a 429).
        self.headers = dict(headers or {})

    def body(self) -> dict[str, Any]:
        """The JSON error body."""
        return error_body(self.code, self.message, self.details)

    def response(self) -> JSONResponse:
        """The error as the HTTP answer: its status and JSON body."""
        return JSONResponse(self.body(), status_code=self.status, headers=self.headers or None)


class BadRequest(ServiceError):
    """The request is malformed in a way no field check catches."""

    status = 400
    code = "bad_request"


class Unauthorized(ServiceError):
    """No valid credentials: a missing, unknown, expired or revoked token or session."""

    status = 401
    code = "unauthorized"


class Forbidden(ServiceError):
    """The caller is known but may not do this (another producer's product, another park)."""

    status = 403
    code = "forbidden"


class NotFound(ServiceError):
    """No such resource, or one the caller may not know exists."""

    status = 404
    code = "not_found"


class Conflict(ServiceError):
    """The resource's current state forbids this (out of stock, wrong status, reused key)."""

    status = 409
    code = "conflict"


class PayloadTooLarge(ServiceError):
    """The request body is larger than the server accepts."""

    status = 413
    code = "payload_too_large"


class Unprocessable(ServiceError):
    """A field is missing, out of range or refers to nothing."""

    status = 422
    code = "invalid"


class TooManyRequests(ServiceError):
    """Too many requests from this caller; retry after the `Retry-After` seconds."""

    status = 429
    code = "too_many_requests"

    def __init__(
        self, message: str, *, retry_after: int | None = None, details: Any = None
    ) -> None:
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
        super().__init__(message, details=details, headers=headers)
        self.retry_after = retry_after


class UpstreamError(ServiceError):
    """A service techan depends on (Stripe, Meilisearch) failed or timed out."""

    status = 502
    code = "upstream_error"


class ImportRejected(Exception):
    """A file that cannot be imported; nothing of it was."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        shown = "\n".join(f"  {p}" for p in problems[:50])
        more = f"\n  … and {len(problems) - 50} more" if len(problems) > 50 else ""
        super().__init__(f"{source}: rejected, nothing imported:\n{shown}{more}")


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    """The contract's error shape: {"error": {"code", "message", "details"}}."""
    return {"error": {"code": code, "message": message, "details": details}}


def error_responses(*errors: type[ServiceError]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` entries for the errors a route can return."""
    return {e.status: {"description": e.__doc__ or e.code} for e in errors}


_HTTP_CODES = {
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    429: "too_many_requests",
}


def install_error_handlers(app: FastAPI) -> None:
    """Render every error, ours or the framework's, in the one JSON shape."""

    @app.exception_handler(ServiceError)
    async def _service_error(_: Request, exc: ServiceError) -> JSONResponse:
        return exc.response()

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        details = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg"), "type": e.get("type")}
            for e in exc.errors()
        ]
        body = error_body("invalid", "request did not validate", details)
        return JSONResponse(body, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(exc.status_code, "error")
        return JSONResponse(error_body(code, str(exc.detail)), status_code=exc.status_code)
