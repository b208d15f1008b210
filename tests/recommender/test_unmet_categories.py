"""Unmet clusters map to the leaf category that explains them and reach its producers."""

from __future__ import annotations

import pandas as pd

from recommender.refresh import refresh_analytics
from recommender.unmet import unmet_clusters
from tests.recommender.small_frames import (
    OFFER_COLUMNS,
    ORDER_COLUMNS,
    SEARCH_COLUMNS,
    offer,
    order_lines,
    producers,
    search,
    typed,
)

END = pd.Timestamp("2024-06-03", tz="UTC")
TREE = pd.DataFrame(
    [
        ("bee_products", "蜂产品", None),
        ("honey", "蜂蜜", "bee_products"),
        ("tea", "茶叶", None),
        ("dark_tea", "黑茶", "tea"),
        ("herbal_tea", "代用茶", "tea"),
        ("fruit", "水果", None),
        ("cherry", "樱桃", "fruit"),
        ("dried_goods", "干货特产", None),
        ("nuts", "坚果", "dried_goods"),
    ],
    columns=["code", "name", "parent"],
)
# Like the seed catalog: honey titles say 蜜, never 蜂蜜; only the leaf's name does.
CATALOG = [
    offer("h1", title="梧州龙眼蜜", producer_code="cangwu"),
    offer("h2", title="苍梧原生成熟龙眼蜜", producer_code="cangwu"),
    offer("h3", title="梧州荔枝蜜", producer_code="cangwu"),
    offer("h4", title="苍梧鸭脚木冬蜜", producer_code="cangwu"),
    offer("h5", title="藤县百花蜜", producer_code="tengxian"),
    offer("h6", title="藤县百花巢蜜", producer_code="tengxian"),
    offer("t1", title="六堡茶 散茶 一级", producer_code="liubao", category="dark_tea"),
    offer("t2", title="中宁枸杞芽茶", producer_code="goji", category="herbal_tea"),
    offer("c1", title="铜川大樱桃 红灯", producer_code="yintai", category="cherry"),
    offer("w1", title="宜君薄皮核桃", producer_code="yijun", category="nuts"),
]
HONEY_YUZU = {"蜂蜜柚子茶", "柚子蜂蜜茶", "蜂蜜柚子", "柚子茶"}


def searches_of(counts: dict[str, tuple[int, int, int]]) -> pd.DataFrame:
    """query -> (how many searches, result_count, matched_all_count), 17 hours apart."""
    rows = [
        search(query, at=(END - pd.Timedelta(hours=1 + 17 * i)).isoformat(), **found)
        for query, (times, results, matched) in counts.items()
        for found in [{"results": results, "matched_all": matched}]
        for i in range(times)
    ]
    return typed(rows, SEARCH_COLUMNS)


SEARCHES = searches_of(
    {
        "蜂蜜柚子茶": (30, 14, 0),
        "柚子蜂蜜茶": (12, 17, 0),
        "蜂蜜柚子": (6, 9, 0),
        "柚子茶": (5, 5, 0),
        # 宜君薄皮核桃 is listed and matches every term: sold, not unmet, however few results.
        "核桃": (20, 1, 1),
        "薄皮核桃": (8, 1, 1),
        "宜君薄皮核桃": (5, 1, 1),
        "大闸蟹": (10, 0, 0),
        "蜂产品礼盒": (9, 0, 0),
    }
)


def clusters_of(searches: pd.DataFrame, offers: list[dict]) -> pd.DataFrame:
    frame = typed(offers, OFFER_COLUMNS)
    return unmet_clusters(searches, offers=frame, categories=TREE, end=END)


def cluster_with(clusters: pd.DataFrame, query: str) -> pd.Series:
    return clusters[clusters["queries"].map(lambda qs: query in qs)].iloc[0]


def test_honey_yuzu_maps_to_the_honey_leaf_not_its_parent_nor_tea() -> None:
    honey_yuzu = cluster_with(clusters_of(SEARCHES, CATALOG), "蜂蜜柚子茶")
    assert set(honey_yuzu["queries"]) <= HONEY_YUZU
    assert honey_yuzu["category"] == "honey"
    assert set(honey_yuzu["related_categories"]) == {"honey", "bee_products"}


