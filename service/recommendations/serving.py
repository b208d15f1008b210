"""The recommender a running service serves from memory, kept in step with artefacts and catalog.

- Model: `techan analytics refresh` saves a new version and rewrites `reco/CURRENT`. A request
  reads CURRENT at most once a second (a tiny file) and loads the new version when it changed,
  while other requests keep using the old one.
- Availability: `ItemInfo.available` is "listed and some SKU in stock". A catalog change made in
  this process (`notify_products_changed`) marks the items stale at once; changes made by other
  processes are picked up within ITEMS_MAX_AGE seconds. Refreshing the items is one small query.
- No model yet: `current()` returns None and callers serve best sellers from the database
  (cached for POPULAR_MAX_AGE seconds).
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from sqlmodel import Session

from recommender.reco import Recommender, load_model
from recommender.reco.artefact import CURRENT_FILE
from service.recommendations.catalog_items import load_item_infos
from service.recommendations.popularity import PopularProduct, popular_products

logger = logging.getLogger(__name__)
CHECK_SECONDS = 1.0
ITEMS_MAX_AGE = 60.0
POPULAR_MAX_AGE = 60.0
_catalog_generation = 0


def mark_catalog_changed(session: Session, product_ids: list[int]) -> None:
    """Listener for catalog changes: every holder re-reads availability on its next use."""
    global _catalog_generation
    _catalog_generation += 1


class RecommenderHolder:
    """The loaded recommender of one process (None until a model was saved)."""

    def __init__(self, directory: Path, *, check_seconds: float = CHECK_SECONDS) -> None:
        self.directory = Path(directory)
        self.check_seconds = check_seconds
        self.version: str | None = None
        self._recommender: Recommender | None = None
        self._lock = threading.Lock()
        self._checked_at = float("-inf")
        self._items_at = float("-inf")
        self._items_generation = -1
        self._popular: tuple[float, int, list[PopularProduct]] | None = None

    def current(self, session: Session) -> Recommender | None:
        """The recommender to serve now, reloaded if a newer model or catalog is there."""
        now = time.monotonic()
        if now - self._checked_at >= self.check_seconds:
            self._checked_at = now
            version = self._current_version()
            if version != self.version:
                self._load(session, version)
        recommender = self._recommender
        if recommender is not None and self._items_stale(now):
            with self._lock:
                if self._items_stale(now):
                    self._items_generation = _catalog_generation
                    self._items_at = now
                    recommender.update_items(load_item_infos(session))
        return recommender

    def popular(self, session: Session) -> list[PopularProduct]:
        """Available best sellers from the database (the fallback without a model)."""
        now = time.monotonic()
        cached = self._popular
        if cached is None or now - cached[0] > POPULAR_MAX_AGE or cached[1] != _catalog_generation:
            cached = (now, _catalog_generation, popular_products(session))
            self._popular = cached
        return cached[2]

    def _current_version(self) -> str | None:
        try:
            return (self.directory / CURRENT_FILE).read_text(encoding="utf-8").strip() or None
        except FileNotFoundError:
            return None

    def _load(self, session: Session, version: str | None) -> None:
        with self._lock:
            if version == self.version:
                return  # another request loaded it meanwhile
            if version is None:
                self._recommender, self.version = None, None
                return
            try:
                model = load_model(self.directory)
            except (OSError, ValueError, KeyError) as exc:
                # A broken artefact must not take the service down: keep serving what we had.
                logger.error("cannot load recommender %s: %s", version, exc)
                self.version = version
                return
            self._recommender = Recommender(model, load_item_infos(session))
            self.version = version
            logger.info("serving recommender %s", version)
            self._items_at = time.monotonic()
            self._items_generation = _catalog_generation

    def _items_stale(self, now: float) -> bool:
        return self._items_generation != _catalog_generation or now - self._items_at > ITEMS_MAX_AGE
