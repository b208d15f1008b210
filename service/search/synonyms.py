"""Synonym groups a park operator can edit: `catalog_seed/synonyms.txt` and `synonyms_extra.txt`.

One group a line, comma-separated; every member finds what any other member finds (丑橘 = 不知火,
耙耙柑 = 春见 = papagan). Files are re-read when their modification time changes, so an edit takes
effect on the next search without a restart. Members are keyed as search reads them: Chinese as
written (normalised), Latin as stemmed words joined by one space (`navel orange`).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path

from service.search.normalize import english_words, is_cjk, normalize_query

SEED_SYNONYMS = Path(str(files("catalog_seed") / "synonyms.txt"))
EXTRA_SYNONYMS = Path(__file__).resolve().parent / "synonyms_extra.txt"
SYNONYM_FILES: tuple[Path, ...] = (SEED_SYNONYMS, EXTRA_SYNONYMS)


def member_key(member: str) -> str:
    """How search keys a synonym member: normalised Chinese, or stemmed Latin words."""
    text = normalize_query(member)
    return text.replace(" ", "") if is_cjk(text) else " ".join(english_words(text))


def member_terms(key: str) -> tuple[str, ...]:
    """The index terms a document must hold to match member KEY (Latin phrases: every word)."""
    return (key,) if is_cjk(key) else tuple(key.split())


@dataclass
class SynonymTable:
    """Groups of member keys, and for each key the groups it belongs to."""

    groups: list[tuple[str, ...]] = field(default_factory=list)
    by_key: dict[str, list[int]] = field(default_factory=dict)
    max_phrase_words: int = 1
    version: int = 0  # which load of the files this is (queries parsed with it are cached by it)

    def others(self, key: str) -> list[str]:
        """Every member sharing a group with KEY (not KEY itself), in file order."""
        found: dict[str, None] = {}
        for index in self.by_key.get(key, ()):
            found.update((m, None) for m in self.groups[index] if m != key)
        return list(found)

    def __contains__(self, key: object) -> bool:
        return key in self.by_key

    def chinese_members(self) -> set[str]:
        """Every Chinese member (the segmenter adds them to its dictionary)."""
        return {m for g in self.groups for m in g if is_cjk(m)}


def parse_synonym_lines(lines: Iterable[str]) -> list[tuple[str, ...]]:
    """Groups from synonym-file lines; blank lines and `#` comments are skipped."""
    groups = []
    for line in lines:
        line = line.split("#", 1)[0].strip()
        keys = [member_key(m) for m in line.replace("，", ",").split(",")]
        members = tuple(dict.fromkeys(k for k in keys if k))
        if len(members) >= 2:
            groups.append(members)
    return groups


def build_table(groups: Sequence[tuple[str, ...]]) -> SynonymTable:
    """A lookup table over GROUPS."""
    table = SynonymTable(groups=list(groups))
    for index, group in enumerate(groups):
        for key in group:
            table.by_key.setdefault(key, []).append(index)
            if not is_cjk(key):
                table.max_phrase_words = max(table.max_phrase_words, len(key.split()))
    return table


def read_synonym_files(paths: Sequence[Path] | None = None) -> SynonymTable:
    """The synonym table of every file in PATHS (default: the synonym files) that exists."""
    paths = SYNONYM_FILES if paths is None else paths
    groups: list[tuple[str, ...]] = []
    for path in paths:
        if path.is_file():
            groups += parse_synonym_lines(path.read_text(encoding="utf-8").splitlines())
    return build_table(groups)


def _stamp(paths: Sequence[Path]) -> tuple[float | str, ...]:
    return tuple(p.stat().st_mtime if p.is_file() else -1.0 for p in paths)


class _Cache:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.stamp: tuple[float | str, ...] | None = None
        self.table = SynonymTable()
        self.loads = 0


_cache = _Cache()


def get_synonyms(paths: Sequence[Path] | None = None) -> SynonymTable:
    """The current synonym table, re-read when a file changed since the last call."""
    paths = SYNONYM_FILES if paths is None else paths
    stamp = (*_stamp(paths), *map(str, paths))
    if stamp != _cache.stamp:
        with _cache.lock:
            if stamp != _cache.stamp:
                _cache.loads += 1
                _cache.table = read_synonym_files(paths)
                _cache.table.version = _cache.loads
                _cache.stamp = stamp
    return _cache.table


def synonyms_text(paths: Sequence[Path] | None = None) -> str:
    """The synonym files' contents (part of the analyzer fingerprint)."""
    paths = SYNONYM_FILES if paths is None else paths
    return "\n".join(p.read_text(encoding="utf-8") for p in paths if p.is_file())
