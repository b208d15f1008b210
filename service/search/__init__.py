"""Product search: Chinese words, pinyin, initials, homophones, typos, synonyms, specs, facets.

How it fits together:
- `index.index_products` listens to `service.catalog.events` and rewrites `search_document`
  rows (analysed terms, facets, SKUs) in the catalog's own transaction, bumping the version in
  `search_index_state`; `techan search reindex` / `service.reindex` rebuilds everything, and the
  app does so at start-up when documents are missing or were analysed differently.
- The built-in engine (`engine`) keeps one in-memory inverted index per database per process
  (`memory_index`, `index_cache`), patched from rows with a newer version before each search,
  so other processes' changes are seen. Queries are parsed (`query`) against the indexed
  vocabulary (`lexicon`: pinyin, initials, shapes, typos), the synonym files (`synonyms`) and
  jieba (`segmenter`), then scored with numpy (`scoring`). A (term, product) postings table
  queried with SQL was measured too (bench/search.py): several times slower at the tail.
- Meilisearch (`meili`) serves the same response shape when TECHAN_MEILI_URL is set.
- `service.search_products`, `service.suggest`, `service.count_results(session, query)`,
  `service.record_search`, `service.set_sales_units` are the functions other code calls.
"""
