"""Every table of techan, listed: importing a domain's models registers its tables."""

from __future__ import annotations

from sqlalchemy import MetaData
from sqlmodel import SQLModel

import service.accounts.models
import service.accounts.session_models
import service.aftersales.models
import service.analytics.models
import service.catalog.freight
import service.catalog.models
import service.history.models
import service.ledger.models
import service.orders.models
import service.payments.models
import service.search.models  # noqa: F401  (each import registers its tables)


def metadata() -> MetaData:
    """The metadata holding every domain's tables (Alembic and the tests read it)."""
    return SQLModel.metadata
