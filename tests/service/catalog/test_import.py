"""`techan import catalog`: idempotent by code, all or nothing, errors by JSON path."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from sqlmodel import Session, func, select
from typer.testing import CliRunner

from service.catalog.freight import FreightTemplate
from service.catalog.models import Category, Park, Producer, Product, Region, Variant
from service.cli import app as cli

CATALOG: dict[str, Any] = {
    "parks": [{"code": "wuzhou-park", "name": "梧州数字经济产业园", "regions": ["wuzhou"]}],
    "regions": [{"code": "wuzhou", "name": "梧州", "province": "广西"}],
    "categories": [
        {"code": "bee", "name": "蜂产品", "parent": None},
        {"code": "honey", "name": "蜂蜜", "parent": "bee"},
    ],
    "producers": [{"code": "cangwu-bees", "name": "苍梧蜂业合作社", "region": "wuzhou"}],
    "products": [
        {
            "code": f"honey-{i}",
            "producer": "cangwu-bees",
            "title": f"龙眼蜜{i}",
            "category": "honey",
            "attributes": {
                "grade": "一级",
                "organic": False,
                "geo_indication": True,
                "harvest_months": [4, 5],
                "shelf_life_days": 720,
                "storage": "ambient",
            },
            "variants": [
                {
                    "sku": f"honey-{i}-500",
                    "net_weight_g": 500,
                    "packaging": "standard",
                    "price_fen": 6800,
                    "stock": 50,
                }
            ],
        }
        for i in range(15)
    ],
}


def _write(tmp_path: Path, data: Any, name: str = "catalog.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def _counts(session: Session) -> dict[str, int]:
    return {
        m.__name__: session.exec(select(func.count()).select_from(m)).one()
        for m in (Park, Region, Category, Producer, Product, Variant)
    }


def test_import_is_idempotent_and_lists_products(tmp_path: Path, session: Session) -> None:
    path = _write(tmp_path, CATALOG)
    first = CliRunner().invoke(cli, ["import", "catalog", str(path)])
    assert first.exit_code == 0, first.output
    counts = _counts(session)
    assert counts == {
        "Park": 1,
        "Region": 1,
        "Category": 2,
        "Producer": 1,
        "Product": 15,
        "Variant": 15,
    }
    again = CliRunner().invoke(cli, ["import", "catalog", str(path)])
    assert again.exit_code == 0 and _counts(session) == counts
    assert {p.status for p in session.exec(select(Product))} == {"listed"}
    region = session.exec(select(Region)).one()
    assert region.park_id == session.exec(select(Park)).one().id


def test_reimport_updates_price(tmp_path: Path, session: Session) -> None:
    CliRunner().invoke(cli, ["import", "catalog", str(_write(tmp_path, CATALOG))])
    changed = copy.deepcopy(CATALOG)
    changed["products"][3]["variants"][0]["price_fen"] = 7200
    result = CliRunner().invoke(cli, ["import", "catalog", str(_write(tmp_path, changed))])
    assert result.exit_code == 0, result.output
    sku = session.exec(select(Variant).where(Variant.sku == "honey-3-500")).one()
    assert sku.price_fen == 7200


def _rejected(tmp_path: Path, session: Session, data: Any) -> str:
    result = CliRunner().invoke(cli, ["import", "catalog", str(_write(tmp_path, data))])
    assert result.exit_code == 1
    assert all(n == 0 for n in _counts(session).values()), "a rejected file imported something"
    return result.output


def test_one_bad_product_imports_nothing_and_names_it(tmp_path: Path, session: Session) -> None:
    bad = copy.deepcopy(CATALOG)
    bad["products"][12]["variants"][0]["price_fen"] = 0
    output = _rejected(tmp_path, session, bad)
    assert "products[12].variants[0].price_fen: must be > 0" in output
    assert "catalog.json" in output


def test_unknown_references_and_fields_are_named(tmp_path: Path, session: Session) -> None:
    bad = copy.deepcopy(CATALOG)
    bad["products"][2]["category"] = "tea"
    bad["producers"][0]["region"] = "atlantis"
    output = _rejected(tmp_path, session, bad)
    assert "products[2].category: unknown category 'tea'" in output
    assert "producers[0].region: unknown region 'atlantis'" in output
    bad = copy.deepcopy(CATALOG)
    bad["products"][0]["flavour"] = "sweet"
    assert "products[0].flavour: unknown field" in _rejected(tmp_path, session, bad)


def test_duplicate_sku_and_malformed_json(tmp_path: Path, session: Session) -> None:
    bad = copy.deepcopy(CATALOG)
    bad["products"][1]["variants"][0]["sku"] = "honey-0-500"
    assert "products[1].variants[0].sku: 'honey-0-500' appears more than once" in _rejected(
        tmp_path, session, bad
    )
    path = tmp_path / "broken.json"
    path.write_text('{"parks": [\n  {"code": }\n]}', encoding="utf-8")
    result = CliRunner().invoke(cli, ["import", "catalog", str(path)])
    assert result.exit_code == 1 and "broken.json" in result.output and "line 2" in result.output


def test_shipping_section_sets_templates_and_names_its_errors(
    tmp_path: Path, session: Session
) -> None:
    template = {
        "rules": [
            {
                "provinces": ["广西"],
                "first_g": 1000,
                "first_fen": 500,
                "next_kg_fen": 200,
                "days": 1,
            }
        ],
        "default": {"first_g": 1000, "first_fen": 1000, "next_kg_fen": 600, "days": 3},
        "free_over_fen": 9900,
        "chilled_max_days": 2,
    }
    unknown = {**CATALOG, "shipping": [{"producer": "nobody", **template}]}
    assert "shipping[0].producer: unknown producer 'nobody'" in _rejected(
        tmp_path, session, unknown
    )
    bad_days = {
        **CATALOG,
        "shipping": [{"producer": "cangwu-bees", **template, "chilled_max_days": -1}],
    }
    assert "shipping[0].chilled_max_days" in _rejected(tmp_path, session, bad_days)
    good = {**CATALOG, "shipping": [{"producer": "cangwu-bees", **template}]}
    result = CliRunner().invoke(cli, ["import", "catalog", str(_write(tmp_path, good))])
    assert result.exit_code == 0, result.output
    [saved] = session.exec(select(FreightTemplate)).all()
    assert (saved.free_over_fen, saved.rules[0]["provinces"]) == (9900, ["广西"])
