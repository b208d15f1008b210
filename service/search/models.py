"""Search tables: one analysed document per product, the index state, and the search log.

`search_document` holds, for every product ever indexed, what search needs without joining the
catalog: the analysed terms (a JSON object term -> weight), the facets, the variants and the
ranking signals. Delisted products keep their row with `listed = false` and no terms, so a
process refreshing its in-memory index sees them go. Every write stamps the rows it wrote in
`version` (the writing transaction's id on PostgreSQL, a counter kept in
`search_index_state.version` on SQLite; see `service.search.versions`): a process reads the rows
stamped after the watermark it last saw and patches its index (`service.search.memory_index`).

`sales_units` ranks best sellers higher; the indexer never overwrites it (see
`service.search.service.set_sales_units`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Table, Text
from sqlmodel import Field, SQLModel

from service.kit.db import utcnow
from service.kit.types import UTCDateTime

STATE_ROW_ID = 1


def _at() -> Any:
    return Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class SearchDocument(SQLModel, table=True):
    """A product as search sees it (only rows with `listed` are searchable)."""

    __tablename__ = "search_document"

    product_id: int = Field(
        primary_key=True, foreign_key="product.id", sa_column_kwargs={"autoincrement": False}
    )
    code: str = Field(max_length=64)
    listed: bool = Field(default=False)
    title: str = Field(default="", max_length=200)
    title_en: str | None = Field(default=None, max_length=200)
    category_code: str = Field(default="", max_length=64)
    # Root-to-leaf category codes joined by "/", so a filter on a parent finds its children.
    category_path: str = Field(default="", max_length=300)
    region_code: str = Field(default="", max_length=64)
    producer_code: str = Field(default="", max_length=64)
    producer_name: str = Field(default="", max_length=200)
    min_price_fen: int | None = Field(default=None)
    in_stock: bool = Field(default=False)
    sales_units: int = Field(default=0)
    # [{"sku", "net_weight_g", "packaging", "price_fen", "stock"}]
    variants: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON(), nullable=False)
    )
    # {term: weight}: the analysed text of title, title_en, category, region, producer, description.
    terms: str = Field(default="{}", sa_column=Column(Text(), nullable=False))
    # The words (not character n-grams) of the title-like fields, space-separated: the lexicon
    # that pinyin, initials, homophones, typos and suggestions resolve against.
    words: str = Field(default="", sa_column=Column(Text(), nullable=False))
    terms_hash: str = Field(default="", max_length=32)
    # The change stamp of the last write (64 bits: PostgreSQL transaction ids).
    version: int = Field(default=0, sa_column=Column(BigInteger(), nullable=False, index=True))
    indexed_at: datetime = _at()


class SearchIndexState(SQLModel, table=True):
    """One row: the index generation, what analysed the documents, and SQLite's stamp counter."""

    __tablename__ = "search_index_state"

    id: int = Field(
        default=STATE_ROW_ID, primary_key=True, sa_column_kwargs={"autoincrement": False}
    )
    # Changes when the index is rebuilt from scratch (or the tables were emptied).
    generation: str = Field(max_length=32)
    # SQLite: the last change stamp. PostgreSQL stamps with transaction ids; this moves only on
    # a rebuild there.
    version: int = Field(default=0)
    # The analyzer's version and its dictionaries; a mismatch at start-up triggers a reindex.
    analyzer_fingerprint: str = Field(default="", max_length=64)
    updated_at: datetime = _at()


INDEX_STATE: Table = SearchIndexState.__table__  # type: ignore[attr-defined]
SEARCH_DOCUMENT: Table = SearchDocument.__table__  # type: ignore[attr-defined]


class SearchLog(SQLModel, table=True):
    """One storefront search (or one imported historical search)."""

    __tablename__ = "search_log"

    id: int | None = Field(default=None, primary_key=True)
    searched_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False, index=True)
    )
    query: str = Field(max_length=1000)
    normalized_query: str = Field(max_length=1000)
    shopper_id: int | None = Field(default=None, foreign_key="user_account.id", index=True)
    city: str | None = Field(default=None, max_length=50)
    result_count: int = Field(default=0)
    # How many results matched every term (and the spec) of the query; 0 means the shopper found
    # nothing of what they asked for, however many loosely related products were shown.
    matched_all_count: int = Field(default=0)
    # One row per searcher (shopper, else client address), normalised query and UTC day: a digest
    # of the three, so repeating a search adds nothing to demand (None for imported history).
    dedupe_key: str | None = Field(default=None, max_length=64, unique=True, index=True)
