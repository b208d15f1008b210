"""The seed catalog's data: counts, references, formats and the planted gaps (no database)."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from catalog_seed.simulate import load_seed_catalog

CODE = re.compile(r"^[a-z0-9-]{1,64}$")
CATEGORY_CODE = re.compile(r"^[a-z0-9_-]{1,64}$")
PACKAGING = {"bulk", "standard", "gift_box", "family"}
STORAGE = {"ambient", "chilled", "frozen", "dry_cool"}
REQUIRED_SPECIALTIES = [
    "黄芩",
    "柴胡",
    "丹参",
    "黄芪",
    "不知火",
    "爱媛",
    "沃柑",
    "龙眼蜜",
    "荔枝蜜",
    "百花蜜",
    "六堡茶",
]


@pytest.fixture(scope="module")
def catalog() -> dict:
    return load_seed_catalog()


@pytest.fixture(scope="module")
def skus(catalog: dict) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                **variant,
                "product": p["code"],
                "title": p["title"],
                "category": p["category"],
                "producer": p["producer"],
            }
            for p in catalog["products"]
            for variant in p["variants"]
        ]
    )


def test_top_level_keys_and_record_fields_are_exactly_the_import_format(catalog: dict) -> None:
    # `shipping` (the producers' freight templates) is the format's optional sixth section
    assert set(catalog) == {"parks", "regions", "categories", "producers", "products", "shipping"}
    expected = {
        "parks": {"code", "name", "regions"},
        "regions": {"code", "name", "province"},
        "categories": {"code", "name", "parent"},
        "producers": {"code", "name", "region"},
        "products": {
            "code",
            "producer",
            "title",
            "title_en",
            "category",
            "description",
            "attributes",
            "variants",
        },
        "shipping": {"producer", "rules", "default", "free_over_fen", "chilled_max_days"},
    }
    for key, fields in expected.items():
        for record in catalog[key]:
            assert set(record) == fields, (key, record.get("code"))
    for product in catalog["products"]:
        assert set(product["attributes"]) == {
            "grade",
            "organic",
            "geo_indication",
            "harvest_months",
            "shelf_life_days",
            "storage",
        }
        for variant in product["variants"]:
            assert set(variant) == {"sku", "net_weight_g", "packaging", "price_fen", "stock"}


def test_counts_reach_the_minimums(catalog: dict, skus: pd.DataFrame) -> None:
    region_codes = {r["code"] for r in catalog["regions"]}
    assert len(region_codes) >= 6
    assert {"tongchuan", "meishan", "wuzhou", "guanghan"} <= region_codes
    assert len(catalog["producers"]) >= 12
    assert len(catalog["products"]) >= 60
    assert len(skus) >= 150


def test_required_parks_cover_their_regions(catalog: dict) -> None:
    parks = {p["code"]: set(p["regions"]) for p in catalog["parks"]}
    assert parks["guanghan-park"] == {"guanghan", "meishan"}
    assert parks["tongchuan-park"] == {"tongchuan"}
    assert parks["wuzhou-park"] == {"wuzhou"}
    covered = set().union(*parks.values())
    assert covered == {r["code"] for r in catalog["regions"]}


def test_every_reference_resolves(catalog: dict) -> None:
    regions = {r["code"] for r in catalog["regions"]}
    producers = {p["code"] for p in catalog["producers"]}
    categories = {c["code"] for c in catalog["categories"]}
    assert all(set(p["regions"]) <= regions for p in catalog["parks"])
    assert all(p["region"] in regions for p in catalog["producers"])
    assert all(p["producer"] in producers for p in catalog["products"])
    assert all(p["category"] in categories for p in catalog["products"])


def test_categories_form_a_tree_listed_parents_first_and_products_use_leaves(catalog: dict) -> None:
    seen: set[str] = set()
    for category in catalog["categories"]:
        assert category["parent"] is None or category["parent"] in seen, category["code"]
        seen.add(category["code"])
    parents = {c["parent"] for c in catalog["categories"]}
    assert all(p["category"] not in parents for p in catalog["products"])


def test_codes_are_unique_and_well_formed(catalog: dict, skus: pd.DataFrame) -> None:
    for key in ("parks", "regions", "producers", "products"):
        codes = [record["code"] for record in catalog[key]]
        assert len(codes) == len(set(codes)), key
        assert all(CODE.match(code) for code in codes), key
    assert all(CATEGORY_CODE.match(c["code"]) for c in catalog["categories"])
    assert skus["sku"].is_unique
    assert skus["sku"].map(lambda sku: bool(CODE.match(sku))).all()


def test_variants_have_valid_packaging_and_positive_figures(skus: pd.DataFrame) -> None:
    assert set(skus["packaging"]) <= PACKAGING
    assert (skus["price_fen"] > 0).all() and (skus["net_weight_g"] > 0).all()
    assert skus["stock"].between(20, 500).all()
    assert (skus.groupby("product").size() >= 2).mean() > 0.9  # several specs per product


def test_attributes_are_valid(catalog: dict) -> None:
    for product in catalog["products"]:
        attributes = product["attributes"]
        months = attributes["harvest_months"]
        assert months and all(1 <= m <= 12 for m in months) and len(set(months)) == len(months)
        assert attributes["storage"] in STORAGE
        assert attributes["shelf_life_days"] > 0
        assert isinstance(attributes["organic"], bool) and isinstance(
            attributes["geo_indication"], bool
        )
        assert product["title_en"].isascii() and product["description"]


@pytest.mark.parametrize("word", REQUIRED_SPECIALTIES)
def test_required_specialties_are_listed(catalog: dict, word: str) -> None:
    assert any(word in p["title"] for p in catalog["products"])


def test_chunjian_is_listed(catalog: dict) -> None:
    assert any("耙耙柑" in p["title"] or "春见" in p["title"] for p in catalog["products"])


def test_honey_yuzu_tea_is_not_sold(catalog: dict) -> None:
    assert not any("柚子茶" in p["title"] for p in catalog["products"])


def test_wuzhou_honey_is_mostly_kilogram_tubs_with_few_small_gift_jars(
    catalog: dict, skus: pd.DataFrame
) -> None:
    wuzhou = {p["code"] for p in catalog["producers"] if p["region"] == "wuzhou"}
    honey = skus[(skus["category"] == "honey") & skus["producer"].isin(wuzhou)]
    tubs = honey["net_weight_g"] >= 1000
    small_jars = (honey["net_weight_g"] <= 250) & (honey["packaging"] == "gift_box")
    assert tubs.mean() > 0.5
    assert 0 < small_jars.sum() <= 0.15 * len(honey)


def test_prices_are_at_realistic_retail_levels(skus: pd.DataFrame) -> None:
    chunjian = skus[skus["title"].str.contains("耙耙柑") & (skus["net_weight_g"] == 2500)]
    assert chunjian["price_fen"].between(4000, 9000).all() and len(chunjian) > 0
    longan = skus[skus["title"].str.contains("龙眼蜜") & (skus["net_weight_g"] == 500)]
    assert longan["price_fen"].between(5800, 9800).all() and len(longan) > 0
    huangqi = skus[skus["title"].str.contains("黄芪") & (skus["net_weight_g"] == 500)]
    assert huangqi[huangqi["packaging"] == "standard"]["price_fen"].between(3000, 8000).all()


def test_seasons_follow_the_real_harvests(catalog: dict) -> None:
    months = {p["title"]: set(p["attributes"]["harvest_months"]) for p in catalog["products"]}

    def of(word: str) -> set[int]:
        return set().union(*(m for title, m in months.items() if word in title))

    assert of("沃柑") <= {1, 2, 3, 4}
    assert of("耙耙柑") <= {12, 1, 2, 3, 4}
    assert of("黄芪") <= {9, 10, 11}
    assert of("荔枝蜜") <= {4, 5}
    assert of("龙眼蜜") <= {4, 5, 6}
    assert of("六堡茶") == set(range(1, 13))
