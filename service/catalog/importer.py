"""Import a catalog file into the database: idempotent by code, all or nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, select

from service.catalog.events import notify_products_changed
from service.catalog.freight import FreightTemplateIn, save_template, templates_of
from service.catalog.import_format import CatalogFile, ImportProduct
from service.catalog.models import (
    Category,
    Park,
    Producer,
    Product,
    ProductStatus,
    ProductTransition,
    Region,
    Variant,
)
from service.kit.db import utcnow
from service.kit.errors import ImportRejected

IMPORT_ACTOR = "catalog import"


@dataclass
class ImportCounts:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)

    def bump(self, section: str, *, new: bool) -> None:
        bucket = self.created if new else self.updated
        bucket[section] = bucket.get(section, 0) + 1


def _existing(session: Session, model: type[Any], codes: set[str]) -> dict[str, Any]:
    if not codes:
        return {}
    rows = session.exec(select(model).where(col(model.code).in_(codes)))
    return {row.code: row for row in rows}


def check_references(session: Session, catalog: CatalogFile, *, source: str) -> None:
    """Every code the file refers to exists (in it or the database); SKUs keep their product."""
    problems: list[str] = []

    def known(model: type[Any], section: list[Any], codes: set[str]) -> set[str]:
        return {i.code for i in section} | set(_existing(session, model, codes))

    regions = known(
        Region,
        catalog.regions,
        {r for p in catalog.parks for r in p.regions} | {p.region for p in catalog.producers},
    )
    categories = known(
        Category,
        catalog.categories,
        {c.parent for c in catalog.categories if c.parent} | {p.category for p in catalog.products},
    )
    producers = known(
        Producer,
        catalog.producers,
        {p.producer for p in catalog.products} | {s.producer for s in catalog.shipping},
    )
    for i, entry in enumerate(catalog.shipping):
        if entry.producer not in producers:
            problems.append(f"shipping[{i}].producer: unknown producer {entry.producer!r}")
    seen_region_park: dict[str, str] = {}
    for i, park in enumerate(catalog.parks):
        for j, region in enumerate(park.regions):
            if region not in regions:
                problems.append(f"parks[{i}].regions[{j}]: unknown region {region!r}")
            elif seen_region_park.setdefault(region, park.code) != park.code:
                problems.append(
                    f"parks[{i}].regions[{j}]: region {region!r} already belongs "
                    f"to park {seen_region_park[region]!r}"
                )
    for i, cat in enumerate(catalog.categories):
        if cat.parent and cat.parent not in categories:
            problems.append(f"categories[{i}].parent: unknown category {cat.parent!r}")
        if cat.parent == cat.code:
            problems.append(f"categories[{i}].parent: a category cannot be its own parent")
    for i, prod in enumerate(catalog.producers):
        if prod.region not in regions:
            problems.append(f"producers[{i}].region: unknown region {prod.region!r}")
    for i, product in enumerate(catalog.products):
        if product.producer not in producers:
            problems.append(f"products[{i}].producer: unknown producer {product.producer!r}")
        if product.category not in categories:
            problems.append(f"products[{i}].category: unknown category {product.category!r}")
    problems += _sku_owner_problems(session, catalog)
    if problems:
        raise ImportRejected(source, problems)


def _sku_owner_problems(session: Session, catalog: CatalogFile) -> list[str]:
    skus = {v.sku for p in catalog.products for v in p.variants}
    if not skus:
        return []
    owners = dict(
        session.exec(  # type: ignore[arg-type]
            select(Variant.sku, Product.code)
            .join(Product, col(Product.id) == Variant.product_id)
            .where(col(Variant.sku).in_(skus))
        ).all()
    )
    return [
        f"products[{i}].variants[{j}].sku: {v.sku!r} belongs to product {owners[v.sku]!r}"
        for i, p in enumerate(catalog.products)
        for j, v in enumerate(p.variants)
        if v.sku in owners and owners[v.sku] != p.code
    ]


def _upsert(
    session: Session,
    model: type[Any],
    existing: dict[str, Any],
    code: str,
    values: dict[str, Any],
    counts: ImportCounts,
    section: str,
) -> Any:
    row = existing.get(code)
    if row is None:
        row = model(code=code, **values)
        existing[code] = row
    else:
        for name, value in values.items():
            setattr(row, name, value)
    counts.bump(section, new=row.id is None)
    session.add(row)
    return row


def import_catalog(session: Session, catalog: CatalogFile, *, source: str) -> ImportCounts:
    """Create or update everything in CATALOG; imported products are listed. Never commits."""
    check_references(session, catalog, source=source)
    counts = ImportCounts()
    parks = _existing(session, Park, {p.code for p in catalog.parks})
    for park in catalog.parks:
        values: dict[str, Any] = {"name": park.name}
        if park.commission_rate_bp is not None:  # absent: a new park gets the default rate
            values["commission_rate_bp"] = park.commission_rate_bp
        _upsert(session, Park, parks, park.code, values, counts, "parks")
    session.flush()
    park_of_region = {r: parks[p.code].id for p in catalog.parks for r in p.regions}
    regions = _existing(session, Region, {r.code for r in catalog.regions} | set(park_of_region))
    for reg in catalog.regions:
        _upsert(
            session,
            Region,
            regions,
            reg.code,
            {"name": reg.name, "province": reg.province},
            counts,
            "regions",
        )
    for code, park_id in park_of_region.items():
        regions[code].park_id = park_id
    session.flush()
    _import_categories(session, catalog, counts)
    producers = _import_producers(session, catalog, counts)
    changed = [_import_product(session, p, producers, counts) for p in catalog.products]
    _import_shipping(session, catalog, counts)
    session.flush()
    notify_products_changed(session, changed)
    return counts


def _import_shipping(session: Session, catalog: CatalogFile, counts: ImportCounts) -> None:
    """Each producer's freight template, replacing the one it had."""
    producers = _existing(session, Producer, {s.producer for s in catalog.shipping})
    had = templates_of(session, [p.id for p in producers.values()])
    for entry in catalog.shipping:
        producer = producers[entry.producer]
        template = FreightTemplateIn.model_validate(entry.model_dump(exclude={"producer"}))
        save_template(session, producer, template)
        counts.bump("shipping", new=producer.id not in had)


