"""The catalog's closed vocabularies: how a SKU is packed and how its goods must be kept."""

from __future__ import annotations

from enum import StrEnum


class Packaging(StrEnum):
    """How a SKU is packed; the contract's `packaging` values."""

    bulk = "bulk"
    standard = "standard"
    gift_box = "gift_box"
    family = "family"


class Storage(StrEnum):
    """How a product's goods must be kept from farm to door."""

    ambient = "ambient"
    chilled = "chilled"
    frozen = "frozen"
    dry_cool = "dry_cool"


def check_in(column: str, vocabulary: type[StrEnum]) -> str:
    """A CHECK constraint's SQL admitting only VOCABULARY's values in COLUMN."""
    values = ",".join(f"'{member.value}'" for member in vocabulary)
    return f"{column} IN ({values})"
