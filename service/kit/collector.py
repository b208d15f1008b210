"""Bulk loads without Python's cyclic garbage collector rescanning what they build."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic garbage collection meanwhile (nests; the outermost turns it back on).

    Loads that create millions of fresh objects holding no cycles (row tuples, columns, index
    documents) set off collections that walk every one of them again and again: measured as a
    third of an analytics read and half of a 100,000-document search-index load.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
