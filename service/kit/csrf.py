"""Cross-site request forgery checks for state-changing page forms.

Two independent checks, as OWASP's CSRF cheat sheet advises: the form carries the page
session's secret token (a synchronizer token, compared in constant time), and the browser's
Origin (or, lacking it, Referer) names this very site. The SameSite=Lax cookie is a third line.
"""

from __future__ import annotations

import hmac
from collections.abc import Collection
from urllib.parse import urlsplit

from fastapi import Request

from service.kit.errors import Forbidden

_DEFAULT_PORTS = {"http": 80, "https": 443}


class CsrfRejected(Forbidden):
    """A form post that did not come from techan's own page: bad CSRF token or foreign origin."""

    code = "csrf_rejected"


def csrf_token_matches(expected: str, presented: str | None) -> bool:
    """Whether the form's token is the session's, compared in constant time."""
    if not expected or not presented:
        return False
    return hmac.compare_digest(expected.encode(), presented.encode())


def normalize_origin(url: str) -> str | None:
    """`scheme://host[:port]` of URL, lower-cased, default port dropped; None if not a web URL."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:  # a malformed port or bracket
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"  # an IPv6 literal keeps its brackets
    if port is None or port == _DEFAULT_PORTS[scheme]:
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


def own_origin(request: Request) -> str | None:
    """This server's origin as the request addressed it (scheme and Host)."""
    return normalize_origin(str(request.base_url))


def origin_is_own(request: Request, *, trusted_origins: Collection[str] = ()) -> bool:
    """Whether the request says it comes from this site (or one of TRUSTED_ORIGINS).

    The Origin header decides when present; else the Referer's origin; with neither, or with the
    opaque Origin "null", the request is refused, as OWASP advises for state changes.
    """
    header = request.headers.get("origin")
    if header == "null":  # sandboxed frames, cross-site redirects: nothing to vouch for
        return False
    if header is None:
        header = request.headers.get("referer")
    if not header:
        return False
    claimed = normalize_origin(header)
    if claimed is None:
        return False
    allowed = {own_origin(request)} | {normalize_origin(o) for o in trusted_origins}
    return claimed in allowed


def check_form_post(
    request: Request,
    *,
    expected_token: str,
    presented_token: str | None,
    trusted_origins: Collection[str] = (),
) -> None:
    """403 (`csrf_rejected`) unless the post comes from this site and carries the right token."""
    if not origin_is_own(request, trusted_origins=trusted_origins):
        raise CsrfRejected("this form was not posted from techan's own page")
    if not csrf_token_matches(expected_token, presented_token):
        raise CsrfRejected("the form's security token is missing or out of date; reload the page")
