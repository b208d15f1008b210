"""Request dependencies of the payments domain."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from service.payments.expiry import settle_lapsed_reservations
from service.payments.gateway import StripeGateway


def stripe_gateway(request: Request) -> StripeGateway:
    """The Stripe gateway configured by the app's settings."""
    return StripeGateway.from_settings(request.app.state.settings)


GatewayDep = Annotated[StripeGateway, Depends(stripe_gateway)]


def settle_reservations(request: Request, gateway: GatewayDep) -> None:
    """Cancel unpaid orders past their reservation before an order request reads or acts.

    It runs in its own transaction and must come before the request's session in a route's
    parameters: on SQLite a second writer inside the same request would wait on itself.
    """
    settle_lapsed_reservations(request.app.state.engine, gateway=gateway)


ReservationsSettled = Annotated[None, Depends(settle_reservations)]
