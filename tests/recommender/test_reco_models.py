"""Training pieces: EASE against its closed form, co-occurrence, popularity, history."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import sparse

from recommender.reco import RecoConfig, train_recommender
from recommender.reco.data import encode_interactions
from recommender.reco.models import item_popularity, shopper_history
from recommender.reco.neighbours import cooccurrence_neighbours, ease_neighbours, ease_weights

NOW = pd.Timestamp("2024-06-30", tz="UTC")


def frame_of(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    """(shopper, item, days before NOW) rows as an interactions frame."""
    return pd.DataFrame(
        {
            "shopper_id": [r[0] for r in rows],
            "item": [r[1] for r in rows],
            "ts": [NOW - pd.Timedelta(days=r[2]) for r in rows],
            "quantity": np.ones(len(rows), dtype=np.int64),
            "city": ["上海"] * len(rows),
        }
    )


def test_ease_matches_the_closed_form_in_float64() -> None:
    rng = np.random.default_rng(0)
    dense = (rng.random((60, 12)) < 0.3).astype(np.float32)
    matrix = sparse.csr_matrix(dense)
    vocab, weights = ease_weights(matrix, lam=4.0, max_items=100)
    sub = dense[:, vocab].astype(np.float64)
    precision = np.linalg.inv(sub.T @ sub + 4.0 * np.eye(len(vocab)))
    expected = -precision / np.diag(precision)[np.newaxis, :]
    np.fill_diagonal(expected, 0.0)
    assert np.allclose(weights, expected, atol=1e-5)
    table = ease_neighbours(matrix, lam=4.0, max_items=100, k=3)
    row = vocab[0]
    best = vocab[np.argsort(-expected[0])[:3]]
    assert table.items[row].tolist() == best.tolist()


def test_cosine_and_asymmetric_cosine_on_hand_counts() -> None:
    # a: shoppers 0,1,2 — b: 0,1 — c: 0,1,2,3 (bought by everyone).
    dense = np.array([[1, 1, 1], [1, 1, 1], [1, 0, 1], [0, 0, 1]], dtype=np.float32)
    matrix = sparse.csr_matrix(dense)
    cosine = cooccurrence_neighbours(matrix, similarity="cosine", max_items=10, k=2)
    assert cosine.items[0].tolist() == [2, 1]  # c: 3/√12 = 0.866 > b: 2/√6 = 0.816
    assert cosine.scores[0].tolist() == pytest.approx([3 / np.sqrt(12), 2 / np.sqrt(6)])
    conditional = cooccurrence_neighbours(
        matrix, similarity="asymmetric_cosine", alpha=1.0, max_items=10, k=2
    )
    assert conditional.scores[1].tolist() == pytest.approx([1.0, 1.0])  # P(a|b) = P(c|b) = 1


def test_item_vocabulary_cap_keeps_the_most_bought_items() -> None:
    dense = np.array([[1, 1, 1, 0], [1, 1, 0, 1], [1, 1, 1, 0]], dtype=np.float32)
    table = cooccurrence_neighbours(sparse.csr_matrix(dense), similarity="cosine", max_items=2, k=3)
    assert table.items[0].tolist() == [1, -1, -1]  # only items 0 and 1 are covered
    assert (table.items[2] == -1).all()


def test_popularity_counts_distinct_recent_buyers() -> None:
    data = encode_interactions(
        frame_of([("u", "a", 1), ("u", "a", 2), ("v", "b", 3), ("w", "b", 4), ("x", "c", 90)]),
        now=NOW,
    )
    scores = dict(zip(data.items, item_popularity(data, window_days=28), strict=True))
    assert scores["b"] > scores["a"] > scores["c"] > 0  # c only through the all-time tie-breaker
    assert scores["a"] == pytest.approx(1.001)


def test_history_weights_recent_purchases_and_remembers_the_last_one() -> None:
    data = encode_interactions(
        frame_of([("u", "old", 240), ("u", "old", 120), ("u", "new", 0)]), now=NOW
    )
    history = shopper_history(data, half_life_days=120)
    items, scores = history.row(0)
    assert data.items[items].tolist() == ["new", "old"]
    assert scores.tolist() == pytest.approx([1.0, 0.25 + 0.5])
    assert history.last_days_of(0).tolist() == pytest.approx([0, 120])


def test_training_ignores_purchases_after_now_and_rejects_missing_columns() -> None:
    frame = frame_of([("u", "a", 5), ("u", "future", -3), ("v", "a", 2)])
    model = train_recommender(frame, now=NOW, config=RecoConfig(ease_lambda=1.0))
    assert sorted(model.items.tolist()) == ["a"]
    assert model.n_interactions == 2
    with pytest.raises(ValueError, match="city"):
        train_recommender(frame.drop(columns=["city"]), now=NOW)
