"""Progress bars for long history jobs (on stderr, so stdout stays machine-readable)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from service.history.importing import BytesRead


@contextmanager
def file_progress(path: Path, *, description: str) -> Iterator[BytesRead]:
    """A bar over PATH's size; the yielded callback takes the bytes read so far."""
    total = max(path.stat().st_size, 1) if path.exists() else 1
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=Console(stderr=True)) as progress:
        task = progress.add_task(description, total=total)
        yield lambda done: progress.update(task, completed=done)
        progress.update(task, completed=total)
