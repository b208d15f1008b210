"""`GET /search` and `GET /search/suggest` over the seed catalog, and the search log."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from service.search.models import SearchLog
from service.search.request import SearchRequest
from service.search.schemas import SearchResponse, SuggestResponse
from service.settings import get_settings
from tests.factories import auth, make_user


@pytest.fixture
def api(seed_catalog: Engine, client: TestClient) -> TestClient:
    return client


def _search(api: TestClient, **params: object) -> dict:
    response = api.get("/api/v1/search", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_the_issue_queries_find_honey_first(api: TestClient) -> None:
    for query in ("蜂蜜", "fengmi", "峰蜜"):
        body = _search(api, q=query)
        assert body["total"] >= 5
        assert all(hit["category"] == "honey" for hit in body["hits"])
        assert body["facets"]["category"] == {"honey": body["total"]}
        assert "<em>" in body["hits"][0]["highlight"]


def test_spec_query_boosts_and_shows_fitting_variants(api: TestClient) -> None:
    body = _search(api, q="耙耙柑 5斤 礼盒")
    assert body["interpreted"]["spec"] == {"net_weight_g": 2500, "packaging": "gift_box"}
    first = body["hits"][0]
    assert first["code"] == "meishan-chunjian-premium"
    assert [(v["net_weight_g"], v["packaging"]) for v in first["variants"]] == [(2500, "gift_box")]
    fitting = [
        hit["code"]
        for hit in body["hits"]
        if any((v["net_weight_g"], v["packaging"]) == (2500, "gift_box") for v in hit["variants"])
    ]
    assert body["matched_all"] == len(fitting)
    assert "meishan-chunjian-standard" not in fitting  # no gift box: shown, but after
    codes = [hit["code"] for hit in body["hits"]]
    assert codes.index("meishan-chunjian-standard") > codes.index(first["code"])


def test_facets_count_every_result_and_filters_narrow(api: TestClient) -> None:
    everything = _search(api, q="眉山", limit=100)
    assert sum(everything["facets"]["region"].values()) == everything["total"] == 14
    citrus = _search(api, q="眉山", category="fruit", limit=100)  # a parent takes its children
    assert citrus["total"] == everything["facets"]["category"]["citrus"]
    gift = _search(api, q="眉山", packaging="gift_box", limit=100)
    assert gift["total"] == everything["facets"]["packaging"]["gift_box"]
    cheap = _search(api, q="眉山", max_price_fen=3000, limit=100)
    assert cheap["hits"] and all(
        any(v["price_fen"] <= 3000 for v in hit["variants"]) for hit in cheap["hits"]
    )
    assert sum(everything["facets"]["price_band"].values()) == everything["total"]


def test_empty_query_browses_the_catalog(api: TestClient) -> None:
    body = _search(api, q="", limit=5)
    assert body["total"] == 68 and len(body["hits"]) == 5


HOSTILE = ['"', "*", "NEAR(", "NEAR(蜂蜜, 5)", "2.5kg", "\x00\x07蜂蜜\x1b", "'; DROP TABLE x", "%_"]


def test_hostile_queries_answer_normally(api: TestClient) -> None:
    for query in HOSTILE:
        _search(api, q=query)
    assert _search(api, q="\x00\x07蜂蜜\x1b")["normalized"] == "蜂蜜"


def test_overlong_queries_and_bad_filters_are_422(api: TestClient) -> None:
    assert api.get("/api/v1/search", params={"q": "蜜" * 1000}).status_code == 422
    assert api.get("/api/v1/search", params={"q": "x", "limit": 101}).status_code == 422
    response = api.get("/api/v1/search", params={"q": "x", "category": "no-such"})
    assert response.status_code == 422
    assert response.json()["error"]["details"] == {"field": "category"}
    assert api.get("/api/v1/search", params={"packaging": "crate"}).status_code == 422


def test_every_search_is_logged_with_shopper_city_and_counts(
    api: TestClient, session: Session
) -> None:
    shopper, token = make_user(session, "shopper", city="成都")
    api.get("/api/v1/search", params={"q": "蜂蜜柚子茶"}, headers=auth(token))
    api.get("/api/v1/search", params={"q": " 峰蜜 "})
    api.get("/api/v1/search", params={"q": ""})  # browsing is not a search
    rows = session.exec(select(SearchLog).order_by(SearchLog.id)).all()  # type: ignore[arg-type]
    assert [(r.query, r.normalized_query) for r in rows] == [
        ("蜂蜜柚子茶", "蜂蜜柚子茶"),
        (" 峰蜜 ", "峰蜜"),
    ]
    assert (rows[0].shopper_id, rows[0].city) == (shopper.id, "成都")
    assert rows[0].result_count > 0 and rows[0].matched_all_count == 0
    assert rows[1].shopper_id is None and rows[1].result_count == rows[1].matched_all_count > 0


def test_a_bad_token_is_refused_and_not_logged(api: TestClient, session: Session) -> None:
    response = api.get("/api/v1/search", params={"q": "蜂蜜"}, headers=auth("not-a-token"))
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"
    assert session.exec(select(SearchLog)).first() is None


COMPLETIONS = [("蜂", "蜂蜜"), ("fen", "蜂蜜"), ("ppg", "耙耙柑"), ("眉山 pap", "眉山 耙耙柑")]


def test_suggest_completes_by_prefix_pinyin_and_initials(api: TestClient) -> None:
    for prefix, expected in COMPLETIONS:
        response = api.get("/api/v1/search/suggest", params={"q": prefix})
        assert response.status_code == 200
        texts = [s["text"] for s in response.json()["suggestions"]]
        assert expected in texts[:3], (prefix, texts)


def test_the_endpoints_use_the_backend_built_at_start_up_without_reading_settings(
    api: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    built = api.app.state.search_backend  # type: ignore[attr-defined]
    assert built.name == "builtin"
    asked: list[str] = []

    class Recording:
        name = "recording"

        def search(self, session: Session, request: SearchRequest) -> SearchResponse:
            asked.append(f"search {request.query}")
            return built.search(session, request)

        def suggest(self, session: Session, prefix: str, *, limit: int) -> SuggestResponse:
            asked.append(f"suggest {prefix}")
            return built.suggest(session, prefix, limit=limit)

    monkeypatch.setattr(api.app.state, "search_backend", Recording())  # type: ignore[attr-defined]
    before = get_settings.cache_info()
    assert _search(api, q="蜂蜜")["total"] >= 5
    assert api.get("/api/v1/search/suggest", params={"q": "feng"}).status_code == 200
    assert asked == ["search 蜂蜜", "suggest feng"]
    after = get_settings.cache_info()
    assert after.hits + after.misses == before.hits + before.misses  # settings were injected
