"""Chinese and English labels of the demand report (page and file), and how it writes numbers."""

from __future__ import annotations

from functools import lru_cache

from pypinyin import lazy_pinyin

from service.kit.pages import with_shell_labels

_LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "title": "需求报告",
        "dashboard": "运营看板",
        "park": "园区",
        "period": "数据区间",
        "generated": "生成时间",
        "filters": "筛选",
        "since": "开始日期",
        "until": "结束日期",
        "category": "品类",
        "city": "城市",
        "all": "全部",
        "apply": "应用",
        "reset": "重置",
        "units": "销量(件)",
        "revenue": "销售额",
        "cities": "城市数",
        "categories": "品类数",
        "weekly_demand": "各品类周需求与未来 8 周预测",
        "weekly_note": "实线为历史周销量,虚线为预测,阴影为预测区间;每个小图的纵轴单独刻度。",
        "history": "历史",
        "forecast": "预测",
        "interval": "预测区间",
        "showing_top": "显示销量最高的 {shown} 个品类(共 {total} 个)",
        "sales_by_category": "各品类销售",
        "sales_by_city": "各城市销售",
        "trends": "上升与下降的品类",
        "trends_note": "近期相对此前的周均销量变化;条长按倍数的对数刻度(翻倍与减半等长)。",
        "rising": "上升",
        "falling": "下降",
        "growth": "变化",
        "unmet_demand": "未满足的需求(搜索无结果或结果很少)",
        "queries": "代表性搜索词",
        "searches": "搜索次数",
        "results_avg": "平均结果数",
        "top_products": "畅销商品",
        "product": "商品",
        "code": "编码",
        "suggestions": "生产者的待办建议",
        "suggestions_chart": "各生产者的建议数(按类型)",
        "producer": "生产者",
        "score": "评分",
        "kind": "类型",
        "message": "建议",
        "no_data": "所选条件下没有数据。",
        "no_suggestions": "暂无建议。",
        "back": "返回",
        "not_ready": "尚无分析结果",
        "not_ready_text": "还没有运行过需求分析:运行 techan analytics refresh 生成报告。",
        "kind_variant_spec": "规格",
        "kind_price_band": "价格带",
        "kind_unmet_demand": "未满足需求",
        "kind_timing": "时机",
        "kind_market": "市场",
        "yuan_suffix": "元",
    },
    "en": {
        "title": "Demand report",
        "dashboard": "Operator dashboard",
        "park": "Park",
        "period": "Period",
        "generated": "Generated",
        "filters": "Filters",
        "since": "From",
        "until": "To",
        "category": "Category",
        "city": "City",
        "all": "All",
        "apply": "Apply",
        "reset": "Reset",
        "units": "Units sold",
        "revenue": "Revenue",
        "cities": "Cities",
        "categories": "Categories",
        "weekly_demand": "Weekly demand per category and the 8-week forecast",
        "weekly_note": "Solid: weekly units sold; dashed: forecast; shaded: forecast interval. "
        "Each panel has its own vertical scale.",
        "history": "History",
        "forecast": "Forecast",
        "interval": "Forecast interval",
        "showing_top": "Showing the {shown} best-selling of {total} categories",
        "sales_by_category": "Sales by category",
        "sales_by_city": "Sales by city",
        "trends": "Rising and falling categories",
        "trends_note": "Change of weekly units, recent weeks against the weeks before; "
        "bar length on a log scale (doubling and halving are equally long).",
        "rising": "Rising",
        "falling": "Falling",
        "growth": "Change",
        "unmet_demand": "Unmet demand (searches that find little or nothing)",
        "queries": "Example queries",
        "searches": "Searches",
        "results_avg": "Avg. results",
        "top_products": "Top products",
        "product": "Product",
        "code": "Code",
        "suggestions": "Producers' open suggestions",
        "suggestions_chart": "Suggestions per producer, by kind",
        "producer": "Producer",
        "score": "Score",
        "kind": "Kind",
        "message": "Suggestion",
        "no_data": "No data for this selection.",
        "no_suggestions": "No suggestions.",
        "back": "Back",
        "not_ready": "No analytics yet",
        "not_ready_text": "No analysis has run yet: techan analytics refresh makes the report.",
        "kind_variant_spec": "Spec",
        "kind_price_band": "Price band",
        "kind_unmet_demand": "Unmet demand",
        "kind_timing": "Timing",
        "kind_market": "Market",
        "yuan_suffix": "CNY",
    },
}


def labels(lang: str) -> dict[str, str]:
    """All labels in LANG, the page shell's included (the default language for anything unknown)."""
    return with_shell_labels(_LABELS, lang)


@lru_cache(maxsize=1024)
def place_name(name: str, lang: str) -> str:
    """A city name for LANG: as stored in Chinese, in pinyin for English ("重庆" → "Chongqing")."""
    if lang != "en" or name.isascii():
        return name
    syllables = lazy_pinyin(name)
    # Pinyin marks a syllable starting with a, o or e after another with an apostrophe (Xi'an).
    joined = syllables[0] + "".join(
        f"'{s}" if s[:1] in ("a", "o", "e") else s for s in syllables[1:]
    )
    return joined.capitalize()


def category_label(code: str, names: dict[str, str], lang: str) -> str:
    """A category's Chinese name; in English its readable code ("root_herbs" → "Root herbs")."""
    if lang == "en":
        return code.replace("_", " ").replace("-", " ").capitalize()
    return names.get(code, code)


def format_units(value: float) -> str:
    """A count with thousands separators."""
    return f"{round(value):,}"


def format_money(fen: float) -> str:
    """Fen as yuan: whole yuan from ¥1,000 up, yuan and fen below."""
    yuan = fen / 100
    return f"¥{yuan:,.0f}" if abs(yuan) >= 1000 else f"¥{yuan:,.2f}"


def format_compact(value: float, lang: str) -> str:
    """A short axis label: 万/亿 in Chinese, k/M in English."""
    steps = ((1e8, "亿"), (1e4, "万")) if lang == "zh" else ((1e6, "M"), (1e3, "k"))
    for size, suffix in steps:
        if abs(value) >= size:
            return f"{value / size:.3g}{suffix}"
    return f"{value:.3g}" if value != round(value) else str(round(value))


def format_change(ratio: float) -> str:
    """A relative change as a signed percentage (0.25 → "+25%")."""
    return f"{ratio * 100:+.0f}%"
