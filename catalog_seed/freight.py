"""The seed producers' freight templates: priced and timed by how far a province is from home.

`python -m catalog_seed.freight` rewrites the `shipping` section of catalog.json from these
rules; the seed regions ship from Sichuan, Shaanxi, Guangxi, Ningxia and Jiangxi.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

CATALOG = Path(__file__).with_name("catalog.json")

# Mainland provinces by macro-region; Hong Kong, Macao and Taiwan are not served (no default).
MACRO_REGIONS: dict[str, tuple[str, ...]] = {
    "east": ("上海", "江苏", "浙江", "安徽", "福建", "江西", "山东"),
    "south": ("广东", "广西", "海南"),
    "central": ("河南", "湖北", "湖南"),
    "north": ("北京", "天津", "河北", "山西", "内蒙古"),
    "northeast": ("辽宁", "吉林", "黑龙江"),
    "southwest": ("重庆", "四川", "贵州", "云南"),
    "northwest": ("陕西", "甘肃", "宁夏"),
}
REMOTE = ("新疆", "西藏", "青海")
# (first_g, first_fen, next_kg_fen, days) by distance: home, own macro-region, elsewhere, remote
TIERS = {
    "home": (1000, 500, 200, 1),
    "near": (1000, 800, 400, 2),
    "far": (1000, 1000, 600, 3),
    "remote": (1000, 2000, 1500, 5),
}


def _rule(provinces: list[str], tier: str) -> dict[str, Any]:
    first_g, first_fen, next_kg_fen, days = TIERS[tier]
    return {
        "provinces": provinces,
        "first_g": first_g,
        "first_fen": first_fen,
        "next_kg_fen": next_kg_fen,
        "days": days,
    }


def seed_template(home: str, *, ships_cold: bool) -> dict[str, Any]:
    """A template for a producer in HOME province; cold-chain producers ship chilled goods up
    to 3 days (so not to the remote west) and ship free from a higher order value."""
    region = next(name for name, members in MACRO_REGIONS.items() if home in members)
    near = [p for p in MACRO_REGIONS[region] if p != home]
    far = [p for name, members in MACRO_REGIONS.items() if name != region for p in members]
    return {
        "rules": [
            _rule([home], "home"),
            _rule(near, "near"),
            _rule(far, "far"),
            _rule(list(REMOTE), "remote"),
        ],
        "default": None,
        "free_over_fen": 19900 if ships_cold else 9900,
        "chilled_max_days": 3 if ships_cold else 2,
    }


def seed_shipping(catalog: dict[str, Any]) -> list[dict[str, Any]]:
    """One template per producer of CATALOG, by its region's province and its goods."""
    province = {r["code"]: r["province"] for r in catalog["regions"]}
    cold = {
        p["producer"]
        for p in catalog["products"]
        if p.get("attributes", {}).get("storage") in ("chilled", "frozen")
    }
    return [
        {
            "producer": producer["code"],
            **seed_template(province[producer["region"]], ships_cold=producer["code"] in cold),
        }
        for producer in catalog["producers"]
    ]


def write_shipping(path: Path = CATALOG) -> None:
    """Replace the `shipping` section at the end of the catalog file, one line per producer."""
    text = path.read_text(encoding="utf-8")
    catalog = json.loads(text)
    head = text[: text.index(',\n  "shipping"')] if '"shipping"' in text else text.rstrip()[:-1]
    lines = [json.dumps(entry, ensure_ascii=False) for entry in seed_shipping(catalog)]
    body = ",\n".join(f"    {line}" for line in lines)
    path.write_text(f'{head.rstrip()},\n  "shipping": [\n{body}\n  ]\n}}\n', encoding="utf-8")


if __name__ == "__main__":
    write_shipping()
