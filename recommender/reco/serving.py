"""Serving from memory: blend a shopper's own purchases with neighbours, then apply the rules."""

from __future__ import annotations

import threading
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np

from recommender.reco.models import RecoModel

# How many best candidates the producer-spread pass first looks at per requested item; the
# window widens only when one producer fills it.
SPREAD_WINDOW_PER_ITEM = 5


@dataclass
class ItemInfo:
    """A catalog product as serving sees it; `available` means listed and in stock."""

    code: str
    title: str
    producer_code: str
    available: bool
    harvest_months: tuple[int, ...]


@dataclass(frozen=True)
class Recommendation:
    """One recommended product, best first in its list."""

    code: str
    title: str
    score: float

    def to_dict(self) -> dict[str, str | float]:
        """The JSON shape `{"code", "title", "score"}`."""
        return {"code": self.code, "title": self.title, "score": self.score}


@dataclass(frozen=True)
class _CatalogView:
    """The catalog aligned to the model's item numbers; swapped whole on update."""

    available: np.ndarray  # bool per item
    producer: np.ndarray  # int32 producer number per item, −1 unknown
    titles: list[str]
    season_factor: np.ndarray  # float32 (13, n_items): row m = boost for month m (row 0 unused)
    harvest_now: np.ndarray  # bool (13, n_items): seasonal (1–11 harvest months) and in season


