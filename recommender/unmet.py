"""Unmet demand: queries that usually find no product matching every term they ask for.

A search is unmet when none of its results matched every term of the query
(``matched_all_count == 0``): it found nothing at all, or only part of what was asked
(蜂蜜柚子茶 answered with plain honey). How many results it returned does not matter: a search
answered by a single product that matches every term (核桃 → 宜君薄皮核桃) is met demand, however
few results it had. A distinct normalised query is unmet when more than ``MIN_UNMET_SHARE`` of
its searches in the window were unmet; only those unmet searches count towards its volume,
average results and growth (a product listed part-way through the window stops counting).
Queries close to an existing product title are dropped as near-misses: the product exists, the
search just missed it (a typo that returns nothing). Noise (`???`, `1111`, `aaaa`, keyboard
rows such as `qwerty`/`asdf`/`hjkl`, `test`/`测试`) is never unmet demand. Storefront searches are
logged once per searcher, query and day, so a volume is a count of distinct searchers.

The most frequent unmet queries are clustered on character n-gram TF-IDF (Chinese has no
spaces; unigrams and bigrams keep 柚子蜂蜜茶 beside 蜂蜜柚子茶, which share no trigram) with
average-linkage agglomerative clustering on cosine distance.

Each cluster is mapped to the LEAF category that best explains it. Queries, product titles and
category names become terms — character bigrams of each Chinese run (words are mostly two
characters; a lone shared character such as 桃 in 核桃/樱桃 or 大 in 大闸蟹/大米 is no evidence)
and whole Latin or digit words. A query's score for a category is its highest TF-IDF cosine
with any of that category's titles or its name; a cluster's score is the search-weighted mean
over its queries (so 蜂蜜柚子茶 → honey through the name 蜂蜜, and a rare 礼盒 variant does not
pull a cluster to whichever category sells gift boxes). The best-scoring category wins; when it
has children it is replaced by its best-scoring leaf below it, if that leaf reaches
``MIN_CATEGORY_SIMILARITY`` — a parent only stands when no leaf under it fits. Below
``MIN_CATEGORY_SIMILARITY`` a cluster has no category. ``related_categories`` lists the
category with its ancestors and descendants: the producers the cluster concerns.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process
from sklearn.cluster import AgglomerativeClustering
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics.pairwise import cosine_similarity

from recommender.cube import as_utc, to_utc

MIN_UNMET_SHARE = 0.5
# A query only one person asked is no demand (the storefront logs a searcher once a day).
MIN_QUERY_SEARCHES = 2
MAX_DISTINCT_QUERIES = 300
NEAR_MISS_SIMILARITY = 80.0
CLUSTER_DISTANCE = 0.7
MIN_CATEGORY_SIMILARITY = 0.1
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
    "related_categories",
]
CHINESE = "\u3400-\u9fff"
WORDS = re.compile(f"[{CHINESE}]+|[^\\W_{CHINESE}]+")


def _vectorizer() -> TfidfVectorizer:
    return TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 2), sublinear_tf=True)


# Keyboard mashing and test searches: runs along a keyboard row (qwerty, asdf, hjkl, zxcv …),
# and the words people type to see whether search works.
KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm", "1234567890")
TEST_WORDS = frozenset({"test", "tests", "testing", "测试", "ceshi", "试试", "test123"})


def is_noise(query: str) -> bool:
    """Whether QUERY asks for nothing: no letter or Chinese character, one character or a pair
    repeated (`???`, `1111`, `aaaa`, `哈哈哈`, `abab`), a run along a keyboard row (`qwerty`,
    `asdf`, `hjkl`, `lkjh`) or a test search (`test`, `测试`)."""
    compact = "".join(query.split()).lower()
    if not any(c.isalpha() for c in compact) or compact in TEST_WORDS:
        return True
    if len(compact) > 2 and any(compact == compact[:n] * (len(compact) // n) for n in (1, 2)):
        return True
    if len(compact) == 2 and compact[0] == compact[1]:
        return True
    return len(compact) >= 3 and any(
        compact in row or compact in row[::-1] for row in KEYBOARD_ROWS
    )


def unmet_searches(searches: pd.DataFrame) -> pd.DataFrame:
    """Searches matching no product fully, of queries where most searches match none and at
    least MIN_QUERY_SEARCHES did.

    Noise (`is_noise`) is never unmet demand.
    """
    missed = searches["matched_all_count"].to_numpy() == 0
    query, distinct = pd.factorize(searches["normalized_query"], use_na_sentinel=False)
    noise = np.fromiter((is_noise(str(q)) for q in distinct), dtype=bool, count=len(distinct))
    unmet_count = np.bincount(query, weights=missed)
    share = unmet_count / np.maximum(np.bincount(query), 1)
    enough = unmet_count >= MIN_QUERY_SEARCHES
    return searches[missed & (share[query] > MIN_UNMET_SHARE) & enough[query] & ~noise[query]]


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


def text_terms(text: str) -> list[str]:
    """Character bigrams of each Chinese run (a lone character as itself) and whole words."""
    terms: list[str] = []
    for run in WORDS.findall(text.lower()):
        if len(run) > 1 and "\u3400" <= run[0] <= "\u9fff":
            terms.extend(run[i : i + 2] for i in range(len(run) - 1))
        else:
            terms.append(run)
    return terms


def category_documents(offers: pd.DataFrame, categories: pd.DataFrame) -> pd.DataFrame:
    """category, text: each category's name and code, and every distinct title listed in it.

    English titles (`title_en`, when the frame has them) and the codes (`dark_tea` as "dark
    tea") let a query typed in English (honey yuzu tea) find its category too.
    """
    codes = categories["code"].astype("str")
    parts = [
        pd.DataFrame({"category": codes, "text": categories["name"].astype("str")}),
        pd.DataFrame({"category": codes, "text": codes.str.replace("_", " ")}),
        pd.DataFrame(
            {"category": offers["category"].astype("str"), "text": offers["title"].astype("str")}
        ),
    ]
    if "title_en" in offers:
        english = offers[offers["title_en"].notna()]
        parts.append(
            pd.DataFrame(
                {
                    "category": english["category"].astype("str"),
                    "text": english["title_en"].astype("str"),
                }
            )
        )
    documents = pd.concat(parts, ignore_index=True).drop_duplicates()
    return documents.sort_values("category", kind="stable", ignore_index=True)


def category_scores(
    queries: list[str], weights: np.ndarray, groups: np.ndarray, documents: pd.DataFrame
) -> pd.DataFrame:
    """Group × category: the search-weighted mean of each query's best cosine in the category."""
    vectorizer = TfidfVectorizer(analyzer=text_terms, sublinear_tf=True)
    vectorizer.fit([*documents["text"].tolist(), *queries])
    similarity = cosine_similarity(
        vectorizer.transform(queries), vectorizer.transform(documents["text"].tolist())
    )
    labels = documents["category"].to_numpy()
    starts = np.flatnonzero(np.r_[True, labels[1:] != labels[:-1]])
    best = np.maximum.reduceat(similarity, starts, axis=1) * weights[:, None]
    summed = pd.DataFrame(best, columns=labels[starts]).groupby(groups).sum()
    return summed.div(pd.Series(weights).groupby(groups).sum(), axis=0)


def pick_category(scores: pd.Series, children: dict[str, list[str]]) -> tuple[str | None, float]:
    """The best-scoring category, replaced by its best leaf below it when one fits; or None."""
    best = str(scores.idxmax())
    if scores[best] < MIN_CATEGORY_SIMILARITY:
        return None, float(scores[best])
    leaves = [c for c in _descendants(best, children) if not children.get(c) and c in scores]
    if leaves:
        leaf = str(scores[leaves].idxmax())
        if scores[leaf] >= MIN_CATEGORY_SIMILARITY:
            return leaf, float(scores[leaf])
    return best, float(scores[best])


def category_parents(categories: pd.DataFrame) -> dict[str, str | None]:
    """Category code -> its parent's code (None at the top)."""
    return {
        str(code): (str(parent) if isinstance(parent, str) and parent else None)
        for code, parent in zip(categories["code"], categories["parent"], strict=True)
    }


def related_categories(code: str, parents: dict[str, str | None]) -> list[str]:
    """CODE, its ancestors and its descendants."""
    children = _children(parents)
    ancestors: list[str] = []
    parent = parents.get(code)
    while parent is not None and parent not in ancestors and parent != code:
        ancestors.append(parent)
        parent = parents.get(parent)
    return [*_descendants(code, children), *ancestors]


def map_clusters_to_categories(
    per_query: pd.DataFrame, *, offers: pd.DataFrame, categories: pd.DataFrame
) -> pd.DataFrame:
    """Per cluster: category (a leaf when one fits, or None), its score and related_categories."""
    parents = category_parents(categories)
    documents = category_documents(offers, categories)
    clusters = np.sort(per_query["cluster"].unique())
    picked: list[tuple[str | None, float]] = [(None, 0.0)] * len(clusters)
    if not documents.empty:
        scores = category_scores(
            per_query["query"].tolist(),
            per_query["searches"].to_numpy(dtype=np.float64),
            per_query["cluster"].to_numpy(),
            documents,
        )
        children = _children(parents)
        picked = [pick_category(scores.loc[c], children) for c in clusters]
    codes = [code for code, _ in picked]
    return pd.DataFrame(
        {
            "cluster": clusters,
            "category": codes,
            "category_similarity": [score for _, score in picked],
            "related_categories": [
                related_categories(c, parents) if c is not None else [] for c in codes
            ],
        }
    )


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
    mapped = map_clusters_to_categories(per_query, offers=offers, categories=categories)
    clusters = clusters.merge(mapped, on="cluster", how="left", sort=False)
    return clusters[CLUSTER_COLUMNS]


def _children(parents: dict[str, str | None]) -> dict[str, list[str]]:
    children: dict[str, list[str]] = {}
    for child, parent in parents.items():
        if parent is not None:
            children.setdefault(parent, []).append(child)
    return children


def _descendants(code: str, children: dict[str, list[str]]) -> list[str]:
    """CODE and every category below it, CODE first."""
    found, pending = [code], [code]
    while pending:
        for child in children.get(pending.pop(), []):
            if child not in found:
                found.append(child)
                pending.append(child)
    return found


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
