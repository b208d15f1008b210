"""Request dependencies of the payments domain: the app's Stripe gateway, and settling lapsed
reservations before a request reads or acts on orders."""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import BackgroundTasks, Depends, Request
from sqlalchemy import Engine
from sqlmodel import Session

from service.kit.db import READ_METHODS, SessionDep, session_scope, utcnow
from service.orders.parcels import confirm_overdue_parcels, overdue_parcel_ids
from service.orders.reservations import due_order_ids
from service.payments.expiry import Lapsed, cancel_open_intents, expire_lapsed_orders
from service.payments.gateway import StripeGateway
from service.settings import Settings

# When a caller does not say (tests): the settings' default.
AUTO_CONFIRM = timedelta(days=Settings.model_fields["auto_confirm_days"].default)


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
        auto_confirm: timedelta = AUTO_CONFIRM,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.auto_confirm = auto_confirm
        self.clock = clock
        self.session = session
        self.engine = engine
        self.gateway = gateway
        self.background = background
        self.reader = reader

    def settle(self, among: Collection[int] | None = None) -> list[int]:
        """Cancel the lapsed unpaid orders (only AMONG these ids when given), and confirm their
        parcels shipped more than TECHAN_AUTO_CONFIRM_DAYS ago; the ids of the cancelled."""
        if self.reader:
            lapsed = self._settle_beside_the_reader(among)
        else:
            lapsed = expire_lapsed_orders(self.session, among=among)
            self._confirm_overdue(self.session, among)
        if lapsed.intents:
            self.background.add_task(
                cancel_open_intents, self.engine, gateway=self.gateway, intents=lapsed.intents
            )
        return lapsed.order_ids

    def _confirm_overdue(self, session: Session, among: Collection[int] | None) -> None:
        now = self.clock()
        confirm_overdue_parcels(session, now=now, after=self.auto_confirm, among=among)

    def _settle_beside_the_reader(self, among: Collection[int] | None) -> Lapsed:
        now = self.clock()
        due = overdue_parcel_ids(
            self.session, now=now, after=self.auto_confirm, limit=1, among=among
        )
        if not due and not due_order_ids(self.session, now=utcnow(), limit=1, among=among):
            return Lapsed()  # the common case: nothing is written
        with session_scope(self.engine) as writer:
            lapsed = expire_lapsed_orders(writer, among=among)
            self._confirm_overdue(writer, among)
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
        auto_confirm=timedelta(days=request.app.state.settings.auto_confirm_days),
        clock=request.app.state.clock,
    )


ReservationsDep = Annotated[Reservations, Depends(reservations)]
