"""Bounded integers for ids and money: out-of-range input is a 422 naming the field, never a
database overflow (a 500). Usable in schemas and in path and query parameters alike."""

from __future__ import annotations

from typing import Annotated

from annotated_types import Ge, Le

# The largest id the schema's INTEGER keys hold on PostgreSQL (32-bit; SQLite's are 64-bit).
MAX_ID = 2**31 - 1
# A trillion fen (ten billion yuan): far above any price or order, far below an overflow.
MAX_FEN = 10**12

Id = Annotated[int, Ge(1), Le(MAX_ID)]
Fen = Annotated[int, Ge(0), Le(MAX_FEN)]
