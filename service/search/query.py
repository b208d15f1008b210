"""A shopper's query as term groups: what each part of it may match, and how sure we are.

`parse_query` normalises the text, takes out the spec (`5斤`, `礼盒`), and splits the rest into
groups. A document matches a group if it holds any of the group's alternatives (an alternative
is one or more terms that must all be present, with a confidence weight):
- Chinese runs are segmented by a small dynamic programme over the run, choosing the reading
  with the best sum of (confidence x length^2) among: a known index term (蜂蜜), a synonym member,
  a homophone by pinyin (峰蜜 -> fengmi -> 蜂蜜), a one-character slip of form for a non-word
  (黄岑 -> 黄芩), or jieba's own word when nothing is known (柚子: matches nothing, so
  `蜂蜜柚子茶` finds honey but no product with every term).
- Latin tokens: an English word, a synonym (multi-word ones too: `navel orange`), full pinyin
  (`fengmi`), pinyin run together (`meishanwogan`), initials (`ppg`), then typo tolerance
  (1 edit from 4 letters, 2 from 8; a swap of neighbours counts as one edit).
- Each resolved term also brings its synonyms. Commerce filler words (特产, 正宗, 包邮) and bare
  numbers are dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz.distance import OSA

from service.search.lexicon import Lexicon
from service.search.normalize import (
    blocks,
    is_cjk,
    normalize_query,
    script_runs,
    stem_english,
)
from service.search.phonetics import text_syllables, word_readings
from service.search.segmenter import Segmenter
from service.search.spec import Spec, extract_spec
from service.search.synonyms import SynonymTable, member_terms

EXACT, SYNONYM, PINYIN, HOMOPHONE, INITIALS, TYPO, SHAPE = 1.0, 0.9, 0.95, 0.85, 0.7, 0.7, 0.6
MAX_SEGMENT = 8
CHINESE_FILLERS = frozenset(
    {"特产", "正宗", "新鲜", "包邮", "农家", "自产", "产地", "直发", "现货", "优质", "好吃", "的"}
)
LATIN_FILLERS = frozenset({"buy", "fresh", "best", "cheap", "specialty", "local"})


@dataclass(frozen=True)
class Alternative:
    """Terms a document must all hold to match, and how much the match counts."""

    terms: tuple[str, ...]
    weight: float


@dataclass
class TermGroup:
    """One part of the query and the ways a document can match it."""

    text: str
    via: str  # exact, synonym, pinyin, initials, homophone, typo, unknown
    alternatives: list[Alternative] = field(default_factory=list)

    def add(self, terms: tuple[str, ...], weight: float) -> None:
        """Add an alternative, keeping the best weight per term set."""
        for i, alt in enumerate(self.alternatives):
            if alt.terms == terms:
                if alt.weight < weight:
                    self.alternatives[i] = Alternative(terms, weight)
                return
        self.alternatives.append(Alternative(terms, weight))

    def described(self) -> dict[str, Any]:
        """The group for the response's `interpreted.terms`."""
        matches = [" ".join(a.terms) for a in sorted(self.alternatives, key=lambda a: -a.weight)]
        return {"text": self.text, "via": self.via, "matches": matches[:12]}


@dataclass
class ParsedQuery:
    """The normalised query, its spec and its term groups."""

    normalized: str
    spec: Spec
    groups: list[TermGroup]
    only_fillers: bool = False  # the query was nothing but words like 特产: browse everything


@dataclass(frozen=True)
class QueryContext:
    """What a query is resolved against."""

    has_term: Callable[[str], bool]
    lexicon: Lexicon
    synonyms: SynonymTable
    segmenter: Segmenter


def _with_synonyms(group: TermGroup, key: str, *, weight: float, ctx: QueryContext) -> None:
    for member in ctx.synonyms.others(key):
        group.add(member_terms(member), weight * SYNONYM)


def _words_group(
    text: str, *, via: str, words: list[str], weight: float, ctx: QueryContext
) -> TermGroup:
    group = TermGroup(text=text, via=via)
    for word in words:
        group.add((word,), weight)
        _with_synonyms(group, word, weight=weight, ctx=ctx)
    return group


