"""The generated catalog bench/search.py searches: regions x kinds x qualifiers, 2-4 SKUs each.

Rows are bulk-inserted straight into a migrated database (not through the catalog API); the
generator is seeded, so every run builds the same catalog.
"""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime
from typing import Any

# One region a line: name, province, pinyin.
REGIONS = tuple(
    tuple(line.split())
    for line in """
    眉山 四川 meishan; 广汉 四川 guanghan; 铜川 陕西 tongchuan; 梧州 广西 wuzhou
    赣州 江西 ganzhou; 中宁 宁夏 zhongning; 丹棱 四川 danling; 洪雅 四川 hongya
    蒲江 四川 pujiang; 会理 四川 huili; 攀枝花 四川 panzhihua; 宜宾 四川 yibin
    安岳 四川 anyue; 延安 陕西 yanan; 洛川 陕西 luochuan; 周至 陕西 zhouzhi
    苍梧 广西 cangwu; 百色 广西 baise; 横县 广西 hengxian; 寻乌 江西 xunwu
    信丰 江西 xinfeng; 婺源 江西 wuyuan; 平谷 北京 pinggu; 烟台 山东 yantai
    阿克苏 新疆 akesu; 吐鲁番 新疆 tulufan; 普洱 云南 puer; 丽江 云南 lijiang
    安溪 福建 anxi; 武夷山 福建 wuyishan; 长白山 吉林 changbaishan; 五常 黑龙江 wuchang
    盱眙 江苏 xuyi; 阳澄湖 江苏 yangchenghu; 赣南 江西 gannan; 秭归 湖北 zigui
    """.replace("\n", ";").split(";")
    if line.strip()
)
# One kind a line: the word shoppers search for, its category, its English gloss.
KINDS = tuple(
    (kind, category, gloss.replace("_", " "))
    for kind, category, gloss in (
        line.split()
        for line in """
    耙耙柑 citrus chunjian_mandarin; 不知火 citrus dekopon; 沃柑 citrus orah_mandarin
    脐橙 citrus navel_orange; 砂糖橘 citrus sugar_mandarin; 果冻橙 citrus jelly_orange
    柠檬 citrus lemon; 柚子 citrus pomelo; 大樱桃 cherry cherry; 苹果 apple apple
    猕猴桃 fruit kiwi; 芒果 fruit mango; 葡萄 fruit grape; 龙眼蜜 honey longan_honey
    荔枝蜜 honey lychee_honey; 百花蜜 honey wildflower_honey; 洋槐蜜 honey locust_honey
    土蜂蜜 honey raw_honey; 巢蜜 honey comb_honey; 枣花蜜 honey jujube_honey
    黄芪 root_herbs astragalus; 黄芩 root_herbs skullcap; 柴胡 root_herbs bupleurum
    丹参 root_herbs red_sage; 当归 root_herbs angelica; 党参 root_herbs codonopsis
    枸杞 fruit_herbs goji; 连翘 fruit_herbs forsythia; 六堡茶 dark_tea liubao_tea
    普洱茶 dark_tea puer_tea; 铁观音 tea tieguanyin; 大红袍 tea dahongpao; 绿茶 tea green_tea
    菜籽油 edible_oil rapeseed_oil; 山茶油 edible_oil camellia_oil; 大米 rice rice
    香米 rice fragrant_rice; 腊肉 cured_meat bacon; 香肠 cured_meat sausage
    缠丝兔 cured_meat cured_rabbit; 板鸭 cured_meat pressed_duck; 豆瓣酱 seasoning bean_paste
    藤椒油 seasoning rattan_pepper_oil; 泡菜 pickles pickles; 核桃 nuts walnut
    板栗 nuts chestnut; 红枣 dried_goods jujube; 木耳 dried_goods wood_ear
    香菇 dried_goods shiitake; 龟苓膏 snacks turtle_jelly; 月饼 snacks mooncake
    """.replace("\n", ";").split(";")
        if line.strip()
    )
)
QUALIFIERS = (
    "",
    "",
    "高山",
    "有机",
    "农家",
    "精选",
    "新鲜",
    "野生",
    "手工",
    "头茬",
    "老树",
    "晚熟",
)
GRADES = (("特级", "premium"), ("一级", "grade one"), ("统货", "ungraded"), ("", ""))
PACKAGINGS = ("standard", "standard", "bulk", "gift_box", "family")
WEIGHTS = (250, 500, 1000, 1500, 2500, 5000)
PHRASES = (
    "产地直发",
    "当季现采",
    "无添加",
    "口感清甜",
    "家庭常备",
    "送礼佳品",
    "传统工艺",
    "核心产区",
)
# code: (name, parent code)
CATEGORIES = {
    code: (name, parent if parent != "-" else None)
    for code, name, parent in (
        item.split(":")
        for item in """
        fruit:水果:- citrus:柑橘:fruit cherry:樱桃:fruit apple:苹果:fruit honey:蜂蜜:-
        herbs:中药材:- root_herbs:根茎类药材:herbs fruit_herbs:果实类药材:herbs tea:茶叶:-
        dark_tea:黑茶:tea grain_oil:粮油:- edible_oil:食用油:grain_oil rice:大米:grain_oil
        meat:肉制品:- cured_meat:腊味:meat condiments:调味品:- seasoning:调味料:condiments
        pickles:泡菜酱菜:condiments dried_goods:干货:- nuts:坚果:dried_goods snacks:休闲食品:-
        """.replace("\n", " ").split(" ")
        if item
    )
}


