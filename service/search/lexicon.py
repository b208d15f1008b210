"""The vocabulary a query is resolved against: words, their pinyin, initials, shapes and typos.

Built from the title-like words of the indexed products (`search_document.words`), it maps
- a full pinyin spelling to the Chinese words read that way (`fengmi` -> 蜂蜜; and so the
  homophone slip 峰蜜, read `fengmi`, finds 蜂蜜 too),
- an initials spelling to words of two or more characters (`fm` -> 蜂蜜, `ppg` -> 耙耙柑),
- a word with one character blanked out to the words of that shape (黄岑 -> 黄芩: a slip of form),
- lengths to Latin keys (English words and pinyin spellings) for typo tolerance with rapidfuzz,
- sorted keys for prefix completion.
It only grows; words of products that left the catalog stay but match no live document.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable

from rapidfuzz import process
from rapidfuzz.distance import OSA

from service.search.normalize import is_cjk
from service.search.phonetics import word_readings

MAX_SPLIT_PIECES = 6


class Lexicon:
    """Lookup tables over a growing set of words."""

    def __init__(self) -> None:
        self.words: set[str] = set()
        self.english: set[str] = set()
        self.full: dict[str, list[str]] = {}
        self.initials: dict[str, list[str]] = {}
        self.shapes: dict[tuple[int, str], list[str]] = {}
        self.latin_by_len: dict[int, list[str]] = {}
        self._sorted: tuple[list[str], list[tuple[str, str]], list[tuple[str, str]]] | None = None

    def add(self, words: Iterable[str]) -> None:
        """Learn WORDS (already known ones are skipped)."""
        for word in words:
            if word in self.words:
                continue
            self.words.add(word)
            self._sorted = None
            if is_cjk(word):
                self._add_chinese(word)
            elif word.isascii() and word.isalpha():
                self.english.add(word)
                if len(word) >= 3:
                    self.latin_by_len.setdefault(len(word), []).append(word)

    def _add_chinese(self, word: str) -> None:
        full, initials = word_readings(word)
        for spelling in full:
            known = self.full.setdefault(spelling, [])
            if not known and len(word) >= 2:
                self.latin_by_len.setdefault(len(spelling), []).append(spelling)
            known.append(word)
        if len(word) >= 2:
            for letters in initials:
                self.initials.setdefault(letters, []).append(word)
            for i in range(len(word)):
                self.shapes.setdefault((i, word[:i] + "\0" + word[i + 1 :]), []).append(word)

    def pinyin_words(self, spelling: str) -> list[str]:
        """Chinese words read SPELLING."""
        return self.full.get(spelling, [])

    def initials_words(self, letters: str) -> list[str]:
        """Chinese words of two or more characters whose initials are LETTERS."""
        return self.initials.get(letters, [])

    def shape_neighbours(self, word: str) -> list[str]:
        """Known words that differ from WORD in exactly one character."""
        found: dict[str, None] = {}
        for i in range(len(word)):
            for other in self.shapes.get((i, word[:i] + "\0" + word[i + 1 :]), ()):
                if other != word:
                    found[other] = None
        return list(found)

    def typo_neighbours(self, token: str, max_edits: int) -> list[tuple[str, int]]:
        """Latin keys within MAX_EDITS edits (a swap of neighbours is one edit), closest first."""
        if max_edits <= 0:
            return []
        choices: list[str] = []
        for length in range(len(token) - max_edits, len(token) + max_edits + 1):
            choices += self.latin_by_len.get(length, [])
        matches = process.extract(
            token, choices, scorer=OSA.distance, score_cutoff=max_edits, limit=50
        )
        return sorted(((key, int(dist)) for key, dist, _ in matches), key=lambda m: m[1])

    def split_pinyin(self, token: str) -> list[str] | None:
        """TOKEN as known pinyin spellings run together (meishanwogan -> meishan, wogan)."""
        n = len(token)
        best: list[list[str] | None] = [None] * (n + 1)
        best[0] = []
        for i in range(n):
            path = best[i]
            if path is None or len(path) >= MAX_SPLIT_PIECES:
                continue
            for j in range(i + 2, n + 1):
                piece = token[i:j]
                if piece in self.full:
                    candidate = [*path, piece]
                    current = best[j]
                    if current is None or len(candidate) < len(current):
                        best[j] = candidate
        result = best[n]
        return result if result is not None and len(result) >= 2 else None

    def _sorted_keys(self) -> tuple[list[str], list[tuple[str, str]], list[tuple[str, str]]]:
        if self._sorted is None:
            words = sorted(self.words)
            full = sorted((s, w) for s, ws in self.full.items() for w in ws if len(w) >= 2)
            initials = sorted((s, w) for s, ws in self.initials.items() for w in ws)
            self._sorted = (words, full, initials)
        return self._sorted

    def completions(self, prefix: str, *, limit: int = 200) -> list[str]:
        """Words that start with PREFIX, or whose pinyin or initials do (Latin PREFIX)."""
        words, full, initials = self._sorted_keys()
        found: dict[str, None] = {}
        start = bisect.bisect_left(words, prefix)
        for word in words[start : start + limit]:
            if not word.startswith(prefix):
                break
            if len(word) >= 2 and word != prefix:
                found[word] = None
        if not is_cjk(prefix):
            for table in (initials, full):
                start = bisect.bisect_left(table, (prefix, ""))
                for key, word in table[start : start + limit]:
                    if not key.startswith(prefix):
                        break
                    found[word] = None
        return list(found)[:limit]
