"""Catalog endpoints: storefront reads, producer edits, operator curation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, TypeVar

from fastapi import APIRouter, Query, Request, Response, status
from pydantic import BaseModel
from sqlalchemy import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from service.accounts.deps import (
    BearerCredentials,
    CurrentUser,
    OperatorUser,
    ProducerUser,
    caller,
)
from service.accounts.schemas import MeOut
from service.catalog import freight, service, storefront
from service.catalog.access import can_see_unlisted
from service.catalog.members import describe_member
from service.catalog.models import ProductStatus
from service.catalog.schemas import (
    CategoryOut,
    ProducerOut,
    ProductIn,
    ProductOut,
    ProductPage,
    ProductPatch,
    RegionOut,
    RejectIn,
    TransitionOut,
    VariantIn,
    VariantOut,
    VariantPatch,
)
from service.kit.bounds import Fen
from service.kit.db import SessionDep, session_scope
from service.kit.errors import (
    Conflict,
    Forbidden,
    NotFound,
    Unauthorized,
    Unprocessable,
    error_responses,
)
from service.kit.pagination import MAX_PAGE
from service.kit.read_cache import ReadCache, is_anonymous, request_target

router = APIRouter(tags=["catalog"])
# Who a user is, with the producer or park they act for (accounts cannot name those).
members_router = APIRouter(tags=["accounts"])
Answer = TypeVar("Answer")
Answered = TypeVar("Answered", bound=tuple[BaseModel, bool])
WRITE_ERRORS = error_responses(Unauthorized, Forbidden, NotFound, Conflict, Unprocessable)


@members_router.get("/me", responses=error_responses(Unauthorized))
def me(user: CurrentUser, session: SessionDep) -> MeOut:
    """Who the bearer token belongs to, and the producer or park they act for."""
    return describe_member(session, user)


def _read(engine: Engine, work: Callable[[Session], Answer]) -> Answer:
    with session_scope(engine, readonly=True) as session:
        return work(session)


async def _answer(request: Request, work: Callable[[Session], Answered]) -> Response:
    """WORK's answer, read in one worker-thread call and serialized once; an anonymous caller's
    answer that is the same for everyone is kept in the read cache (at most a second)."""
    if not is_anonymous(request.scope):
        model, _ = await run_in_threadpool(_read, request.app.state.engine, work)
        return _json(model)
    cache: ReadCache[bytes] = request.app.state.read_cache
    target = request_target(request.scope)
    async with cache.one_reader(target):
        body = cache.get(target)  # read by the request this one waited for
        if body is None:
            read_at = ReadCache.clock()
            model, shared = await run_in_threadpool(_read, request.app.state.engine, work)
            body = type(model).__pydantic_serializer__.to_json(model)
            if shared:
                cache.put(target, body, read_at=read_at)
    return Response(body, media_type="application/json")


def _json(model: BaseModel) -> Response:
    return Response(
        type(model).__pydantic_serializer__.to_json(model), media_type="application/json"
    )


@router.get("/products", response_model=ProductPage, responses=error_responses(Unprocessable))
async def list_products(
    request: Request,
    category: str | None = None,
    region: str | None = None,
    producer: str | None = None,
    min_price_fen: Annotated[Fen | None, Query()] = None,
    max_price_fen: Annotated[Fen | None, Query()] = None,
    in_stock: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 20,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    """Listed products, filtered, in pages (`next_cursor` fetches the next)."""
    filters = storefront.ProductFilters(
        category=category,
        region=region,
        producer=producer,
        min_price_fen=min_price_fen,
        max_price_fen=max_price_fen,
        in_stock=in_stock,
    )

    def work(session: Session) -> tuple[ProductPage, bool]:
        page = storefront.list_products(session, filters=filters, limit=limit, cursor=cursor)
        return page, True  # listed products only: the same page for every caller

    return await _answer(request, work)


@router.get(
    "/products/{code}",
    response_model=ProductOut,
    responses=error_responses(Unauthorized, NotFound),
)
async def get_product(code: str, request: Request, _scheme: BearerCredentials = None) -> Response:
    """One product with its SKUs and price per 500 g."""

    def work(session: Session) -> tuple[ProductOut, bool]:
        user = caller(session, request)
        product = storefront.product_detail(session, code=code, user=user)
        return product, user is None and product.status == ProductStatus.listed.value

    return await _answer(request, work)


@router.get("/categories")
def list_categories(session: SessionDep) -> list[CategoryOut]:
    """The category tree, parents first."""
    return storefront.list_categories(session)


@router.get("/regions")
def list_regions(session: SessionDep) -> list[RegionOut]:
    """Regions of origin and the park curating each."""
    return storefront.list_regions(session)


@router.get("/producers/{code}", responses=error_responses(NotFound))
def get_producer(code: str, session: SessionDep) -> ProducerOut:
    """A producer, its region and how many products it lists."""
    return storefront.producer_detail(session, code)


@router.get("/producers/{code}/shipping", responses=error_responses(NotFound))
def get_shipping(code: str, session: SessionDep) -> freight.FreightTemplateOut:
    """The producer's freight template: what sending its goods to each province costs."""
    return freight.get_template(session, code)


