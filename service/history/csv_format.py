"""The history CSV files (orders.csv, searches.csv): their columns, read in checked chunks.

Nothing here touches the database: a chunk is parsed and checked column by column (vectorised),
and every problem is reported as `FILE:LINE: FIELD: message`. Line numbers count the header as
line 1 (a quoted field spanning lines would shift them; history files do not have those).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import pandas as pd

from service.kit.errors import ImportRejected

ORDER_COLUMNS = (
    "order_id",
    "ordered_at",
    "shopper_id",
    "city",
    "sku",
    "quantity",
    "unit_price_fen",
)
SEARCH_COLUMNS = ("searched_at", "shopper_id", "city", "query")
CHUNK_LINES = 100_000
SHOWN_PROBLEMS = 50
# A timestamp must say which zone it is in: "2024-12-02 08:00" from a Chinese shop system is
# probably +08:00, and guessing UTC would shift every sale by eight hours.
OFFSET_PATTERN = r"(?:[Zz]|[+-]\d{2}(?::?\d{2})?)$"
_PARSER_LINE = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")


@dataclass
class Problems:
    """Problems found in one file: the first few as messages, and how many in all."""

    source: str
    shown: list[str] = field(default_factory=list)
    total: int = 0

    def add(self, line: int, field_name: str, message: str) -> None:
        """Record one problem at LINE."""
        self.total += 1
        if len(self.shown) < SHOWN_PROBLEMS:
            self.shown.append(f"{self.source}:{line}: {field_name}: {message}")

    def add_rows(self, bad: pd.Series, field_name: str, message: str, values: pd.Series) -> None:
        """Record a problem for each row where BAD is true; MESSAGE may use {value}."""
        if not bad.any():
            return
        rows = bad[bad].index
        room = max(0, SHOWN_PROBLEMS - len(self.shown))
        for index in rows[:room]:
            self.add(int(index) + 2, field_name, message.format(value=values.loc[index]))
        self.total += len(rows) - min(room, len(rows))

    def reject_if_any(self) -> None:
        """Raise ImportRejected when anything was found (the caller's transaction rolls back)."""
        if self.total:
            more = [f"… {self.total} problems in all"] if self.total > len(self.shown) else []
            raise ImportRejected(self.source, self.shown + more)


class ChunkReader:
    """The data rows of a history CSV, CHUNK_LINES at a time, every field a string."""

    def __init__(
        self, path: Path, *, columns: tuple[str, ...], chunk_lines: int | None = None
    ) -> None:
        self.path = path
        self.source = str(path)
        self.columns = columns
        self.chunk_lines = chunk_lines or CHUNK_LINES
        self.bytes_read = 0

    def __iter__(self) -> Iterator[pd.DataFrame]:
        try:
            with self.path.open("rb") as handle:
                self._check_header(handle)
                handle.seek(0)
                yield from self._chunks(handle)
        except OSError as exc:
            raise ImportRejected(self.source, [f"{self.source}: cannot read: {exc}"]) from exc

    def _check_header(self, handle: BinaryIO) -> None:
        raw = handle.readline()
        try:
            header = raw.decode("utf-8-sig").strip()
        except UnicodeDecodeError as exc:
            raise ImportRejected(self.source, [f"{self.source}:1: not UTF-8 text"]) from exc
        expected = ",".join(self.columns)
        if header.replace(" ", "") != expected:
            problem = f"{self.source}:1: header: expected '{expected}', got '{header[:200]}'"
            raise ImportRejected(self.source, [problem])

    def _chunks(self, handle: BinaryIO) -> Iterator[pd.DataFrame]:
        reader = pd.read_csv(
            handle,
            chunksize=self.chunk_lines,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            encoding="utf-8-sig",
            skipinitialspace=True,
            skip_blank_lines=False,  # blank lines keep their number; dropped below
        )
        try:
            for chunk in reader:
                self.bytes_read = handle.tell()
                chunk = chunk.fillna("")  # short and blank lines leave NaN even without NA parsing
                yield chunk[(chunk != "").any(axis=1)]
        except pd.errors.ParserError as exc:
            raise ImportRejected(self.source, [self._describe_parser_error(exc)]) from exc
        except UnicodeDecodeError as exc:
            raise ImportRejected(self.source, [f"{self.source}: not UTF-8 text"]) from exc

    def _describe_parser_error(self, exc: Exception) -> str:
        match = _PARSER_LINE.search(str(exc))
        if match is None:
            return f"{self.source}: not a CSV file: {exc}"
        expected, line, saw = match.groups()
        return f"{self.source}:{line}: (line): expected {expected} fields, saw {saw}"


def required_text(
    problems: Problems, frame: pd.DataFrame, name: str, *, max_length: int
) -> pd.Series:
    """Column NAME stripped; empty or over-long values are problems."""
    values = frame[name].astype(str).str.strip()
    problems.add_rows(values == "", name, "required", values)
    lengths = values.str.len()
    problems.add_rows(lengths > max_length, name, f"longer than {max_length} characters", values)
    return values


def optional_text(
    problems: Problems, frame: pd.DataFrame, name: str, *, max_length: int
) -> pd.Series:
    """Column NAME stripped, empty as missing; over-long values are problems."""
    values = frame[name].astype(str).str.strip()
    problems.add_rows(
        values.str.len() > max_length, name, f"longer than {max_length} characters", values
    )
    return values.astype(object).where(values != "", None)


def utc_timestamps(problems: Problems, frame: pd.DataFrame, name: str) -> pd.Series:
    """Column NAME as UTC timestamps; each must be ISO 8601 with a UTC offset."""
    values = frame[name].astype(str).str.strip()
    parsed = pd.to_datetime(values, utc=True, format="ISO8601", errors="coerce")
    has_offset = values.str.contains(OFFSET_PATTERN, regex=True)
    unparsed = parsed.isna()
    problems.add_rows(unparsed, name, "not an ISO 8601 timestamp: {value!r}", values)
    problems.add_rows(
        ~unparsed & ~has_offset,
        name,
        "needs a UTC offset (e.g. 2024-12-02T08:00:00+08:00 or …Z): {value!r}",
        values,
    )
    return parsed.astype("datetime64[ns, UTC]")


def whole_numbers(
    problems: Problems, frame: pd.DataFrame, name: str, *, positive: bool, most: int
) -> pd.Series:
    """Column NAME as int64: a positive (or non-negative) whole number up to MOST."""
    values = frame[name].astype(str).str.strip()
    digits = values.str.fullmatch(r"\+?\d{1,12}")
    numbers = values.where(digits, "0").astype("int64")
    wrong = ~digits | (numbers > most) | ((numbers <= 0) if positive else False)
    kind = "a positive integer" if positive else "a whole number >= 0"
    problems.add_rows(wrong, name, f"must be {kind} up to {most} (got {{value!r}})", values)
    return numbers
