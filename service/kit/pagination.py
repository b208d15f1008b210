"""Opaque cursors for list endpoints that page by row id."""

from __future__ import annotations

import base64
import binascii

from service.kit.errors import Unprocessable

MAX_PAGE_SIZE = 100  # the largest `limit` a list endpoint accepts (more is 422)


def encode_cursor(kind: str, last_id: int) -> str:
    """An opaque cursor pointing past row LAST_ID of a list of KIND (a one-letter tag)."""
    return base64.urlsafe_b64encode(f"{kind}:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(kind: str, cursor: str) -> int:
    """The row id a cursor of KIND points past; 422 for a cursor we did not issue."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, _, value = raw.partition(":")
        if prefix != kind:
            raise ValueError(raw)
        return int(value)
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise Unprocessable("invalid cursor", details={"field": "cursor"}) from exc
