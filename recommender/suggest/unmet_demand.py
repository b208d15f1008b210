"""unmet_demand: clusters of searches that find little, in a category the producer lists.

Clusters come from ``recommender.unmet.unmet_clusters`` (already free of near-misses of
existing titles) and go to every producer listing in the cluster's category, at most
``MAX_PER_CATEGORY`` clusters per category, ranked by volume and growth.
Score = (1 − e^(−weekly searches / 5)) × (0.6 + 0.4 × min(1, max(0, growth − 1))):
about 9 searches a week holding steady, or 3.5 a week that doubled, score 0.5.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from recommender.facts import DemandFacts
from recommender.suggest.variant_spec import producer_categories
from recommender.suggestions import Suggestion, clamp_score, records

MAX_PER_CATEGORY = 3
MIN_WEEKLY_SEARCHES = 0.5
SEARCH_SCALE = 5.0


def cluster_score(weekly_searches: pd.Series, growth: pd.Series) -> pd.Series:
    """The unmet_demand score of clusters from their weekly volume and growth."""
    volume = 1.0 - np.exp(-weekly_searches / SEARCH_SCALE)
    rising = 0.6 + 0.4 * (growth - 1.0).clip(lower=0.0, upper=1.0)
    return volume * rising


def suggest_unmet_demand(
    facts: DemandFacts, clusters: pd.DataFrame
) -> list[tuple[str, Suggestion]]:
    """unmet_demand suggestions for producers listing in each cluster's category."""
    if clusters.empty or facts.offers.empty:
        return []
    mapped = clusters.dropna(subset=["category"])
    mapped = mapped[mapped["weekly_searches"] >= MIN_WEEKLY_SEARCHES]
    mapped = mapped.assign(score=cluster_score(mapped["weekly_searches"], mapped["growth"]))
    mapped = mapped.sort_values("score", ascending=False).groupby("category").head(MAX_PER_CATEGORY)
    pairs = (
        producer_categories(facts.offers).astype({"category": "str"}).merge(mapped, on="category")
    )
    return [(str(r["producer_code"]), _suggestion(r, facts)) for r in records(pairs)]


def _suggestion(row: dict[str, Any], facts: DemandFacts) -> Suggestion:
    queries = [str(q) for q in row["queries"]]
    quoted = "".join(f"“{q}”" for q in queries)
    category = str(row["category"])
    weekly = float(row["weekly_searches"])
    found = (
        "几乎搜不到商品"
        if row["results_avg"] < 1
        else f"平均只找到{row['results_avg']:.1f}个商品且没有完全符合的"
    )
    message = (
        f"每周约有{weekly:.0f}次搜索{quoted}等，{found}"
        f"（近8周搜索是之前8周的{float(row['growth']):.1f}倍）："
        f"您经营{facts.names.get(category, category)}，建议开发{queries[0]}一类的产品"
    )
    evidence = {
        "searches": row["searches"],
        "results_avg": row["results_avg"],
        "growth": row["growth"],
        "category_similarity": row["category_similarity"],
    }
    return Suggestion(
        kind="unmet_demand",
        category=category,
        message=message,
        evidence=evidence,
        score=clamp_score(row["score"]),
        queries=queries,
        weekly_searches=round(weekly, 2),
    )
