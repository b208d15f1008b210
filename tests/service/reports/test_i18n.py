"""Which language the report pages speak, and how they write numbers and places."""

from __future__ import annotations

import pytest

from service.kit.pages import pick_language
from service.reports.i18n import (
    format_change,
    format_compact,
    format_money,
    labels,
    place_name,
)


@pytest.mark.parametrize(
    ("header", "lang"),
    [
        (None, "zh"),
        ("", "zh"),
        ("en-US,en;q=0.9", "en"),
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh"),
        ("en;q=0.5,zh-TW;q=0.8", "zh"),
        ("fr-FR,en;q=0.3", "en"),
        ("fr-FR,de", "zh"),
        ("en;q=0, zh;q=0.1", "zh"),
    ],
)
def test_language_follows_accept_language(header: str | None, lang: str) -> None:
    assert pick_language(header) == lang


def test_both_languages_label_the_same_things() -> None:
    assert labels("zh").keys() == labels("en").keys()
    assert labels("xx") == labels("zh")


def test_cities_are_written_in_pinyin_for_english() -> None:
    assert place_name("重庆", "en") == "Chongqing"
    assert place_name("西安", "en") == "Xi'an"
    assert place_name("重庆", "zh") == "重庆"


def test_numbers_are_written_for_readers() -> None:
    assert format_money(680) == "¥6.80" and format_money(12_345_600) == "¥123,456"
    assert format_compact(25_000, "zh") == "2.5万" and format_compact(25_000, "en") == "25k"
    assert format_compact(40, "en") == "40"
    assert format_change(0.25) == "+25%" and format_change(-0.2) == "-20%"
