"""Fixtures for search tests: the seed catalog, imported through the catalog like `techan seed`."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from service.catalog.cli import SEED_CATALOG, import_catalog_file
from service.search.index_cache import forget_snapshots


@pytest.fixture(autouse=True)
def _fresh_index_cache() -> None:
    """Each test sees its own database state, never a previous test's in-memory index."""
    forget_snapshots()


@pytest.fixture
def seed_catalog(engine: Engine) -> Engine:
    """The seed catalog imported (the search listener indexes it in the same transaction)."""
    import_catalog_file(SEED_CATALOG)
    return engine
