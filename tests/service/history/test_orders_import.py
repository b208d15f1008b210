"""Importing orders.csv: checks naming file, line and field; all or nothing; idempotent."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from service.accounts.models import User
from service.history.models import SalesLine
from service.history.orders_import import import_orders_file
from service.kit.errors import ImportRejected
from tests.service.history.world import load_catalog, order_row, write_csv, write_orders


def count_lines(session: Session) -> int:
    return int(session.execute(select(func.count()).select_from(SalesLine)).scalar_one())


def count_users(session: Session) -> int:
    return int(session.execute(select(func.count()).select_from(User)).scalar_one())


def test_import_stores_lines_and_one_shopper_per_id(
    engine: Engine, session: Session, tmp_path: Path
) -> None:
    load_catalog(engine)
    at = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    path = write_orders(
        tmp_path / "orders.csv",
        [
            order_row("A1", "acacia-honey-500", shopper="x1", city="杭州", quantity=2, at=at),
            order_row("A1", "green-tea-1000", shopper="x1", city="杭州", price=5200, at=at),
            order_row("A2", "acacia-honey-500", shopper="x2", city="上海"),
        ],
    )
    summary = import_orders_file(path, engine=engine)
    assert (summary.lines, summary.added, summary.shoppers_created) == (3, 3, 2)
    x1 = session.exec(select(User).where(User.external_id == "x1")).one()
    assert (x1.role, x1.city, x1.token_hash) == ("shopper", "杭州", None)
    line = session.exec(
        select(SalesLine).where(SalesLine.order_id == "A1", SalesLine.quantity == 2)
    ).one()
    assert line.ordered_at == at
    assert line.shopper_id == x1.id


def test_rejected_file_names_line_and_field_and_imports_nothing(
    engine: Engine, session: Session, tmp_path: Path
) -> None:
    load_catalog(engine)
    good = [order_row(f"G{i}", "acacia-honey-500", shopper=f"g{i}") for i in range(5)]
    bad_quantity = order_row("B1", "acacia-honey-500", quantity=0)
    unknown_sku = order_row("B2", "no-such-sku")
    path = write_orders(tmp_path / "orders.csv", [*good, bad_quantity, *good[:0], unknown_sku])
    with pytest.raises(ImportRejected) as caught:
        import_orders_file(path, engine=engine)
    message = str(caught.value)
    assert f"{path}:7: quantity: must be a positive integer" in message
    assert f"{path}:8: sku: unknown SKU 'no-such-sku'" in message
    assert count_lines(session) == 0
    assert count_users(session) == 0  # the shoppers of the good lines were rolled back too


def test_bad_lines_after_the_first_chunk_still_reject_the_whole_file(
    engine: Engine, session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("service.history.csv_format.CHUNK_LINES", 2)
    load_catalog(engine)
    rows = [order_row(f"G{i}", "acacia-honey-500") for i in range(5)]
    rows.append({**order_row("B1", "acacia-honey-500"), "ordered_at": "2026-01-05 10:00:00"})
    path = write_orders(tmp_path / "orders.csv", rows)
    with pytest.raises(ImportRejected, match=r"orders\.csv:7: ordered_at: needs a UTC offset"):
        import_orders_file(path, engine=engine)
    assert count_lines(session) == 0


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("unit_price_fen", "12.5", "unit_price_fen: must be a whole number >= 0"),
        ("ordered_at", "yesterday", "ordered_at: not an ISO 8601 timestamp"),
        ("order_id", "", "order_id: required"),
        ("shopper_id", "x" * 65, "shopper_id: longer than 64 characters"),
    ],
)
def test_each_field_is_checked(
    engine: Engine, tmp_path: Path, field: str, value: str, expected: str
) -> None:
    load_catalog(engine)
    row = {**order_row("A1", "acacia-honey-500"), field: value}
    path = write_orders(tmp_path / "orders.csv", [row])
    with pytest.raises(ImportRejected, match=rf"orders\.csv:2: {expected}"):
        import_orders_file(path, engine=engine)


def test_wrong_header_and_short_lines_are_rejected(engine: Engine, tmp_path: Path) -> None:
    load_catalog(engine)
    path = write_csv(tmp_path / "orders.csv", ["order_id", "sku"], [{"order_id": 1, "sku": 2}])
    with pytest.raises(ImportRejected, match=r"orders\.csv:1: header: expected 'order_id,"):
        import_orders_file(path, engine=engine)
    ragged = tmp_path / "ragged.csv"
    lines = Path(write_orders(ragged, [order_row("A1", "acacia-honey-500")])).read_text()
    ragged.write_text(lines + "A2,2026-01-05T10:00:00+00:00,s1,上海,acacia-honey-500,1,3000,9\n")
    with pytest.raises(ImportRejected, match=r"ragged\.csv:3: .*expected 7 fields, saw 8"):
        import_orders_file(ragged, engine=engine)


def test_same_order_and_sku_twice_in_one_file_is_an_error(
    engine: Engine, session: Session, tmp_path: Path
) -> None:
    load_catalog(engine)
    rows = [order_row("A1", "acacia-honey-500"), order_row("A1", "acacia-honey-500")]
    path = write_orders(tmp_path / "orders.csv", rows)
    with pytest.raises(ImportRejected, match=r"orders\.csv:3: sku: the same order_id and SKU"):
        import_orders_file(path, engine=engine)
    assert count_lines(session) == 0


def test_reimport_is_idempotent_and_overlaps_add_only_new_lines(
    engine: Engine, session: Session, tmp_path: Path
) -> None:
    load_catalog(engine)
    first = [order_row(f"A{i}", "acacia-honey-500", shopper=f"s{i % 2}") for i in range(4)]
    path = write_orders(tmp_path / "orders.csv", first)
    assert import_orders_file(path, engine=engine).added == 4
    again = import_orders_file(path, engine=engine)
    assert again.already_imported and again.added == 0
    overlap = write_orders(
        tmp_path / "more.csv", [*first[2:], order_row("A9", "pomelo-500", shopper="s1")]
    )
    summary = import_orders_file(overlap, engine=engine)
    assert (summary.lines, summary.added, summary.shoppers_created) == (3, 1, 0)
    assert count_lines(session) == 5
    assert count_users(session) == 2


def test_existing_shopper_is_reused(engine: Engine, session: Session, tmp_path: Path) -> None:
    load_catalog(engine)
    shopper = User(name="known", role="shopper", external_id="known-1", city="北京")
    session.add(shopper)
    session.commit()
    path = write_orders(tmp_path / "orders.csv", [order_row("A1", "pomelo-500", shopper="known-1")])
    assert import_orders_file(path, engine=engine).shoppers_created == 0
    line = session.exec(select(SalesLine)).one()
    assert line.shopper_id == shopper.id


def test_blank_lines_are_skipped_but_keep_line_numbers(engine: Engine, tmp_path: Path) -> None:
    load_catalog(engine)
    path = write_orders(tmp_path / "orders.csv", [order_row("A1", "acacia-honey-500")])
    good = path.read_text(encoding="utf-8").splitlines()[1]
    path.write_text(path.read_text(encoding="utf-8") + "\n\n" + good + "\n", encoding="utf-8")
    with pytest.raises(ImportRejected, match=r"orders\.csv:5: sku: the same .* as line 2"):
        import_orders_file(path, engine=engine)
