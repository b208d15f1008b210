"""The in-memory inverted index the built-in engine queries, kept in step with the database.

Each process holds, per database, a `Snapshot` of the listed `search_document` rows: numpy
arrays per document position (facets, price, stock, sales), per variant (weight, packaging,
price, stock), and postings term -> (positions, weights) in one compressed array plus a small
delta for documents added since the last full build. A search first reads the index state and
the database's watermark (`versions`): the same generation and watermark means nothing changed;
otherwise the rows stamped after the snapshot's watermark are patched in (any process may have
written them); another generation, or many changes, means a full rebuild. A changed document
whose terms are unchanged (a stock or price change) is updated in place, keeping the parsed
queries; otherwise it moves to a new position and its old one is marked dead. Searches and
patches hold the snapshot's lock.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import orjson
import pandas as pd

from service.catalog.vocabulary import Packaging
from service.search.lexicon import Lexicon
from service.search.request import PRICE_BAND_EDGES, PRICE_BANDS
from service.search.versions import Watermark

# One bit per packaging, in the vocabulary's order (bulk 1, standard 2, gift_box 4, family 8).
PACKAGING_BITS = {packaging.value: 1 << i for i, packaging in enumerate(Packaging)}
NO_PRICE_BAND = len(PRICE_BANDS)
# A full rebuild is cheaper than patching when this share of documents changed or died.
REBUILD_CHANGED_SHARE = 0.10
REBUILD_DEAD_SHARE = 0.30
REBUILD_DELTA_POSTINGS = 500_000
_EMPTY_POS = np.zeros(0, dtype=np.int32)
_EMPTY_W = np.zeros(0, dtype=np.float32)


@dataclass
class DocRow:
    """One `search_document` row as the index needs it."""

    product_id: int
    listed: bool
    category_code: str
    category_path: str
    region_code: str
    min_price_fen: int | None
    in_stock: bool
    sales_units: int
    variants: list[dict[str, Any]]
    terms: dict[str, float]
    words: list[str]
    terms_hash: str
    payload: bytes  # what a hit shows, JSON (decoded only for the hits of a page)

    @classmethod
    def from_db(cls, row: Any) -> DocRow:
        """A row of `DOC_COLUMNS` (JSON arrives as text on SQLite, parsed on PostgreSQL)."""
        variants = row.variants
        if isinstance(variants, str | bytes):
            variants = orjson.loads(variants)
        payload = {name: getattr(row, name) for name in _PAYLOAD_COLUMNS}
        payload |= {"in_stock": bool(row.in_stock), "variants": variants or []}
        return cls(
            product_id=int(row.product_id),
            listed=bool(row.listed),
            category_code=row.category_code,
            category_path=row.category_path,
            region_code=row.region_code,
            min_price_fen=row.min_price_fen,
            in_stock=bool(row.in_stock),
            sales_units=int(row.sales_units or 0),
            variants=variants or [],
            terms=orjson.loads(row.terms) if row.listed else {},
            words=row.words.split() if row.listed else [],
            terms_hash=row.terms_hash,
            # A copy: orjson's own result keeps a 4 KiB buffer (400 MB per 100,000 documents).
            payload=bytes(memoryview(orjson.dumps(payload))),
        )


_PAYLOAD_COLUMNS = (
    "product_id",
    "code",
    "title",
    "title_en",
    "category_code",
    "region_code",
    "producer_code",
    "producer_name",
    "min_price_fen",
)
DOC_COLUMNS = (
    "product_id, code, listed, title, title_en, category_code, category_path, region_code, "
    "producer_code, producer_name, min_price_fen, in_stock, sales_units, variants, terms, words, "
    "terms_hash"
)


@dataclass
class Snapshot:
    """The searchable documents of one database, as of a watermark."""

    generation: str | None = None
    watermark: Watermark = field(default_factory=Watermark)
    product_id: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    alive: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    category: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    region: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    in_stock: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    sales: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float64))
    pack_bits: np.ndarray = field(default_factory=lambda: np.zeros(0, np.uint8))
    # Index into PRICE_BANDS of the lowest price (NO_PRICE_BAND without one), for facets.
    price_band: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    v_pos: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    v_weight: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    v_pack: np.ndarray = field(default_factory=lambda: np.zeros(0, np.uint8))
    v_price: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    v_stock: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    hashes: list[str] = field(default_factory=list)
    payloads: list[bytes] = field(default_factory=list)
    pos_of: dict[int, int] = field(default_factory=dict)
    category_codes: list[str] = field(default_factory=list)
    category_paths: list[str] = field(default_factory=list)
    region_codes: list[str] = field(default_factory=list)
    # Postings of the last full build: term -> id, whose postings are base_*[offsets[id]:next].
    base_terms: dict[str, int] = field(default_factory=dict)
    base_offsets: np.ndarray = field(default_factory=lambda: np.zeros(1, np.int64))
    base_pos: np.ndarray = field(default_factory=lambda: _EMPTY_POS)
    base_w: np.ndarray = field(default_factory=lambda: _EMPTY_W)
    delta: dict[str, tuple[list[int], list[float]]] = field(default_factory=dict)
    delta_size: int = 0
    lexicon: Lexicon = field(default_factory=Lexicon)
    n_alive: int = 0
    # Parsed queries of this vocabulary (the history importer asks the same queries many times).
    parse_cache: dict[Any, Any] = field(default_factory=dict)
    # Per spec, whether each position has a SKU fitting it (any change to the index drops them).
    spec_masks: dict[Any, np.ndarray] = field(default_factory=dict)

    @property
    def size(self) -> int:
        """Positions, dead ones included."""
        return len(self.product_id)

    def postings(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        """Positions holding TERM (dead ones included) and the term's weight at each."""
        term_id = self.base_terms.get(term)
        extra = self.delta.get(term)
        pos, weights = _EMPTY_POS, _EMPTY_W
        if term_id is not None:
            lo, hi = self.base_offsets[term_id], self.base_offsets[term_id + 1]
            pos, weights = self.base_pos[lo:hi], self.base_w[lo:hi]
        if extra:
            pos = np.concatenate([pos, np.asarray(extra[0], dtype=np.int32)])
            weights = np.concatenate([weights, np.asarray(extra[1], dtype=np.float32)])
        return pos, weights

    def payload(self, position: int) -> dict[str, Any]:
        """What a hit at POSITION shows (code, title, facets, price, variants)."""
        return orjson.loads(self.payloads[position])  # type: ignore[no-any-return]

    def has_term(self, term: str) -> bool:
        """Whether any document (live or not) was indexed with TERM."""
        return term in self.base_terms or term in self.delta

    def live_count(self, term: str) -> int:
        """How many live documents hold TERM."""
        pos, _ = self.postings(term)
        return int(self.alive[pos].sum()) if len(pos) else 0

    def categories_under(self, code: str) -> np.ndarray:
        """Indexes of the categories at or below CODE."""
        found = [i for i, path in enumerate(self.category_paths) if code in path.split("/")]
        return np.asarray(found, dtype=np.int32)

    def region_index(self, code: str) -> int:
        """The index of region CODE, or -1 when no document is from it."""
        try:
            return self.region_codes.index(code)
        except ValueError:
            return -1


