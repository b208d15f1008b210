"""Listeners told when products change, so other domains (search) stay in step.

The catalog does not import its listeners: they register themselves at start-up, and are called
inside the same transaction, so an index row never outlives a rolled-back change.

A change that only moved SKUs' stock or price (an order, a cancellation, a refund, a SKU's
stock or price edit) is announced with `stock_only=True`: the products' text, category,
producer and listing are as they were, so a listener can skip work that depends on them (search
does not re-analyse the product then). Listeners with a `stock_only` keyword get it; the others
are called as before.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable

from sqlmodel import Session

ProductsChanged = Callable[[Session, list[int]], None]
_listeners: list[ProductsChanged] = []
_takes_stock_only: dict[ProductsChanged, bool] = {}


def _accepts_stock_only(listener: ProductsChanged) -> bool:
    try:
        parameters = inspect.signature(listener).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(
        p.kind is p.VAR_KEYWORD or (p.name == "stock_only" and p.kind is not p.POSITIONAL_ONLY)
        for p in parameters
    )


def on_products_changed(listener: ProductsChanged) -> ProductsChanged:
    """Register LISTENER (idempotent); usable as a decorator."""
    if listener not in _listeners:
        _listeners.append(listener)
        _takes_stock_only[listener] = _accepts_stock_only(listener)
    return listener


def notify_products_changed(
    session: Session, product_ids: Iterable[int], *, stock_only: bool = False
) -> None:
    """Tell every listener that these products' listing, text, price or stock changed.

    STOCK_ONLY: nothing but SKUs' stock or price changed (see the module's docstring).
    """
    ids = sorted(set(product_ids))
    if not ids:
        return
    for listener in list(_listeners):
        if _takes_stock_only.get(listener, False):
            listener(session, ids, stock_only=stock_only)  # type: ignore[call-arg]
        else:
            listener(session, ids)
