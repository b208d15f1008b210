"""Spreadsheet cells: formula-looking strings are shown as text, numbers stay numbers."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from service.kit.spreadsheet import append_safe_row, safe_cell, safe_row, set_text_cell

HOSTILE = [
    '=HYPERLINK("http://evil.example","杭州")',
    "+1",
    "-2+3",
    "@SUM(A1)",
    "\t=1",
    "\r=1",
]
HARMLESS: list[object] = ["杭州龙井", "a=b", "1+1", "", " =not a formula", 42, -3, -2.5,
                          Decimal("-1.20"), None, True]


@pytest.mark.parametrize("value", HOSTILE)
def test_formula_looking_strings_get_a_leading_quote(value: str) -> None:
    assert safe_cell(value) == "'" + value


@pytest.mark.parametrize("value", HARMLESS)
def test_ordinary_text_and_numbers_are_untouched(value: object) -> None:
    assert safe_cell(value) == value
    assert type(safe_cell(value)) is type(value)


def test_csv_row_reads_back_as_text() -> None:
    buffer = io.StringIO()
    csv.writer(buffer).writerow(safe_row(["=1+1", -5, "普通"]))
    assert next(csv.reader(io.StringIO(buffer.getvalue()))) == ["'=1+1", "-5", "普通"]


def test_workbook_written_with_helpers_has_no_formula_cells(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    append_safe_row(sheet, ["name", "amount"])
    for value in HOSTILE:
        append_safe_row(sheet, [value, -12.5])
    # A value placed directly in a cell, as a report's header or total would be.
    set_text_cell(sheet.cell(row=20, column=1), "=1+2")
    path = tmp_path / "export.xlsx"
    book.save(path)

    read = load_workbook(path).worksheets[0]  # a formula comes back as "=…" of data type "f"
    cells = [c for row in read.iter_rows() for c in row if c.value is not None]
    assert cells and all(c.data_type != "f" for c in cells)
    texts = [c.value for c in cells if isinstance(c.value, str)]
    assert not any(t.startswith(("=", "+", "-", "@")) for t in texts)
    amounts = [c.value for c in cells if c.column == 2 and c.row != 1]
    assert amounts == [-12.5] * len(HOSTILE)  # a negative number is still a number
    assert read.cell(row=2, column=1).value == "'" + HOSTILE[0]


def test_plain_openpyxl_would_have_written_a_formula(tmp_path: Path) -> None:
    """The check above can fail: without the helper, openpyxl stores a formula."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["=1+2"])
    path = tmp_path / "plain.xlsx"
    book.save(path)
    assert load_workbook(path).worksheets[0].cell(row=1, column=1).data_type == "f"