def _intern(table: list[str], value: str) -> int:
    try:
        return table.index(value)
    except ValueError:
        table.append(value)
        return len(table) - 1


def _append_documents(snap: Snapshot, rows: list[DocRow]) -> list[int]:
    """Give ROWS new positions (arrays grow once); returns the positions."""
    start = snap.size
    positions = list(range(start, start + len(rows)))
    categories: dict[str, int] = {}
    for row in rows:
        if row.category_code not in categories:
            index = _intern(snap.category_codes, row.category_code)
            if index == len(snap.category_paths):
                snap.category_paths.append(row.category_path)
            categories[row.category_code] = index
    cat = [categories[r.category_code] for r in rows]
    region = [_intern(snap.region_codes, r.region_code) for r in rows]
    bits = [_packaging_bits(r.variants) for r in rows]
    snap.product_id = np.concatenate([snap.product_id, [r.product_id for r in rows]]).astype(
        np.int64
    )
    snap.alive = np.concatenate([snap.alive, np.ones(len(rows), bool)])
    snap.category = np.concatenate([snap.category, np.asarray(cat, np.int32)])
    snap.region = np.concatenate([snap.region, np.asarray(region, np.int32)])
    bands = [_band_of(r.min_price_fen) for r in rows]
    snap.price_band = np.concatenate([snap.price_band, np.asarray(bands, np.int32)])
    snap.in_stock = np.concatenate([snap.in_stock, np.asarray([r.in_stock for r in rows], bool)])
    sales = np.asarray([r.sales_units for r in rows], np.float64)
    snap.sales = np.concatenate([snap.sales, sales])
    snap.pack_bits = np.concatenate([snap.pack_bits, np.asarray(bits, np.uint8)])
    _append_variants(snap, rows, positions=positions)
    for pos, row in zip(positions, rows, strict=True):
        snap.hashes.append(row.terms_hash)
        snap.payloads.append(row.payload)
        snap.pos_of[row.product_id] = pos
        snap.lexicon.add(row.words)
    snap.n_alive += len(rows)
    return positions


def _band_of(price_fen: int | None) -> int:
    return NO_PRICE_BAND if price_fen is None else bisect_right(PRICE_BAND_EDGES, price_fen)


def _packaging_bits(variants: list[dict[str, Any]]) -> int:
    bits = 0
    for v in variants:
        bits |= PACKAGING_BITS.get(v.get("packaging", ""), 0)
    return bits


def _append_variants(snap: Snapshot, rows: list[DocRow], *, positions: list[int]) -> None:
    flat = [(pos, v) for pos, row in zip(positions, rows, strict=True) for v in row.variants]
    snap.v_pos = np.concatenate([snap.v_pos, np.asarray([p for p, _ in flat], np.int32)])
    snap.v_weight = np.concatenate(
        [snap.v_weight, np.asarray([v["net_weight_g"] for _, v in flat], np.int32)]
    )
    packs = [PACKAGING_BITS.get(v["packaging"], 0) for _, v in flat]
    snap.v_pack = np.concatenate([snap.v_pack, np.asarray(packs, np.uint8)])
    snap.v_price = np.concatenate(
        [snap.v_price, np.asarray([v["price_fen"] for _, v in flat], np.int64)]
    )
    snap.v_stock = np.concatenate(
        [snap.v_stock, np.asarray([min(v["stock"], 2**31 - 1) for _, v in flat], np.int32)]
    )