def test_a_query_a_listed_product_fully_matches_is_not_unmet() -> None:
    # A park's report sees only the park's offers; the search (and its matched_all_count)
    # covered the whole platform, where another park lists 宜君薄皮核桃.
    for offers in (CATALOG, [o for o in CATALOG if o["category"] != "nuts"]):
        every_query = {q for qs in clusters_of(SEARCHES, offers)["queries"] for q in qs}
        assert every_query.isdisjoint({"核桃", "薄皮核桃", "宜君薄皮核桃"})
        assert "大闸蟹" in every_query


def test_a_lone_shared_character_is_no_category_evidence() -> None:
    # Without the walnut listing 核桃 is unmet; 樱桃 and 大樱桃 share one character with it.
    unlisted = searches_of({"核桃": (20, 1, 0), "大闸蟹": (10, 0, 0)})
    clusters = clusters_of(unlisted, [o for o in CATALOG if o["category"] != "nuts"])
    assert cluster_with(clusters, "核桃")["category"] is None
    assert cluster_with(clusters, "大闸蟹")["category"] is None


def test_english_queries_find_their_category_through_english_titles() -> None:
    english = {
        "h1": "Wuzhou longan honey",
        "h5": "Tengxian wildflower honey",
        "t1": "Liubao dark tea, loose, grade one",
        "c1": "Tongchuan big cherries",
    }
    catalog = [{**o, "title_en": english.get(o["sku"])} for o in CATALOG]
    searches = searches_of({"honey yuzu tea": (12, 5, 0), "liubao brick": (6, 0, 0)})
    clusters = unmet_clusters(
        searches,
        offers=typed(catalog, OFFER_COLUMNS | {"title_en": "object"}),
        categories=TREE,
        end=END,
    )
    assert cluster_with(clusters, "honey yuzu tea")["category"] == "honey"
    assert cluster_with(clusters, "liubao brick")["category"] == "dark_tea"
    # Without English titles the same queries meet only the category codes.
    plain = clusters_of(searches, CATALOG)
    assert pd.isna(cluster_with(plain, "liubao brick")["category"])


def test_a_parent_stands_only_when_no_leaf_below_it_fits() -> None:
    clusters = clusters_of(SEARCHES, CATALOG)
    assert cluster_with(clusters, "蜂产品礼盒")["category"] == "bee_products"


def test_honey_yuzu_reaches_the_honey_producers_top_five_and_no_one_else() -> None:
    weeks = pd.date_range(END - pd.Timedelta(weeks=60), END, freq="7D", inclusive="left")
    orders = [
        line
        for at in weeks
        for row in CATALOG
        for line in order_lines(row, at=(at + pd.Timedelta(days=2)).isoformat(), n=3)
    ]
    codes = sorted({o["producer_code"] for o in CATALOG})
    result = refresh_analytics(
        orders=typed(orders, ORDER_COLUMNS),
        offers=typed(CATALOG, OFFER_COLUMNS),
        searches=SEARCHES,
        categories=TREE,
        producers=producers(*codes),
        now=END,
    )
    reached = set()
    for code, suggestions in result.suggestions.items():
        honey_yuzu = [
            s
            for s in suggestions[:5]
            if s.kind == "unmet_demand" and HONEY_YUZU & set(s.queries or [])
        ]
        if honey_yuzu:
            reached.add(code)
            assert honey_yuzu[0].category == "honey", honey_yuzu[0].to_dict()
    assert reached == {"cangwu", "tengxian"}
    # 大闸蟹 shares only 大 with 铜川大樱桃: the cherry grower is not told to farm crabs.
    assert not [s for s in result.suggestions["yintai"] if s.kind == "unmet_demand"]
    # The parent-level cluster reaches the honey producers too (honey lies under 蜂产品).
    parent_level = {
        code
        for code, suggestions in result.suggestions.items()
        for s in suggestions
        if s.kind == "unmet_demand" and "蜂产品礼盒" in (s.queries or [])
    }
    assert parent_level == {"cangwu", "tengxian"}
