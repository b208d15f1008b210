"""Start-up wiring of the orders domain: the reservation sweeper thread."""

from __future__ import annotations

from fastapi import FastAPI

from service.orders.sweeper import start_sweeper, stop_sweeper


def on_app_start(app: FastAPI) -> None:
    """Sweep lapsed reservations in the background while the server runs."""
    start_sweeper(app.state.engine, settings=app.state.settings)


def on_app_stop(app: FastAPI) -> None:
    """Stop the sweeper thread (called at shutdown, where the app factory supports it)."""
    stop_sweeper(app.state.engine)
