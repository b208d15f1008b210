"""Chinese word segmentation: jieba with a user dictionary made of the catalog's own words.

One private `jieba.Tokenizer` per process (the global one stays untouched for other code); it is
loaded on first use (~0.6 s, its cache file goes to the system temp dir) and learns:
`data/words.txt`, every Chinese synonym member, and the category and region names the indexer
passes in. HMM word discovery is off: an unknown run stays as single characters instead of an
invented word, which the query parser then resolves by vocabulary and pinyin.
"""

from __future__ import annotations

import logging
import tempfile
import threading
from collections.abc import Iterable
from pathlib import Path

import jieba

from service.search.normalize import is_cjk
from service.search.synonyms import get_synonyms

DOMAIN_WORDS = Path(__file__).resolve().parent / "data" / "words.txt"
# High enough that 春见耙耙柑 splits as 春见 + 耙耙柑, not as the general dictionary would.
USER_WORD_FREQ = 20_000


def domain_words_text() -> str:
    """The domain word list's contents (part of the analyzer fingerprint)."""
    return DOMAIN_WORDS.read_text(encoding="utf-8")


def domain_words() -> list[str]:
    """The words of `data/words.txt`."""
    lines = (line.split("#", 1)[0].strip() for line in domain_words_text().splitlines())
    return [line for line in lines if line]


class Segmenter:
    """Thread-safe lazy jieba tokenizer with a growing user dictionary."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tokenizer: jieba.Tokenizer | None = None
        self._added: set[str] = set()
        # Bumped whenever the dictionary learns a word (cached segmentations become stale).
        self.dictionary_version = 0

    def _get(self) -> jieba.Tokenizer:
        if self._tokenizer is None:
            with self._lock:
                if self._tokenizer is None:
                    jieba.setLogLevel(logging.WARNING)
                    tokenizer = jieba.Tokenizer()
                    tokenizer.tmp_dir = tempfile.gettempdir()
                    tokenizer.initialize()
                    self._add(tokenizer, [*domain_words(), *get_synonyms().chinese_members()])
                    self._tokenizer = tokenizer
        return self._tokenizer

    def _add(self, tokenizer: jieba.Tokenizer, words: Iterable[str]) -> None:
        for word in words:
            if len(word) >= 2 and word not in self._added and is_cjk(word):
                tokenizer.add_word(word, USER_WORD_FREQ)
                self._added.add(word)
                self.dictionary_version += 1

    def add_words(self, words: Iterable[str]) -> None:
        """Teach the dictionary WORDS (single characters and non-Chinese are ignored)."""
        tokenizer = self._get()
        fresh = [w for w in words if w not in self._added]
        if fresh:
            with self._lock:
                self._add(tokenizer, fresh)

    def cut(self, text: str) -> list[str]:
        """Precise-mode words of TEXT (spaces and punctuation included, as jieba yields them)."""
        return self._get().lcut(text, HMM=False)

    def cut_for_search(self, text: str) -> list[str]:
        """Words of TEXT plus the dictionary words inside long ones (龙眼蜜 -> 龙眼, 龙眼蜜)."""
        return self._get().lcut_for_search(text, HMM=False)

    def knows(self, word: str) -> bool:
        """Whether WORD is a word of the dictionary (a typo usually is not)."""
        return bool(self._get().FREQ.get(word))


_segmenter = Segmenter()


def get_segmenter() -> Segmenter:
    """The process-wide segmenter."""
    return _segmenter
