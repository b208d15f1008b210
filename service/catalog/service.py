"""Catalog rules: producers edit their own products; operators curate them into the storefront."""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import Session, col, select

from service.accounts.models import User
from service.catalog.access import ensure_operator_of, ensure_owner, park_id_of_product
from service.catalog.events import notify_products_changed
from service.catalog.models import (
    Category,
    Producer,
    Product,
    ProductStatus,
    ProductTransition,
    Region,
    Variant,
)
from service.catalog.schemas import ProductIn, ProductPatch, VariantIn, VariantPatch
from service.kit.db import utcnow
from service.kit.errors import Conflict, Forbidden, NotFound, Unprocessable
from service.kit.lookup import find, require

S = ProductStatus
# The curation workflow: which status may follow which.
ALLOWED_TRANSITIONS: dict[S, frozenset[S]] = {
    S.draft: frozenset({S.pending_review}),
    S.pending_review: frozenset({S.listed, S.rejected}),
    S.rejected: frozenset({S.pending_review}),
    S.listed: frozenset({S.delisted}),
    S.delisted: frozenset({S.pending_review}),
}


def get_product(session: Session, code: str) -> Product:
    """The product with CODE; 404 when there is none."""
    return require(session, Product, code)


def get_variant(session: Session, sku: str) -> Variant:
    """The variant with SKU; 404 when there is none."""
    variant = session.exec(select(Variant).where(Variant.sku == sku)).first()
    if variant is None:
        raise NotFound(f"SKU {sku!r} does not exist")
    return variant


def get_category(session: Session, code: str) -> Category:
    """The category with CODE; 422 when there is none (it came from a request body)."""
    return require(session, Category, code, field="category")


def transition_product(
    session: Session, product: Product, to: S, *, actor: User | str, reason: str | None = None
) -> ProductTransition:
    """Move PRODUCT to status TO if the workflow allows it, and record who did it and why."""
    current = S(product.status)
    if to not in ALLOWED_TRANSITIONS[current]:
        raise Conflict(f"a {current.value} product cannot become {to.value}")
    product.status = to.value
    product.reject_reason = reason if to is S.rejected else None
    product.updated_at = utcnow()
    step = ProductTransition(
        product_id=product.id,  # type: ignore[arg-type]
        from_status=current.value,
        to_status=to.value,
        actor_id=actor.id if isinstance(actor, User) else None,
        actor=actor.name if isinstance(actor, User) else actor,
        reason=reason,
    )
    session.add(product)
    session.add(step)
    session.flush()
    notify_products_changed(session, [product.id])  # type: ignore[list-item]
    return step


def _apply_attributes(product: Product, body: ProductIn | ProductPatch) -> None:
    attrs = body.attributes
    if attrs is None:
        return
    for name, value in attrs.model_dump().items():  # the schema's fields are the columns
        setattr(product, name, value)


def _ensure_sku_free(session: Session, sku: str) -> None:
    if session.exec(select(Variant.id).where(Variant.sku == sku)).first() is not None:
        raise Conflict(f"SKU {sku!r} already exists", details={"field": "sku"})


def create_product(session: Session, *, user: User, body: ProductIn) -> Product:
    """A producer's new product, in draft until submitted for review."""
    if user.producer_id is None:
        raise Forbidden("only a producer may create products")
    if find(session, Product, body.code) is not None:
        raise Conflict(f"product {body.code!r} already exists", details={"field": "code"})
    category = get_category(session, body.category)
    product = Product(
        code=body.code,
        producer_id=user.producer_id,
        category_id=category.id,  # type: ignore[arg-type]
        title=body.title,
        title_en=body.title_en,
        description=body.description,
    )
    _apply_attributes(product, body)
    session.add(product)
    session.flush()
    session.add(
        ProductTransition(
            product_id=product.id,  # type: ignore[arg-type]
            to_status=S.draft.value,
            actor_id=user.id,
            actor=user.name,
        )
    )
    for variant in body.variants:
        add_variant(session, user=user, product=product, body=variant)
    return product


