"""The Meilisearch backend (`TECHAN_MEILI_URL`, `TECHAN_MEILI_KEY`), through the official client.

Documents come from `search_document` (the same rows the built-in engine reads), enriched with
the jieba words of the title, their full pinyin and initials, so `fengmi` and `ppg` work in
Meilisearch too. Index settings: searchable, filterable and sortable attributes, the synonym
files, and ranking rules that put in-stock and best-selling products first among equals.
Sync: the indexer's listener stashes changed documents on the session and pushes them after the
catalog's transaction commits (never for a rolled-back change); `techan search reindex` pushes
everything in batches.

Differences from the built-in engine: a spec (`5斤`, `礼盒`) filters instead of boosting; SKU
filters hold per product, not necessarily for one and the same SKU; Chinese homophone slips
(峰蜜) are not corrected; `matched_all` comes from a second query with matchingStrategy `all`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

import meilisearch
import orjson
from sqlalchemy import bindparam, event, text
from sqlmodel import Session

from service.search.hits import make_hit
from service.search.index import on_products_indexed
from service.search.normalize import blocks, is_cjk, normalize_query
from service.search.phonetics import word_readings
from service.search.request import PRICE_BANDS, SearchRequest, price_band
from service.search.schemas import (
    Facets,
    Interpretation,
    SearchResponse,
    Suggestion,
    SuggestResponse,
)
from service.search.segmenter import get_segmenter
from service.search.spec import WEIGHT_TOLERANCE, Spec, extract_spec
from service.search.synonyms import SynonymTable, get_synonyms
from service.settings import Settings, get_settings

logger = logging.getLogger(__name__)
BATCH = 1000
FACETS = ("category", "region", "packagings", "price_band")
_PENDING = "techan_meili_pending"
_DOC_COLUMNS = (
    "product_id, code, listed, title, title_en, category_code, category_path, region_code, "
    "producer_code, producer_name, min_price_fen, in_stock, sales_units, variants, words"
)


def index_settings(synonyms: SynonymTable) -> dict[str, Any]:
    """The Meilisearch index settings techan uses."""
    table: dict[str, list[str]] = {}
    for group in synonyms.groups:
        for member in group:
            table.setdefault(member, []).extend(m for m in group if m != member)
    return {
        "searchableAttributes": [
            "title",
            "title_words",
            "keywords",
            "pinyin",
            "initials",
            "title_en",
            "producer_name",
        ],
        "filterableAttributes": [
            "category",
            "category_path",
            "region",
            "packagings",
            "net_weights_g",
            "price_fens",
            "in_stock",
            "price_band",
        ],
        "sortableAttributes": ["min_price_fen", "sales_units"],
        "rankingRules": [
            "words",
            "typo",
            "proximity",
            "attribute",
            "exactness",
            "in_stock:desc",
            "sales_units:desc",
        ],
        "synonyms": {k: sorted(set(v)) for k, v in table.items()},
        "typoTolerance": {"minWordSizeForTypos": {"oneTypo": 5, "twoTypos": 8}},
        "faceting": {"maxValuesPerFacet": 200},
        "pagination": {"maxTotalHits": 10000},
    }


def _pinyin_fields(title: str) -> tuple[str, str, str]:
    words = [w for w in get_segmenter().cut(normalize_query(title)) if is_cjk(w)]
    full: list[str] = []
    initials: list[str] = []
    for word in words:
        spellings, letters = word_readings(word)
        full += spellings
        if len(word) >= 2:
            initials += letters
    return " ".join(words), " ".join(dict.fromkeys(full)), " ".join(dict.fromkeys(initials))


def to_meili_document(row: dict[str, Any]) -> dict[str, Any]:
    """A `search_document` row as a Meilisearch document."""
    variants = row.get("variants") or []
    title_words, pinyin, initials = _pinyin_fields(row["title"])
    return {
        "id": int(row["product_id"]),
        "code": row["code"],
        "title": row["title"],
        "title_en": row.get("title_en"),
        "title_words": title_words,
        "keywords": row.get("words", ""),
        "pinyin": pinyin,
        "initials": initials,
        "category_code": row["category_code"],
        "category": row["category_code"],
        "category_path": [c for c in row.get("category_path", "").split("/") if c],
        "region_code": row["region_code"],
        "region": row["region_code"],
        "producer_code": row["producer_code"],
        "producer_name": row["producer_name"],
        "packagings": sorted({v["packaging"] for v in variants}),
        "net_weights_g": sorted({v["net_weight_g"] for v in variants}),
        "price_fens": sorted({v["price_fen"] for v in variants}),
        "min_price_fen": row.get("min_price_fen"),
        "price_band": price_band(row["min_price_fen"]) if row.get("min_price_fen") else None,
        "in_stock": bool(row.get("in_stock")),
        "sales_units": int(row.get("sales_units") or 0),
        "variants": variants,
    }


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def search_filters(request: SearchRequest, spec: Spec) -> list[str]:
    """Meilisearch filter expressions (ANDed) for the request's filters and the query's spec."""
    f = request.filters
    out: list[str] = []
    if f.category:
        out.append(f"category_path = {_quoted(f.category)}")
    if f.region:
        out.append(f"region = {_quoted(f.region)}")
    packaging = f.packaging or spec.packaging
    if packaging:
        out.append(f"packagings = {_quoted(packaging)}")
    if f.min_price_fen is not None or f.max_price_fen is not None:
        lo = f.min_price_fen if f.min_price_fen is not None else 0
        hi = f.max_price_fen if f.max_price_fen is not None else 2**53
        out.append(f"price_fens {lo} TO {hi}")
    if f.in_stock:
        out.append("in_stock = true")
    if spec.net_weight_g is not None:
        tolerance = int(WEIGHT_TOLERANCE * spec.net_weight_g)
        lo, hi = spec.net_weight_g - tolerance, spec.net_weight_g + tolerance
        out.append(f"net_weights_g {lo} TO {hi}")
    return out


def search_params(request: SearchRequest, uid: str) -> tuple[str, Spec, list[dict[str, Any]]]:
    """The normalised query, its spec and the two multi-search queries for REQUEST."""
    normalized = normalize_query(request.query)
    spec, rest = extract_spec(normalized)
    q = " ".join(blocks(rest))
    filters = search_filters(request, spec)
    main: dict[str, Any] = {
        "indexUid": uid,
        "q": q,
        "limit": request.limit,
        "filter": filters,
        "facets": list(FACETS),
        "matchingStrategy": "last",
        "attributesToHighlight": ["title"],
        "highlightPreTag": "<em>",
        "highlightPostTag": "</em>",
        "showRankingScore": True,
    }
    every_term = {"indexUid": uid, "q": q, "limit": 0, "filter": filters, "matchingStrategy": "all"}
    return normalized, spec, [main, every_term]


def _total(result: dict[str, Any]) -> int:
    return int(result.get("totalHits", result.get("estimatedTotalHits", 0)))


def response_from(
    request: SearchRequest, *, normalized: str, spec: Spec, results: list[dict[str, Any]]
) -> SearchResponse:
    """Our response shape from the two multi-search results."""
    main, every_term = results
    hits = [
        make_hit(
            hit,
            score=hit.get("_rankingScore", 0.0),
            highlighted=(hit.get("_formatted") or {}).get("title", hit["title"]),
            spec=spec,
            filters=request.filters,
        )
        for hit in main.get("hits", [])
    ]
    distribution = main.get("facetDistribution") or {}
    bands = distribution.get("price_band", {})
    return SearchResponse(
        query=request.query,
        normalized=normalized,
        total=_total(main),
        matched_all=_total(every_term),
        hits=hits,
        facets=Facets(
            category=distribution.get("category", {}),
            region=distribution.get("region", {}),
            packaging=distribution.get("packagings", {}),
            price_band={b: bands[b] for b in PRICE_BANDS if b in bands},
        ),
        interpreted=Interpretation(spec=spec.as_dict(), terms=[]),
    )


class MeiliBackend:
    """Search and suggestions served by a Meilisearch index."""

    name = "meilisearch"

    def __init__(self, client: meilisearch.Client, uid: str) -> None:
        self.client = client
        self.uid = uid

    @classmethod
    def from_settings(cls, settings: Settings) -> MeiliBackend:
        """A backend for the configured server and index."""
        key = settings.meili_key.get_secret_value() if settings.meili_key else None
        return cls(
            meilisearch.Client(str(settings.meili_url), key, timeout=10), settings.meili_index
        )

    def configure(self) -> None:
        """Create the index if needed and apply techan's settings (waits for the task)."""
        task = self.client.index(self.uid).update_settings(index_settings(get_synonyms()))
        self.client.wait_for_task(task.task_uid, timeout_in_ms=60_000)

    def push(self, documents: list[dict[str, Any]], *, wait: bool = False) -> None:
        """Add listed DOCUMENTS (search_document rows) and delete the delisted ones."""
        index = self.client.index(self.uid)
        listed = [to_meili_document(d) for d in documents if d["listed"]]
        gone = [int(d["product_id"]) for d in documents if not d["listed"]]
        tasks = index.add_documents_in_batches(listed, BATCH, primary_key="id") if listed else []
        if gone:
            tasks.append(index.delete_documents(gone))  # type: ignore[arg-type]
        if wait:
            for task in tasks:
                self.client.wait_for_task(task.task_uid, timeout_in_ms=120_000)

    def search(self, session: Session, request: SearchRequest) -> SearchResponse:
        """One round trip: the ranked page with facets, and the count holding every term."""
        normalized, spec, queries = search_params(request, self.uid)
        results = self.client.multi_search(queries)["results"]
        return response_from(request, normalized=normalized, spec=spec, results=results)

    def suggest(self, session: Session, prefix: str, *, limit: int) -> SuggestResponse:
        """Titles of the best products for what was typed so far."""
        found = self.client.index(self.uid).search(
            normalize_query(prefix), {"limit": limit, "attributesToRetrieve": ["title"]}
        )
        titles = dict.fromkeys(hit["title"] for hit in found.get("hits", []))
        return SuggestResponse(
            query=prefix, suggestions=[Suggestion(text=t, products=1) for t in titles]
        )


