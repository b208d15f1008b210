"""The producer ledger: entries per producer, monthly statements, and the check against Stripe."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from service.catalog.models import Park, Producer, Product, Variant
from service.cli import app as cli
from service.kit.db import session_scope, utcnow
from service.ledger.check import check_ledger
from service.ledger.models import LedgerEntry
from service.ledger.posting import post_pending, split
from service.ledger.statements import safe_cell
from service.payments.gateway import StripeGateway
from tests.factories import auth, make_park, make_producer, make_region, make_user
from tests.service.orders.factories import make_sku, make_template, ship_every_parcel
from tests.service.payments.shop import API, Shop, make_shop

MONTH = utcnow().strftime("%Y-%m")
HANGZHOU = {
    "recipient": "王小明",
    "phone": "13812345678",
    "province": "浙江",
    "city": "杭州",
    "district": "西湖区",
    "detail": "文三路 100 号",
}


def _producer(session: Session, *, rate_bp: int | None, name: str | None = None) -> Producer:
    park = make_park(session, **({} if rate_bp is None else {"commission_rate_bp": rate_bp}))
    kw = {"name": name} if name else {}
    return make_producer(session, region=make_region(session, park=park), **kw)


@pytest.fixture
def shop(client: TestClient, session: Session) -> Shop:
    """Tea from a producer of a park taking 10 %, honey from one at the default 5 %; the tea
    producer's name is a formula, as a careless import could make it."""
    shop = make_shop(client, session)
    tea_maker = _producer(session, rate_bp=1000, name='=HYPERLINK("http://x")')
    honey_maker = _producer(session, rate_bp=None)
    shop.tea = make_sku(session, stock=10, price_fen=9000, producer=tea_maker)
    shop.honey = make_sku(session, stock=10, price_fen=4000, producer=honey_maker)
    return shop


def _maker(session: Session, variant: Variant) -> Producer:
    product = session.get(Product, variant.product_id)
    assert product is not None
    producer = session.get(Producer, product.producer_id)
    assert producer is not None
    return producer


def _refund(shop: Shop, order_id: int, lines: list[tuple[Variant, int]] | None) -> Any:
    body: dict[str, Any] = {"reason": "=1+1 broken jar"}
    if lines is not None:
        body["lines"] = [{"sku": v.sku, "quantity": q} for v, q in lines]
    resp = shop.client.post(f"{API}/orders/{order_id}/refund", json=body, headers=shop.headers)
    assert resp.status_code == 200, resp.text
    return resp.json()


def make_mix(shop: Shop) -> None:
    """Payments, a retried decline, partial refunds, a full cancellation, an unpaid order."""
    first = shop.paid_order([(shop.tea, 2), (shop.honey, 1)])  # 18000 + 4000
    _refund(shop, first["id"], [(shop.tea, 1)])  # - 9000
    cancelled = shop.paid_order([(shop.honey, 3)])  # 12000
    resp = shop.client.post(f"{API}/orders/{cancelled['id']}/cancel", headers=shop.headers)
    assert resp.status_code == 200, resp.text  # - 12000
    retried = shop.order([(shop.tea, 1)])
    assert shop.pay(retried["id"], "pm_card_chargeCustomerFail").status_code == 402
    assert shop.pay(retried["id"], "pm_card_visa").status_code == 200  # 9000
    shop.order([(shop.honey, 1)])  # never paid
    # after delivery, an after-sales refund the tea producer accepts: - 9000
    after = shop.paid_order([(shop.tea, 1)])  # 9000
    tea_maker = _maker(shop.session, shop.tea)
    _, producer = make_user(shop.session, "producer", producer=tea_maker)
    ship_every_parcel(shop.client, after["id"], shopper=shop.headers, producers=[auth(producer)])
    assert shop.client.post(f"{API}/orders/{after['id']}/deliver", headers=shop.headers).is_success
    asked = shop.client.post(
        f"{API}/orders/{after['id']}/after-sales",
        json={"kind": "return", "lines": [{"sku": shop.tea.sku, "quantity": 1}], "reason": "bad"},
        headers=shop.headers,
    )
    assert asked.status_code == 201, asked.text
    url = f"{API}/after-sales/{asked.json()['id']}/accept"
    assert shop.client.post(url, headers=auth(producer)).json()["status"] == "refunded"


