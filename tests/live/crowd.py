"""A real `techan serve` in a subprocess, a crowd of HTTP clients, and a /healthz watcher.

The crowd is one asyncio loop of httpx clients with a connection each, all started at once;
every request gets an answer or a recorded failure within REQUEST_TIMEOUT, so a frozen server
fails the test instead of hanging it. The watcher polls /healthz from its own process and
connection, as a load balancer would.
"""

from __future__ import annotations

import asyncio
import http.client
import multiprocessing
import os
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from tests.localstripe import free_port, wait_until_answers

REQUEST_TIMEOUT = 30.0
# What a crowd may hear besides success: a rule said no, or "too busy, come back later".
REFUSALS = frozenset({409, 429, 503})


@dataclass
class Reply:
    """One request's outcome: its status and Retry-After, or the failure that replaced them."""

    status: int | None
    seconds: float
    retry_after: str | None = None
    body: Any = None
    failure: str | None = None


@contextmanager
def techan_serve(database_url: str, workdir: Path) -> Iterator[str]:
    """`techan serve` (one process, as in production) on a free port; yields its base URL."""
    port = free_port()
    env = os.environ | {
        "TECHAN_DATABASE_URL": database_url,
        "TECHAN_ARTEFACT_DIR": str(workdir / "artefacts"),
    }
    techan = str(Path(sys.executable).with_name("techan"))
    log = (workdir / f"serve-{port}.log").open("wb")
    process = subprocess.Popen(
        [techan, "serve", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_answers(f"{url}/healthz", timeout=60)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()  # a frozen server may not even shut down
            process.wait(timeout=10)
        log.close()


Call = Callable[[httpx.AsyncClient], Awaitable[Reply]]


async def timed(client: httpx.AsyncClient, method: str, url: str, **kw: Any) -> Reply:
    """Send one request; a timeout or a broken connection becomes a Reply with `failure`."""
    started = time.perf_counter()
    try:
        response = await client.request(method, url, **kw)
    except httpx.HTTPError as exc:
        return Reply(None, time.perf_counter() - started, failure=f"{type(exc).__name__}: {exc}")
    try:
        body = response.json()
    except ValueError:
        body = response.text  # not JSON: the test says so
    return Reply(
        response.status_code,
        time.perf_counter() - started,
        retry_after=response.headers.get("Retry-After"),
        body=body,
    )


def run_crowd(
    base_url: str, calls: Sequence[Callable[[httpx.AsyncClient], Awaitable[Any]]]
) -> list[Any]:
    """Run every call at once, each on its own connection; their results in order."""

    async def crowd() -> list[Any]:
        limits = httpx.Limits(max_connections=len(calls) + 10, max_keepalive_connections=0)
        async with httpx.AsyncClient(
            base_url=base_url, limits=limits, timeout=REQUEST_TIMEOUT
        ) as client:
            return await asyncio.gather(*(call(client) for call in calls))

    return asyncio.run(crowd())


def _poll_health(base_url: str, stop: Any, answers: Any) -> None:
    """Poll GET /healthz every ~100 ms until STOP is set; put (status, seconds) on ANSWERS."""
    host, port = base_url.removeprefix("http://").split(":")
    seen = []
    while not stop.wait(0.1):
        started = time.perf_counter()
        try:
            conn = http.client.HTTPConnection(host, int(port), timeout=5)
            conn.request("GET", "/healthz")
            status: int | None = conn.getresponse().status
            conn.close()
        except OSError:
            status = None
        seen.append((status, time.perf_counter() - started, time.time()))
    answers.put(seen)


class HealthWatch:
    """Polls GET /healthz every ~100 ms from its own process (a separate client, as a load
    balancer is: the crowd's CPU use does not delay its clock), recording each answer's time."""

    def __init__(self, base_url: str) -> None:
        context = multiprocessing.get_context("spawn")
        self._stop = context.Event()
        self._answers = context.Queue()
        self._process = context.Process(
            target=_poll_health, args=(base_url, self._stop, self._answers), daemon=True
        )
        self.answers: list[tuple[int | None, float, float]] = []  # status, seconds, when

    def __enter__(self) -> HealthWatch:
        self._process.start()
        time.sleep(1.0)  # the poller's interpreter is up before the crowd arrives
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self.answers = self._answers.get(timeout=30)
        self._process.join(10)

    def slowest(self) -> float:
        """The longest answer's time in seconds."""
        return max((t for _, t, _ in self.answers), default=0.0)

    def slow(self, limit: float = 1.0) -> list[tuple[int | None, float, float]]:
        """The answers that were not a 200 within LIMIT seconds."""
        return [(s, t, at) for s, t, at in self.answers if s != 200 or t > limit]


def unanswered_or_unclear(replies: list[Reply], *, success: set[int]) -> list[Reply]:
    """Replies that are neither SUCCESS nor a JSON refusal (409/429/503, the last two with
    Retry-After): hangs, broken connections, plain-text 500s."""
    bad = []
    for reply in replies:
        if reply.status in success:
            continue
        clear = (
            reply.status in REFUSALS
            and isinstance(reply.body, dict)
            and "error" in reply.body
            and (reply.status == 409 or reply.retry_after is not None)
        )
        if not clear:
            bad.append(reply)
    return bad


def summary(replies: list[Reply]) -> dict[str, int]:
    """Counts by status (failures by their kind), for assertion messages."""
    counts: dict[str, int] = {}
    for reply in replies:
        key = str(reply.status) if reply.status else (reply.failure or "?").split(":")[0]
        counts[key] = counts.get(key, 0) + 1
    return counts
