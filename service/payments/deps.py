"""Request dependencies of the payments domain: the app's Stripe gateway, and settling lapsed
reservations before a request reads or acts on orders."""

from __future__ import annotations

from collections.abc import Collection
from typing import Annotated

from fastapi import BackgroundTasks, Depends, Request
from sqlalchemy import Engine
from sqlmodel import Session

from service.kit.db import READ_METHODS, SessionDep, session_scope, utcnow
from service.orders.reservations import due_order_ids
from service.payments.expiry import Lapsed, cancel_open_intents, expire_lapsed_orders
from service.payments.gateway import StripeGateway


# Coroutines: they only read app.state, so they cost no trip through the thread pool.
async def stripe_gateway(request: Request) -> StripeGateway:
    """The Stripe gateway the app built at start-up."""
    gateway: StripeGateway = request.app.state.stripe
    return gateway


GatewayDep = Annotated[StripeGateway, Depends(stripe_gateway)]


class Reservations:
    """Settles lapsed reservations before an endpoint reads or acts on orders.

    The endpoint calls `settle` in its body, so nothing hangs on the order of its parameters.
    A request that may write settles in its own transaction: the cancellations commit or roll
    back with it, and no second writer waits on the request's own lock. A read request's
    transaction is a reader, and on SQLite a reader whose snapshot is older than another
    writer's commit cannot become a writer; so a read settles what is due in a short writer
    transaction of its own (a reader holds no lock a writer waits for), then reads on from a
    fresh snapshot. Either way the lapsed orders' intents are cancelled at Stripe after the
    response is sent, so after the commit, and never for a request that failed.
    """

    def __init__(
        self,
        *,
        session: Session,
        engine: Engine,
        gateway: StripeGateway,
        background: BackgroundTasks,
        reader: bool,
    ) -> None:
        self.session = session
        self.engine = engine
        self.gateway = gateway
        self.background = background
        self.reader = reader

    def settle(self, among: Collection[int] | None = None) -> list[int]:
        """Cancel the lapsed unpaid orders (only AMONG these ids when given); their ids."""
        if self.reader:
            lapsed = self._settle_beside_the_reader(among)
        else:
            lapsed = expire_lapsed_orders(self.session, among=among)
        if lapsed.intents:
            self.background.add_task(
                cancel_open_intents, self.engine, gateway=self.gateway, intents=lapsed.intents
            )
        return lapsed.order_ids

    def _settle_beside_the_reader(self, among: Collection[int] | None) -> Lapsed:
        if not due_order_ids(self.session, now=utcnow(), limit=1, among=among):
            return Lapsed()  # the common case: nothing is written
        with session_scope(self.engine) as writer:
            lapsed = expire_lapsed_orders(writer, among=among)
        self.session.commit()  # ends the reader's snapshot (it wrote nothing): reads see the lapse
        return lapsed


async def reservations(
    request: Request, session: SessionDep, gateway: GatewayDep, background: BackgroundTasks
) -> Reservations:
    """The request's reservations, bound to its session (settling does nothing until asked)."""
    return Reservations(
        session=session,
        engine=request.app.state.engine,
        gateway=gateway,
        background=background,
        reader=request.method in READ_METHODS,  # as the request's session was opened
    )


ReservationsDep = Annotated[Reservations, Depends(reservations)]
