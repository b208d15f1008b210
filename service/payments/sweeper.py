"""A background thread in the server that cancels unpaid orders once their reservation lapses,
and confirms parcels the shopper never confirmed (TECHAN_AUTO_CONFIRM_DAYS after shipping).

It lives with payments because a lapse also cancels the order's PaymentIntent at Stripe.
"""

from __future__ import annotations

import atexit
import logging
import threading
from datetime import timedelta

from sqlalchemy import Engine

from service.orders.parcels import settle_overdue_parcels
from service.payments.expiry import settle_lapsed_reservations
from service.payments.gateway import StripeGateway

log = logging.getLogger(__name__)


class ReservationSweeper:
    """Every INTERVAL seconds, settle lapsed reservations; stops promptly when asked."""

    def __init__(
        self,
        engine: Engine,
        *,
        gateway: StripeGateway,
        interval: float,
        auto_confirm: timedelta | None = None,
    ) -> None:
        self.engine = engine
        self.auto_confirm = auto_confirm
        self.gateway = gateway
        self.interval = interval
        self.users = 0  # apps sharing this engine's sweeper
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name="techan-reservation-sweep", daemon=True
        )

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def start(self) -> None:
        self._thread.start()

    def stop(self, *, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def sweep_once(self) -> list[int]:
        """Settle what is due now (and confirm overdue parcels); the ids of the orders cancelled."""
        if self.auto_confirm is not None:
            confirmed = settle_overdue_parcels(self.engine, after=self.auto_confirm)
            if confirmed:
                log.info("confirmed the overdue parcels of %d orders", len(confirmed))
        return settle_lapsed_reservations(self.engine, gateway=self.gateway)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                expired = self.sweep_once()
            except Exception:  # the next round tries again; the server must not lose the thread
                log.exception("reservation sweep failed")
                continue
            if expired:
                log.info("cancelled %d unpaid orders past their reservation", len(expired))


_sweepers: dict[int, ReservationSweeper] = {}
_lock = threading.Lock()


def start_sweeper(
    engine: Engine,
    *,
    gateway: StripeGateway,
    interval: float,
    auto_confirm: timedelta | None = None,
) -> ReservationSweeper | None:
    """Start (or share) the sweeper of ENGINE; None when INTERVAL is 0 (sweeping switched off).

    Apps sharing an engine (the tests build many) share its one thread, which uses the gateway
    of the app that started last.
    """
    if interval <= 0:
        return None
    with _lock:
        sweeper = _sweepers.get(id(engine))
        if sweeper is None:
            sweeper = ReservationSweeper(
                engine, gateway=gateway, interval=interval, auto_confirm=auto_confirm
            )
            _sweepers[id(engine)] = sweeper
            sweeper.start()
        sweeper.gateway = gateway
        sweeper.users += 1
        return sweeper


def stop_sweeper(engine: Engine) -> None:
    """Release ENGINE's sweeper; the thread ends when its last app stops."""
    with _lock:
        sweeper = _sweepers.get(id(engine))
        if sweeper is None:
            return
        sweeper.users -= 1
        if sweeper.users > 0:
            return
        del _sweepers[id(engine)]
    sweeper.stop()


@atexit.register
def _stop_all() -> None:
    with _lock:
        sweepers = list(_sweepers.values())
        _sweepers.clear()
    for sweeper in sweepers:
        sweeper.stop(timeout=2.0)
