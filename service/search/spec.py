"""Specs in a query: net weight (`5斤`, `2.5kg`, `500g`, `半斤`, `二两`) and packaging (`礼盒`).

A spec is taken out of the text before the words are matched; the engine then boosts products
with a variant of that spec and shows those variants first. Weights match within ±10 % (a 2.5 kg
spec finds a 2499 g tea brick).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

GRAMS_PER_UNIT = {"kg": 1000, "公斤": 1000, "千克": 1000, "g": 1, "克": 1, "斤": 500, "两": 50}
WEIGHT_TOLERANCE = 0.10
_CN_DIGITS = dict(zip("一二三四五六七八九", range(1, 10), strict=True)) | {"两": 2}
_NUMBER = r"(?P<num>\d+(?:\.\d+)?|[一二两三四五六七八九十]{1,3}|半)"
_UNIT = r"(?P<unit>kg|公斤|千克|g|克|斤|两)"
_WEIGHT = re.compile(rf"{_NUMBER}\s*{_UNIT}(?![a-z])")
# Longest phrases first so that 礼盒装 is taken whole, not as 礼盒 + 装.
PACKAGING_PHRASES: tuple[tuple[str, str], ...] = tuple(
    sorted(
        {
            "礼盒装": "gift_box",
            "礼盒": "gift_box",
            "礼品装": "gift_box",
            "礼品盒": "gift_box",
            "送礼": "gift_box",
            "gift box": "gift_box",
            "giftbox": "gift_box",
            "家庭装": "family",
            "家庭分享装": "family",
            "实惠装": "family",
            "大包装": "family",
            "family pack": "family",
            "散装": "bulk",
            "散称": "bulk",
            "bulk": "bulk",
            "简装": "standard",
            "普通装": "standard",
            "标准装": "standard",
        }.items(),
        key=lambda item: -len(item[0]),
    )
)


@dataclass(frozen=True)
class Spec:
    """What the shopper asked for beyond words; None where the query says nothing."""

    net_weight_g: int | None = None
    packaging: str | None = None

    def __bool__(self) -> bool:
        return self.net_weight_g is not None or self.packaging is not None

    def as_dict(self) -> dict[str, Any]:
        """The parts that were given, for the response's `interpreted.spec`."""
        out: dict[str, Any] = {}
        if self.net_weight_g is not None:
            out["net_weight_g"] = self.net_weight_g
        if self.packaging is not None:
            out["packaging"] = self.packaging
        return out

    def weight_matches(self, net_weight_g: int) -> bool:
        """Whether a variant of NET_WEIGHT_G grams fits the asked weight."""
        if self.net_weight_g is None:
            return True
        return abs(net_weight_g - self.net_weight_g) <= WEIGHT_TOLERANCE * self.net_weight_g


def chinese_number(text: str) -> float | None:
    """一..九十 combinations up to 99, and 半 (0.5); None for anything else."""
    if text == "半":
        return 0.5
    if "十" not in text:
        return float(_CN_DIGITS[text]) if len(text) == 1 and text in _CN_DIGITS else None
    tens, _, ones = text.partition("十")
    if len(tens) > 1 or len(ones) > 1 or (tens and tens not in _CN_DIGITS):
        return None
    if ones and ones not in _CN_DIGITS:
        return None
    return float((_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0))


def _weight_in(text: str) -> tuple[int | None, str]:
    for match in _WEIGHT.finditer(text):
        raw = match.group("num")
        number = float(raw) if raw[0].isdigit() else chinese_number(raw)
        if number is None or number <= 0:
            continue
        grams = round(number * GRAMS_PER_UNIT[match.group("unit")])
        if grams <= 0 or grams > 1_000_000:
            continue
        return grams, text[: match.start()] + " " + text[match.end() :]
    return None, text


def extract_spec(text: str) -> tuple[Spec, str]:
    """The spec in normalised query TEXT, and TEXT without the spec's words."""
    grams, text = _weight_in(text)
    packaging = None
    for phrase, value in PACKAGING_PHRASES:
        if phrase in text:
            packaging = packaging or value
            text = text.replace(phrase, " ")
    return Spec(net_weight_g=grams, packaging=packaging), " ".join(text.split())
