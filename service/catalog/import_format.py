"""The catalog import file (parks to SKUs in one JSON object), validated with JSON-path errors."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError

from service.catalog.freight import FreightTemplateIn
from service.catalog.schemas import CODE_PATTERN, ProductIn, Strict
from service.kit.errors import ImportRejected


class ParkIn(Strict):
    code: str = Field(pattern=CODE_PATTERN)
    name: str = Field(min_length=1, max_length=100)
    regions: list[str] = Field(default_factory=list)
    # The platform's commission on this park's sales, in basis points (500 = 5 %); optional.
    commission_rate_bp: int | None = Field(default=None, ge=0, le=10_000)


class RegionIn(Strict):
    code: str = Field(pattern=CODE_PATTERN)
    name: str = Field(min_length=1, max_length=100)
    province: str = Field(min_length=1, max_length=50)


class CategoryIn(Strict):
    code: str = Field(pattern=CODE_PATTERN)
    name: str = Field(min_length=1, max_length=100)
    parent: str | None = Field(default=None, pattern=CODE_PATTERN)


class ProducerIn(Strict):
    code: str = Field(pattern=CODE_PATTERN)
    name: str = Field(min_length=1, max_length=200)
    region: str = Field(pattern=CODE_PATTERN)


class ImportProduct(ProductIn):
    producer: str = Field(pattern=CODE_PATTERN)


class ImportShipping(FreightTemplateIn):
    """A producer's freight template, as `PUT /producers/{code}/shipping` takes it."""

    producer: str = Field(pattern=CODE_PATTERN)


class CatalogFile(Strict):
    parks: list[ParkIn] = Field(default_factory=list)
    regions: list[RegionIn] = Field(default_factory=list)
    categories: list[CategoryIn] = Field(default_factory=list)
    producers: list[ProducerIn] = Field(default_factory=list)
    products: list[ImportProduct] = Field(default_factory=list)
    shipping: list[ImportShipping] = Field(default_factory=list)


def json_path(loc: Iterable[Any]) -> str:
    """('products', 12, 'price_fen') -> 'products[12].price_fen'."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(file)"


_MESSAGES = {
    "greater_than": lambda ctx: f"must be > {ctx['gt']}",
    "greater_than_equal": lambda ctx: f"must be >= {ctx['ge']}",
    "less_than_equal": lambda ctx: f"must be <= {ctx['le']}",
    "extra_forbidden": lambda ctx: "unknown field",
    "missing": lambda ctx: "required field missing",
    "string_too_long": lambda ctx: f"longer than {ctx['max_length']} characters",
    "string_pattern_mismatch": lambda ctx: "must be lower-case letters, digits, '-' or '_'",
}


def describe(error: Any) -> str:
    """One pydantic error as `path: message`."""
    render = _MESSAGES.get(error["type"])
    message = render(error.get("ctx") or {}) if render else error["msg"]
    return f"{json_path(error['loc'])}: {message}"


def parse_catalog(raw: bytes | str, *, source: str) -> CatalogFile:
    """Parse and validate a catalog file; every problem is named by its JSON path."""
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ImportRejected(
            source, [f"line {exc.lineno} column {exc.colno}: invalid JSON: {exc.msg}"]
        ) from exc
    try:
        catalog = CatalogFile.model_validate(data)
    except ValidationError as exc:
        raise ImportRejected(source, [describe(e) for e in exc.errors()]) from exc
    problems = duplicate_codes(catalog)
    if problems:
        raise ImportRejected(source, problems)
    return catalog


def load_catalog_file(path: Path) -> CatalogFile:
    """Read and validate a catalog JSON file."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ImportRejected(str(path), [f"cannot read: {exc.strerror}"]) from exc
    return parse_catalog(raw, source=str(path))


def duplicate_codes(catalog: CatalogFile) -> list[str]:
    """Codes (and SKUs) given twice in one file."""
    problems = []
    for section in ("parks", "regions", "categories", "producers", "products"):
        items = getattr(catalog, section)
        counts = Counter(item.code for item in items)
        for i, item in enumerate(items):
            if counts[item.code] > 1:
                problems.append(f"{section}[{i}].code: {item.code!r} appears more than once")
    shipped = Counter(s.producer for s in catalog.shipping)
    for i, entry in enumerate(catalog.shipping):
        if shipped[entry.producer] > 1:
            problems.append(f"shipping[{i}].producer: {entry.producer!r} appears more than once")
    skus = Counter(v.sku for p in catalog.products for v in p.variants)
    for i, product in enumerate(catalog.products):
        for j, variant in enumerate(product.variants):
            if skus[variant.sku] > 1:
                problems.append(
                    f"products[{i}].variants[{j}].sku: {variant.sku!r} appears more than once"
                )
    return problems
