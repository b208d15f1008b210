"""Passwords: argon2id hashes, verified, upgraded when parameters grow."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from service.accounts.passwords import (
    MAX_PASSWORD_LENGTH,
    check_password_rules,
    hash_password,
    needs_rehash,
    verify_password,
)
from service.kit.errors import Unprocessable


def test_hash_verifies_only_the_same_password() -> None:
    stored = hash_password("correct horse 杭州")
    assert stored.startswith("$argon2id$") and "correct horse" not in stored
    assert verify_password(stored, "correct horse 杭州")
    assert not verify_password(stored, "correct horse 杭州 ")
    assert not verify_password(stored, "")


def test_each_hash_has_its_own_salt() -> None:
    assert hash_password("same password") != hash_password("same password")


def test_malformed_hash_and_huge_password_are_no_match() -> None:
    assert not verify_password("not-a-hash", "whatever")
    assert not verify_password(hash_password("x" * 20), "x" * (MAX_PASSWORD_LENGTH + 1))


def test_weaker_parameters_need_a_rehash() -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=8192).hash("password123")
    assert needs_rehash(weak)
    assert not needs_rehash(hash_password("password123"))


def test_password_rules() -> None:
    check_password_rules("ten chars!")
    with pytest.raises(Unprocessable):
        check_password_rules("short")
    with pytest.raises(Unprocessable):
        check_password_rules("x" * (MAX_PASSWORD_LENGTH + 1))
