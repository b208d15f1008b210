"""One entry point computing every analytic of a refresh: cube, forecasts and suggestions."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from recommender.cube import as_utc, category_weeks, to_utc
from recommender.facts import MARKET_WEEKS, build_facts
from recommender.forecast import forecast_demand
from recommender.suggest.market import suggest_markets
from recommender.suggest.price_band import suggest_price_bands
from recommender.suggest.timing import suggest_timing
from recommender.suggest.unmet_demand import suggest_unmet_demand
from recommender.suggest.variant_spec import suggest_variant_specs
from recommender.suggestions import Suggestion, rank_suggestions
from recommender.unmet import unmet_clusters

SEARCH_WEEKS = MARKET_WEEKS


@dataclass
class AnalyticsResult:
    """Everything a refresh computes."""

    suggestions: dict[str, list[Suggestion]]  # producer code -> suggestions, best first
    forecasts: pd.DataFrame  # category, week (Monday), units, lo, hi, model
    cube: pd.DataFrame  # category × city × spec × price band × week: units, revenue_fen, lines


def refresh_analytics(
    *,
    orders: pd.DataFrame,
    offers: pd.DataFrame,
    searches: pd.DataFrame,
    categories: pd.DataFrame,
    producers: pd.DataFrame,
    now: pd.Timestamp,
) -> AnalyticsResult:
    """Build the weekly cube, forecast every category and suggest for every producer.

    Only orders and searches before ``now`` count; searches of the last 26 weeks feed the
    unmet-demand clusters.
    """
    facts = build_facts(orders=orders, offers=offers, categories=categories, now=now)
    forecasts = forecast_demand(category_weeks(facts.cube), data_end=facts.now)
    clusters = unmet_clusters(
        recent_searches(searches, now=now, weeks=SEARCH_WEEKS),
        offers=facts.offers,
        categories=categories,
        end=as_utc(now),
    )
    found = [
        *suggest_variant_specs(facts),
        *suggest_price_bands(facts),
        *suggest_unmet_demand(facts, clusters),
        *suggest_timing(facts),
        *suggest_markets(facts),
    ]
    codes = producers["code"].astype("str").tolist()
    return AnalyticsResult(
        suggestions=rank_suggestions(found, codes), forecasts=forecasts, cube=facts.cube
    )


def recent_searches(searches: pd.DataFrame, *, now: pd.Timestamp, weeks: int) -> pd.DataFrame:
    """Searches in the ``weeks`` weeks before ``now``."""
    if searches.empty:
        return searches
    at = to_utc(searches["searched_at"])
    end = as_utc(now)
    return searches[(at < end) & (at >= end - pd.Timedelta(weeks=weeks))]
