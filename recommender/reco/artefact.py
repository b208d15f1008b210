"""Model artefacts: one versioned directory per training (numpy .npz + JSON, no pickle)."""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from recommender.reco.config import RecoConfig
from recommender.reco.models import RankedLists, RecoModel, ShopperHistory
from recommender.reco.neighbours import NeighbourTable

CURRENT_FILE = "CURRENT"
ARRAYS_FILE = "arrays.npz"
METADATA_FILE = "metadata.json"
FORMAT = "techan-reco"
FORMAT_VERSION = 1
VERSION_PATTERN = re.compile(r"^reco-v(\d+)-")


def save_model(model: RecoModel, directory: Path) -> Path:
    """Write the model to a new `reco-v{n}-{timestamp}` directory and point CURRENT at it."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".reco-staging-", dir=directory))
    try:
        staging.chmod(0o755)  # mkdtemp makes it private; the service may run as another user
        arrays: dict[str, Any] = _arrays(model)
        np.savez(staging / ARRAYS_FILE, allow_pickle=False, **arrays)
        (staging / METADATA_FILE).write_text(
            json.dumps(_metadata(model), ensure_ascii=False, indent=2), encoding="utf-8"
        )
        version_path = _publish(staging, directory)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _write_current(directory, version_path.name)
    return version_path


def load_model(directory: Path) -> RecoModel:
    """Load the version CURRENT names; FileNotFoundError when nothing was saved yet."""
    directory = Path(directory)
    current = directory / CURRENT_FILE
    if not current.is_file():
        raise FileNotFoundError(f"no recommender model saved in {directory} (missing CURRENT)")
    version_path = directory / current.read_text(encoding="utf-8").strip()
    metadata = json.loads((version_path / METADATA_FILE).read_text(encoding="utf-8"))
    if metadata.get("format") != FORMAT or metadata.get("format_version") != FORMAT_VERSION:
        raise ValueError(f"{version_path} is not a {FORMAT} v{FORMAT_VERSION} artefact")
    with np.load(version_path / ARRAYS_FILE, allow_pickle=False) as stored:
        arrays = {name: stored[name] for name in stored.files}
    return _model_from(arrays, metadata)


def list_versions(directory: Path) -> list[Path]:
    """Saved version directories, oldest first."""
    found = [
        path
        for path in Path(directory).iterdir()
        if path.is_dir() and VERSION_PATTERN.match(path.name)
    ]
    return sorted(found, key=_version_number)


def _publish(staging: Path, directory: Path) -> Path:
    """Rename the staged files into the next free version number (renames are atomic)."""
    versions = list_versions(directory)
    number = _version_number(versions[-1]) if versions else 0
    stamp = pd.Timestamp.now(tz="UTC").strftime("%Y%m%dT%H%M%SZ")
    while True:
        number += 1
        target = directory / f"reco-v{number}-{stamp}"
        if target.exists():
            continue
        try:
            staging.rename(target)
        except OSError:
            if target.exists():  # a concurrent save took this number
                continue
            raise
        return target


def _version_number(path: Path) -> int:
    match = VERSION_PATTERN.match(path.name)
    return int(match.group(1)) if match else 0


def _write_current(directory: Path, name: str) -> None:
    pointer = directory / f".{CURRENT_FILE}.tmp-{os.getpid()}"
    pointer.write_text(name + "\n", encoding="utf-8")
    os.replace(pointer, directory / CURRENT_FILE)


def _arrays(model: RecoModel) -> dict[str, np.ndarray]:
    return {
        "items": model.items.astype(str),
        "shoppers": model.shoppers.astype(str),
        "cities": model.cities.astype(str),
        "popularity": model.popularity,
        "city_indptr": model.city_popularity.indptr,
        "city_items": model.city_popularity.items,
        "city_scores": model.city_popularity.scores,
        "history_indptr": model.history.indptr,
        "history_items": model.history.items,
        "history_scores": model.history.scores,
        "history_last_days": model.history.last_days,
        "shopper_neighbour_items": model.shopper_neighbours.items,
        "shopper_neighbour_scores": model.shopper_neighbours.scores,
        "also_bought_items": model.also_bought.items,
        "also_bought_scores": model.also_bought.scores,
    }


def _metadata(model: RecoModel) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "trained_at": pd.Timestamp(model.trained_at).isoformat(),
        "saved_at": pd.Timestamp.now(tz="UTC").isoformat(),
        "n_interactions": model.n_interactions,
        "n_items": len(model.items),
        "n_shoppers": len(model.shoppers),
        "n_cities": len(model.cities),
        "config": model.config.to_dict(),
        "backtest": model.backtest,
    }


def _model_from(arrays: dict[str, np.ndarray], metadata: dict[str, Any]) -> RecoModel:
    return RecoModel(
        config=RecoConfig.from_dict(metadata["config"]),
        trained_at=pd.Timestamp(metadata["trained_at"]),
        n_interactions=int(metadata["n_interactions"]),
        items=arrays["items"],
        shoppers=arrays["shoppers"],
        cities=arrays["cities"],
        popularity=arrays["popularity"],
        city_popularity=RankedLists(
            indptr=arrays["city_indptr"], items=arrays["city_items"], scores=arrays["city_scores"]
        ),
        history=ShopperHistory(
            indptr=arrays["history_indptr"],
            items=arrays["history_items"],
            scores=arrays["history_scores"],
            last_days=arrays["history_last_days"],
        ),
        shopper_neighbours=NeighbourTable(
            items=arrays["shopper_neighbour_items"], scores=arrays["shopper_neighbour_scores"]
        ),
        also_bought=NeighbourTable(
            items=arrays["also_bought_items"], scores=arrays["also_bought_scores"]
        ),
        backtest=metadata.get("backtest"),  # absent from artefacts saved before it existed
    )
