"""Unmet demand: searches that find nothing, little, or only part of what was asked.

A search is unmet when it returned at most ``LOW_RESULT_COUNT`` products, or when none of its
results matched every term (蜂蜜柚子茶 answered with plain honey: matched_all_count == 0).
Queries close to an existing product title are dropped as near-misses: the product exists, the
search just missed it. The most frequent distinct queries are clustered on character n-gram
TF-IDF (Chinese has no spaces; unigrams and bigrams keep 柚子蜂蜜茶 beside 蜂蜜柚子茶, which share
no trigram) with average-linkage agglomerative clustering on cosine distance. Each cluster is
mapped to the category whose name and listed titles it resembles most.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process
from sklearn.cluster import AgglomerativeClustering
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics.pairwise import cosine_similarity

from recommender.cube import as_utc, to_utc

LOW_RESULT_COUNT = 1
MAX_DISTINCT_QUERIES = 300
NEAR_MISS_SIMILARITY = 80.0
CLUSTER_DISTANCE = 0.7
MIN_CATEGORY_SIMILARITY = 0.05
GROWTH_WEEKS = 8
REPRESENTATIVE_QUERIES = 3
CLUSTER_COLUMNS = [
    "cluster",
    "queries",
    "searches",
    "results_avg",
    "weekly_searches",
    "growth",
    "category",
    "category_similarity",
]


def _vectorizer() -> TfidfVectorizer:
    return TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 2), sublinear_tf=True)


def unmet_searches(searches: pd.DataFrame) -> pd.DataFrame:
    """Searches with at most ``LOW_RESULT_COUNT`` results or none matching every term."""
    low = searches["result_count"] <= LOW_RESULT_COUNT
    partial = searches["matched_all_count"] == 0
    return searches[low | partial]


def near_misses(queries: list[str], titles: list[str]) -> np.ndarray:
    """True for each query that nearly spells an existing title or a stretch of one."""
    if not queries or not titles:
        return np.zeros(len(queries), dtype=bool)
    partial = process.cdist(queries, titles, scorer=fuzz.partial_ratio, workers=1)
    whole = process.cdist(queries, titles, scorer=fuzz.ratio, workers=1)
    # A longer query that merely contains a title (蜂蜜柚子茶 ⊃ 蜂蜜) asks for more than it.
    shorter = np.array([len(q) for q in queries])[:, None] <= np.array([len(t) for t in titles])
    close = ((partial >= NEAR_MISS_SIMILARITY) & shorter) | (whole >= NEAR_MISS_SIMILARITY)
    return np.asarray(close.any(axis=1), dtype=bool)


def cluster_queries(queries: list[str]) -> np.ndarray:
    """Cluster label per query (character n-gram TF-IDF, cosine, average linkage)."""
    if len(queries) < 2:
        return np.zeros(len(queries), dtype=np.int64)
    vectors = _vectorizer().fit_transform(queries).toarray()
    clustering = AgglomerativeClustering(
        n_clusters=None, metric="cosine", linkage="average", distance_threshold=CLUSTER_DISTANCE
    )
    return clustering.fit_predict(vectors)


def category_documents(offers: pd.DataFrame, categories: pd.DataFrame) -> pd.Series:
    """One text per category: its name, its parent's name and its listed titles."""
    names = categories.set_index("code")["name"].astype("str")
    parents = categories.set_index("code")["parent"].map(names).fillna("")
    titles = offers.groupby("category")["title"].agg(" ".join) if not offers.empty else None
    documents = names + " " + parents
    if titles is not None:
        documents = documents + " " + titles.reindex(documents.index).fillna("")
    return documents


