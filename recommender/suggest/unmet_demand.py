"""unmet_demand: clusters of searches no product fully answers, for producers of that category.

Clusters come from ``recommender.unmet.unmet_clusters`` (queries that usually find no product
matching every term, already free of near-misses of existing titles), each mapped to a leaf
category where one fits. A cluster goes to every producer listing in its category, in one of
that category's ancestors or in one of its descendants (``related_categories``: a cluster mapped
to 蜂产品 reaches the honey producers; one mapped to honey reaches a producer listing directly
under 蜂产品), never a sibling. At most ``MAX_PER_CATEGORY`` clusters per cluster category, ranked
by score; a producer listing in several related categories gets each cluster once, under the
cluster's own category if listed, else the related one with most of their listings. The
suggestion's category is that category of the producer's (``evidence.cluster_category`` the
cluster's).
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
    return [
        (str(r["producer_code"]), _suggestion(r, facts)) for r in records(_pairs(facts, mapped))
    ]


def _pairs(facts: DemandFacts, mapped: pd.DataFrame) -> pd.DataFrame:
    """One row per producer and cluster: the producer's closest related category to it."""
    related = mapped.rename(columns={"category": "cluster_category"}).explode("related_categories")
    related = related.rename(columns={"related_categories": "category"}).dropna(subset=["category"])
    listed = producer_categories(facts.offers).astype({"category": "str"})
    pairs = listed.merge(related.astype({"category": "str"}), on="category")
    pairs = pairs.assign(exact=pairs["category"] == pairs["cluster_category"])
    pairs = pairs.sort_values(["exact", "producer_listings"], ascending=False, kind="stable")
    return pairs.drop_duplicates(["producer_code", "cluster"])


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
        "cluster_category": row["cluster_category"],
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
