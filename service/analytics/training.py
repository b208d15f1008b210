"""Training the shopper recommender on the purchase history the refresh already loaded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd
from rich.table import Table

from recommender.reco import BlendChoice, save_model, train_with_chosen_blend


@dataclass(frozen=True)
class SavedModel:
    """The version a training wrote and the backtest its blend was chosen by."""

    version: str
    backtest: BlendChoice

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


def train_and_save(orders: pd.DataFrame, *, now: datetime, directory: Path) -> SavedModel | None:
    """Choose the blend on the last weeks of ORDERS, train up to NOW, save under DIRECTORY."""
    if orders.empty:
        return None
    model, choice = train_with_chosen_blend(interactions_from_orders(orders), now=pd.Timestamp(now))
    return SavedModel(version=save_model(model, directory).name, backtest=choice)


def backtest_table(choice: BlendChoice) -> Table:
    """The recommender's holdout table for the terminal, the served blend in bold."""
    table = Table(title=f"recommender backtest (holdout from {choice.holdout_from[:10]})")
    for column in ("model", "R@10", "N@10", "new-item R@10", "× popularity", "× own most-bought"):
        table.add_column(column, justify="left" if column == "model" else "right")
    for row in choice.rows:
        figures = (row.recall, row.ndcg, row.new_recall, row.vs_popularity, row.vs_own)
        served = row.name == choice.chosen
        table.add_row(
            f"{row.name} (served)" if served else row.name,
            *(f"{value:.4f}" for value in figures[:3]),
            *(f"{value:.2f}" for value in figures[3:]),
            style="bold" if served else None,
        )
    table.caption = choice.reason
    return table
