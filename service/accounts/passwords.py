"""Password hashes: argon2id through argon2-cffi, never a home-made scheme."""

from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from service.kit.errors import Unprocessable

# argon2-cffi's defaults follow RFC 9106's second recommended profile (argon2id, 64 MiB, t=3);
# raising them later makes `needs_rehash` true, and the next sign-in upgrades the stored hash.
_hasher = PasswordHasher()

MIN_PASSWORD_LENGTH = 10
# A bound on work per sign-in attempt: argon2 of a megabyte-long "password" is a cheap DoS.
MAX_PASSWORD_LENGTH = 256


def check_password_rules(password: str) -> None:
    """422 unless PASSWORD is long enough to resist guessing and short enough to hash."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Unprocessable(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise Unprocessable(f"a password has at most {MAX_PASSWORD_LENGTH} characters")


def hash_password(password: str) -> str:
    """The stored form of PASSWORD: an argon2id hash with its own random salt."""
    return _hasher.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    """Whether PASSWORD matches STORED_HASH; a malformed hash is simply no match."""
    if len(password) > MAX_PASSWORD_LENGTH:
        return False
    try:
        return _hasher.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """Whether STORED_HASH was made with weaker parameters than today's."""
    return _hasher.check_needs_rehash(stored_hash)


@lru_cache(maxsize=1)
def dummy_hash() -> str:
    """A hash to verify against when the login is unknown.

    A wrong login then takes as long as a wrong password, so timing does not tell which logins
    exist. Made on first use: hashing costs ~64 MiB and tens of milliseconds, not for import.
    """
    return hash_password("techan-no-such-login")
