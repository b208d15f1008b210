"""The seed catalog passes its own import and holds what the pavilion promises."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session, func, select
from typer.testing import CliRunner

from service.catalog.models import Park, Producer, Product, Region, Variant
from service.cli import app as cli


def _count(session: Session, model: type) -> int:
    return int(session.exec(select(func.count()).select_from(model)).one())


def test_seed_imports_with_the_promised_counts(session: Session, client: TestClient) -> None:
    result = CliRunner().invoke(cli, ["seed"])
    assert result.exit_code == 0, result.output
    assert _count(session, Producer) >= 12
    assert _count(session, Product) >= 60
    assert _count(session, Variant) >= 150
    regions = {r.code for r in session.exec(select(Region))}
    assert {"tongchuan", "meishan", "wuzhou", "guanghan"} <= regions and len(regions) >= 6
    assert session.exec(select(Park).where(Park.code == "guanghan-park")).first() is not None
    assert {p.status for p in session.exec(select(Product))} == {"listed"}
    page = client.get("/api/v1/products", params={"region": "wuzhou", "limit": 100}).json()
    titles = " ".join(p["title"] for p in page["items"])
    assert "龙眼蜜" in titles and "六堡茶" in titles


def test_seed_is_idempotent(session: Session) -> None:
    assert CliRunner().invoke(cli, ["seed"]).exit_code == 0
    before = (_count(session, Product), _count(session, Variant))
    assert CliRunner().invoke(cli, ["seed"]).exit_code == 0
    assert (_count(session, Product), _count(session, Variant)) == before
