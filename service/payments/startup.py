"""Start-up and shutdown of the payments domain, called by the app's lifespan."""

from __future__ import annotations

from datetime import timedelta

from fastapi import FastAPI

from service.payments.gateway import StripeGateway
from service.payments.sweeper import start_sweeper, stop_sweeper


def on_app_start(app: FastAPI) -> None:
    """Build the Stripe gateway once for every request, and sweep lapsed reservations in the
    background while the server runs (every TECHAN_RESERVATION_SWEEP_SECONDS; 0 turns it off)."""
    settings = app.state.settings
    app.state.stripe = StripeGateway.from_settings(settings)
    start_sweeper(
        app.state.engine,
        gateway=app.state.stripe,
        interval=settings.reservation_sweep_seconds,
        auto_confirm=timedelta(days=settings.auto_confirm_days),
    )


def on_app_stop(app: FastAPI) -> None:
    """Stop the sweeper thread (its last user gone)."""
    stop_sweeper(app.state.engine)