def _rhymes(typed: str, meant: str) -> bool:
    """Whether the differing characters sound alike enough for a slip of form.

    Characters that share a phonetic component (岑 cen / 芩 qin, 茋 di / 芪 qi) usually end alike;
    unrelated ones (雅 ya / 沃 wo) do not.
    """
    for a, b in zip(text_syllables(typed), text_syllables(meant), strict=True):
        if a != b and not (a and b and (a[-1] == b[-1] or OSA.distance(a, b) <= 1)):
            return False
    return True


def _slips_of_form(text: str, candidates: list[str]) -> list[str]:
    """The candidates TEXT most likely mistypes, closest in sound first (may be none)."""
    spoken = "".join(text_syllables(text))
    candidates = [w for w in candidates if _rhymes(text, w)]

    def distance(word: str) -> int:
        likely = word_readings(word)[0]  # the most likely reading: a typo keeps the sound close
        return int(OSA.distance(spoken, likely[0] if likely else word))

    best = min((distance(w) for w in candidates), default=0)
    return [w for w in candidates if distance(w) == best]


def _chinese_reading(
    seg: str, syllables: list[str], *, is_token: bool, ctx: QueryContext
) -> tuple[float, TermGroup] | None:
    """The best interpretation of the Chinese segment SEG with its score base, if any."""
    if len(seg) == 1 and not is_token:
        # A character jieba glued to a neighbour (丹参片 -> 丹参 + 片): readable, but any
        # reading of two or more characters wins over reading characters one by one.
        group = TermGroup(text=seg, via="exact" if ctx.has_term(seg) else "unknown")
        if ctx.has_term(seg):
            group.add((seg,), EXACT)
        return (0.08 if group.alternatives else 0.0), group
    if ctx.has_term(seg):
        group = TermGroup(text=seg, via="exact")
        group.add((seg,), EXACT)
        _with_synonyms(group, seg, weight=EXACT, ctx=ctx)
        return (1.0 if seg in ctx.lexicon.words else 0.7), group
    if seg in ctx.synonyms:
        group = TermGroup(text=seg, via="synonym")
        _with_synonyms(group, seg, weight=1.0, ctx=ctx)
        return 0.9, group
    if len(seg) >= 2:
        homophones = [w for w in ctx.lexicon.pinyin_words("".join(syllables)) if len(w) == len(seg)]
        if homophones:
            return 0.8, _words_group(
                seg, via="homophone", words=homophones, weight=HOMOPHONE, ctx=ctx
            )
        if not ctx.segmenter.knows(seg):
            slips = _slips_of_form(seg, ctx.lexicon.shape_neighbours(seg))
            if slips:
                return 0.6, _words_group(seg, via="typo", words=slips, weight=SHAPE, ctx=ctx)
    if is_token:
        return 0.05, TermGroup(text=seg, via="unknown")
    return None


def _chinese_groups(run: str, ctx: QueryContext) -> list[TermGroup]:
    syllables = text_syllables(run)
    spans: set[tuple[int, int]] = set()
    start = 0
    for token in ctx.segmenter.cut(run):
        spans.add((start, start + len(token)))
        start += len(token)
    n = len(run)
    best: list[tuple[float, list[TermGroup]] | None] = [None] * (n + 1)
    best[0] = (0.0, [])
    for i in range(n):
        here = best[i]
        if here is None:
            continue
        for j in range(i + 1, min(n, i + MAX_SEGMENT) + 1):
            reading = _chinese_reading(run[i:j], syllables[i:j], is_token=(i, j) in spans, ctx=ctx)
            if reading is None:
                continue
            score = here[0] + reading[0] * (j - i) ** 2
            there = best[j]
            if there is None or score > there[0] + 1e-9:
                best[j] = (score, [*here[1], reading[1]])
    result = best[n]
    return result[1] if result is not None else []


