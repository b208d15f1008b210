"""Settings of the shopper recommender, with the values chosen by `bench/reco.py`."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any, Literal

Similarity = Literal["cosine", "asymmetric_cosine", "lift"]
ShopperModel = Literal["ease", "cosine", "asymmetric_cosine", "lift"]


@dataclass(frozen=True)
class RecoConfig:
    """How the recommender is trained and how its lists are served."""

    # Neighbour lists kept per item (serving aggregates these, never the full item-item matrix).
    neighbours: int = 50
    # Which neighbour table scores a shopper's history: EASE won the offline evaluation.
    shopper_model: ShopperModel = "ease"
    # EASE: L2 penalty and the most-bought items it covers (the closed form is cubic in this).
    ease_lambda: float = 500.0
    ease_max_items: int = 6000
    # Item co-occurrence ("also bought"): normalisation and the most-bought items it covers.
    # Asymmetric cosine co(i, j) / (n_i^α · n_j^(1−α)) with α > 0.5 penalises popular
    # neighbours less than cosine (α = 0.5) and far less than lift, which favours rare pairs.
    similarity: Similarity = "asymmetric_cosine"
    asymmetric_alpha: float = 0.7
    cooc_max_items: int = 10000
    # A shopper's own purchases: each one counts 0.5 ** (age / half-life).
    repeat_half_life_days: float = 120.0
    # Popularity: distinct buyers within this window before `now` (cold start, padding).
    popularity_window_days: int = 28
    city_top_items: int = 200
    # Blend of per-shopper-normalised scores; weights chosen on a validation month.
    blend_repeat: float = 0.9
    blend_model: float = 0.1
    blend_popularity: float = 0.02
    # Serving: neighbours are summed over the shopper's 300 strongest items (bounds a request).
    history_limit: int = 300
    # At most this many items of one producer per list while others are available (0: no cap).
    # On the benchmark a cap of 3 costs 4 % of recall@10 against no cap, a cap of 2 costs 9 %.
    producer_cap: int = 3
    # In-season items (harvest months contain the month, or none given) score × (1 + boost).
    season_boost: float = 0.2
    # A seasonal product the shopper bought within this many days (last season) leads their
    # list when its harvest is back: "last winter's citrus first this winter".
    seasonal_return_days: int = 400

    def to_dict(self) -> dict[str, Any]:
        """The settings as plain JSON values."""
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> RecoConfig:
        """Settings from `to_dict` output; unknown keys (from newer artefacts) are ignored."""
        known = {f.name for f in fields(cls)}
        return cls(**{key: value for key, value in values.items() if key in known})