def test_ledger_adds_up_to_stripe_after_payments_and_refunds(
    shop: Shop, session: Session, engine: Engine, gateway: StripeGateway
) -> None:
    make_mix(shop)
    post_pending(engine)
    with session_scope(engine) as s:
        result = check_ledger(s, gateway=gateway)
    assert result.mismatches == []
    assert (result.stripe_net_fen, result.ledger_net_fen) == (22000, 22000)
    # tea: 10 % of 27000 sold, less 10 % of the 9000 refunded; honey: 5 % of 16000 less 12000
    assert result.commission_fen == 1800 + 200  # the after-sales sale and refund net to 0
    # posting again writes nothing: each source is posted once
    count = len(session.exec(select(LedgerEntry)).all())
    post_pending(engine)
    assert len(session.exec(select(LedgerEntry)).all()) == count


def test_check_finds_money_the_ledger_does_not_know(
    shop: Shop, session: Session, engine: Engine, gateway: StripeGateway
) -> None:
    shop.paid_order([(shop.tea, 1)])
    post_pending(engine)
    with session_scope(engine) as s:  # a tampered entry: the ledger no longer matches Stripe
        entry = s.exec(select(LedgerEntry).where(col(LedgerEntry.kind) == "sale")).one()
        entry.amount_fen -= 1
    with session_scope(engine) as s:
        result = check_ledger(s, gateway=gateway)
    assert not result.ok and len(result.mismatches) == 1


def test_statement_api_and_cli_give_the_same_figures(shop: Shop, session: Session) -> None:
    make_mix(shop)
    tea_maker = _maker(session, shop.tea)
    _, token = make_user(session, "producer", producer=tea_maker)
    url = f"{API}/producers/{tea_maker.code}/statements"
    resp = shop.client.get(url, params={"month": MONTH}, headers=auth(token))
    assert resp.status_code == 200, resp.text
    body = resp.json()
    figures = {k: body[k] for k in ("gross_fen", "freight_fen", "refunds_fen", "commission_fen")}
    assert figures == {
        "gross_fen": 36000,
        "freight_fen": 0,
        "refunds_fen": 18000,
        "commission_fen": 1800,
    }
    assert body["net_payable_fen"] == 36000 - 18000 - 1800
    assert sum(e["amount_fen"] for e in body["entries"]) == body["net_payable_fen"]

    out = CliRunner().invoke(
        cli, ["ledger", "statement", "--producer", tea_maker.code, "--month", MONTH,
              "--format", "csv"],
    )  # fmt: skip
    assert out.exit_code == 0, out.output
    rows = list(csv.DictReader(io.StringIO(out.output)))
    totals = {r["kind"]: int(r["amount_fen"]) for r in rows if r["kind"].startswith("total_")}
    assert totals["total_net_payable_fen"] == body["net_payable_fen"]
    # the formula in the producer's name reaches a spreadsheet as text
    assert {r["producer_name"] for r in rows} == {'\'=HYPERLINK("http://x")'}

    csv_resp = shop.client.get(f"{url}.csv", params={"month": MONTH}, headers=auth(token))
    assert csv_resp.status_code == 200
    assert csv_resp.headers["content-type"].startswith("text/csv")
    assert csv_resp.text == out.output

    check = CliRunner().invoke(cli, ["ledger", "check"])
    assert check.exit_code == 0, check.output
    assert "ledger ok" in check.output


