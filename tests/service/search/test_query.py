"""Query parsing against a small vocabulary (real jieba, real synonym table, no database)."""

from __future__ import annotations

import pytest

from service.search.lexicon import Lexicon
from service.search.query import QueryContext, parse_query
from service.search.segmenter import get_segmenter
from service.search.synonyms import build_table, parse_synonym_lines

WORDS = ["蜂蜜", "龙眼蜜", "龙眼", "梧州", "耙耙柑", "眉山", "黄芩", "黄芪", "茶", "六堡茶", "沃柑"]
WORDS += ["honey", "longan", "navel", "orange", "tea"]
GRAMS = ["蜜", "州龙", "眼蜜"]
SYNONYMS = build_table(
    parse_synonym_lines(
        ["蜂蜜,蜜,honey", "龙眼蜜,桂圆蜜,longan honey", "脐橙,navel orange", "沃柑,沃甘"]
    )
)


@pytest.fixture(scope="module")
def context() -> QueryContext:
    lexicon = Lexicon()
    lexicon.add(WORDS)
    terms = set(WORDS) | set(GRAMS)
    return QueryContext(
        has_term=terms.__contains__,
        lexicon=lexicon,
        synonyms=SYNONYMS,
        segmenter=get_segmenter(),
    )


def _groups(query: str, context: QueryContext) -> list[tuple[str, str, set[str]]]:
    parsed = parse_query(query, context)
    return [(g.text, g.via, {" ".join(a.terms) for a in g.alternatives}) for g in parsed.groups]


def test_words_and_their_synonyms(context: QueryContext) -> None:
    assert _groups("梧州蜂蜜", context) == [
        ("梧州", "exact", {"梧州"}),
        ("蜂蜜", "exact", {"蜂蜜", "蜜", "honey"}),
    ]


def test_homophone_slip_is_read_by_pinyin(context: QueryContext) -> None:
    assert _groups("峰蜜", context) == [("峰蜜", "homophone", {"蜂蜜", "蜜", "honey"})]
    text, via, terms = _groups("龙眼密", context)[0]
    assert (text, via) == ("龙眼密", "homophone") and "龙眼蜜" in terms


def test_slip_of_form_in_a_non_word_takes_the_closest_sounding_word(context: QueryContext) -> None:
    assert _groups("黄岑", context) == [("黄岑", "typo", {"黄芩"})]
    # 雅 ya looks nothing like 沃 wo: no correction to 沃柑
    assert all(via == "unknown" for _, via, _ in _groups("雅柑", context))


def test_latin_input_pinyin_initials_typos_and_run_together(context: QueryContext) -> None:
    assert _groups("fengmi", context)[0][:2] == ("fengmi", "pinyin")
    assert _groups("ppg", context) == [("ppg", "initials", {"耙耙柑"})]
    assert _groups("fnegmi", context)[0][:2] == ("fnegmi", "typo")
    assert [g[2] for g in _groups("meishanpapagan", context)] == [{"眉山"}, {"耙耙柑"}]
    assert _groups("asdf", context) == [("asdf", "unknown", set())]


def test_multi_word_synonym_phrases_are_one_group(context: QueryContext) -> None:
    text, via, terms = _groups("Longan Honey", context)[0]
    assert (text, via) == ("longan honey", "synonym")
    assert {"longan honey", "龙眼蜜", "桂圆蜜"} <= terms
    assert _groups("navel oranges", context)[0][2] == {"navel orange", "脐橙"}


def test_unknown_words_stay_as_unmatchable_groups(context: QueryContext) -> None:
    groups = _groups("蜂蜜柚子茶", context)
    assert groups[0][0] == "蜂蜜"
    assert any(via == "unknown" for _, via, _ in groups)


def test_spec_fillers_and_numbers_do_not_become_terms(context: QueryContext) -> None:
    parsed = parse_query("正宗 耙耙柑 5斤 礼盒 2024", context)
    assert [g.text for g in parsed.groups] == ["耙耙柑"]
    assert parsed.spec.as_dict() == {"net_weight_g": 2500, "packaging": "gift_box"}
    assert parse_query("特产", context).only_fillers


@pytest.mark.parametrize("query", ["", '"', "*", "NEAR(蜂蜜", "\x00\x1f", "。。。", "a" * 1000])
def test_hostile_input_parses(context: QueryContext, query: str) -> None:
    parsed = parse_query(query, context)
    assert len(parsed.normalized) <= 200
