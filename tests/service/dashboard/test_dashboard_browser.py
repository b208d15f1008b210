"""The dashboard in a real headless Chromium: it draws every chart offline, filters, and prints.

A uvicorn server runs in a thread on a free 127.0.0.1 port against the test database, loaded with
the seed catalog and a short simulated history. Screenshots go to `test-output/dashboard/` at the
repository root (ignored by git) so a person can look at what the browser drew.
"""

from __future__ import annotations

import json
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import uvicorn
from sqlalchemy import Engine
from sqlmodel import Session

from catalog_seed.simulate import load_seed_catalog, simulate_history, write_history_csv
from service.accounts.models import Role
from service.analytics.refresh import run_refresh
from service.app import create_app
from service.catalog.cli import SEED_CATALOG, import_catalog_file
from service.catalog.models import Park
from service.history.orders_import import import_orders_file
from service.history.searches_import import import_searches_file
from service.kit.db import session_scope
from service.kit.lookup import find
from service.reports.export import catalog_names, render_report_html
from service.reports.service import demand_report_for_park, suggestions_for_park
from tests.factories import make_user
from tests.service.reports.test_export import CHARTS

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
OUTPUT = Path(__file__).resolve().parents[3] / "test-output" / "dashboard"
PARK = "wuzhou-park"  # its honey and tea carry the planted Hangzhou and 六堡茶 signals
HISTORY_WEEKS = 40
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
LOCAL_SCHEMES = {"data", "about", "file", "chrome", "devtools"}

pytestmark = pytest.mark.skipif(
    not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
    reason="needs Debian's chromium and chromium-driver (.ci/run installs them)",
)
webdriver = pytest.importorskip("selenium.webdriver")

CHARTS_DRAWN_JS = """
return Array.from(document.querySelectorAll('svg[data-chart]')).map(svg => {
  const drawn = Array.from(svg.querySelectorAll('path, rect')).filter(el => {
    const box = el.getBoundingClientRect();
    return el.tagName === 'rect' ? box.width > 0 && box.height > 0 : box.width + box.height > 0;
  });
  const box = svg.getBoundingClientRect();
  return {chart: svg.dataset.chart, marks: drawn.length, width: box.width, height: box.height};
});
"""


