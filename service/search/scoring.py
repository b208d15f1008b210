"""Matching, filtering, ranking and facet counting over a snapshot (numpy, no database).

A document's score for a term group is the best of its alternatives (alternative weight x the
term's field weight; a multi-term alternative takes its weakest term), times the group's IDF.
Results are the documents that hold at least `G - G // 3` of the G groups (all of one or two,
two of three, ...), or, when none does, those holding the most groups found: so `梧州蜂蜜` lists
Wuzhou honey only, while `蜂蜜柚子茶`, which nothing matches fully, still shows honey.
Ranking: groups held first, then text relevance (0-1) + a spec boost + sales + in stock.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from service.search.memory_index import PACKAGING_BITS, Snapshot
from service.search.query import ParsedQuery, TermGroup
from service.search.request import PRICE_BANDS, SearchFilters
from service.search.spec import WEIGHT_TOLERANCE, Spec

SPEC_BOOST = 0.3
SALES_WEIGHT = 0.15
IN_STOCK_BONUS = 0.1
COVERAGE_TIER = 10.0


@dataclass
class Matches:
    """The results of a query before filters: positions (sorted) and what each matched."""

    positions: np.ndarray
    coverage: np.ndarray
    relevance: np.ndarray
    spec_ok: np.ndarray
    matched_all: np.ndarray


def _group_scores(snap: Snapshot, group: TermGroup) -> np.ndarray:
    """Per position: the group's best alternative score (0 where it does not match).

    Dense over every position: a scatter per alternative costs its postings, and the
    positions found come out sorted and unique without a sort.
    """
    best = np.zeros(snap.size, np.float32)
    for alt in group.alternatives:
        pos, weight = snap.postings(alt.terms[0])
        for term in alt.terms[1:]:
            if not len(pos):
                break
            other_pos, other_weight = snap.postings(term)
            pos, mine, theirs = np.intersect1d(
                pos, other_pos, assume_unique=True, return_indices=True
            )
            weight = np.minimum(weight[mine], other_weight[theirs])
        if len(pos):
            best[pos] = np.maximum(best[pos], weight * np.float32(alt.weight))
    return best


def _variants_of(snap: Snapshot, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The SKUs of POSITIONS: (index into POSITIONS, index into the variant arrays) per SKU."""
    starts = np.searchsorted(snap.v_pos, positions, side="left")
    lengths = np.searchsorted(snap.v_pos, positions, side="right") - starts
    owner = np.repeat(np.arange(len(positions)), lengths)
    offsets = np.arange(int(lengths.sum())) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    return owner, np.repeat(starts, lengths) + offsets


Conditions = Callable[[np.ndarray | slice], list[np.ndarray]]


def _any_sku(snap: Snapshot, positions: np.ndarray, *, conditions: Conditions) -> np.ndarray:
    """Per position: whether one of its SKUs meets every condition (given variant indexes)."""
    if len(positions) * 8 > snap.size:  # many documents: one pass over every SKU is cheaper
        documents = np.zeros(snap.size, bool)
        met = conditions(slice(None))
        documents[snap.v_pos[np.logical_and.reduce(met)] if met else snap.v_pos] = True
        return documents[positions]
    owner, index = _variants_of(snap, positions)
    met = conditions(index)
    found = np.zeros(len(positions), bool)
    found[owner[np.logical_and.reduce(met)] if met else owner] = True
    return found


SPEC_MASKS_KEPT = 64


def spec_fit(snap: Snapshot, positions: np.ndarray, *, spec: Spec) -> np.ndarray:
    """Per position: whether the document has a SKU fitting the whole spec.

    Shoppers ask for few distinct specs (5斤, 500g, 礼盒), so each spec's answer for every
    document is worked out once per snapshot state and then only looked up.
    """
    mask = snap.spec_masks.get(spec)
    if mask is None:
        if len(snap.spec_masks) >= SPEC_MASKS_KEPT:
            snap.spec_masks.clear()
        mask = snap.spec_masks[spec] = _spec_mask(snap, spec)
    return mask[positions]


def _spec_mask(snap: Snapshot, spec: Spec) -> np.ndarray:
    met = np.ones(len(snap.v_pos), bool)
    if spec.net_weight_g is not None:
        tolerance = WEIGHT_TOLERANCE * spec.net_weight_g
        met &= np.abs(snap.v_weight - spec.net_weight_g) <= tolerance
    if spec.packaging is not None:
        met &= snap.v_pack == PACKAGING_BITS[spec.packaging]
    documents = np.zeros(snap.size, bool)
    documents[snap.v_pos[met]] = True
    return documents


