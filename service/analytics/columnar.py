"""A columnar copy of the analytics frames (parquet): filtered reports never re-read the database.

Each refresh writes a new `frames-<n>` directory and then points `CURRENT` at it (a rename, so
a reader sees the old copy or the new one, never half of each). Processes keep the copy they
loaded in memory and re-read only when CURRENT names another directory.
"""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from service.history.frames import DemandFrames

CURRENT_FILE = "CURRENT"
FRAME_NAMES = ("orders", "offers", "searches", "categories", "producers")
KEEP_VERSIONS = 2
_NULLABLE_TEXT = {
    "offers": ("title_en",),
    "searches": ("shopper_id", "city"),
    "categories": ("parent",),
    "producers": ("park",),
}
_cache: dict[Path, tuple[str, DemandFrames]] = {}
_cache_lock = threading.Lock()


def write_columnar_copy(frames: DemandFrames, directory: Path) -> Path:
    """Write FRAMES as parquet files in a new version directory and make it current."""
    return publish_columnar_copy(columnar_tables(frames), directory)


def columnar_tables(frames: DemandFrames) -> dict[str, pa.Table]:
    """FRAMES as Arrow tables (with the pandas metadata `read_columnar_copy` restores).

    Kept apart from `publish_columnar_copy` so a refresh converts in its own thread, where
    the frames are in use, and writes the files from another: only Arrow is shared.
    """
    return {
        name: pa.Table.from_pandas(getattr(frames, name), preserve_index=False)
        for name in FRAME_NAMES
    }


def publish_columnar_copy(tables: dict[str, pa.Table], directory: Path) -> Path:
    """Write TABLES as parquet files in a new version directory and make it current."""
    directory.mkdir(parents=True, exist_ok=True)
    staging = directory / f".staging-{os.getpid()}-{threading.get_ident()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    for name in FRAME_NAMES:
        pq.write_table(tables[name], staging / f"{name}.parquet", compression="snappy")
    target = _publish(staging, directory)
    pointer = directory / f".{CURRENT_FILE}.{os.getpid()}"
    pointer.write_text(target.name, encoding="utf-8")
    os.replace(pointer, directory / CURRENT_FILE)
    _prune(directory, keep=target.name)
    return target


def read_columnar_copy(directory: Path) -> DemandFrames | None:
    """The current copy (cached in memory until CURRENT changes); None if none was written."""
    try:
        version = (directory / CURRENT_FILE).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    with _cache_lock:
        cached = _cache.get(directory)
        if cached is not None and cached[0] == version:
            return cached[1]
    frames = _read(directory / version)
    with _cache_lock:
        _cache[directory] = (version, frames)
    return frames


def _read(path: Path) -> DemandFrames:
    loaded = {name: pd.read_parquet(path / f"{name}.parquet") for name in FRAME_NAMES}
    for name, columns in _NULLABLE_TEXT.items():
        frame = loaded[name]
        for column in (c for c in columns if c in frame):  # copies from before title_en
            values = frame[column].astype(object)
            frame[column] = values.where(values.notna(), None)
    loaded["offers"]["harvest_months"] = loaded["offers"]["harvest_months"].map(
        lambda months: [int(m) for m in months] if months is not None else []
    )
    return DemandFrames(**loaded)


def _publish(staging: Path, directory: Path) -> Path:
    """Rename STAGING to the next free `frames-<n>` (another refresh may take a number first)."""
    number = max((_number(p) for p in directory.glob("frames-*")), default=0)
    while True:
        number += 1
        target = directory / f"frames-{number}"
        try:
            staging.rename(target)
        except OSError:
            if target.exists():
                continue
            raise
        return target


def _number(path: Path) -> int:
    suffix = path.name.removeprefix("frames-")
    return int(suffix) if suffix.isdigit() else 0


def _prune(directory: Path, *, keep: str) -> None:
    """Drop all but the newest versions (a reader still on the previous one can finish)."""
    versions = sorted(directory.glob("frames-*"), key=_number)
    for old in versions[:-KEEP_VERSIONS]:
        if old.name != keep:
            shutil.rmtree(old, ignore_errors=True)
