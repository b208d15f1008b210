"""The category tree: a category and everything below it."""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import TypeVar

K = TypeVar("K", bound=Hashable)


def subtree(edges: Iterable[tuple[K, K | None]], root: K) -> set[K]:
    """ROOT and every node below it, from (node, parent) pairs (parent None at the top).

    Works on ids or codes alike; a cycle in the data cannot loop forever.
    """
    children: dict[K, list[K]] = {}
    for node, parent in edges:
        if parent is not None:
            children.setdefault(parent, []).append(node)
    found, pending = {root}, [root]
    while pending:
        for child in children.get(pending.pop(), []):
            if child not in found:
                found.add(child)
                pending.append(child)
    return found
