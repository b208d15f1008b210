"""Every domain's tables in one metadata, and the Alembic upgrade that creates them."""

from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import MetaData
from sqlmodel import SQLModel

DOMAINS = ("accounts", "catalog", "search", "orders", "payments", "reports", "recommendations")
MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def load_metadata() -> MetaData:
    """Import every domain's models so their tables register, and return the metadata."""
    for domain in DOMAINS:
        name = f"service.{domain}.models"
        if importlib.util.find_spec(name) is not None:
            importlib.import_module(name)
    return SQLModel.metadata


def alembic_config(database_url: str) -> Config:
    """An Alembic config for techan's migrations against DATABASE_URL (no ini file needed)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade_database(database_url: str) -> None:
    """Bring the schema up to date (every head: domains add migrations independently)."""
    command.upgrade(alembic_config(database_url), "heads")
