"""Training the shopper recommender on the purchase history the refresh already loaded."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pandas as pd

from recommender.reco import save_model, train_recommender

RECO_DIR_NAME = "reco"


def reco_dir_in(artefact_dir: Path) -> Path:
    """Where the shopper recommender's versions live under ARTEFACT_DIR (written here, served
    by `recommendations`)."""
    return artefact_dir / RECO_DIR_NAME


def interactions_from_orders(orders: pd.DataFrame) -> pd.DataFrame:
    """The recommender's interactions (shopper, product, time, quantity, city) from order lines."""
    return pd.DataFrame(
        {
            "shopper_id": orders["shopper_id"],
            "item": orders["product_code"],
            "ts": orders["ordered_at"],
            "quantity": orders["quantity"],
            "city": orders["city"],
        }
    )


def train_and_save(orders: pd.DataFrame, *, now: datetime, directory: Path) -> str | None:
    """Train on ORDERS up to NOW and save a new version under DIRECTORY; None with no orders."""
    if orders.empty:
        return None
    model = train_recommender(interactions_from_orders(orders), now=pd.Timestamp(now))
    return save_model(model, directory).name