@router.put("/producers/{code}/shipping", responses=WRITE_ERRORS)
def put_shipping(
    code: str, body: freight.FreightTemplateIn, session: SessionDep, user: CurrentUser
) -> freight.FreightTemplateOut:
    """Set your freight template: rules by province, a default (null: nowhere else), a
    free-over threshold and how many days chilled or frozen goods may travel."""
    return freight.put_template(session, user=user, code=code, body=body)


def _detail(session: SessionDep, user: CurrentUser, code: str) -> ProductOut:
    return storefront.product_detail(session, code=code, user=user)


@router.post("/products", status_code=status.HTTP_201_CREATED, responses=WRITE_ERRORS)
def create_product(body: ProductIn, session: SessionDep, user: ProducerUser) -> ProductOut:
    """Create a draft product (producers only)."""
    product = service.create_product(session, user=user, body=body)
    return _detail(session, user, product.code)


@router.patch("/products/{code}", responses=WRITE_ERRORS)
def update_product(
    code: str, body: ProductPatch, session: SessionDep, user: ProducerUser
) -> ProductOut:
    """Edit your own product's text, category or attributes."""
    service.update_product(session, user=user, code=code, body=body)
    return _detail(session, user, code)


@router.post(
    "/products/{code}/variants", status_code=status.HTTP_201_CREATED, responses=WRITE_ERRORS
)
def add_variant(code: str, body: VariantIn, session: SessionDep, user: ProducerUser) -> ProductOut:
    """Add a SKU to your own product."""
    product = service.get_product(session, code)
    service.add_variant(session, user=user, product=product, body=body)
    return _detail(session, user, code)


@router.patch("/variants/{sku}", responses=WRITE_ERRORS)
def update_variant(
    sku: str, body: VariantPatch, session: SessionDep, user: ProducerUser
) -> VariantOut:
    """Change your SKU's price, stock (`stock` sets it, `stock_delta` moves it) or purchase
    limit (限购: units per shopper over its unpaid and paid orders; null removes it)."""
    v = service.update_variant(session, user=user, sku=sku, body=body)
    return VariantOut(
        sku=v.sku,
        net_weight_g=v.net_weight_g,
        packaging=v.packaging,
        price_fen=v.price_fen,
        stock=v.stock,
        price_per_500g_fen=storefront.price_per_500g(v.price_fen, v.net_weight_g),
        purchase_limit=v.purchase_limit,
    )


@router.post("/products/{code}/submit", responses=WRITE_ERRORS)
def submit_product(code: str, session: SessionDep, user: ProducerUser) -> ProductOut:
    """Send your product to your park's operators for review."""
    service.submit_product(session, user=user, code=code)
    return _detail(session, user, code)


@router.get("/review-queue", responses=error_responses(Unauthorized, Forbidden))
def review_queue(session: SessionDep, user: OperatorUser) -> list[ProductOut]:
    """Products awaiting review from producers in your park's regions."""
    products = service.review_queue(session, user=user)
    return storefront.products_by_ids(session, [p.id for p in products])  # type: ignore[misc]


@router.post("/products/{code}/approve", responses=WRITE_ERRORS)
def approve_product(code: str, session: SessionDep, user: OperatorUser) -> ProductOut:
    """List a product awaiting review (operators of its park)."""
    service.review_product(session, user=user, code=code, approve=True)
    return _detail(session, user, code)


@router.post("/products/{code}/reject", responses=WRITE_ERRORS)
def reject_product(
    code: str, body: RejectIn, session: SessionDep, user: OperatorUser
) -> ProductOut:
    """Reject a product awaiting review, with the reason the producer will read."""
    service.review_product(session, user=user, code=code, approve=False, reason=body.reason)
    return _detail(session, user, code)


@router.post("/products/{code}/delist", responses=WRITE_ERRORS)
def delist_product(
    code: str, session: SessionDep, user: CurrentUser, body: RejectIn | None = None
) -> ProductOut:
    """Take a listed product off the storefront (its producer or its park's operators)."""
    service.delist_product(session, user=user, code=code, reason=body.reason if body else None)
    return _detail(session, user, code)


@router.get("/products/{code}/history", responses=WRITE_ERRORS)
def product_history(code: str, session: SessionDep, user: CurrentUser) -> list[TransitionOut]:
    """Every curation step of a product: who, when, why (its producer, its park's operators
    and admins only: reasons are between them)."""
    _detail(session, user, code)  # same visibility as the product itself
    product = service.get_product(session, code)
    if not can_see_unlisted(session, user, product):
        raise Forbidden("only the product's producer, its park's operators and admins see this")
    return [
        TransitionOut(
            from_status=t.from_status,
            to_status=t.to_status,
            actor=t.actor,
            reason=t.reason,
            at=t.at.isoformat(),
        )
        for t in service.transitions_of(session, product)
    ]