def _now() -> datetime:
    return datetime.now(UTC)


def _insert(conn: Any, table: str, rows: list[dict[str, Any]]) -> None:
    from sqlalchemy import insert

    from service.tables import metadata as load_metadata

    for start in range(0, len(rows), 20_000):
        conn.execute(insert(load_metadata().tables[table]), rows[start : start + 20_000])


def _catalog_rows(rng: random.Random) -> dict[str, list[dict[str, Any]]]:
    regions = [
        {"id": i + 1, "code": code, "name": name, "province": prov, "park_id": None}
        for i, (name, prov, code) in enumerate(REGIONS)
    ]
    codes = list(CATEGORIES)
    categories = [
        {"id": i + 1, "code": code, "name": name, "parent_id": codes.index(parent) + 1}
        if parent
        else {"id": i + 1, "code": code, "name": name, "parent_id": None}
        for i, (code, (name, parent)) in enumerate(CATEGORIES.items())
    ]
    producers = [
        {
            "id": i + 1,
            "code": f"producer-{i + 1}",
            "name": f"{REGIONS[i % len(REGIONS)][0]}{rng.choice(QUALIFIERS)}特产专业合作社{i + 1}",
            "region_id": i % len(REGIONS) + 1,
            "created_at": _now(),
        }
        for i in range(2000)
    ]
    return {"region": regions, "category": categories, "producer": producers}


def _product_rows(
    rng: random.Random, products: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    category_id = {c: i + 1 for i, c in enumerate(CATEGORIES)}
    rows, variants, now = [], [], _now()
    for pid in range(1, products + 1):
        producer = rng.randrange(2000)
        region, _, region_en = REGIONS[producer % len(REGIONS)]
        kind, category, gloss = rng.choice(KINDS)
        grade, grade_en = rng.choice(GRADES)
        title = f"{region}{rng.choice(QUALIFIERS)}{kind} {grade}".strip()
        rows.append(
            {
                "id": pid,
                "code": f"p{pid}",
                "producer_id": producer + 1,
                "category_id": category_id[category],
                "title": title,
                "title_en": f"{region_en} {gloss} {grade_en}".strip(),
                "description": f"{region}{kind}，{'，'.join(rng.sample(PHRASES, 3))}。",
                "grade": grade or None,
                "organic": False,
                "geo_indication": False,
                "harvest_months": [],
                "shelf_life_days": 30,
                "storage": "ambient",
                "status": "listed",
                "created_at": now,
                "updated_at": now,
            }
        )
        for n, weight in enumerate(sorted(rng.sample(WEIGHTS, rng.randint(2, 4)))):
            variants.append(
                {
                    "sku": f"p{pid}-{n}",
                    "product_id": pid,
                    "net_weight_g": weight,
                    "packaging": rng.choice(PACKAGINGS),
                    "price_fen": weight * rng.randint(4, 30) // 10 + 990,
                    "stock": 0 if rng.random() < 0.1 else rng.randint(1, 500),
                    "created_at": now,
                    "updated_at": now,
                }
            )
    return rows, variants


def build_catalog(url: str, products: int) -> float:
    """A fresh migrated database holding PRODUCTS generated products; seconds taken."""
    from service.kit.db import make_engine
    from service.kit.schema import upgrade_database

    started = time.perf_counter()
    upgrade_database(url)
    engine = make_engine(url)
    rng = random.Random(20261128)
    with engine.begin() as conn:
        for table, rows in _catalog_rows(rng).items():
            _insert(conn, table, rows)
        items, variants = _product_rows(rng, products)
        _insert(conn, "product", items)
        _insert(conn, "variant", variants)
    engine.dispose()
    return time.perf_counter() - started
