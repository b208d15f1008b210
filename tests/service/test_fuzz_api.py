"""Schemathesis over the whole OpenAPI, in process, as every role: no answer is a 5xx.

Bounded (a few examples per operation and role) so the run stays short. The endpoints that
call Stripe (pay, refund) and the Stripe webhook are left out: this app has no Stripe key
here, so they answer 503 by design; their own tests run them against localstripe.
"""

from __future__ import annotations

import os
from typing import Any

import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from sqlalchemy import Engine
from sqlmodel import Session

from service.app import create_app
from tests.factories import (
    auth,
    make_category,
    make_park,
    make_producer,
    make_product,
    make_region,
    make_user,
    make_variant,
)

EXAMPLES = int(os.environ.get("TECHAN_FUZZ_EXAMPLES", "6"))
STRIPE_PATHS = ("/payment", "/refund", "/webhooks/")


def role_headers(session: Session) -> dict[str, dict[str, str]]:
    """A token for each role, over a small catalog the requests can find."""
    park = make_park(session)
    producer = make_producer(session, region=make_region(session, park=park))
    make_category(session, code="honey", name="蜂蜜")
    make_variant(session, product=make_product(session, producer=producer), stock=50)
    return {
        "anonymous": {},
        "shopper": auth(make_user(session, "shopper", city="成都")[1]),
        "producer": auth(make_user(session, "producer", producer=producer)[1]),
        "operator": auth(make_user(session, "operator", park=park)[1]),
        "admin": auth(make_user(session, "admin")[1]),
    }


def test_no_operation_answers_5xx(engine: Engine, session: Session) -> None:
    headers = role_headers(session)
    app = create_app(engine=engine)
    failures: list[str] = []
    with TestClient(app):  # runs the lifespan: the app's state as in production
        schema = schemathesis.openapi.from_asgi("/openapi.json", app)
        for result in schema.get_all_operations():
            operation = result.ok()  # type: ignore[union-attr]
            if any(part in operation.path for part in STRIPE_PATHS):
                continue
            for role in sorted(headers):
                failures += fuzz(operation, headers[role], label=role)
    assert not failures, "\n\n".join(failures)


def fuzz(operation: Any, headers: dict[str, str], *, label: str) -> list[str]:
    """Run EXAMPLES generated requests of OPERATION with HEADERS; the failures found."""

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def call(case: Any) -> None:
        response = case.call(headers={**(case.headers or {}), **headers})
        case.validate_response(response, checks=[not_a_server_error])

    try:
        call()
    except Exception as exc:  # collected, and reported together
        return [f"{label} {operation.method.upper()} {operation.path}: {exc}"[:2000]]
    return []