class SnapshotBuilder:
    """A snapshot built from batches of rows, never holding all rows or their terms at once.

    Each batch's terms become term ids right away (one string per distinct term is kept);
    postings are compressed by term at the end.
    """

    def __init__(self, *, generation: str | None, watermark: Watermark) -> None:
        self.snap = Snapshot(generation=generation, watermark=watermark)
        self.term_ids: dict[str, int] = {}
        self.ids: list[np.ndarray] = []
        self.pos: list[np.ndarray] = []
        self.weights: list[np.ndarray] = []

    def add(self, rows: list[DocRow]) -> None:
        """Give the listed ROWS the next positions."""
        rows = [r for r in rows if r.listed]
        terms: list[str] = []
        pos: list[int] = []
        weights: list[float] = []
        for position, row in zip(_append_documents(self.snap, rows), rows, strict=True):
            terms.extend(row.terms.keys())
            weights.extend(row.terms.values())
            pos.extend([position] * len(row.terms))
        if not terms:
            return
        codes, uniques = pd.factorize(pd.Series(terms, dtype=object), sort=False)
        known = self.term_ids
        mapping = np.fromiter(
            (known.setdefault(t, len(known)) for t in uniques), np.int32, count=len(uniques)
        )
        self.ids.append(mapping[codes])
        self.pos.append(np.asarray(pos, dtype=np.int32))
        self.weights.append(np.asarray(weights, dtype=np.float32))

    def finish(self) -> Snapshot:
        """The snapshot, postings sorted by term (positions stay ascending within a term)."""
        snap = self.snap
        if self.ids:
            ids = np.concatenate(self.ids)
            order = np.argsort(ids, kind="stable")
            snap.base_pos = np.concatenate(self.pos)[order]
            snap.base_w = np.concatenate(self.weights)[order]
            counts = np.bincount(ids, minlength=len(self.term_ids))
            snap.base_offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
            snap.base_terms = self.term_ids
        return snap


def _kill(snap: Snapshot, product_id: int) -> None:
    old = snap.pos_of.pop(product_id, None)
    if old is not None:
        snap.alive[old] = False
        snap.n_alive -= 1


def _update_in_place(snap: Snapshot, row: DocRow, *, pos: int) -> bool:
    lo, hi = np.searchsorted(snap.v_pos, [pos, pos + 1])
    if hi - lo != len(row.variants):
        return False
    snap.category[pos] = _intern(snap.category_codes, row.category_code)
    if len(snap.category_paths) < len(snap.category_codes):
        snap.category_paths.append(row.category_path)
    snap.region[pos] = _intern(snap.region_codes, row.region_code)
    snap.price_band[pos] = _band_of(row.min_price_fen)
    snap.in_stock[pos] = row.in_stock
    snap.sales[pos] = row.sales_units
    snap.pack_bits[pos] = _packaging_bits(row.variants)
    snap.payloads[pos] = row.payload
    for offset, v in enumerate(row.variants):
        snap.v_weight[lo + offset] = v["net_weight_g"]
        snap.v_pack[lo + offset] = PACKAGING_BITS.get(v["packaging"], 0)
        snap.v_price[lo + offset] = v["price_fen"]
        snap.v_stock[lo + offset] = min(v["stock"], 2**31 - 1)
    return True


def apply_changes(snap: Snapshot, rows: list[DocRow], *, watermark: Watermark) -> bool:
    """Patch SNAP with changed ROWS; False when a full rebuild would be better."""
    if len(rows) > max(1000, REBUILD_CHANGED_SHARE * snap.n_alive):
        return False
    snap.spec_masks.clear()
    moved: list[DocRow] = []
    removed = False
    for row in rows:
        old = snap.pos_of.get(row.product_id)
        if not row.listed:
            _kill(snap, row.product_id)
            removed = True
            continue
        same_terms = old is not None and snap.hashes[old] == row.terms_hash
        if not (same_terms and _update_in_place(snap, row, pos=old)):  # type: ignore[arg-type]
            _kill(snap, row.product_id)
            moved.append(row)
    if moved:
        for pos, row in zip(_append_documents(snap, moved), moved, strict=True):
            for term, weight in row.terms.items():
                entry = snap.delta.setdefault(term, ([], []))
                entry[0].append(pos)
                entry[1].append(weight)
            snap.delta_size += len(row.terms)
    snap.watermark = watermark
    if moved or removed:
        # Parses depend on the vocabulary only; stock and price updates in place keep them.
        snap.parse_cache.clear()
    dead = snap.size - snap.n_alive
    return dead <= REBUILD_DEAD_SHARE * max(snap.size, 1) and (
        snap.delta_size <= REBUILD_DELTA_POSTINGS
    )