def map_to_categories(
    texts: list[str], documents: pd.Series
) -> tuple[list[str | None], np.ndarray]:
    """The most similar category (or None) for each text, and that similarity."""
    if not texts or documents.empty:
        return [None] * len(texts), np.zeros(len(texts))
    vectorizer = _vectorizer().fit([*documents.tolist(), *texts])
    similarity = cosine_similarity(vectorizer.transform(texts), vectorizer.transform(documents))
    best = similarity.argmax(axis=1)
    score = similarity[np.arange(len(texts)), best]
    codes = [
        str(documents.index[b]) if s >= MIN_CATEGORY_SIMILARITY else None
        for b, s in zip(best, score, strict=True)
    ]
    return codes, score


def unmet_clusters(
    searches: pd.DataFrame,
    *,
    offers: pd.DataFrame,
    categories: pd.DataFrame,
    end: pd.Timestamp,
) -> pd.DataFrame:
    """Clusters of unmet queries, most searched first, with volume, growth and category.

    ``end`` closes the search window (exclusive); weekly volume is over the weeks from the
    first search to ``end``, growth compares the last 8 weeks with the 8 before.
    """
    end = as_utc(end)
    unmet = unmet_searches(searches)
    if unmet.empty:
        return pd.DataFrame(columns=CLUSTER_COLUMNS)
    unmet = unmet.assign(searched_at=to_utc(unmet["searched_at"]))
    per_query = _query_table(unmet, end=end)
    titles = offers["title"].astype("str").str.lower().unique().tolist() if len(offers) else []
    per_query = per_query[~near_misses(per_query["query"].tolist(), titles)]
    if per_query.empty:
        return pd.DataFrame(columns=CLUSTER_COLUMNS)
    per_query = per_query.assign(cluster=cluster_queries(per_query["query"].tolist()))
    weeks = max((end - unmet["searched_at"].min()) / pd.Timedelta(days=7), 1.0)
    clusters = _summarise(per_query, weeks=weeks)
    documents = category_documents(offers, categories)
    texts = [" ".join(q) for q in clusters["queries"]]
    clusters["category"], clusters["category_similarity"] = map_to_categories(texts, documents)
    return clusters[CLUSTER_COLUMNS]


def _query_table(unmet: pd.DataFrame, *, end: pd.Timestamp) -> pd.DataFrame:
    """Per distinct normalised query: searches, summed results, recent and earlier counts."""
    recent_start = end - pd.Timedelta(weeks=GROWTH_WEEKS)
    before_start = recent_start - pd.Timedelta(weeks=GROWTH_WEEKS)
    at = unmet["searched_at"]
    frame = pd.DataFrame(
        {
            "query": unmet["normalized_query"].astype("str").to_numpy(),
            "results": unmet["result_count"].to_numpy(dtype=np.int64),
            "recent": (at >= recent_start).to_numpy(dtype=np.int64),
            "before": ((at >= before_start) & (at < recent_start)).to_numpy(dtype=np.int64),
        }
    )
    frame = frame[frame["query"].str.strip() != ""]
    table = frame.groupby("query").agg(
        searches=("results", "size"),
        results=("results", "sum"),
        recent=("recent", "sum"),
        before=("before", "sum"),
    )
    table = table.sort_values("searches", ascending=False).head(MAX_DISTINCT_QUERIES)
    return table.reset_index()


def _summarise(per_query: pd.DataFrame, *, weeks: float) -> pd.DataFrame:
    """One row per cluster: its top queries, volume, average results and growth."""
    grouped = per_query.sort_values("searches", ascending=False).groupby("cluster", sort=False)
    clusters = grouped.agg(
        queries=("query", lambda q: list(q[:REPRESENTATIVE_QUERIES])),
        searches=("searches", "sum"),
        results=("results", "sum"),
        recent=("recent", "sum"),
        before=("before", "sum"),
    ).reset_index()
    clusters["results_avg"] = clusters["results"] / clusters["searches"]
    clusters["weekly_searches"] = clusters["searches"] / weeks
    clusters["growth"] = (clusters["recent"] + 1.0) / (clusters["before"] + 1.0)
    return clusters.sort_values("searches", ascending=False, ignore_index=True)
