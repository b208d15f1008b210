"""Graded relevance of the built-in engine over the seed catalog (NDCG@10)."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from service.kit.db import session_scope
from service.search.engine import BuiltinBackend
from service.search.request import SearchRequest

RELEVANCE = Path(__file__).with_name("relevance.json")
MIN_MEAN_NDCG = 0.85


def ndcg_at_10(ranked: list[str], grades: dict[str, int]) -> float:
    """NDCG@10 with gains 2^grade - 1."""

    def dcg(gains: list[int]) -> float:
        return sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(gains[:10]))

    ideal = dcg(sorted(grades.values(), reverse=True))
    return dcg([grades.get(code, 0) for code in ranked]) / ideal if ideal else 0.0


def test_ndcg_of_a_perfect_and_a_reversed_ranking() -> None:
    grades = {"a": 3, "b": 1}
    assert ndcg_at_10(["a", "b"], grades) == 1.0
    assert ndcg_at_10(["b", "a"], grades) < 0.75
    assert ndcg_at_10([], grades) == 0.0


def _run(engine: Engine, queries: list[dict[str, Any]]) -> dict[str, tuple[float, int, list[str]]]:
    backend = BuiltinBackend()
    out = {}
    with session_scope(engine, readonly=True) as session:
        for item in queries:
            found = backend.search(session, SearchRequest(query=item["query"], limit=10))
            codes = [hit.code for hit in found.hits]
            out[item["query"]] = (ndcg_at_10(codes, item["relevant"]), found.matched_all, codes)
    return out


def test_relevance_set_scores_ndcg_at_10_of_at_least_085(seed_catalog: Engine) -> None:
    queries = json.loads(RELEVANCE.read_text(encoding="utf-8"))["queries"]
    answerable = [q for q in queries if q["relevant"]]
    assert len(answerable) >= 40
    results = _run(seed_catalog, queries)
    scores = {q["query"]: results[q["query"]][0] for q in answerable}
    empty = [q["query"] for q in answerable if not results[q["query"]][2]]
    assert not empty, f"answerable queries found nothing: {empty}"
    mean = sum(scores.values()) / len(scores)
    worst = sorted(scores.items(), key=lambda kv: kv[1])[:8]
    assert mean >= MIN_MEAN_NDCG, f"mean NDCG@10 {mean:.3f}; worst: {worst}"
    unmet = [q["query"] for q in queries if not q["relevant"]]
    assert all(results[q][1] == 0 for q in unmet), "unmet demand must match no product fully"
