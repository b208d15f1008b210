"""The built-in search backend: techan's own database, an in-memory index, no extra server.

A search reads the index version (one small query on the request's session), parses the query
against the snapshot's vocabulary (parses are cached per index version and synonym table),
scores every matching document, counts facets over all results, and builds the top hits from
the snapshot's stored payloads (no second database round trip). The snapshot lock is held only
while numpy works; highlighting and response building happen outside it.
"""

from __future__ import annotations

from sqlmodel import Session

from service.search.hits import highlight, make_hit
from service.search.index_cache import searchable_index
from service.search.memory_index import Snapshot
from service.search.normalize import is_cjk, normalize_query
from service.search.phonetics import text_syllables
from service.search.query import ParsedQuery, QueryContext, parse_query
from service.search.request import SearchRequest
from service.search.schemas import (
    Facets,
    Interpretation,
    InterpretedTerm,
    SearchResponse,
    Suggestion,
    SuggestResponse,
)
from service.search.scoring import facet_counts, filter_mask, match_query, rank_keys, top
from service.search.segmenter import get_segmenter
from service.search.synonyms import get_synonyms

PARSE_CACHE_SIZE = 4096


def parse_for(snap: Snapshot, raw: str) -> ParsedQuery:
    """RAW parsed against SNAP's vocabulary (cached per index version and synonym table)."""
    synonyms = get_synonyms()
    key = (normalize_query(raw), synonyms.version)
    parsed = snap.parse_cache.get(key)
    if parsed is None:
        context = QueryContext(
            has_term=snap.has_term,
            lexicon=snap.lexicon,
            synonyms=synonyms,
            segmenter=get_segmenter(),
        )
        parsed = parse_query(raw, context)
        if len(snap.parse_cache) >= PARSE_CACHE_SIZE:
            snap.parse_cache.clear()
        snap.parse_cache[key] = parsed
    return parsed


def count_in_index(snap: Snapshot, raw: str) -> tuple[int, int]:
    """(results, results holding every term) of RAW in SNAP, without filters."""
    matches = match_query(snap, parse_for(snap, raw))
    return len(matches.positions), int(matches.matched_all.sum())


def _highlight_terms(parsed: ParsedQuery) -> set[str]:
    terms = {t for g in parsed.groups for alt in g.alternatives for t in alt.terms}
    return terms | {g.text for g in parsed.groups if is_cjk(g.text)}


class BuiltinBackend:
    """Search over the in-memory index of `search_document`."""

    name = "builtin"

    def search(self, session: Session, request: SearchRequest) -> SearchResponse:
        """Hits, facets and the query's interpretation."""
        with searchable_index(session) as snap:
            parsed = parse_for(snap, request.query)
            matches = match_query(snap, parsed)
            keep = filter_mask(snap, matches, filters=request.filters)
            positions = matches.positions[keep]
            keys = rank_keys(snap, matches)[keep]
            best = top(snap, keys, positions=positions, limit=request.limit)
            ranked = [(snap.payload(int(positions[i])), float(keys[i])) for i in best]
            facets = facet_counts(snap, positions)
            matched_all = int(matches.matched_all[keep].sum())
        terms = _highlight_terms(parsed)
        hits = [
            make_hit(
                document,
                score=score,
                highlighted=highlight(document["title"], terms),
                spec=parsed.spec,
                filters=request.filters,
            )
            for document, score in ranked
        ]
        return SearchResponse(
            query=request.query,
            normalized=parsed.normalized,
            total=len(positions),
            matched_all=matched_all,
            hits=hits,
            facets=Facets(**facets),
            interpreted=Interpretation(
                spec=parsed.spec.as_dict(),
                terms=[InterpretedTerm(**g.described()) for g in parsed.groups],
            ),
        )

    def suggest(self, session: Session, prefix: str, *, limit: int) -> SuggestResponse:
        """Words completing the last word typed (by characters, pinyin or initials)."""
        normalized = normalize_query(prefix)
        head, _, last = normalized.rpartition(" ")
        suggestions: list[Suggestion] = []
        if last:
            with searchable_index(session) as snap:
                suggestions = _completions(snap, last, limit=limit)
        lead = f"{head} " if head else ""
        return SuggestResponse(
            query=prefix,
            suggestions=[Suggestion(text=lead + s.text, products=s.products) for s in suggestions],
        )


def _completions(snap: Snapshot, last: str, *, limit: int) -> list[Suggestion]:
    words = snap.lexicon.completions(last)
    if last in snap.lexicon.words and len(last) >= 2:
        words = [last, *words]
    if is_cjk(last) and len(words) < limit:
        spoken = "".join(text_syllables(last))
        words += [w for w in snap.lexicon.completions(spoken) if w[0] != last[0]]
    counted = {w: snap.live_count(w) for w in dict.fromkeys(words)}
    best = sorted((w for w, n in counted.items() if n), key=lambda w: (-counted[w], len(w), w))
    return [Suggestion(text=w, products=counted[w]) for w in best[:limit]]
