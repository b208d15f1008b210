"""Freight quotes: the cart split into parcels (producer × storage group), each priced by its
producer's template for the destination province, and what cannot be delivered there, and why.

The same function prices the quote a shopper sees and the order it places, so an order charges
exactly its quote (at the prices current when it is placed).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from service.catalog.freight import FreightTemplate
from service.catalog.vocabulary import Storage
from service.kit.errors import Unprocessable

COLD = ("chilled", "frozen")


class Undeliverable(Unprocessable):
    """Some goods of the cart cannot be delivered to the address (see `details`)."""

    code = "undeliverable"


@dataclass(frozen=True)
class Goods:
    """One cart line as freight sees it."""

    sku: str
    producer_id: int
    producer_code: str
    storage: str
    shelf_life_days: int
    net_weight_g: int
    quantity: int
    unit_price_fen: int

    @property
    def weight_g(self) -> int:
        return self.net_weight_g * self.quantity

    @property
    def value_fen(self) -> int:
        return self.unit_price_fen * self.quantity


@dataclass
class ParcelQuote:
    """One parcel: its goods, weight, value, fee and days in transit (None: no address)."""

    producer_id: int
    producer_code: str
    storage: str
    goods: list[Goods] = field(default_factory=list)
    freight_fen: int = 0
    days: int | None = None

    @property
    def weight_g(self) -> int:
        return sum(g.weight_g for g in self.goods)

    @property
    def goods_fen(self) -> int:
        return sum(g.value_fen for g in self.goods)


@dataclass(frozen=True)
class Refusal:
    sku: str
    reason: str
    message: str


@dataclass(frozen=True)
class Quote:
    goods_fen: int
    parcels: list[ParcelQuote]
    undeliverable: list[Refusal]

    @property
    def freight_fen(self) -> int:
        return sum(p.freight_fen for p in self.parcels)

    @property
    def total_fen(self) -> int:
        return self.goods_fen + self.freight_fen

    def refuse_if_undeliverable(self) -> None:
        """422 listing every SKU that cannot go, with its reason."""
        if self.undeliverable:
            skus = ", ".join(r.sku for r in self.undeliverable)
            raise Undeliverable(
                f"cannot deliver {skus} to this address",
                details=[{"sku": r.sku, "reason": r.reason} for r in self.undeliverable],
            )


def storage_group(storage: str) -> str:
    """Parcels keep goods of one group together: ambient and dry_cool travel as ambient."""
    return storage if storage in COLD else Storage.ambient.value


def rate_for(template: FreightTemplate, province: str) -> Mapping[str, Any] | None:
    """The template's rate for PROVINCE: its rule, else the default, else None."""
    for rule in template.rules:
        if province in rule["provinces"]:
            return rule
    return template.default_rule


def parcel_fee(
    rate: Mapping[str, Any], *, weight_g: int, goods_fen: int, free_over: int | None
) -> int:
    """`first_fen`, plus `next_kg_fen` per started kilogram above `first_g`; 0 when the parcel's
    goods reach FREE_OVER."""
    if free_over is not None and goods_fen >= free_over:
        return 0
    extra_g = max(0, weight_g - int(rate["first_g"]))
    started_kg = -(-extra_g // 1000)
    return int(rate["first_fen"]) + started_kg * int(rate["next_kg_fen"])


def _refusal(item: Goods, template: FreightTemplate | None, province: str) -> Refusal | None:
    if template is None:
        return Refusal(
            item.sku, "no_freight_template", f"{item.producer_code} has no freight template"
        )
    rate = rate_for(template, province)
    if rate is None:
        return Refusal(item.sku, "no_rule", f"{item.producer_code} does not ship to {province}")
    days = int(rate["days"])
    if storage_group(item.storage) in COLD and days > template.chilled_max_days:
        return Refusal(
            item.sku,
            "chilled_too_far",
            f"{item.storage} goods travel at most {template.chilled_max_days} days; "
            f"{province} takes {days}",
        )
    if item.shelf_life_days < days:
        return Refusal(
            item.sku,
            "shelf_life_too_short",
            f"keeps {item.shelf_life_days} days; {province} takes {days}",
        )
    return None


def group_parcels(goods: Sequence[Goods]) -> list[ParcelQuote]:
    """GOODS in parcels, one per producer and storage group, in a stable order."""
    parcels: dict[tuple[str, str], ParcelQuote] = {}
    for item in goods:
        key = (item.producer_code, storage_group(item.storage))
        parcel = parcels.get(key)
        if parcel is None:
            parcel = parcels[key] = ParcelQuote(item.producer_id, key[0], key[1])
        parcel.goods.append(item)
    return [parcels[key] for key in sorted(parcels)]


def quote_goods(
    goods: Sequence[Goods], *, templates: Mapping[int, FreightTemplate], province: str
) -> Quote:
    """Price GOODS to PROVINCE by their producers' TEMPLATES."""
    refusals = [_refusal(g, templates.get(g.producer_id), province) for g in goods]
    undeliverable = [r for r in refusals if r is not None]
    refused = {r.sku for r in undeliverable}
    parcels = group_parcels([g for g in goods if g.sku not in refused])
    for parcel in parcels:
        template = templates[parcel.producer_id]
        rate = rate_for(template, province)
        assert rate is not None
        parcel.days = int(rate["days"])
        parcel.freight_fen = parcel_fee(
            rate,
            weight_g=parcel.weight_g,
            goods_fen=parcel.goods_fen,
            free_over=template.free_over_fen,
        )
    return Quote(sum(g.value_fen for g in goods), parcels, undeliverable)


def unaddressed_quote(goods: Sequence[Goods]) -> Quote:
    """An order without an address (older callers): parcels but no freight and no days."""
    return Quote(sum(g.value_fen for g in goods), group_parcels(goods), [])
