"""Every seed producer ships: honey goes anywhere on the mainland, chilled citrus not too far."""

from __future__ import annotations

import json

from sqlmodel import Session, col, select
from typer.testing import CliRunner

from catalog_seed.freight import CATALOG, seed_shipping
from service.catalog.freight import FreightTemplate, FreightTemplateIn
from service.catalog.models import Producer
from service.cli import app as cli
from service.orders.freight import Goods, quote_goods


def test_the_seed_file_holds_the_generated_templates() -> None:
    catalog = json.loads(CATALOG.read_text(encoding="utf-8"))
    assert catalog["shipping"] == seed_shipping(catalog)  # `python -m catalog_seed.freight`
    assert {s["producer"] for s in catalog["shipping"]} == {p["code"] for p in catalog["producers"]}
    for entry in catalog["shipping"]:
        FreightTemplateIn.model_validate({k: v for k, v in entry.items() if k != "producer"})


def test_every_seed_producer_gets_a_template(session: Session) -> None:
    assert CliRunner().invoke(cli, ["seed"]).exit_code == 0
    producers = {p.id: p.code for p in session.exec(select(Producer))}
    templates = {t.producer_id: t for t in session.exec(select(FreightTemplate))}
    assert set(templates) == set(producers)
    citrus = session.exec(
        select(Producer).where(col(Producer.code) == "meishan-danling-citrus-coop")
    ).one()
    honey = session.exec(
        select(Producer).where(col(Producer.code) == "wuzhou-cangwu-longan-bee-coop")
    ).one()

    def goods(producer: Producer, storage: str) -> Goods:
        return Goods("x", producer.id, producer.code, storage, 30, 2500, 1, 6800)  # type: ignore[arg-type]

    chilled = goods(citrus, "chilled")
    near = quote_goods([chilled], templates=templates, province="浙江")  # type: ignore[arg-type]
    assert near.undeliverable == [] and near.parcels[0].days == 3
    urumqi = quote_goods([chilled], templates=templates, province="新疆")  # type: ignore[arg-type]
    assert [r.reason for r in urumqi.undeliverable] == ["chilled_too_far"]
    jar = goods(honey, "ambient")
    assert quote_goods([jar], templates=templates, province="新疆").undeliverable == []  # type: ignore[arg-type]
    hong_kong = quote_goods([jar], templates=templates, province="香港")  # type: ignore[arg-type]
    assert [r.reason for r in hong_kong.undeliverable] == ["no_rule"]