def match_query(snap: Snapshot, parsed: ParsedQuery) -> Matches:
    """The documents PARSED finds, with coverage, relevance and spec fit."""
    if not parsed.groups:
        positions = np.flatnonzero(snap.alive).astype(np.int32)
        if parsed.spec:
            positions = positions[spec_fit(snap, positions, spec=parsed.spec)]
        elif parsed.normalized and not parsed.only_fillers:
            positions = positions[:0]  # punctuation or bare numbers: nothing to look for
        empty = np.zeros(len(positions))
        ok = np.ones(len(positions), bool)
        return Matches(positions, empty.astype(np.int16), empty, ok, ok)
    coverage = np.zeros(snap.size, np.int16)
    relevance = np.zeros(snap.size, np.float32)
    idf_total = 0.0
    for group in parsed.groups:
        score = _group_scores(snap, group)
        if snap.n_alive < snap.size:
            score[~snap.alive] = 0
        matched = score > 0
        found = int(np.count_nonzero(matched))
        if not found:
            continue
        idf = math.log(1.0 + snap.n_alive / found)
        idf_total += idf
        coverage += matched
        score *= np.float32(idf)
        relevance += score
    if idf_total:
        relevance /= idf_total
    positions = np.flatnonzero(coverage).astype(np.int32)
    coverage, relevance = coverage[positions], relevance[positions]
    keep = coverage >= _required_coverage(len(parsed.groups), coverage)
    positions, coverage, relevance = positions[keep], coverage[keep], relevance[keep]
    spec_ok = (
        spec_fit(snap, positions, spec=parsed.spec)
        if parsed.spec
        else np.ones(len(positions), bool)
    )
    matched_all = (coverage == len(parsed.groups)) & spec_ok
    return Matches(positions, coverage, relevance, spec_ok, matched_all)


def _required_coverage(groups: int, coverage: np.ndarray) -> int:
    if not len(coverage):
        return 1
    wanted = groups - groups // 3
    best = int(coverage.max())
    return max(1, wanted if best >= wanted else best)


def filter_mask(snap: Snapshot, matches: Matches, *, filters: SearchFilters) -> np.ndarray:
    """Which of MATCHES pass FILTERS (a category filter takes its subcategories too)."""
    pos = matches.positions
    keep = np.ones(len(pos), bool)
    if filters.category is not None:
        keep &= np.isin(snap.category[pos], snap.categories_under(filters.category))
    if filters.region is not None:
        keep &= snap.region[pos] == snap.region_index(filters.region)
    if filters.on_variants():

        def conditions(index: np.ndarray | slice) -> list[np.ndarray]:
            met = []
            if filters.packaging is not None:
                met.append(snap.v_pack[index] == PACKAGING_BITS.get(filters.packaging, 0))
            if filters.min_price_fen is not None:
                met.append(snap.v_price[index] >= filters.min_price_fen)
            if filters.max_price_fen is not None:
                met.append(snap.v_price[index] <= filters.max_price_fen)
            if filters.in_stock:
                met.append(snap.v_stock[index] > 0)
            return met

        keep &= _any_sku(snap, pos, conditions=conditions)
    return keep


def rank_keys(snap: Snapshot, matches: Matches) -> np.ndarray:
    """A sort key per match, higher first: groups held, then relevance and boosts."""
    pos = matches.positions
    sales = np.log1p(snap.sales[pos])
    top_sales = float(sales.max()) if len(sales) else 0.0
    sales_share = sales / top_sales if top_sales > 0 else np.zeros(len(pos))
    return (
        matches.coverage * COVERAGE_TIER
        + matches.relevance
        + SPEC_BOOST * matches.spec_ok
        + SALES_WEIGHT * sales_share
        + IN_STOCK_BONUS * snap.in_stock[pos]
    )


def top(snap: Snapshot, keys: np.ndarray, *, positions: np.ndarray, limit: int) -> np.ndarray:
    """Indexes into POSITIONS of the LIMIT best, best first (ties: lower product id)."""
    if limit <= 0 or not len(keys):
        return np.zeros(0, np.int64)
    picked = np.arange(len(keys))
    if limit < len(keys):
        # The largest LIMIT from the top end: partitioning `-keys` at the bottom end costs a
        # copy and measured five times slower.
        picked = np.argpartition(keys, len(keys) - limit)[len(keys) - limit :]
    return picked[np.lexsort((snap.product_id[positions[picked]], -keys[picked]))]


def _counts(codes: Sequence[str], indexes: np.ndarray) -> dict[str, int]:
    # Indexes past CODES (a product without a price) are counted and left out.
    counts = np.bincount(indexes, minlength=len(codes))
    return {code: int(counts[i]) for i, code in enumerate(codes) if counts[i]}


def facet_counts(snap: Snapshot, positions: np.ndarray) -> dict[str, dict[str, int]]:
    """Category, region, packaging and price-band counts over POSITIONS."""
    bits = snap.pack_bits[positions]
    packaging = {name: int(np.count_nonzero(bits & bit)) for name, bit in PACKAGING_BITS.items()}
    return {
        "category": _counts(snap.category_codes, snap.category[positions]),
        "region": _counts(snap.region_codes, snap.region[positions]),
        "packaging": {k: v for k, v in packaging.items() if v},
        "price_band": _counts(PRICE_BANDS, snap.price_band[positions]),
    }