def documents_of(session: Session, product_ids: Iterable[int]) -> list[dict[str, Any]]:
    """`search_document` rows of these products, as dicts."""
    ids = list(product_ids)
    if not ids:
        return []
    stmt = text(f"SELECT {_DOC_COLUMNS} FROM search_document WHERE product_id IN :ids")
    rows = session.execute(stmt.bindparams(bindparam("ids", expanding=True)), {"ids": ids})
    return [_decoded(dict(r)) for r in rows.mappings()]


def _decoded(row: dict[str, Any]) -> dict[str, Any]:
    if isinstance(row.get("variants"), str | bytes):
        row["variants"] = orjson.loads(row["variants"])
    return row


def sync_all(session: Session, backend: MeiliBackend) -> int:
    """Apply settings and push every document in batches; returns how many were pushed."""
    backend.configure()
    ids = list(session.execute(text("SELECT product_id FROM search_document")).scalars())
    for start in range(0, len(ids), BATCH):
        backend.push(documents_of(session, ids[start : start + BATCH]), wait=True)
    return len(ids)


class _SyncTarget:
    """The Meilisearch backend indexed documents are pushed to after each commit, if any."""

    backend: MeiliBackend | None = None


def sync_to(backend: MeiliBackend | None) -> None:
    """From now on push indexed documents to BACKEND after each commit (None: push nowhere)."""
    _SyncTarget.backend = backend


