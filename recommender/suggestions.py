"""Reverse-customization suggestions: the five kinds, their fields and their JSON shape.

Every suggestion has a score in 0–1. A score of 0.5 or more is "high" (``HIGH_SCORE``): the
evidence says, with its 95% interval, that acting would at least double the relevant figure
(for example a spec's sales per listing, or a city's demand) for a producer to whom the
category matters. Each kind documents how its score is built in its module under
``recommender/suggest/``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

HIGH_SCORE = 0.5
MIN_SCORE = 0.05  # below this the evidence is too thin to bother a producer with
KIND_FIELDS: dict[str, tuple[str, ...]] = {
    "variant_spec": ("net_weight_g", "packaging", "price_band_fen", "expected_weekly_units"),
    "price_band": ("sku", "price_band_fen"),
    "unmet_demand": ("queries", "weekly_searches"),
    "timing": ("month", "expected_units"),
    "market": ("city", "growth"),
}
KIND_ORDER = tuple(KIND_FIELDS)


@dataclass
class Suggestion:
    """One suggestion for one producer; only the fields of its ``kind`` are set."""

    kind: str
    category: str
    score: float
    message: str
    evidence: dict[str, Any] = field(default_factory=dict)
    net_weight_g: int | None = None
    packaging: str | None = None
    price_band_fen: list[int] | None = None
    expected_weekly_units: float | None = None
    sku: str | None = None
    queries: list[str] | None = None
    weekly_searches: float | None = None
    month: int | None = None
    expected_units: float | None = None
    city: str | None = None
    growth: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """The API shape: common keys plus this kind's fields, JSON-serialisable."""
        shape: dict[str, Any] = {
            "kind": self.kind,
            "category": self.category,
            "score": round(float(self.score), 3),
            "message": self.message,
            "evidence": plain(self.evidence),
        }
        for name in KIND_FIELDS[self.kind]:
            shape[name] = plain(getattr(self, name))
        return shape


def plain(value: Any) -> Any:
    """Numpy scalars and containers turned into plain JSON types; floats rounded to 4 places."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        return [plain(v) for v in value]
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        number = float(value)
        return round(number, 4) if np.isfinite(number) else None
    return value


def rank_suggestions(
    found: list[tuple[str, Suggestion]], producers: list[str]
) -> dict[str, list[Suggestion]]:
    """Suggestions scoring at least ``MIN_SCORE``, grouped by producer, best first.

    Every listed producer gets a list, possibly empty.
    """
    ranked: dict[str, list[Suggestion]] = {code: [] for code in producers}
    for producer, suggestion in found:
        if suggestion.score >= MIN_SCORE:
            ranked.setdefault(producer, []).append(suggestion)
    for suggestions in ranked.values():
        suggestions.sort(key=lambda s: (-s.score, KIND_ORDER.index(s.kind)))
    return ranked


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The frame's rows as dicts keyed by column name."""
    return [{str(k): v for k, v in row.items()} for row in frame.to_dict("records")]


def clamp_score(value: float) -> float:
    """A score clipped into 0–1 (NaN counts as 0)."""
    return float(np.clip(np.nan_to_num(value, nan=0.0), 0.0, 1.0))
