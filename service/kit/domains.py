"""Finds each domain's optional parts (router, page router, CLI, start-up hooks) by convention.

A domain package `service/<name>/` may have `router.py` (`router`, mounted under /api/v1),
`pages.py` (`page_router`, HTML pages mounted at the root), `cli.py` (`register(app,
import_app=...)`) and `hooks.py` (`register_listeners()`, `on_app_start(app)`,
`on_app_stop(app)`). Nothing else wires domains together.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Iterator
from types import ModuleType

from service.kit.schema import DOMAINS


def domain_modules(part: str) -> Iterator[ModuleType]:
    """Each domain's module named PART (e.g. "router"), where the domain has one."""
    for domain in DOMAINS:
        name = f"service.{domain}.{part}"
        if importlib.util.find_spec(name) is not None:
            yield importlib.import_module(name)


_listeners_registered = False


def register_listeners() -> None:
    """Let every domain subscribe to the others' events (once per process)."""
    global _listeners_registered
    if _listeners_registered:
        return
    for hooks in domain_modules("hooks"):
        register = getattr(hooks, "register_listeners", None)
        if register is not None:
            register()
    _listeners_registered = True
