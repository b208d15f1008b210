"""Request and response shapes for the catalog."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from service.catalog.vocabulary import Packaging, Storage

CODE_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Attributes(Strict):
    """Origin attributes a shopper and the analytics care about."""

    grade: str | None = Field(default=None, max_length=50)
    organic: bool = False
    geo_indication: bool = False
    harvest_months: list[int] = Field(default_factory=list, max_length=12)
    shelf_life_days: int = Field(default=30, gt=0, le=3650)
    storage: Storage = Storage.ambient

    @field_validator("harvest_months")
    @classmethod
    def _months(cls, months: list[int]) -> list[int]:
        if any(m < 1 or m > 12 for m in months):
            raise ValueError("months are 1–12")
        return sorted(set(months))


class VariantIn(Strict):
    sku: str = Field(pattern=CODE_PATTERN)
    net_weight_g: int = Field(gt=0, le=100_000)
    packaging: Packaging
    price_fen: int = Field(gt=0, le=100_000_000)
    stock: int = Field(default=0, ge=0, le=1_000_000)


class ProductIn(Strict):
    code: str = Field(pattern=CODE_PATTERN)
    title: str = Field(min_length=1, max_length=200)
    title_en: str | None = Field(default=None, max_length=200)
    description: str | None = Field(default=None, max_length=2000)
    category: str = Field(pattern=CODE_PATTERN)
    attributes: Attributes = Field(default_factory=Attributes)
    variants: list[VariantIn] = Field(default_factory=list, max_length=50)


class ProductPatch(Strict):
    title: str | None = Field(default=None, min_length=1, max_length=200)
    title_en: str | None = Field(default=None, max_length=200)
    description: str | None = Field(default=None, max_length=2000)
    category: str | None = Field(default=None, pattern=CODE_PATTERN)
    attributes: Attributes | None = None

    @field_validator("title", "category", "attributes", mode="before")
    @classmethod
    def _not_null(cls, value: object) -> object:
        return refuse_null(value)


class VariantPatch(Strict):
    """Set `stock` outright, or move it by `stock_delta` (safe against concurrent orders)."""

    price_fen: int | None = Field(default=None, gt=0, le=100_000_000)
    stock: int | None = Field(default=None, ge=0, le=1_000_000)
    stock_delta: int | None = Field(default=None, ge=-1_000_000, le=1_000_000)
    # 限购 per shopper over its unpaid and paid orders; null removes the limit.
    purchase_limit: int | None = Field(default=None, ge=1, le=1_000_000)

    @field_validator("price_fen", "stock", "stock_delta", mode="before")
    @classmethod
    def _not_null(cls, value: object) -> object:
        return refuse_null(value)


def refuse_null(value: object) -> object:
    """A patch leaves a required field out to keep it; an explicit null is an error."""
    if value is None:
        raise ValueError("may not be null (leave the field out to keep its value)")
    return value


class RejectIn(Strict):
    reason: str = Field(min_length=1, max_length=500)


class RegionOut(BaseModel):
    code: str
    name: str
    province: str
    park: str | None = None


class CategoryOut(BaseModel):
    code: str
    name: str
    parent: str | None


class ProducerRef(BaseModel):
    code: str
    name: str


class ProducerOut(ProducerRef):
    region: RegionOut
    listed_products: int


class VariantOut(BaseModel):
    sku: str
    net_weight_g: int
    packaging: str
    price_fen: int
    price_per_500g_fen: int
    stock: int
    purchase_limit: int | None = None


class ProductOut(BaseModel):
    code: str
    title: str
    title_en: str | None
    description: str | None
    category: CategoryOut
    producer: ProducerRef
    region: RegionOut
    attributes: Attributes
    status: str
    reject_reason: str | None = None
    min_price_fen: int | None
    in_stock: bool
    variants: list[VariantOut]


class ProductPage(BaseModel):
    items: list[ProductOut]
    next_cursor: str | None


class TransitionOut(BaseModel):
    from_status: str | None
    to_status: str
    actor: str
    reason: str | None
    at: str
