"""Rate limits: 429 with Retry-After and the JSON body, in one process and across two via Redis."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis
from fastapi import Depends, FastAPI, Request
from fastapi.testclient import TestClient

from service.kit.errors import TooManyRequests, install_error_handlers
from service.kit.ratelimit import RateLimiter, client_key, limiter_of
from service.settings import Settings
from tests.service.kit.ratelimit_app import LIMIT_ENV, PREFIX_ENV, REDIS_ENV

REPO = Path(__file__).resolve().parents[3]
# Set it to make a missing Redis a failure instead of a skip (CI does when it starts Redis).
REDIS_URL = os.environ.get("TECHAN_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _redis_or_skip() -> redis.Redis:
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5)
    try:
        client.ping()
    except redis.RedisError:
        if "TECHAN_TEST_REDIS_URL" in os.environ:
            raise
        pytest.skip(f"no Redis at {REDIS_URL}")
    return client


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    """A key prefix no other run uses; every key under it is deleted afterwards."""
    client = _redis_or_skip()
    prefix = f"techan-test-{uuid.uuid4().hex}"
    yield prefix
    keys = list(client.scan_iter(f"{prefix}*"))
    if keys:
        client.delete(*keys)
    client.close()


def test_limit_raises_429_with_retry_after() -> None:
    limiter = RateLimiter()
    for _ in range(3):
        limiter.hit("signin", "addr:1.2.3.4", "3/minute")
    with pytest.raises(TooManyRequests) as caught:
        limiter.hit("signin", "addr:1.2.3.4", "3/minute")
    assert 1 <= caught.value.retry_after <= 60  # type: ignore[operator]
    assert caught.value.response().headers["Retry-After"] == str(caught.value.retry_after)
    limiter.hit("signin", "addr:5.6.7.8", "3/minute")  # another client has its own count
    limiter.hit("register", "addr:1.2.3.4", "3/minute")  # and another scope too


def test_every_limit_of_a_list_counts() -> None:
    limiter = RateLimiter()
    assert limiter.allow("register", "k", "5/minute;2/hour") is None
    assert limiter.allow("register", "k", "5/minute;2/hour") is None
    wait = limiter.allow("register", "k", "5/minute;2/hour")
    assert wait is not None and wait > 60  # the hourly limit is the one that refused


def test_a_typo_in_a_limit_setting_stops_the_start_up() -> None:
    with pytest.raises(ValueError):
        RateLimiter.from_settings(Settings(rate_orders="30 per fortnight"))
    assert RateLimiter.from_settings(Settings()).storage is not None


def test_unreachable_redis_lets_requests_through() -> None:
    """An outage of the shared counter must not stop people from buying."""
    limiter = RateLimiter("redis://127.0.0.1:1/0")
    for _ in range(3):
        assert limiter.allow("orders", "user:1", "1/minute") is None


def _tiny_app(limit: str) -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)
    app.state.rate_limiter = RateLimiter()

    def limited(request: Request) -> None:
        limiter_of(request).hit("test", client_key(request, None), limit)

    @app.get("/ping", dependencies=[Depends(limited)])
    def ping() -> dict[str, bool]:
        return {"ok": True}

    return app


def test_route_answers_429_json_with_retry_after() -> None:
    client = TestClient(_tiny_app("2/minute"))
    assert [client.get("/ping").status_code for _ in range(2)] == [200, 200]
    resp = client.get("/ping")
    assert resp.status_code == 429
    assert resp.json()["error"]["code"] == "too_many_requests"
    assert 1 <= int(resp.headers["Retry-After"]) <= 60
    assert resp.json()["error"]["details"]["retry_after"] == int(resp.headers["Retry-After"])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start_worker(port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "tests.service.kit.ratelimit_app:create_app",
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )


def _wait_until_up(url: str, worker: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            raise AssertionError(f"worker exited: {worker.stderr.read().decode()}")  # type: ignore[union-attr]
        try:
            httpx.get(url + "/docs", timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError(f"{url} did not start")


def test_two_processes_share_counts_through_redis(redis_prefix: str) -> None:
    """Alternating between two workers: each sees only 3 of the 6 hits, yet the 6th is refused."""
    env = {**os.environ, LIMIT_ENV: "5/minute", REDIS_ENV: REDIS_URL, PREFIX_ENV: redis_prefix}
    ports = [_free_port(), _free_port()]
    workers = [_start_worker(port, env) for port in ports]
    try:
        urls = [f"http://127.0.0.1:{port}" for port in ports]
        for url, worker in zip(urls, workers, strict=True):
            _wait_until_up(url, worker)
        answers = [httpx.get(urls[i % 2] + "/ping", timeout=5) for i in range(7)]
    finally:
        for worker in workers:
            worker.terminate()
            worker.wait(timeout=10)
    assert len({a.json()["pid"] for a in answers[:5]}) == 2  # both processes answered
    assert [a.status_code for a in answers] == [200] * 5 + [429] * 2
    assert answers[5].json()["error"]["code"] == "too_many_requests"
    assert int(answers[6].headers["Retry-After"]) >= 1


def test_reset_removes_only_this_prefix(redis_prefix: str) -> None:
    client = redis.Redis.from_url(REDIS_URL)
    other = f"{redis_prefix}-other"
    mine = RateLimiter(REDIS_URL, key_prefix=redis_prefix)
    theirs = RateLimiter(REDIS_URL, key_prefix=other)
    mine.hit("s", "k", "5/minute")
    theirs.hit("s", "k", "5/minute")
    mine.reset()
    assert list(client.scan_iter(f"{redis_prefix}:*")) == []
    assert list(client.scan_iter(f"{other}:*")) != []
    theirs.reset()
