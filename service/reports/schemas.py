"""Response shapes of the suggestions and demand-report endpoints."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class SuggestionsOut(BaseModel):
    """A producer's reverse-customization suggestions, best first."""

    producer: str
    # Each: kind, category, score (0–1), message, evidence, plus the kind's own fields.
    suggestions: list[dict[str, Any]]


class DemandReportOut(BaseModel):
    """A park's demand report; units are items sold, revenue in fen, weeks start on Monday."""

    model_config = ConfigDict(extra="allow")

    sales_by_category: list[dict[str, Any]]
    sales_by_city: list[dict[str, Any]]
    weekly_series: list[dict[str, Any]]
    trends: list[dict[str, Any]]
    unmet_demand: list[dict[str, Any]]
    forecast: list[dict[str, Any]]
    top_products: list[dict[str, Any]]
