"""Query and text normalisation shared by indexing and searching.

NFKC folds full-width letters and digits (`ｆｅｎｇｍｉ`, `５斤`) to ASCII; control and format
characters become spaces; Latin text is lower-cased and English plurals are stripped, so
`Cherries` and `cherry` meet. Punctuation stays in the normalised query (it is logged and shown)
and is dropped when the text is split into blocks.
"""

from __future__ import annotations

import re
import unicodedata

MAX_QUERY_CHARS = 200
# Unassigned, control, format, surrogate and private-use characters never mean anything to search.
_DROPPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})
# Runs of CJK ideographs, or of Latin letters and digits (a "block" keeps them together: 爱媛38号).
_BLOCK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaffa-z0-9]+")
_CJK_OR_LATIN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[a-z]+|[0-9]+")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[a-z]+")
ENGLISH_STOPWORDS = frozenset(
    {"a", "an", "and", "the", "of", "in", "with", "for", "from", "to", "on", "by", "x"}
)


def normalize_query(raw: str, *, max_chars: int = MAX_QUERY_CHARS) -> str:
    """The query as search reads it: NFKC, lower case, no control characters, single spaces."""
    text = unicodedata.normalize("NFKC", raw[: max_chars * 4])
    text = "".join(" " if unicodedata.category(ch) in _DROPPED_CATEGORIES else ch for ch in text)
    return " ".join(text.lower().split())[:max_chars]


def is_cjk(text: str) -> bool:
    """Whether TEXT holds at least one CJK ideograph."""
    return _CJK.search(text) is not None


def blocks(text: str) -> list[str]:
    """Runs of ideographs, letters and digits; punctuation and spaces separate them."""
    return _BLOCK.findall(text)


def script_runs(block: str) -> list[str]:
    """A block split where the script changes: 爱媛38号 -> 爱媛, 38, 号."""
    return _CJK_OR_LATIN.findall(block)


def stem_english(word: str) -> str:
    """A crude plural stripper (cherries -> cherry, oranges -> orange, glass stays)."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("ches", "shes", "sses", "xes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def english_words(text: str) -> list[str]:
    """The stemmed Latin words of TEXT, without English stop words."""
    words = _LATIN_WORD.findall(normalize_query(text, max_chars=2000))
    return [stem_english(w) for w in words if w not in ENGLISH_STOPWORDS]
