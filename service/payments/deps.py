"""Request dependencies of the payments domain: the app's Stripe gateway, and settling lapsed
reservations inside the request's own transaction."""

from __future__ import annotations

from collections.abc import Collection
from typing import Annotated

from fastapi import BackgroundTasks, Depends, Request
from sqlalchemy import Engine
from sqlmodel import Session

from service.kit.db import SessionDep
from service.payments.expiry import cancel_open_intents, expire_lapsed_orders
from service.payments.gateway import StripeGateway


# Coroutines: they only read app.state, so they cost no trip through the thread pool.
async def stripe_gateway(request: Request) -> StripeGateway:
    """The Stripe gateway the app built at start-up."""
    gateway: StripeGateway = request.app.state.stripe
    return gateway


GatewayDep = Annotated[StripeGateway, Depends(stripe_gateway)]


class Reservations:
    """Settles lapsed reservations in the request's session, so in its one transaction.

    An endpoint calls `settle` before it reads or acts on orders: the cancellations commit or
    roll back with the request, and the lapsed orders' intents are cancelled at Stripe only
    after the response is sent, so after the commit (never for a request that failed).
    """

    def __init__(
        self,
        *,
        session: Session,
        engine: Engine,
        gateway: StripeGateway,
        background: BackgroundTasks,
    ) -> None:
        self.session = session
        self.engine = engine
        self.gateway = gateway
        self.background = background

    def settle(self, among: Collection[int] | None = None) -> list[int]:
        """Cancel the lapsed unpaid orders (only AMONG these ids when given); their ids."""
        lapsed = expire_lapsed_orders(self.session, among=among)
        if lapsed.intents:
            self.background.add_task(
                cancel_open_intents, self.engine, gateway=self.gateway, intents=lapsed.intents
            )
        return lapsed.order_ids


async def reservations(
    request: Request, session: SessionDep, gateway: GatewayDep, background: BackgroundTasks
) -> Reservations:
    """The request's reservations, bound to its session (settling does nothing until asked)."""
    engine: Engine = request.app.state.engine
    return Reservations(session=session, engine=engine, gateway=gateway, background=background)


ReservationsDep = Annotated[Reservations, Depends(reservations)]
