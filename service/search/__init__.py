"""Product search: Chinese words, pinyin, initials, homophones, typos, synonyms, specs, facets.

How it fits together:
- `stock_index.index_changes` listens to `service.catalog.events` and rewrites `search_document`
  rows in the catalog's own transaction: only the SKU columns (stock, price) for a change
  announced as `stock_only` (orders), analysed terms, facets and SKUs (`index.index_products`)
  for any other. Each write stamps its rows (`versions`: the transaction id on PostgreSQL, a
  counter on SQLite), so concurrent checkouts share no locked row. `techan search reindex` /
  `service.reindex` rebuilds everything, and the app does so at start-up when documents are
  missing or were analysed differently.
- The built-in engine (`engine`) keeps one in-memory inverted index per database per process
  (`memory_index`, `index_cache`), patched before each search from the rows stamped after the
  watermark it last saw, so other processes' changes are seen. Queries are parsed (`query`)
  against the indexed vocabulary (`lexicon`: pinyin, initials, shapes, typos), the synonym files
  (`synonyms`) and jieba (`segmenter`), then scored with numpy (`scoring`). A (term, product)
  postings table queried with SQL was measured too (bench/search.py): several times slower at
  the tail.
- Meilisearch (`meili`) serves the same response shape when TECHAN_MEILI_URL is set. Either
  backend (`backend.build_backend`) is built once at start-up (`startup.start_search`) and kept
  on `app.state`; both take a `request.SearchRequest`, the module every other one may import.
- `service.search_products`, `service.suggest`, `service.count_results(session, query)`,
  `service.record_search`, `service.set_sales_units` are the functions other code calls.
"""
