"""Cells that a spreadsheet shows as text, never runs as a formula (CSV/formula injection).

Product names, addresses and search terms come from people outside techan. Exported to CSV or
XLSX and opened in Excel or LibreOffice, a value such as `=HYPERLINK("http://evil…","杭州")`
would run as a formula on an operator's machine. Following OWASP's CSV-injection guidance, a
string that starts with `=`, `+`, `-`, `@`, a tab or a carriage return gets a single quote in
front, so the program shows it as text. Numbers stay numbers: a negative amount is data, not a
formula, and must still add up in the sheet.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from openpyxl.cell.cell import Cell, MergedCell
from openpyxl.worksheet.worksheet import Worksheet

# The characters a spreadsheet program reads as the start of a formula (or, for tab and CR,
# that it strips before reading one).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """VALUE as a spreadsheet must receive it: a formula-looking string gets a leading `'`."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def safe_row(values: Iterable[Any]) -> list[Any]:
    """Every cell of a row made safe (for `csv.writer.writerow`)."""
    return [safe_cell(v) for v in values]


def set_text_cell(cell: Cell | MergedCell, value: Any) -> None:
    """Put VALUE in an openpyxl cell; a string is stored as a string, never as a formula.

    openpyxl turns any string starting with `=` into a formula cell; forcing the data type to
    "s" stops that even for a value that slipped past `safe_cell`.
    """
    if isinstance(cell, MergedCell):
        raise ValueError(f"{cell.coordinate} is inside a merged range; write its top-left cell")
    value = safe_cell(value)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"


def append_safe_row(sheet: Worksheet, values: Iterable[Any]) -> None:
    """Append a row to SHEET (as `Worksheet.append`) with every string cell stored as text."""
    sheet.append(safe_row(values))
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"