def update_product(session: Session, *, user: User, code: str, body: ProductPatch) -> Product:
    """Edit a product's text, category or attributes (its own producer only)."""
    product = get_product(session, code)
    ensure_owner(user, product)
    fields = body.model_dump(exclude_unset=True, exclude={"attributes", "category"})
    for name, value in fields.items():
        setattr(product, name, value)
    if body.category is not None:
        product.category_id = get_category(session, body.category).id  # type: ignore[assignment]
    _apply_attributes(product, body)
    product.updated_at = utcnow()
    session.add(product)
    session.flush()
    notify_products_changed(session, [product.id])  # type: ignore[list-item]
    return product


def add_variant(session: Session, *, user: User, product: Product, body: VariantIn) -> Variant:
    """Add a SKU to a product (its own producer only)."""
    ensure_owner(user, product)
    _ensure_sku_free(session, body.sku)
    variant = Variant(product_id=product.id, **body.model_dump())  # type: ignore[arg-type]
    session.add(variant)
    session.flush()
    notify_products_changed(session, [product.id])  # type: ignore[list-item]
    return variant


def update_variant(session: Session, *, user: User, sku: str, body: VariantPatch) -> Variant:
    """Change a SKU's price or stock; a stock delta is one conditional statement."""
    variant = get_variant(session, sku)
    product = session.get(Product, variant.product_id)
    assert product is not None
    ensure_owner(user, product)
    if body.stock is not None and body.stock_delta is not None:
        raise Unprocessable("give stock or stock_delta, not both", details={"field": "stock"})
    values: dict[str, object] = {"updated_at": utcnow()}
    if body.price_fen is not None:
        values["price_fen"] = body.price_fen
    if body.stock is not None:
        values["stock"] = body.stock
    if "purchase_limit" in body.model_fields_set:
        values["purchase_limit"] = body.purchase_limit
    stmt = update(Variant).where(col(Variant.id) == variant.id)
    if body.stock_delta is not None:
        values["stock"] = col(Variant.stock) + body.stock_delta
        stmt = stmt.where(col(Variant.stock) + body.stock_delta >= 0)
    result = session.execute(stmt.values(**values))
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict("stock cannot go below zero", details={"field": "stock_delta"})
    session.refresh(variant)
    # Only this SKU's price or stock moved: search need not re-analyse the product's text.
    notify_products_changed(session, [product.id], stock_only=True)  # type: ignore[list-item]
    return variant


def submit_product(session: Session, *, user: User, code: str) -> Product:
    """Send a product for review; it needs at least one SKU."""
    product = get_product(session, code)
    ensure_owner(user, product)
    has_sku = session.exec(select(Variant.id).where(Variant.product_id == product.id)).first()
    if has_sku is None:
        raise Unprocessable("a product needs at least one SKU before review")
    transition_product(session, product, S.pending_review, actor=user)
    return product


def review_product(
    session: Session, *, user: User, code: str, approve: bool, reason: str | None = None
) -> Product:
    """An operator of the product's park lists or rejects it."""
    product = get_product(session, code)
    ensure_operator_of(session, user, park_id_of_product(session, product))
    target = S.listed if approve else S.rejected
    transition_product(session, product, target, actor=user, reason=reason)
    return product


def delist_product(session: Session, *, user: User, code: str, reason: str | None) -> Product:
    """Take a listed product off the storefront (its producer or an operator of its park)."""
    product = get_product(session, code)
    if user.role != "producer":
        ensure_operator_of(session, user, park_id_of_product(session, product))
    else:
        ensure_owner(user, product)
    transition_product(session, product, S.delisted, actor=user, reason=reason)
    return product


def review_queue(session: Session, *, user: User) -> list[Product]:
    """Products awaiting review from producers in the operator's park's regions."""
    query = (
        select(Product)
        .join(Producer, col(Producer.id) == Product.producer_id)
        .join(Region, col(Region.id) == Producer.region_id)
        .where(Product.status == S.pending_review.value)
        .order_by(col(Product.updated_at), col(Product.id))
    )
    if user.role != "admin":
        query = query.where(Region.park_id == user.park_id)
    return list(session.exec(query))


def transitions_of(session: Session, product: Product) -> list[ProductTransition]:
    """The product's curation history, oldest first."""
    query = select(ProductTransition).where(ProductTransition.product_id == product.id)
    return list(session.exec(query.order_by(col(ProductTransition.id))))
