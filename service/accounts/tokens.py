"""Opaque bearer tokens: random, shown once, stored only as a hash, presented in a header."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from starlette.requests import HTTPConnection

TOKEN_PREFIX = "tk_"


def new_token() -> str:
    """A fresh bearer token (256 random bits)."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """The stored form of a token. Tokens carry 256 random bits, so a fast hash is enough."""
    return hashlib.sha256(token.encode()).hexdigest()


def token_matches(token: str, stored_hash: str) -> bool:
    """Compare a presented token with a stored hash in constant time."""
    return hmac.compare_digest(hash_token(token), stored_hash)


def bearer_token(request: HTTPConnection) -> str | None:
    """The token of the request's `Authorization: Bearer <token>` header; None without one.

    The one place techan reads a bearer header: the scheme is case-insensitive, another scheme
    (Basic …) or an empty token is no bearer token at all.
    """
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None
