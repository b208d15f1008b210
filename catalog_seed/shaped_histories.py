"""Purchase histories shaped unlike the seed's, for testing how the recommender's blend is chosen.

Each function returns interactions in the recommender's contract (shopper_id, item, ts, quantity,
city, plus producer) and is deterministic for a seed:

- `repeat_buying_history`: a few producers with thousands of products, every shopper re-buying a
  handful of staples (like the retail history of issue 14, where own purchases won);
- `co_purchase_history`: products in themes (e.g. a tea-ware set), shoppers buying across one
  theme and rarely the same item twice, so what others bought together matters and repeats do
  not;
- `short_history`: a couple of weeks of a few shoppers, too little to backtest on;
- `seed_interactions`: the seed simulator's order lines in the same contract.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from catalog_seed.simulate import load_seed_catalog, simulate_history

CITIES = ("上海", "杭州", "成都", "广州")


def repeat_buying_history(
    *,
    end: pd.Timestamp,
    shoppers: int = 600,
    products: int = 3000,
    producers: int = 4,
    days: int = 182,
    seed: int = 1,
) -> pd.DataFrame:
    """Strong repeat buying: 85 % of lines are the shopper's own staples, the rest popular items."""
    rng = np.random.default_rng(seed)
    popularity = _zipf(products, exponent=1.1)
    rows: list[tuple[int, int, float]] = []
    for shopper in range(shoppers):
        staples = rng.choice(products, size=int(rng.integers(5, 30)), replace=False, p=popularity)
        liking = _zipf(len(staples), exponent=0.8)
        orders = max(1, int(rng.poisson(days / 7 * rng.uniform(0.3, 1.5))))
        for at in rng.uniform(0, days, size=orders):
            lines = int(rng.integers(2, 8))
            own = rng.random(lines) < 0.85
            picked = np.where(
                own,
                rng.choice(staples, size=lines, p=liking),
                rng.choice(products, size=lines, p=popularity),
            )
            rows.extend((shopper, int(item), float(at)) for item in np.unique(picked))
    return _frame(rows, end=end, days=days, producers=producers, rng=rng)


def co_purchase_history(
    *,
    end: pd.Timestamp,
    shoppers: int = 500,
    themes: int = 40,
    per_theme: int = 40,
    days: int = 182,
    seed: int = 2,
) -> pd.DataFrame:
    """Weak repeat buying: each shopper buys new items of one theme; 1 line in 5 is random."""
    rng = np.random.default_rng(seed)
    products = themes * per_theme
    rows: list[tuple[int, int, float]] = []
    for shopper in range(shoppers):
        theme = np.arange(per_theme) + per_theme * int(rng.integers(themes))
        unseen = list(rng.permutation(theme))
        for at in rng.uniform(0, days, size=int(rng.integers(3, 12))):
            for _ in range(int(rng.integers(2, 5))):
                if rng.random() < 0.2:
                    item = int(rng.integers(products))
                elif unseen and rng.random() < 0.9:
                    item = int(unseen.pop())
                else:
                    item = int(rng.choice(theme))
                rows.append((shopper, item, float(at)))
    return _frame(rows, end=end, days=days, producers=themes, rng=rng)


def short_history(*, end: pd.Timestamp, shoppers: int = 12, days: int = 14) -> pd.DataFrame:
    """A new shop: a few shoppers over a couple of weeks."""
    rng = np.random.default_rng(3)
    rows = [
        (shopper, int(item), float(at))
        for shopper in range(shoppers)
        for at in rng.uniform(0, days, size=3)
        for item in rng.choice(30, size=2, replace=False)
    ]
    return _frame(rows, end=end, days=days, producers=2, rng=rng)


def _zipf(n: int, *, exponent: float) -> np.ndarray:
    weights = 1.0 / np.arange(1, n + 1) ** exponent
    return weights / weights.sum()


def _frame(
    rows: list[tuple[int, int, float]],
    *,
    end: pd.Timestamp,
    days: int,
    producers: int,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """(shopper, item, day offset from the start) rows as an interactions frame."""
    shopper, item, offset = (np.array(column) for column in zip(*rows, strict=True))
    start = pd.Timestamp(end) - pd.Timedelta(days=days)
    n_shoppers = int(shopper.max()) + 1
    home = rng.integers(len(CITIES), size=n_shoppers)
    return pd.DataFrame(
        {
            "shopper_id": [f"s{s}" for s in shopper],
            "item": [f"p{i % producers}-{i}" for i in item],
            "ts": start + pd.to_timedelta(offset, unit="D"),
            "quantity": rng.integers(1, 3, size=len(rows)),
            "city": np.asarray(CITIES)[home[shopper]],
            "producer": [f"p{i % producers}" for i in item],
        }
    ).sort_values("ts", ignore_index=True)


def seed_interactions(*, end: pd.Timestamp, weeks: int = 104, scale: float = 1.0) -> pd.DataFrame:
    """The seed simulator's order lines as interactions (item = product code, as served)."""
    catalog = load_seed_catalog()
    orders = simulate_history(catalog, end=pd.Timestamp(end).date(), weeks=weeks, scale=scale)
    product_of = {
        variant["sku"]: product["code"]
        for product in catalog["products"]
        for variant in product["variants"]
    }
    producer_of = {product["code"]: product["producer"] for product in catalog["products"]}
    lines = orders.orders
    items = lines["sku"].map(product_of)
    return pd.DataFrame(
        {
            "shopper_id": lines["shopper_id"],
            "item": items,
            "ts": lines["ordered_at"],
            "quantity": lines["quantity"],
            "city": lines["city"],
            "producer": items.map(producer_of),
        }
    )
