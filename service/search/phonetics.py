"""Pinyin of Chinese words: full (`fengmi`) and initials (`fm`), with the readings shoppers use.

A word gets every combination of its characters' readings (up to `MAX_READINGS`), because
shoppers type the colloquial one: pypinyin reads 耙耙柑 as `babagan`, shoppers type `papagan`.
Queries are read with pypinyin's context-aware single reading. Initials are the first letter of
each syllable (zh, ch, sh count as z, c, s: shoppers type `stj` for 砂糖橘).
"""

from __future__ import annotations

import itertools
import math
from functools import lru_cache

from pypinyin import Style, lazy_pinyin, pinyin

MAX_READINGS = 16


@lru_cache(maxsize=200_000)
def word_readings(word: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """All full-pinyin spellings of WORD and all initials spellings, most likely first."""
    likely = lazy_pinyin(word, errors="ignore")
    if len(likely) != len(word) or not all(s.isascii() and s.isalpha() for s in likely):
        return (), ()
    splits = [likely]
    per_char = pinyin(word, style=Style.NORMAL, heteronym=True, errors="ignore")
    if len(per_char) == len(word) and math.prod(len(r) for r in per_char) <= MAX_READINGS:
        splits += [list(p) for p in itertools.product(*per_char)]
    full = dict.fromkeys("".join(s) for s in splits)
    initials = dict.fromkeys("".join(syllable[0] for syllable in s) for s in splits)
    return tuple(full), tuple(initials)


def text_syllables(text: str) -> list[str]:
    """One syllable per character of CJK TEXT (context-aware reading; '' where there is none)."""
    out = lazy_pinyin(text, errors="ignore")
    if len(out) == len(text):
        return out
    return [(lazy_pinyin(ch, errors="ignore") or [""])[0] for ch in text]
