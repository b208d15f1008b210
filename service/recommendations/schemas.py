"""Response shapes of the recommendation endpoints."""

from __future__ import annotations

from pydantic import BaseModel


class RecommendedItem(BaseModel):
    code: str
    title: str
    score: float


class RecommendationList(BaseModel):
    """Recommended products, best first."""

    items: list[RecommendedItem]