def test_statement_access_and_month(shop: Shop, session: Session) -> None:
    tea_maker = _maker(session, shop.tea)
    url = f"{API}/producers/{tea_maker.code}/statements"
    _, other = make_user(session, "producer", producer=_maker(session, shop.honey))
    assert shop.client.get(url, params={"month": MONTH}, headers=auth(other)).status_code == 403
    assert shop.client.get(url, params={"month": MONTH}, headers=shop.headers).status_code == 403
    _, admin = make_user(session, "admin")
    bad = shop.client.get(url, params={"month": "2026-13"}, headers=auth(admin))
    assert bad.status_code == 422
    assert "month" in bad.text
    empty = shop.client.get(url, params={"month": "2020-01"}, headers=auth(admin)).json()
    assert (empty["net_payable_fen"], empty["entries"]) == (0, [])


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1+1", "'-1+1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("合作社", "合作社"),
        (-450, "-450"),
        (None, ""),
    ],
)
def test_csv_cells_are_safe(value: object, cell: str) -> None:
    assert safe_cell(value) == cell


def test_split_adds_up_exactly() -> None:
    assert split(100, {1: 1, 2: 1, 3: 1}) == {1: 34, 2: 33, 3: 33}
    assert sum(split(12345, {1: 7, 2: 11, 3: 13}).values()) == 12345
    assert split(0, {1: 5}) == {1: 0}


def test_catalog_import_sets_a_parks_commission_rate(tmp_path: Path, session: Session) -> None:
    park: dict[str, Any] = {"code": "rate-park", "name": "园区", "regions": []}
    path = tmp_path / "catalog.json"
    for given, expected in ((None, 500), (800, 800), (None, 800)):
        entry = park if given is None else {**park, "commission_rate_bp": given}
        path.write_text(json.dumps({"parks": [entry]}, ensure_ascii=False), encoding="utf-8")
        out = CliRunner().invoke(cli, ["import", "catalog", str(path)])
        assert out.exit_code == 0, out.output
        session.expire_all()
        row = session.exec(select(Park).where(Park.code == "rate-park")).one()
        assert row.commission_rate_bp == expected  # absent on re-import: the rate stays
    path.write_text(json.dumps({"parks": [{**park, "commission_rate_bp": 10001}]}))
    bad = CliRunner().invoke(cli, ["import", "catalog", str(path)])
    assert bad.exit_code != 0 and "commission_rate_bp" in bad.output


def test_each_producer_is_owed_its_own_parcels_freight_and_the_check_holds(
    shop: Shop, session: Session, engine: Engine, gateway: StripeGateway
) -> None:
    tea_maker, honey_maker = _maker(session, shop.tea), _maker(session, shop.honey)
    make_template(session, producer=tea_maker)  # 600 first kg, 300 per started kg after
    make_template(session, producer=honey_maker)
    address = shop.client.post(f"{API}/addresses", json=HANGZHOU, headers=shop.headers)
    assert address.status_code == 201, address.text
    items = [{"sku": shop.tea.sku, "quantity": 1}, {"sku": shop.honey.sku, "quantity": 2}]
    cart = shop.client.post(f"{API}/carts", json={"items": items}, headers=shop.headers).json()
    headers = {**shop.headers, "Idempotency-Key": "freight-ledger"}
    body = {"cart_id": cart["id"], "address_id": address.json()["id"]}
    order = shop.client.post(f"{API}/orders", json=body, headers=headers).json()
    assert order["freight_fen"] > 0
    assert shop.pay(order["id"], "pm_card_visa").status_code == 200
    parcels = shop.get(order["id"])["parcels"]
    # the honey parcel is refunded whole before it ships: its freight goes back to the shopper
    _refund(shop, order["id"], [(shop.honey, 2)])
    post_pending(engine)
    entries = session.exec(select(LedgerEntry).where(col(LedgerEntry.kind) == "freight")).all()
    owed = {e.producer_id: e.amount_fen for e in entries}
    by_producer = {p["producer"]: p["freight_fen"] for p in parcels}
    assert owed == {
        tea_maker.id: by_producer[tea_maker.code],
        honey_maker.id: by_producer[honey_maker.code],
    }
    with session_scope(engine) as s:
        result = check_ledger(s, gateway=gateway)
    assert result.mismatches == []
    paid_back = 2 * 4000 + by_producer[honey_maker.code]
    assert result.stripe_net_fen == order["total_fen"] - paid_back == result.ledger_net_fen
