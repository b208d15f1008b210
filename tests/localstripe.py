"""A real localstripe process and a real uvicorn server for payment tests.

localstripe (PyPI) is a stateful Stripe test server. Known behaviour this module relies on:
- `--from-scratch` stops it reloading state from `/tmp/localstripe.pickle` (it still writes
  that file after every change); `bin/localstripe-with-state --state FILE` (what `make run`
  uses) keeps that state in FILE instead, so the tests' servers share no file with anyone;
- it listens on all interfaces (`::`), whatever port it is given;
- webhooks are configured with `POST /_config/webhooks/<name>` (`url`, `secret`, `events`) and
  are really sent, signed, about a second after the event;
- it has no Checkout Sessions (techan uses PaymentIntents); confirming with a `payment_method`
  argument fails, so the method is attached by updating the intent, then it is confirmed;
- `pm_card_chargeCustomerFail` (card 4000000000000341) is declined when charged, and an intent
  whose charge was declined cannot be confirmed again there (Stripe allows it); it does not
  know `pm_card_chargeDeclined` (Stripe's name for a card declined when charged).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import uvicorn

# A port nothing listens on: webhooks pointed here are dropped (localstripe logs and moves on).
NOWHERE = "http://127.0.0.1:9/"
WITH_STATE = Path(__file__).resolve().parents[1] / "bin" / "localstripe-with-state"
EVENTS = ["payment_intent.succeeded", "payment_intent.payment_failed"]


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_answers(url: str, *, timeout: float = 20.0) -> None:
    """Poll URL until it answers an HTTP request at all."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            httpx.get(url, timeout=1.0)
            return
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{url} did not answer within {timeout} s") from None
            time.sleep(0.1)


class LocalStripe:
    """A localstripe process on a free port, started from scratch, its state kept in a file
    of its own (beside its log) so that `restart` can keep it or drop it."""

    def __init__(self, log_path: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.state_path = log_path.with_suffix(".pickle")
        self._start(from_scratch=True)

    def _start(self, *, from_scratch: bool) -> None:
        self._log = self.log_path.open("ab")
        args = [str(WITH_STATE), "--state", str(self.state_path), "--port", str(self.port)]
        self.process = subprocess.Popen(
            [sys.executable, *args, *(["--from-scratch"] if from_scratch else [])],
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_until_answers(f"{self.url}/js.stripe.com/v3/")
        except TimeoutError:
            self.stop()
            raise

    def restart(self, *, from_scratch: bool) -> None:
        """Stop the process and start another on the same port, with or without its state
        (webhook settings are not state: configure them again)."""
        self.stop()
        self._start(from_scratch=from_scratch)

    def configure_webhook(self, url: str, secret: str, *, name: str = "techan") -> None:
        """Have localstripe POST signed payment events to URL (NOWHERE to stop)."""
        body = {"url": url, "secret": secret, "events": EVENTS}
        resp = httpx.post(f"{self.url}/_config/webhooks/{name}", json=body, timeout=5.0)
        resp.raise_for_status()

    def stop(self) -> None:
        """Terminate the process (killed if it does not exit)."""
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)
        self._log.close()


@contextmanager
def running_localstripe(log_path: Path) -> Iterator[LocalStripe]:
    """localstripe for the duration of the block."""
    server = LocalStripe(log_path)
    try:
        yield server
    finally:
        server.stop()


@contextmanager
def live_server(app: Any) -> Iterator[str]:
    """Serve APP with uvicorn on a free 127.0.0.1 port in a thread; yields its base URL."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def wait_for(check: Callable[[], Any], *, timeout: float = 15.0) -> Any:
    """Poll CHECK until it returns something truthy (webhooks arrive about a second later)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting after {timeout} s")
        time.sleep(0.1)


def signed_event(
    event: dict[str, Any], secret: str, *, at: int | None = None
) -> tuple[bytes, dict[str, str]]:
    """EVENT as a webhook body and the Stripe-Signature header Stripe would send with it."""
    payload = json.dumps(event).encode()
    timestamp = int(time.time()) if at is None else at
    mac = hmac.new(secret.encode(), b"%d.%s" % (timestamp, payload), hashlib.sha256)
    header = f"t={timestamp},v1={mac.hexdigest()}"
    return payload, {"Stripe-Signature": header, "Content-Type": "application/json"}