def _push_after_commit(session: Session, *, backend: MeiliBackend) -> None:
    documents = session.info.pop(_PENDING, [])
    if not documents:
        return
    try:
        backend.push(documents)
    except Exception:
        # The database is the source of truth; `techan search reindex` repairs Meilisearch.
        logger.warning("Meilisearch sync of %d documents failed", len(documents), exc_info=True)


def _stash_for_meili(session: Session, product_ids: list[int]) -> None:
    backend = _SyncTarget.backend
    if backend is None:
        return
    pending = session.info.setdefault(_PENDING, [])
    if not pending:
        event.listen(
            session, "after_commit", lambda s: _push_after_commit(s, backend=backend), once=True
        )
        event.listen(session, "after_rollback", lambda s: s.info.pop(_PENDING, None), once=True)
    for start in range(0, len(product_ids), BATCH):
        pending += documents_of(session, product_ids[start : start + BATCH])


def register_meili_sync(settings: Settings | None = None) -> None:
    """Push indexed documents to Meilisearch after each commit, when it is configured.

    Called once at start-up (by `register_listeners`, for the app and the CLI): the client is
    built here from SETTINGS (default: the environment's), never per commit. The app's start-up
    (`startup.start_search`) then points the sync at the backend it built from its own settings.
    """
    settings = settings or get_settings()
    sync_to(MeiliBackend.from_settings(settings) if settings.meili_url else None)
    on_products_indexed(_stash_for_meili)
