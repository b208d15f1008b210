"""Listeners told when products change, so other domains (search) stay in step.

The catalog does not import its listeners: they register themselves at start-up, and are called
inside the same transaction, so an index row never outlives a rolled-back change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sqlmodel import Session

ProductsChanged = Callable[[Session, list[int]], None]
_listeners: list[ProductsChanged] = []


def on_products_changed(listener: ProductsChanged) -> ProductsChanged:
    """Register LISTENER (idempotent); usable as a decorator."""
    if listener not in _listeners:
        _listeners.append(listener)
    return listener


def notify_products_changed(session: Session, product_ids: Iterable[int]) -> None:
    """Tell every listener that these products' listing, text, price or stock changed."""
    ids = sorted(set(product_ids))
    if not ids:
        return
    for listener in list(_listeners):
        listener(session, ids)
