"""Turns a product into weighted index terms.

Every field is segmented by jieba in search mode (so 龙眼蜜 yields 龙眼 and 龙眼蜜), Latin words are
lower-cased and stemmed; the title also contributes its single characters and character bigrams,
so a two-character query matches even where segmentation drew the line elsewhere (the gap
SQLite's trigram tokenizer leaves). A term keeps the highest weight of the fields it occurs in.
Pinyin is not stored per product: the engine derives it from the vocabulary (see `lexicon`).

`words` are the terms of the title-like fields (title, English title, category, region, grade):
the vocabulary pinyin, initials, homophones, typo tolerance and suggestions resolve against.
Producer names and descriptions are matched only as written.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import lru_cache

import orjson

from service.search.normalize import english_words, is_cjk, normalize_query, script_runs
from service.search.segmenter import Segmenter, domain_words_text
from service.search.synonyms import synonyms_text

# Bump when analysis changes: documents analysed by another version are rebuilt at start-up.
ANALYZER_VERSION = "1"
TITLE_WORD = 1.0
TITLE_BIGRAM = 0.6
TITLE_CHAR = 0.4
TITLE_EN = 0.8
CATEGORY = 0.8
PARENT_CATEGORY = 0.6
REGION = 0.8
PROVINCE = 0.5
GRADE = 0.5
PRODUCER = 0.5
DESCRIPTION = 0.3


@dataclass(frozen=True)
class ProductText:
    """The searchable text of one product."""

    title: str
    title_en: str | None = None
    description: str | None = None
    grade: str | None = None
    category_names: tuple[str, ...] = ()  # the leaf first, then its ancestors
    region_name: str = ""
    province: str = ""
    producer_name: str = ""


@dataclass
class AnalysedProduct:
    """Index terms with weights, and the title-like words among them."""

    terms: dict[str, float] = field(default_factory=dict)
    words: set[str] = field(default_factory=set)

    def add(self, terms: list[str], weight: float, *, strong: bool) -> None:
        """Record TERMS at WEIGHT (a term keeps its highest weight)."""
        for term in terms:
            if self.terms.get(term, 0.0) < weight:
                self.terms[term] = weight
            if strong:
                self.words.add(term)


def text_terms(text: str | None, segmenter: Segmenter) -> list[str]:
    """Search-mode words of TEXT: Chinese words and stemmed Latin words, no digits or marks."""
    if not text:
        return []
    return list(_cached_terms(text, segmenter, dictionary_version=segmenter.dictionary_version))


@lru_cache(maxsize=20_000)
def _cached_terms(text: str, segmenter: Segmenter, *, dictionary_version: int) -> tuple[str, ...]:
    out: list[str] = []
    for token in segmenter.cut_for_search(normalize_query(text, max_chars=4000)):
        token = token.strip()
        if not token:
            continue
        if is_cjk(token):
            out.append(token)
        elif token.isascii() and token.isalpha():
            out += english_words(token)
    return tuple(out)


def title_grams(title: str) -> tuple[list[str], list[str]]:
    """The single characters and character bigrams of the Chinese runs of TITLE."""
    chars: list[str] = []
    bigrams: list[str] = []
    for run in script_runs(normalize_query(title)):
        if is_cjk(run):
            chars += list(run)
            bigrams += [run[i : i + 2] for i in range(len(run) - 1)]
    return chars, bigrams


def analyse_product(product: ProductText, segmenter: Segmenter) -> AnalysedProduct:
    """The weighted index terms of PRODUCT."""
    out = AnalysedProduct()
    chars, bigrams = title_grams(product.title)
    out.add(chars, TITLE_CHAR, strong=False)
    out.add(bigrams, TITLE_BIGRAM, strong=False)
    out.add(text_terms(product.description, segmenter), DESCRIPTION, strong=False)
    out.add(text_terms(product.producer_name, segmenter), PRODUCER, strong=False)
    out.add(text_terms(product.province, segmenter), PROVINCE, strong=True)
    out.add(text_terms(product.grade, segmenter), GRADE, strong=True)
    for depth, name in enumerate(product.category_names):
        weight = CATEGORY if depth == 0 else PARENT_CATEGORY
        out.add(text_terms(name, segmenter), weight, strong=True)
    out.add(text_terms(product.region_name, segmenter), REGION, strong=True)
    out.add(english_words(product.title_en or ""), TITLE_EN, strong=True)
    out.add(text_terms(product.title, segmenter), TITLE_WORD, strong=True)
    return out


def encode_terms(terms: dict[str, float]) -> str:
    """The terms column: a JSON object term -> weight (weights to two decimals)."""
    return orjson.dumps({t: round(w, 2) for t, w in sorted(terms.items())}).decode()


def terms_hash(encoded_terms: str) -> str:
    """A short digest of the encoded terms (unchanged text, unchanged postings)."""
    return hashlib.blake2b(encoded_terms.encode(), digest_size=16).hexdigest()


def analyzer_fingerprint() -> str:
    """What the stored documents depend on: this module's version and its dictionaries."""
    digest = hashlib.sha256()
    for part in (ANALYZER_VERSION, domain_words_text(), synonyms_text()):
        digest.update(part.encode())
        digest.update(b"\0")
    return digest.hexdigest()[:32]
