"""Silence accepts: requests whose producer let the deadline pass are settled on access, by a
background thread in the server and by `techan aftersales sweep`, each in its own transaction."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy import Engine

from service.aftersales.service import due_request_ids, settle_silence
from service.kit.db import session_scope, utcnow
from service.kit.errors import ServiceError
from service.payments.gateway import StripeGateway

log = logging.getLogger(__name__)


def settle_due(
    engine: Engine,
    *,
    gateway: StripeGateway,
    now: datetime,
    among: Sequence[int] | None = None,
    limit: int = 1000,
) -> int:
    """Accept every request past its deadline (only AMONG these ids when given); how many."""
    with session_scope(engine, readonly=True) as session:
        due = due_request_ids(session, now=now, among=among, limit=limit)
    settled = 0
    for request_id in due:
        try:
            with session_scope(engine) as session:
                settled += settle_silence(
                    session, request_ids=[request_id], now=now, gateway=gateway
                )
        except ServiceError as exc:  # Stripe failed: nothing was written, the next sweep retries
            log.warning("after-sales %d not settled: %s", request_id, exc.message)
    return settled


class SilenceSweeper:
    """Every INTERVAL seconds, settle what is due; stops promptly when asked."""

    def __init__(
        self,
        engine: Engine,
        *,
        gateway: StripeGateway,
        interval: float,
        clock: Callable[[], datetime],
    ) -> None:
        self.engine = engine
        self.gateway = gateway
        self.interval = interval
        self.clock = clock
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="techan-after-sales", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, *, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                settle_due(self.engine, gateway=self.gateway, now=self.clock())
            except Exception:  # the next round tries again
                log.exception("after-sales sweep failed")


def start_silence_sweeper(app: object) -> None:
    """Start the app's sweeper (every TECHAN_RESERVATION_SWEEP_SECONDS; 0 turns it off)."""
    state = app.state  # type: ignore[attr-defined]
    interval = state.settings.reservation_sweep_seconds
    if interval <= 0:
        state.after_sales_sweeper = None
        return
    sweeper = SilenceSweeper(
        state.engine,
        gateway=state.stripe,
        interval=interval,
        clock=lambda: getattr(state, "clock", utcnow)(),
    )
    state.after_sales_sweeper = sweeper
    sweeper.start()


def stop_silence_sweeper(app: object) -> None:
    """Stop the app's sweeper, if it runs."""
    sweeper = getattr(app.state, "after_sales_sweeper", None)  # type: ignore[attr-defined]
    if sweeper is not None:
        sweeper.stop()
