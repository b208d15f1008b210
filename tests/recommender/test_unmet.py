"""Unmet searches cluster by meaning across word order, near-misses of titles are dropped."""

from __future__ import annotations

import pandas as pd

from recommender.unmet import (
    cluster_queries,
    is_noise,
    near_misses,
    unmet_clusters,
    unmet_searches,
)
from tests.recommender.small_frames import (
    OFFER_COLUMNS,
    SEARCH_COLUMNS,
    categories,
    offer,
    search,
    typed,
)

END = pd.Timestamp("2024-06-03", tz="UTC")
OFFERS = typed(
    [
        offer("h1", title="梧州龙眼蜜"),
        offer("h2", title="野生百花蜂蜜"),
        offer("c1", title="眉山春见耙耙柑", category="citrus"),
    ],
    OFFER_COLUMNS,
)


def searches_of(counts: dict[str, tuple[int, int, int]]) -> pd.DataFrame:
    """query -> (how many searches, result_count, matched_all_count), spread over 10 weeks."""
    rows = []
    for query, (times, results, matched_all) in counts.items():
        for i in range(times):
            at = (END - pd.Timedelta(hours=1 + 17 * i)).isoformat()
            rows.append(search(query, at=at, results=results, matched_all=matched_all))
    return typed(rows, SEARCH_COLUMNS)


def test_unmet_means_most_searches_find_nothing_matching_every_term() -> None:
    frame = pd.concat(
        [
            searches_of(
                {
                    "蜂蜜": (2, 5, 5),
                    "蜂蜜柚子茶": (2, 3, 0),  # found honey, not honey-yuzu tea
                    "榴莲": (2, 0, 0),
                    "龙眼蜜": (2, 1, 1),  # one result, but it matches: met
                    "核桃": (3, 1, 1),
                    "花胶": (1, 2, 2),
                }
            ),
            searches_of({"核桃": (1, 0, 0), "花胶": (3, 2, 0)}),
        ],
        ignore_index=True,
    )
    unmet = unmet_searches(frame)
    assert set(unmet["query"]) == {"蜂蜜柚子茶", "榴莲", "花胶"}
    assert (unmet["matched_all_count"] == 0).all()
    assert (unmet["query"] == "花胶").sum() == 3  # only its unmet searches count


def test_reordered_and_shortened_phrases_share_a_cluster() -> None:
    queries = ["蜂蜜柚子茶", "柚子蜂蜜茶", "蜂蜜柚子", "即食笋干", "香辣笋干", "榴莲", "车厘子"]
    labels = dict(zip(queries, cluster_queries(queries), strict=True))
    assert labels["蜂蜜柚子茶"] == labels["柚子蜂蜜茶"] == labels["蜂蜜柚子"]
    assert labels["即食笋干"] != labels["蜂蜜柚子茶"]
    assert labels["榴莲"] not in {labels["车厘子"], labels["蜂蜜柚子茶"]}


def test_near_misses_of_titles_are_recognised_but_longer_asks_are_not() -> None:
    titles = ["梧州龙眼蜜", "野生百花蜂蜜"]
    flags = near_misses(["野生百花蜂密", "梧州龙眼蜜", "蜂蜜柚子茶", "榴莲"], titles)
    assert flags.tolist() == [True, True, False, False]


def test_clusters_drop_near_misses_map_to_categories_and_rank_by_volume() -> None:
    frame = searches_of(
        {
            "蜂蜜柚子茶": (30, 2, 0),
            "柚子蜂蜜茶": (12, 2, 0),
            "蜂蜜柚子": (6, 2, 0),
            "野生百花蜂密": (
                25,
                0,
                0,
            ),  # a typo of an existing title: the search missed, not demand
            "榴莲": (8, 0, 0),
            "蜂蜜": (50, 2, 2),
        }
    )
    clusters = unmet_clusters(frame, offers=OFFERS, categories=categories(), end=END)
    first = clusters.iloc[0]
    assert set(first["queries"]) == {"蜂蜜柚子茶", "柚子蜂蜜茶", "蜂蜜柚子"}
    assert first["searches"] == 48
    assert first["category"] == "honey"
    assert first["results_avg"] == 2.0
    every_query = {q for qs in clusters["queries"] for q in qs}
    assert "野生百花蜂密" not in every_query and "蜂蜜" not in every_query
    assert clusters["searches"].is_monotonic_decreasing


def test_no_searches_no_clusters() -> None:
    clusters = unmet_clusters(
        typed([], SEARCH_COLUMNS), offers=OFFERS, categories=categories(), end=END
    )
    assert clusters.empty


def test_noise_is_never_unmet_demand() -> None:
    queries = ["???", "1111", "。。。", "aaaa", "! !", "蜂蜜", "fm", "5斤", "asdf", "zxc", "桂花蜜"]
    queries += ["qwerty", "hjkl", "LKJH", "测试", "test", "abab", "哈哈哈", "sdfgh", "fmfm"]
    noise = ["???", "1111", "。。。", "aaaa", "! !", "asdf", "zxc"]
    noise += ["qwerty", "hjkl", "LKJH", "测试", "test", "abab", "哈哈哈", "sdfgh", "fmfm"]
    assert [q for q in queries if is_noise(q)] == noise
    frame = searches_of({"???": (9, 0, 0), "1111": (9, 0, 0), "aaaa": (9, 0, 0), "榴莲": (2, 0, 0)})
    assert set(unmet_searches(frame)["query"]) == {"榴莲"}
