"""Every answer carries nosniff; pages carry a strict policy; /docs works from local files."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from service.kit.security_headers import PAGE_POLICY


def test_docs_page_loads_only_local_assets(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    assert page.headers["content-security-policy"] == PAGE_POLICY
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["cache-control"] == "no-store"
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert sources and all(s.startswith("/docs/") for s in sources), sources
    assert "<script>" not in page.text  # no inline script: the CSP would refuse it
    for source in sources:
        asset = client.get(source)
        assert asset.status_code == 200, source
        assert len(asset.content) > 100, source


def test_docs_initialiser_asks_no_outside_validator(client: TestClient) -> None:
    script = client.get("/docs/init.js").text
    assert "validatorUrl: null" in script
    assert "/openapi.json" in script
    assert client.get("/openapi.json").json()["openapi"].startswith("3.")


def test_json_answers_are_not_sniffed_and_not_given_a_page_policy(client: TestClient) -> None:
    answer = client.get("/healthz")
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert "content-security-policy" not in answer.headers
    missing = client.get("/api/v1/products/nothing-here")
    assert missing.status_code == 404
    assert missing.headers["x-content-type-options"] == "nosniff"


def test_redoc_from_a_cdn_is_not_served(client: TestClient) -> None:
    assert client.get("/redoc").status_code == 404
