"""Offline metrics and splits, checked against values worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from recommender.reco.evaluation import (
    basket_completion,
    evaluate_rankings,
    ndcg_at_k,
    prepare_temporal_split,
    recall_at_k,
    relevant_items,
    temporal_split,
    top_k_of_rows,
)


def test_recall_and_ndcg_on_a_hand_checked_list() -> None:
    # Top 3 of [a, b, c, d] holds one of {b, d, e}, at rank 2.
    recommended, relevant = ["a", "b", "c", "d"], {"b", "d", "e"}
    assert recall_at_k(recommended, relevant, k=3) == pytest.approx(1 / 3)
    dcg = 1 / math.log2(3)
    ideal = 1 + 1 / math.log2(3) + 1 / math.log2(4)
    assert ndcg_at_k(recommended, relevant, k=3) == pytest.approx(dcg / ideal)  # 0.2961
    # With k = 4, d (rank 4) counts too; recall's denominator is min(k, |relevant|) = 3.
    assert recall_at_k(recommended, relevant, k=4) == pytest.approx(2 / 3)
    dcg4 = 1 / math.log2(3) + 1 / math.log2(5)
    assert ndcg_at_k(recommended, relevant, k=4) == pytest.approx(dcg4 / ideal)


def test_metrics_reach_one_for_a_perfect_list_shorter_than_k() -> None:
    assert recall_at_k(["x", "y"], {"x", "y"}, k=10) == 1.0
    assert ndcg_at_k(["x", "y"], {"x", "y"}, k=10) == pytest.approx(1.0)
    assert ndcg_at_k(["z", "x"], {"x"}, k=10) == pytest.approx(1 / math.log2(3))
    with pytest.raises(ValueError):
        recall_at_k(["x"], set(), k=10)


def test_evaluate_rankings_averages_shoppers_and_scores_missing_lists_zero() -> None:
    rankings = {"u1": ["a", "b"], "u2": ["c"]}
    relevant = {"u1": {"a"}, "u2": {"d"}, "u3": {"a"}, "u4": set()}
    metrics = evaluate_rankings(rankings, relevant, k=2)
    assert metrics.users == 3  # u4 has nothing to find
    assert metrics.recall == pytest.approx((1 + 0 + 0) / 3)
    assert metrics.ndcg == pytest.approx((1 + 0 + 0) / 3)


def test_temporal_split_and_new_item_targets() -> None:
    ts = pd.to_datetime(["2017-10-30", "2017-11-01", "2017-11-02", "2017-11-03"], utc=True)
    frame = pd.DataFrame(
        {
            "shopper_id": ["u", "u", "u", "v"],
            "item": ["a", "a", "b", "c"],
            "ts": ts,
            "quantity": [1, 1, 1, 1],
            "city": ["上海"] * 4,
        }
    )
    at = pd.Timestamp("2017-11-01", tz="UTC")
    train, test = temporal_split(frame, at=at)
    assert list(train["item"]) == ["a"] and list(test["item"]) == ["a", "b", "c"]
    assert relevant_items(test) == {"u": {"a", "b"}, "v": {"c"}}
    assert relevant_items(test, already_bought={"u": ["a"]}) == {"u": {"b"}, "v": {"c"}}
    split = prepare_temporal_split(frame, at=at, until=pd.Timestamp("2017-11-03", tz="UTC"))
    assert split.relevant == {"u": {"a", "b"}}
    assert split.relevant_new == {"u": {"b"}}
    assert split.cold_relevant == {}  # v's purchase falls after `until`


def test_top_k_of_rows_orders_best_first() -> None:
    scores = np.array([[0.1, 0.9, 0.5, 0.7], [3.0, 1.0, 2.0, 0.0]])
    assert top_k_of_rows(scores, k=3).tolist() == [[1, 3, 2], [0, 2, 1]]


def test_basket_completion_finds_the_rest_of_the_basket() -> None:
    baskets = pd.DataFrame(
        {"basket": ["b1", "b1", "b2", "b2", "b3"], "item": ["tea", "honey", "tea", "honey", "x"]}
    )
    partner = {"tea": ["honey"], "honey": ["tea"]}
    rows = basket_completion(
        baskets,
        rankers={"pair": lambda anchor: partner[anchor], "nothing": lambda anchor: []},
    )
    assert rows["pair"].users == 2  # b3 has a single item
    assert rows["pair"].recall == 1.0
    assert rows["nothing"].recall == 0.0