def seed_park_history(engine: Engine) -> None:
    """The seed catalog and a short simulated history, imported and analysed like `make run`."""
    import_catalog_file(SEED_CATALOG)
    today = datetime.now(UTC).date()
    end = today - timedelta(days=today.weekday())
    history = simulate_history(load_seed_catalog(), end=end, weeks=HISTORY_WEEKS, scale=0.3)
    with tempfile.TemporaryDirectory() as tmp:
        orders, searches = Path(tmp) / "orders.csv", Path(tmp) / "searches.csv"
        write_history_csv(history, orders_path=orders, searches_path=searches)
        import_orders_file(orders, engine=engine)
        import_searches_file(searches, engine=engine)
    run_refresh(engine, train_reco=False)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_server(engine: Engine) -> Iterator[str]:
    """The app served by uvicorn in a thread; yields its base URL."""
    port = free_port()
    config = uvicorn.Config(
        create_app(engine=engine), host="127.0.0.1", port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def chromium(profile: Path, *extra: str) -> Iterator[Any]:
    """Headless Chromium with its console and network logs, nothing fetched in the background."""
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--window-size=1280,1000",
        f"--user-data-dir={profile}",
        *extra,
    ):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    options.add_experimental_option("prefs", {"intl.accept_languages": "zh-CN,zh"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def requested_urls(driver: Any) -> list[str]:
    """Every URL the page asked the network for since the last call."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def foreign(urls: list[str]) -> list[str]:
    """The URLs that would leave this machine."""
    return [
        u
        for u in urls
        if urlsplit(u).scheme not in LOCAL_SCHEMES and urlsplit(u).hostname not in LOCAL_HOSTS
    ]


def console_errors(driver: Any) -> list[dict[str, Any]]:
    return [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def charts_drawn(driver: Any) -> dict[str, dict[str, float]]:
    return {c["chart"]: c for c in driver.execute_script(CHARTS_DRAWN_JS)}


def assert_all_drawn(drawn: dict[str, dict[str, float]], expected: set[str]) -> None:
    assert set(drawn) == expected, drawn
    for chart, info in drawn.items():
        assert info["marks"] > 0 and info["width"] > 100 and info["height"] > 20, (chart, info)


def save_full_page(driver: Any, name: str) -> Path:
    """A screenshot of the whole page (the window grown to the document's height)."""
    OUTPUT.mkdir(parents=True, exist_ok=True)
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1280, int(height) + 40)
    path = OUTPUT / name
    driver.save_screenshot(str(path))
    driver.set_window_size(1280, 1000)
    return path


EVERY_CHART = set(CHARTS)


@pytest.mark.timeout(600)
def test_dashboard_draws_offline_and_filters(
    engine: Engine, session: Session, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    seed_park_history(engine)
    park = find(session, Park, PARK)
    _, token = make_user(session, Role.operator, park=park)
    with running_server(engine) as base, chromium(tmp_path / "profile") as driver:
        driver.get(f"{base}/parks/{PARK}/dashboard")
        assert urlsplit(driver.current_url).path == "/signin"
        driver.find_element(By.NAME, "token").send_keys(token)
        driver.find_element(By.CSS_SELECTOR, "form.signin button").click()
        WebDriverWait(driver, 60).until(lambda d: "/dashboard" in d.current_url)
        assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "zh-CN"
        assert_all_drawn(charts_drawn(driver), EVERY_CHART)
        units_before = driver.find_element(By.CSS_SELECTOR, '[data-kpi="1"]').text
        cities_before = charts_drawn(driver)["sales-by-city"]["marks"]
        shot = save_full_page(driver, "dashboard.png")

        city = Select(driver.find_element(By.NAME, "city"))
        chosen = city.options[2].get_attribute("value")  # [0] is "all"; take the second city
        city.select_by_index(2)
        driver.find_element(By.CSS_SELECTOR, "form.filters button").click()
        WebDriverWait(driver, 60).until(lambda d: "city=" in d.current_url)
        assert (
            Select(driver.find_element(By.NAME, "city")).first_selected_option.get_attribute(
                "value"
            )
            == chosen
        )
        assert driver.find_element(By.CSS_SELECTOR, '[data-kpi="1"]').text != units_before
        drawn = charts_drawn(driver)
        assert drawn["sales-by-city"]["marks"] == 1 < cities_before
        assert drawn["weekly-demand"]["marks"] > 0
        save_full_page(driver, "dashboard-filtered.png")

        urls = requested_urls(driver)
        assert any(u.startswith(f"{base}/parks/{PARK}/dashboard?") for u in urls)  # logs work
        assert foreign(urls) == []
        assert console_errors(driver) == []
    assert shot.stat().st_size > 10_000


@pytest.mark.timeout(600)
def test_exported_html_shows_the_charts_with_the_network_off(
    engine: Engine, tmp_path: Path
) -> None:
    seed_park_history(engine)
    with session_scope(engine, readonly=True) as s:
        report = demand_report_for_park(s, park_code=PARK, since=None, until=None)
        suggestions = suggestions_for_park(s, park_code=PARK)
        names = catalog_names(s)
        park = find(s, Park, PARK)
        assert park is not None
        info = {"code": park.code, "name": park.name}
    exported = tmp_path / "report.html"
    exported.write_text(
        render_report_html(report, park=info, suggestions=suggestions, lang="en", names=names),
        encoding="utf-8",
    )
    no_network = "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost"
    with chromium(tmp_path / "profile", no_network) as driver:
        driver.execute_cdp_cmd("Network.enable", {})
        driver.execute_cdp_cmd(
            "Network.emulateNetworkConditions",
            {"offline": True, "latency": 0, "downloadThroughput": 0, "uploadThroughput": 0},
        )
        driver.get(exported.as_uri())
        assert_all_drawn(charts_drawn(driver), EVERY_CHART)
        assert "Demand report" in driver.title
        save_full_page(driver, "export-offline.png")
        urls = requested_urls(driver)
        # the file itself and nothing else (chrome:// and data: are the browser's start page)
        fetched = [u for u in urls if urlsplit(u).scheme not in ("chrome", "data")]
        assert fetched == [exported.as_uri()]
        assert foreign(urls) == []
        assert console_errors(driver) == []
