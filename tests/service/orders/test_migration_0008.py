"""Migration 0008 gives orders placed before parcels their parcels, so they can still ship."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlmodel import Session

from service.kit.db import make_engine
from service.kit.schema import alembic_config
from tests.factories import make_product, make_user, make_variant


def test_older_orders_get_their_parcels(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    config = alembic_config(url)
    before = ScriptDirectory.from_config(config).get_revision("0008").down_revision
    command.upgrade(config, str(before))
    engine = make_engine(url)
    with Session(engine) as session:
        shopper, _ = make_user(session, "shopper")
        honey = make_variant(session, product=make_product(session))
        oranges = make_variant(session, product=make_product(session, storage="chilled"))
        rows = [(honey, 2, 0, "2026-12-01 10:00:00"), (oranges, 3, 1, None)]
        ids = (shopper.id, honey.product_id, oranges.product_id)
    with engine.begin() as conn:
        # a column another migration may have added before this one: the rebuild keeps it
        conn.execute(text("ALTER TABLE shop_order ADD COLUMN note VARCHAR(20)"))
        conn.execute(
            text(
                "INSERT INTO shop_order (id, shopper_id, status, city, currency, total_fen, "
                "refunded_fen, created_at, updated_at, note) VALUES (1, :s, 'refunded', '成都', "
                "'CNY', 25000, 5000, '2026-12-01 09:00:00', '2026-12-01 09:00:00', 'kept')"
            ),
            {"s": ids[0]},
        )
        for variant, quantity, refunded, shipped_at in rows:
            conn.execute(
                text(
                    "INSERT INTO order_line (order_id, variant_id, sku, product_id, producer_id, "
                    "category_id, title, unit_price_fen, quantity, refunded_quantity, "
                    "net_weight_g, packaging, shipped_at) SELECT 1, v.id, v.sku, p.id, "
                    "p.producer_id, p.category_id, p.title, v.price_fen, :q, :r, "
                    "v.net_weight_g, v.packaging, :at FROM variant v JOIN product p "
                    "ON p.id = v.product_id WHERE v.id = :v"
                ),
                {"q": quantity, "r": refunded, "at": shipped_at, "v": variant.id},
            )
    command.upgrade(config, "0008")
    with engine.connect() as conn:
        parcels = conn.execute(
            text("SELECT storage, status, weight_g, freight_fen FROM parcel ORDER BY storage")
        ).all()
        unlinked = conn.execute(
            text("SELECT count(*) FROM order_line WHERE parcel_id IS NULL")
        ).scalar()
        status, note = conn.execute(text("SELECT status, note FROM shop_order")).one()
        ddl = conn.execute(
            text("SELECT sql FROM sqlite_master WHERE name = 'shop_order'")
        ).scalar_one()
    assert [tuple(p) for p in parcels] == [
        ("ambient", "shipped", 1000, 0),
        ("chilled", "pending", 1500, 0),
    ]
    assert unlinked == 0
    assert status == "partially_refunded"  # units are left: not all of it was refunded
    assert note == "kept"
    for kept in ("ck_shop_order_refunded", "ck_shop_order_total", "UNIQUE (cart_id)"):
        assert kept in ddl
    command.downgrade(config, str(before))
    engine.dispose()