class Recommender:
    """In-memory recommendations from a trained model and the current catalog."""

    def __init__(self, model: RecoModel, items: Sequence[ItemInfo]) -> None:
        self._model = model
        self._config = model.config
        self._item_rows = {code: i for i, code in enumerate(model.items.tolist())}
        self._shopper_rows = {sid: i for i, sid in enumerate(model.shoppers.tolist())}
        self._city_rows = {city: i for i, city in enumerate(model.cities.tolist())}
        ranked = np.argsort(-model.popularity, kind="stable")[: self._config.city_top_items]
        self._popular = ranked[model.popularity[ranked] > 0].astype(np.int32)
        self._update_lock = threading.Lock()
        self._catalog = self._catalog_view(items)

    def update_items(self, items: Sequence[ItemInfo]) -> None:
        """Apply availability, producer and season changes without retraining."""
        view = self._catalog_view(items)
        with self._update_lock:
            self._catalog = view

    def for_shopper(
        self, shopper_id: str | None, *, city: str | None, month: int, limit: int = 10
    ) -> list[Recommendation]:
        """The shopper's list: own purchases blended with neighbours; cold start → city popular."""
        return self._recommend_for(shopper_id, city=city, month=month, limit=limit, exclude=())

    def _recommend_for(
        self,
        shopper_id: str | None,
        *,
        city: str | None,
        month: int,
        limit: int,
        exclude: Collection[str],
    ) -> list[Recommendation]:
        """`for_shopper` without the `exclude` items (the benchmark's new-items lists)."""
        _check_month(month)
        catalog = self._catalog
        row = self._shopper_rows.get(shopper_id) if shopper_id is not None else None
        if row is None:
            candidates, scores = self._cold_start_scores(catalog, city=city, month=month)
        else:
            candidates, scores = self._personal_scores(row, city=city)
            scores = scores * catalog.season_factor[month, candidates]
            returning = self._seasonal_returns(catalog, row=row, month=month)
            # Last season's purchases whose harvest is back lead the list (a tier above the rest).
            scores[np.isin(candidates, returning)] += self._score_ceiling()
        if exclude:
            hidden = [self._item_rows[code] for code in exclude if code in self._item_rows]
            kept = ~np.isin(candidates, hidden)
            candidates, scores = candidates[kept], scores[kept]
        return self._pick(catalog, candidates=candidates, scores=scores, limit=limit)

    def also_bought(self, item: str, *, month: int, limit: int = 10) -> list[Recommendation]:
        """Items most often bought by the shoppers who bought `item` (never `item` itself)."""
        _check_month(month)
        row = self._item_rows.get(item)
        if row is None:
            return []
        catalog = self._catalog
        table = self._model.also_bought
        keep = (table.items[row] >= 0) & (table.items[row] != row)
        candidates = table.items[row][keep]
        scores = table.scores[row][keep] * catalog.season_factor[month, candidates]
        return self._pick(catalog, candidates=candidates, scores=scores, limit=limit)

    def _seasonal_returns(self, catalog: _CatalogView, *, row: int, month: int) -> np.ndarray:
        """Seasonal items the shopper bought within `seasonal_return_days` that are in season."""
        bought, _ = self._model.history.row(row)
        recent = self._model.history.last_days_of(row) <= self._config.seasonal_return_days
        return bought[recent & catalog.harvest_now[month, bought]]

    def _score_ceiling(self) -> float:
        """An upper bound of a blended, season-boosted score."""
        config = self._config
        blend = config.blend_repeat + config.blend_model + config.blend_popularity
        return blend * (1.0 + config.season_boost)

    def _personal_scores(self, row: int, *, city: str | None) -> tuple[np.ndarray, np.ndarray]:
        """Blend of normalised repeat, neighbour and popularity scores over the candidates."""
        config, model = self._config, self._model
        history, repeat = model.history.row(row)
        peak = max(float(repeat[0]), 1e-12)
        bought = history[: config.history_limit]
        neighbours = model.shopper_neighbours.items[bought].ravel()
        weights = model.shopper_neighbours.scores[bought].ravel()
        keep = neighbours >= 0
        total = np.bincount(
            neighbours[keep], weights=weights[keep], minlength=len(model.items)
        ).astype(np.float64, copy=False)  # an empty bincount comes back as int64
        _scale_to(total, config.blend_model)
        # Repeats cover the whole history (the cap only bounds the neighbour aggregation).
        total[history] += config.blend_repeat * repeat / peak
        popular, popularity = self._popular_candidates(city)
        if len(popular):
            total[popular] += config.blend_popularity * popularity / popularity[0]
        candidates = np.flatnonzero(total > 0)
        return candidates, total[candidates]

    def _cold_start_scores(
        self, catalog: _CatalogView, *, city: str | None, month: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """The city's popular items first, then overall popularity, each season-boosted."""
        city_items, city_scores = self._city_popular(city)
        global_items = self._popular[~np.isin(self._popular, city_items)]
        global_scores = self._model.popularity[global_items]
        ceiling = 1.0 + self._config.season_boost
        # Each tier's boosted score stays within (0, 1], so the city tier (offset 1) leads.
        city_part = 1.0 + _boosted(catalog, city_items, city_scores, month) / ceiling
        global_part = _boosted(catalog, global_items, global_scores, month) / ceiling
        return (
            np.concatenate([city_items, global_items]),
            np.concatenate([city_part, global_part]),
        )

    def _city_popular(self, city: str | None) -> tuple[np.ndarray, np.ndarray]:
        city_row = self._city_rows.get(city) if city is not None else None
        if city_row is None:
            return np.empty(0, dtype=np.int32), np.empty(0, dtype=np.float32)
        return self._model.city_popularity.row(city_row)

    def _popular_candidates(self, city: str | None) -> tuple[np.ndarray, np.ndarray]:
        items, scores = self._city_popular(city)
        if len(items):
            return items, scores
        return self._popular, self._model.popularity[self._popular]

    def _pick(
        self, catalog: _CatalogView, *, candidates: np.ndarray, scores: np.ndarray, limit: int
    ) -> list[Recommendation]:
        """Best available candidates, at most `producer_cap` per producer while others remain."""
        if limit <= 0:
            return []
        available = catalog.available[candidates]
        candidates, scores = candidates[available], scores[available]
        cap = self._config.producer_cap if self._config.producer_cap > 0 else limit
        window = limit * SPREAD_WINDOW_PER_ITEM
        while True:
            order = _best_first(candidates, scores, window)
            chosen = _spread(order, catalog.producer[candidates[order]], limit=limit, cap=cap)
            if len(candidates) <= window or _within_cap(chosen, candidates, catalog, cap):
                break
            # The window ran out of other producers; look further before repeating one.
            window *= 4
        return [
            Recommendation(
                code=str(self._model.items[candidates[i]]),
                title=catalog.titles[candidates[i]],
                score=float(scores[i]),
            )
            for i in chosen
        ]

    def _catalog_view(self, items: Sequence[ItemInfo]) -> _CatalogView:
        n_items = len(self._model.items)
        available = np.zeros(n_items, dtype=bool)
        producer = np.full(n_items, -1, dtype=np.int32)
        titles = [""] * n_items
        season_factor = np.ones((13, n_items), dtype=np.float32)
        harvest_now = np.zeros((13, n_items), dtype=bool)
        producer_numbers: dict[str, int] = {}
        boost = np.float32(1.0 + self._config.season_boost)
        for info in items:
            row = self._item_rows.get(info.code)
            if row is None:
                continue  # not in the purchase data: nothing to recommend it by yet
            available[row] = info.available
            producer[row] = producer_numbers.setdefault(info.producer_code, len(producer_numbers))
            titles[row] = info.title
            months = sorted({m for m in info.harvest_months if 1 <= m <= 12})
            season_factor[months or list(range(1, 13)), row] = boost
            if 0 < len(months) < 12:
                harvest_now[months, row] = True
        return _CatalogView(
            available=available,
            producer=producer,
            titles=titles,
            season_factor=season_factor,
            harvest_now=harvest_now,
        )


def _check_month(month: int) -> None:
    if not 1 <= month <= 12:
        raise ValueError(f"month must be 1–12, got {month}")


def _scale_to(values: np.ndarray, top: float) -> None:
    """Rescale in place so the largest value equals `top` (no-op on all-zero input)."""
    peak = float(values.max()) if len(values) else 0.0
    if peak > 0:
        values *= top / peak


def _boosted(
    catalog: _CatalogView, items: np.ndarray, scores: np.ndarray, month: int
) -> np.ndarray:
    if not len(items):
        return np.empty(0, dtype=np.float64)
    return scores / float(scores.max()) * catalog.season_factor[month, items]


def _best_first(candidates: np.ndarray, scores: np.ndarray, window: int) -> np.ndarray:
    """Positions of the best `window` candidates, highest score first."""
    if len(scores) > window:
        top = np.argpartition(-scores, window - 1)[:window]
        # Ties broken by item number, so equal scores give a stable order across requests.
        return top[np.lexsort((candidates[top], -scores[top]))]
    return np.lexsort((candidates, -scores))


def _spread(order: np.ndarray, producers: np.ndarray, *, limit: int, cap: int) -> list[int]:
    """Take `order` best first, deferring items past a producer's cap until nothing else is left."""
    counts: dict[int, int] = {}
    chosen: list[int] = []
    deferred: list[int] = []
    for position, producer in zip(order.tolist(), producers.tolist(), strict=True):
        if counts.get(producer, 0) < cap:
            counts[producer] = counts.get(producer, 0) + 1
            chosen.append(position)
            if len(chosen) == limit:
                return chosen
        else:
            deferred.append(position)
    return chosen + deferred[: limit - len(chosen)]


def _within_cap(chosen: list[int], candidates: np.ndarray, catalog: _CatalogView, cap: int) -> bool:
    producers = catalog.producer[candidates[chosen]]
    return not len(producers) or int(np.bincount(producers + 1).max()) <= cap
