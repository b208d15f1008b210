"""The dashboard over HTTP: cookie sign-in, who may read it, filters, languages."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from service.accounts.deps import SESSION_COOKIE
from service.accounts.models import Role
from service.analytics.refresh import run_refresh
from service.catalog.models import Park
from service.history.csv_format import ORDER_COLUMNS
from service.history.orders_import import import_orders_file
from tests.factories import (
    make_category,
    make_park,
    make_producer,
    make_product,
    make_region,
    make_user,
    make_variant,
)
from tests.service.reports.test_export import CHARTS, charts_in

WEEKS = 16
# (city, sku index, units per week): Shanghai buys both SKUs, Chengdu only the citrus.
PATTERN = (("上海", 0, 3), ("上海", 1, 2), ("成都", 0, 5))


@dataclass
class ParkWithSales:
    park: Park
    operator_token: str
    units_by_city: dict[str, int]
    units_by_category: dict[str, int]


def arrange_park_with_sales(session: Session, engine: Engine, tmp_path: Path) -> ParkWithSales:
    """A park selling citrus and honey to Shanghai and Chengdu for WEEKS weeks (an orders file)."""
    park = make_park(session)
    region = make_region(session, park=park)
    producer = make_producer(session, region=region, code="meishan-coop", name="眉山合作社")
    fruit = make_category(session, code="fruit", name="水果")
    citrus = make_category(session, parent=fruit, code="citrus", name="柑橘")
    honey = make_category(session, code="honey", name="蜂蜜")
    skus, categories = [], ["citrus", "honey"]
    for category, title in ((citrus, "眉山春见耙耙柑"), (honey, "梧州龙眼蜜")):
        product = make_product(session, producer=producer, category=category, title=title)
        skus.append(make_variant(session, product=product).sku)
    _, token = make_user(session, Role.operator, park=park)
    monday = datetime.now(UTC).date() - timedelta(days=datetime.now(UTC).weekday())
    path = tmp_path / "orders.csv"
    units_by_city: dict[str, int] = {}
    units_by_category: dict[str, int] = {}
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(ORDER_COLUMNS)
        for week in range(WEEKS):
            day = monday - timedelta(weeks=WEEKS - week, days=-2)
            for n, (city, sku_index, units) in enumerate(PATTERN):
                quantity = units + week % 3
                writer.writerow(
                    [
                        f"o{week}-{n}",
                        f"{day.isoformat()}T10:00:00+00:00",
                        f"s-{city}",
                        city,
                        skus[sku_index],
                        quantity,
                        5000,
                    ]
                )
                units_by_city[city] = units_by_city.get(city, 0) + quantity
                code = categories[sku_index]
                units_by_category[code] = units_by_category.get(code, 0) + quantity
    import_orders_file(path, engine=engine)
    run_refresh(engine, train_reco=False)
    return ParkWithSales(park, token, units_by_city, units_by_category)


@pytest.fixture
def sales(session: Session, engine: Engine, tmp_path: Path) -> ParkWithSales:
    return arrange_park_with_sales(session, engine, tmp_path)


def dashboard_url(park: Park, query: str = "") -> str:
    return f"/parks/{park.code}/dashboard" + (f"?{query}" if query else "")


def kpi_units(html: str) -> int:
    match = re.search(r'data-kpi="1">([\d,]+)<', html)
    assert match, "the units KPI is missing"
    return int(match.group(1).replace(",", ""))


def test_signin_keeps_the_token_in_an_httponly_cookie(
    client: TestClient, sales: ParkWithSales
) -> None:
    form = client.get("/signin").text
    assert 'name="token"' in form and 'method="post"' in form
    resp = client.post("/signin", data={"token": sales.operator_token}, follow_redirects=False)
    assert resp.status_code == 303
    assert resp.headers["location"] == dashboard_url(sales.park)
    cookie = resp.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Secure" not in cookie  # plain http (make run on 127.0.0.1) must still get it back
    secure = client.post(
        "https://testserver/signin", data={"token": sales.operator_token}, follow_redirects=False
    )
    assert "Secure" in secure.headers["set-cookie"]


def test_signin_refuses_a_bad_token_and_goes_back_only_to_this_site(
    client: TestClient, sales: ParkWithSales
) -> None:
    bad = client.post("/signin", data={"token": "nope"}, follow_redirects=False)
    assert bad.status_code == 401 and 'name="token"' in bad.text
    assert SESSION_COOKIE not in bad.headers.get("set-cookie", "")
    away = client.post(
        "/signin",
        data={"token": sales.operator_token, "next": "//evil.example/x"},
        follow_redirects=False,
    )
    assert away.headers["location"] == dashboard_url(sales.park)
    back = client.post(
        "/signin",
        data={"token": sales.operator_token, "next": dashboard_url(sales.park, "city=成都")},
        follow_redirects=False,
    )
    assert unquote(back.headers["location"]) == dashboard_url(sales.park, "city=成都")


def test_without_sign_in_the_dashboard_sends_to_the_form(
    client: TestClient, sales: ParkWithSales
) -> None:
    resp = client.get(dashboard_url(sales.park, "city=x"), follow_redirects=False)
    assert resp.status_code == 303
    assert resp.headers["location"] == (
        f"/signin?next=%2Fparks%2F{sales.park.code}%2Fdashboard%3Fcity%3Dx"
    )
    client.cookies.set(SESSION_COOKIE, "expired-or-forged")
    assert client.get(dashboard_url(sales.park), follow_redirects=False).status_code == 303


def test_the_operator_of_the_park_sees_every_chart(
    client: TestClient, sales: ParkWithSales
) -> None:
    client.post("/signin", data={"token": sales.operator_token})
    resp = client.get(dashboard_url(sales.park))
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/html")
    html = resp.text
    drawn = charts_in(html).marks
    assert {"weekly-demand", "sales-by-category", "sales-by-city", "top-products"} <= set(drawn)
    assert set(drawn) <= set(CHARTS)
    assert all(count > 0 for count in drawn.values())
    assert kpi_units(html) == sum(sales.units_by_city.values())
    assert "眉山春见耙耙柑" in html and "上海" in html and "成都" in html
    assert "http://" not in html and "https://" not in html


@pytest.mark.parametrize("role", ["other_operator", "producer", "shopper"])
def test_others_are_refused(
    client: TestClient, session: Session, sales: ParkWithSales, role: str
) -> None:
    if role == "other_operator":
        _, token = make_user(session, Role.operator, park=make_park(session))
    elif role == "producer":
        _, token = make_user(session, Role.producer, producer=make_producer(session))
    else:
        _, token = make_user(session, Role.shopper)
    signin = client.post("/signin", data={"token": token}, follow_redirects=False)
    assert signin.status_code == (303 if role == "other_operator" else 403)
    client.cookies.set(SESSION_COOKIE, token)
    resp = client.get(dashboard_url(sales.park))
    assert resp.status_code == 403
    assert resp.headers["content-type"].startswith("text/html")
    assert "data-chart" not in resp.text


def test_an_admin_may_read_any_park_and_an_unknown_park_is_404(
    client: TestClient, session: Session, sales: ParkWithSales
) -> None:
    _, token = make_user(session, Role.admin)
    signin = client.post("/signin", data={"token": token}, follow_redirects=False)
    assert signin.headers["location"] == dashboard_url(sales.park)  # the only park there is
    assert client.get(dashboard_url(sales.park)).status_code == 200
    assert client.get("/parks/no-such-park/dashboard").status_code == 404


def test_filters_change_the_numbers(client: TestClient, sales: ParkWithSales) -> None:
    client.post("/signin", data={"token": sales.operator_token})
    everything = client.get(dashboard_url(sales.park)).text
    chengdu = client.get(dashboard_url(sales.park, "since=&until=&category=&city=成都")).text
    assert kpi_units(chengdu) == sales.units_by_city["成都"] < kpi_units(everything)
    assert len(charts_in(chengdu).bar_widths["sales-by-city"]) == 1
    assert 'value="成都" selected' in chengdu and 'value="上海"' in chengdu
    honey = client.get(dashboard_url(sales.park, "category=honey")).text
    assert kpi_units(honey) == sales.units_by_category["honey"]
    assert len(charts_in(honey).bar_widths["sales-by-category"]) == 1
    fruit = client.get(dashboard_url(sales.park, "category=fruit")).text  # a parent: its tree
    assert kpi_units(fruit) == sales.units_by_category["citrus"]
    late = client.get(dashboard_url(sales.park, f"since={datetime.now(UTC).date()}")).text
    assert kpi_units(late) == 0 and "没有数据" in late


def test_bad_filters_are_an_html_error(client: TestClient, sales: ParkWithSales) -> None:
    client.post("/signin", data={"token": sales.operator_token})
    bad_date = client.get(dashboard_url(sales.park, "since=yesterday"))
    assert bad_date.status_code == 400 and "since" in bad_date.text
    backwards = client.get(dashboard_url(sales.park, "since=2026-02-01&until=2026-01-01"))
    assert backwards.status_code == 422
    unknown = client.get(dashboard_url(sales.park, "category=nothing"))
    assert unknown.status_code == 422 and "<html" in unknown.text


def test_labels_follow_accept_language(client: TestClient, sales: ParkWithSales) -> None:
    client.post("/signin", data={"token": sales.operator_token})
    zh = client.get(dashboard_url(sales.park)).text
    en = client.get(dashboard_url(sales.park), headers={"Accept-Language": "en-GB,en;q=0.9"}).text
    assert "需求报告" in zh and "Demand report" not in zh
    assert "Demand report" in en and "Shanghai" in en and "Citrus" in en


def test_signout_forgets_the_cookie(client: TestClient, sales: ParkWithSales) -> None:
    client.post("/signin", data={"token": sales.operator_token})
    resp = client.post("/signout", follow_redirects=False)
    assert resp.status_code == 303 and resp.headers["location"] == "/signin"
    assert f'{SESSION_COOKIE}=""' in resp.headers["set-cookie"]
    assert client.get(dashboard_url(sales.park), follow_redirects=False).status_code == 303


def test_before_any_refresh_the_page_says_how_to_make_the_report(
    client: TestClient, session: Session
) -> None:
    park = make_park(session)
    _, token = make_user(session, Role.operator, park=park)
    client.post("/signin", data={"token": token})
    resp = client.get(dashboard_url(park))
    assert resp.status_code == 409 and resp.headers["content-type"].startswith("text/html")
    assert "techan analytics refresh" in resp.text and "data-chart" not in resp.text