def _latin_word_group(token: str, ctx: QueryContext) -> TermGroup | None:
    """TOKEN as an English word, synonym, pinyin or initials; None when it is none of these."""
    stem = stem_english(token)
    group = TermGroup(text=token, via="exact")
    for key in dict.fromkeys((token, stem)):
        if key in ctx.lexicon.english:
            group.add((key,), EXACT)
        _with_synonyms(group, key, weight=EXACT, ctx=ctx)
    words = ctx.lexicon.pinyin_words(token)
    if words:
        group.via = group.via if group.alternatives else "pinyin"
        for word in words:
            group.add((word,), PINYIN)
            _with_synonyms(group, word, weight=PINYIN, ctx=ctx)
    if not group.alternatives and 2 <= len(token) <= 6:
        initials = ctx.lexicon.initials_words(token)
        if initials:
            return _words_group(token, via="initials", words=initials, weight=INITIALS, ctx=ctx)
    return group if group.alternatives else None


def _latin_typo_group(token: str, ctx: QueryContext) -> TermGroup:
    max_edits = 2 if len(token) >= 8 else 1 if len(token) >= 4 else 0
    group = TermGroup(text=token, via="typo")
    neighbours = ctx.lexicon.typo_neighbours(token, max_edits)
    if neighbours:
        closest = neighbours[0][1]
        for key, distance in neighbours:
            if distance != closest:
                break
            if key in ctx.lexicon.english:
                group.add((key,), TYPO)
                _with_synonyms(group, key, weight=TYPO, ctx=ctx)
            for word in ctx.lexicon.pinyin_words(key):
                group.add((word,), TYPO)
                _with_synonyms(group, word, weight=TYPO, ctx=ctx)
    if not group.alternatives:
        group.via = "unknown"
    return group


def _latin_groups(tokens: list[str], ctx: QueryContext) -> list[TermGroup]:
    groups: list[TermGroup] = []
    i = 0
    while i < len(tokens):
        for width in range(min(ctx.synonyms.max_phrase_words, len(tokens) - i), 1, -1):
            phrase = " ".join(stem_english(t) for t in tokens[i : i + width])
            if phrase in ctx.synonyms:
                group = TermGroup(text=" ".join(tokens[i : i + width]), via="synonym")
                group.add(tuple(phrase.split()), EXACT)
                _with_synonyms(group, phrase, weight=EXACT, ctx=ctx)
                groups.append(group)
                i += width
                break
        else:
            groups += _latin_token_groups(tokens[i], ctx)
            i += 1
    return groups


def _latin_token_groups(token: str, ctx: QueryContext) -> list[TermGroup]:
    group = _latin_word_group(token, ctx)
    if group is not None:
        return [group]
    pieces = ctx.lexicon.split_pinyin(token)
    if pieces:
        return [
            _words_group(
                piece, via="pinyin", words=ctx.lexicon.pinyin_words(piece), weight=PINYIN, ctx=ctx
            )
            for piece in pieces
        ]
    return [_latin_typo_group(token, ctx)]


def parse_query(raw: str, ctx: QueryContext) -> ParsedQuery:
    """RAW as a spec and term groups resolved against CTX."""
    normalized = normalize_query(raw)
    spec, rest = extract_spec(normalized)
    groups: list[TermGroup] = []
    latin: list[str] = []
    fillers = False
    for block in blocks(rest):
        if len(script_runs(block)) > 1 and (ctx.has_term(block) or block in ctx.synonyms):
            groups += _latin_groups(latin, ctx)
            latin = []
            groups += _chinese_groups(block, ctx)  # a mixed word such as 爱媛38号
            continue
        for run in script_runs(block):
            if run.isdigit():
                continue
            if is_cjk(run):
                groups += _latin_groups(latin, ctx)
                latin = []
                groups += _chinese_groups(run, ctx)
            elif run in LATIN_FILLERS:
                fillers = True
            else:
                latin.append(run)
    groups += _latin_groups(latin, ctx)
    kept = [g for g in groups if g.text not in CHINESE_FILLERS]
    fillers = fillers or len(kept) < len(groups)
    return ParsedQuery(
        normalized=normalized, spec=spec, groups=kept, only_fillers=fillers and not kept
    )
