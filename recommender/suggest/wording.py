"""How figures read in the Chinese sentences producers get."""

from __future__ import annotations

PACKAGING_NAMES = {"bulk": "散装", "standard": "标准装", "gift_box": "礼盒装", "family": "家庭装"}


def spec_label(net_weight_g: int, packaging: str) -> str:
    """250g礼盒装, 2.5kg家庭装."""
    return f"{weight_label(net_weight_g)}{PACKAGING_NAMES.get(packaging, packaging)}"


def weight_label(net_weight_g: int) -> str:
    """Grams below a kilogram, kilograms from there (1kg, 2.5kg)."""
    if net_weight_g < 1000:
        return f"{net_weight_g}g"
    return f"{net_weight_g / 1000:g}kg"


def yuan(fen: float) -> str:
    """¥68 from fen: whole yuan, one decimal below ¥10 (¥6.5)."""
    if fen < 1000:
        return f"¥{round(fen / 10) / 10:g}"
    return f"¥{round(fen / 100):d}"


def yuan_range(band: list[int]) -> str:
    """¥58–¥78, or ¥88 when both ends are the same."""
    if yuan(band[0]) == yuan(band[1]):
        return yuan(band[0])
    return f"{yuan(band[0])}–{yuan(band[1])}"


def percent(share: float) -> str:
    """85%."""
    return f"{share * 100:.0f}%"


def times(ratio: float) -> str:
    """1.9倍."""
    return f"{ratio:.1f}倍"


def months_label(months: list[int]) -> str:
    """6–9月 for consecutive months, else 1、3、5月."""
    ordered = sorted(set(months))
    if len(ordered) > 2 and ordered == list(range(ordered[0], ordered[-1] + 1)):
        return f"{ordered[0]}–{ordered[-1]}月"
    return "、".join(str(m) for m in ordered) + "月"