def _import_categories(session: Session, catalog: CatalogFile, counts: ImportCounts) -> None:
    codes = {c.code for c in catalog.categories} | {
        c.parent for c in catalog.categories if c.parent
    }
    cats = _existing(session, Category, codes)
    for cat in catalog.categories:
        _upsert(session, Category, cats, cat.code, {"name": cat.name}, counts, "categories")
    session.flush()
    for cat in catalog.categories:
        cats[cat.code].parent_id = cats[cat.parent].id if cat.parent else None
    session.flush()


def _import_producers(
    session: Session, catalog: CatalogFile, counts: ImportCounts
) -> dict[str, Producer]:
    codes = {p.code for p in catalog.producers} | {p.producer for p in catalog.products}
    producers = _existing(session, Producer, codes)
    regions = _existing(session, Region, {p.region for p in catalog.producers})
    for prod in catalog.producers:
        _upsert(
            session,
            Producer,
            producers,
            prod.code,
            {"name": prod.name, "region_id": regions[prod.region].id},
            counts,
            "producers",
        )
    session.flush()
    return producers


def _import_product(
    session: Session, body: ImportProduct, producers: dict[str, Producer], counts: ImportCounts
) -> int:
    category = session.exec(select(Category).where(Category.code == body.category)).one()
    values = {
        "producer_id": producers[body.producer].id,
        "category_id": category.id,
        "title": body.title,
        "title_en": body.title_en,
        "description": body.description,
        **body.attributes.model_dump(),
        "updated_at": utcnow(),
    }
    existing = _existing(session, Product, {body.code})
    product = _upsert(session, Product, existing, body.code, values, counts, "products")
    previous = product.status if product.id is not None else None
    product.status, product.reject_reason = ProductStatus.listed.value, None
    session.flush()
    if previous != ProductStatus.listed.value:
        session.add(
            ProductTransition(
                product_id=product.id,
                from_status=previous,
                to_status=ProductStatus.listed.value,
                actor=IMPORT_ACTOR,
            )
        )
    variants = {
        v.sku: v
        for v in session.exec(
            select(Variant).where(col(Variant.sku).in_([v.sku for v in body.variants]))
        )
    }
    for v in body.variants:
        row = variants.get(v.sku) or Variant(
            product_id=product.id, sku=v.sku, net_weight_g=1, packaging=v.packaging, price_fen=1
        )
        counts.bump("variants", new=row.id is None)
        for name, value in v.model_dump(exclude={"sku"}).items():
            setattr(row, name, value)
        row.updated_at = utcnow()
        session.add(row)
    return int(product.id)
