"""Serving rules and artefacts of the shopper recommender, on a small planted purchase history."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from recommender.reco import (
    ItemInfo,
    RecoConfig,
    Recommender,
    RecoModel,
    list_versions,
    load_model,
    save_model,
    train_recommender,
)

NOW = pd.Timestamp("2024-12-15", tz="UTC")
# A small λ: the default is tuned for thousands of shoppers, these tests have ~90.
CONFIG = RecoConfig(ease_lambda=5.0, producer_cap=2)
PRODUCERS = {
    "wuzhou-honey": "wuzhou-bees",
    "liubao-tea": "liubao-farm",
    "rice": "grain-co",
    "shanghai-favourite": "pudong-farm",
    "hangzhou-longjing": "longjing-coop",
    "gift-box": "gift-co",
    "lychee": "south-orchard",
    "navel-orange": "south-orchard",
    "meishan-citrus": "meishan-orchard",
    **{f"farm-x-{i}": "farm-x" for i in range(5)},
    **{f"noise-{i}": f"small-farm-{i % 5}" for i in range(20)},
}
HARVEST = {"lychee": (6,), "navel-orange": (12,), "meishan-citrus": (11, 12, 1, 2)}


def purchase(
    shopper: str, item: str, *, days_ago: float, city: str = "上海", quantity: int = 1
) -> dict[str, object]:
    return {
        "shopper_id": shopper,
        "item": item,
        "ts": NOW - pd.Timedelta(days=days_ago),
        "quantity": quantity,
        "city": city,
    }


def planted_purchases() -> pd.DataFrame:
    """Honey buyers almost always buy Liubao tea; each city has its own recent favourite."""
    rng = np.random.default_rng(3)
    rows = []
    for n in range(80):
        shopper, city = f"s{n}", "上海" if n < 40 else "杭州"
        rows.append(purchase(shopper, "rice", days_ago=200, city=city))
        for noise in rng.choice(20, size=3, replace=False):
            rows.append(
                purchase(shopper, f"noise-{noise}", days_ago=rng.uniform(30, 300), city=city)
            )
        if n < 30:
            rows.append(purchase(shopper, "wuzhou-honey", days_ago=rng.uniform(30, 90), city=city))
        if n < 28 or 70 <= n < 75:
            rows.append(purchase(shopper, "liubao-tea", days_ago=rng.uniform(30, 90), city=city))
        if n < 20:
            rows.append(purchase(shopper, "shanghai-favourite", days_ago=5, city=city))
        if 40 <= n < 55:
            rows.append(purchase(shopper, "hangzhou-longjing", days_ago=5, city=city))
        if 55 <= n < 65:  # always bought together: equal co-occurrence scores
            for item in ("gift-box", "lychee", "navel-orange"):
                rows.append(purchase(shopper, item, days_ago=60, city=city))
    for i in range(5):
        rows.append(purchase("loyal", f"farm-x-{i}", days_ago=10, quantity=1))
        rows.append(purchase("loyal", f"farm-x-{i}", days_ago=20, quantity=1))
    rows += [purchase("loyal", f"noise-{i}", days_ago=100) for i in range(3)]
    rows += [purchase("citrus-fan", "meishan-citrus", days_ago=340)]  # last January
    rows += [purchase("citrus-fan", "liubao-tea", days_ago=d) for d in (3, 10, 17)]
    rows += [purchase("citrus-fan", "rice", days_ago=d) for d in (5, 12)]
    rows += [purchase(f"citrus-buyer-{i}", "meishan-citrus", days_ago=40) for i in range(3)]
    frame = pd.DataFrame(rows)
    frame["quantity"] = frame["quantity"].astype("int64")
    frame["ts"] = pd.to_datetime(frame["ts"], utc=True)
    return frame


def catalog(unavailable: frozenset[str] = frozenset()) -> list[ItemInfo]:
    return [
        ItemInfo(
            code=code,
            title=f"title of {code}",
            producer_code=producer,
            available=code not in unavailable,
            harvest_months=HARVEST.get(code, ()),
        )
        for code, producer in PRODUCERS.items()
    ]


@pytest.fixture(scope="module")
def model() -> RecoModel:
    return train_recommender(planted_purchases(), now=NOW, config=CONFIG)


@pytest.fixture()
def recommender(model: RecoModel) -> Recommender:
    return Recommender(model, catalog())


def codes(recommendations: list) -> list[str]:
    return [r.code for r in recommendations]


def test_also_bought_recovers_the_planted_pair(recommender: Recommender) -> None:
    related = codes(recommender.also_bought("wuzhou-honey", month=6))
    assert related[0] == "liubao-tea"
    assert "wuzhou-honey" not in related


def test_honey_buyer_without_tea_is_offered_tea_first_among_new_items(
    recommender: Recommender, model: RecoModel
) -> None:
    # s28 and s29 bought honey but never tea.
    for shopper in ("s28", "s29"):
        listed = codes(recommender.for_shopper(shopper, city="上海", month=6))
        owned = set(planted_purchases().query("shopper_id == @shopper")["item"])
        new = [code for code in listed if code not in owned]
        assert new[0] == "liubao-tea"


def test_unavailable_and_unknown_items_are_never_returned(model: RecoModel) -> None:
    hidden = frozenset({"liubao-tea", "rice", "shanghai-favourite"})
    not_in_catalog = "noise-0"
    items = [info for info in catalog(hidden) if info.code != not_in_catalog]
    recommender = Recommender(model, items)
    lists = [recommender.also_bought(code, month=6, limit=20) for code in PRODUCERS]
    lists += [recommender.for_shopper(s, city="上海", month=6, limit=20) for s in model.shoppers]
    lists.append(recommender.for_shopper(None, city="上海", month=6, limit=20))
    returned = {code for listed in lists for code in codes(listed)}
    assert returned, "the rest of the catalog should still be recommended"
    assert not returned & (hidden | {not_in_catalog})


def test_update_items_applies_without_retraining(recommender: Recommender) -> None:
    assert codes(recommender.also_bought("wuzhou-honey", month=6))[0] == "liubao-tea"
    recommender.update_items(catalog(frozenset({"liubao-tea"})))
    assert "liubao-tea" not in codes(recommender.also_bought("wuzhou-honey", month=6))


def test_producer_spread_caps_one_producer_while_others_are_available(
    recommender: Recommender, model: RecoModel
) -> None:
    listed = recommender.for_shopper("loyal", city="上海", month=6, limit=6)
    producers = [PRODUCERS[code] for code in codes(listed)]
    assert len(listed) == 6
    assert producers.count("farm-x") == CONFIG.producer_cap
    uncapped = Recommender(replace(model, config=replace(CONFIG, producer_cap=0)), catalog())
    loyal_first = codes(uncapped.for_shopper("loyal", city="上海", month=6, limit=6))
    assert [PRODUCERS[code] for code in loyal_first].count("farm-x") == 5


def test_producer_spread_fills_from_one_producer_when_nothing_else_is_left(
    model: RecoModel,
) -> None:
    others = frozenset(code for code, producer in PRODUCERS.items() if producer != "farm-x")
    recommender = Recommender(model, catalog(others))
    listed = codes(recommender.for_shopper("loyal", city="上海", month=6, limit=5))
    assert sorted(listed) == [f"farm-x-{i}" for i in range(5)]


def test_in_season_item_beats_an_equally_scored_out_of_season_one(
    recommender: Recommender,
) -> None:
    # lychee (June) and navel-orange (December) were always bought together with gift-box.
    june = codes(recommender.also_bought("gift-box", month=6))
    december = codes(recommender.also_bought("gift-box", month=12))
    assert june[:2] == ["lychee", "navel-orange"]
    assert december[:2] == ["navel-orange", "lychee"]


def test_last_seasons_purchase_leads_when_its_harvest_is_back(recommender: Recommender) -> None:
    december = codes(recommender.for_shopper("citrus-fan", city="上海", month=12))
    june = codes(recommender.for_shopper("citrus-fan", city="上海", month=6))
    assert december[0] == "meishan-citrus"
    assert june[0] == "liubao-tea"  # out of season: the recent repeat purchase leads


def test_shopper_with_history_gets_own_repeat_purchases_first(recommender: Recommender) -> None:
    listed = codes(recommender.for_shopper("citrus-fan", city="上海", month=6, limit=3))
    assert listed[:2] == ["liubao-tea", "rice"]


def test_cold_start_gets_the_citys_most_popular(recommender: Recommender) -> None:
    assert codes(recommender.for_shopper(None, city="杭州", month=6))[0] == "hangzhou-longjing"
    assert codes(recommender.for_shopper("new", city="上海", month=6))[0] == "shanghai-favourite"
    overall = codes(recommender.for_shopper("new", city="北京", month=6))
    assert overall[:2] == ["shanghai-favourite", "hangzhou-longjing"]
    assert overall == codes(recommender.for_shopper(None, city=None, month=6))


def test_scores_are_best_first_and_json_ready(recommender: Recommender) -> None:
    for listed in (
        recommender.for_shopper("s3", city="上海", month=6),
        recommender.for_shopper(None, city="杭州", month=6),
        recommender.also_bought("wuzhou-honey", month=6),
    ):
        scores = [r.score for r in listed]
        assert scores == sorted(scores, reverse=True)
        assert all(type(r.to_dict()["score"]) is float for r in listed)
        assert all(r.title == f"title of {r.code}" for r in listed)


def test_unknown_item_and_bad_month(recommender: Recommender) -> None:
    assert recommender.also_bought("no-such-item", month=6) == []
    with pytest.raises(ValueError):
        recommender.for_shopper("s1", city=None, month=13)


def test_save_load_round_trip_in_versioned_directories(model: RecoModel, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        load_model(tmp_path)
    first = save_model(model, tmp_path)
    second = save_model(model, tmp_path)
    assert [p.name for p in list_versions(tmp_path)] == [first.name, second.name]
    assert first.name.startswith("reco-v1-") and second.name.startswith("reco-v2-")
    assert (tmp_path / "CURRENT").read_text().strip() == second.name
    assert {p.name for p in second.iterdir()} == {"arrays.npz", "metadata.json"}
    original, loaded = Recommender(model, catalog()), Recommender(load_model(tmp_path), catalog())
    for shopper in [*model.shoppers.tolist(), None]:
        for month in (6, 12):
            assert original.for_shopper(shopper, city="杭州", month=month) == loaded.for_shopper(
                shopper, city="杭州", month=month
            )
    for code in PRODUCERS:
        assert original.also_bought(code, month=6) == loaded.also_bought(code, month=6)
