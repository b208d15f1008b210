"""Text analysis without a database: normalisation, specs, pinyin, synonyms, the lexicon."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.search.analyzer import ProductText, analyse_product
from service.search.hits import highlight
from service.search.lexicon import Lexicon
from service.search.normalize import normalize_query, stem_english
from service.search.phonetics import word_readings
from service.search.segmenter import get_segmenter
from service.search.spec import Spec, extract_spec
from service.search.synonyms import build_table, parse_synonym_lines, read_synonym_files


def test_normalize_folds_width_case_and_control_characters() -> None:
    assert normalize_query("  ＦＥＮＧＭＩ\x00\t５斤\u200b ") == "fengmi 5斤"
    assert normalize_query("a" * 1000) == "a" * 200


@pytest.mark.parametrize(
    ("query", "grams", "packaging", "rest"),
    [
        ("耙耙柑 5斤 礼盒", 2500, "gift_box", "耙耙柑"),
        ("2.5kg", 2500, None, ""),
        ("蜂蜜 500g", 500, None, "蜂蜜"),
        ("1kg", 1000, None, ""),
        ("半斤黄芪", 250, None, "黄芪"),
        ("二两", 100, None, ""),
        ("十斤 沃柑", 5000, None, "沃柑"),
        ("六堡茶 357克", 357, None, "六堡茶"),
        ("脐橙 家庭装", None, "family", "脐橙"),
        ("赣南脐橙 80-85mm", None, None, "赣南脐橙 80-85mm"),
    ],
)
def test_spec_is_taken_out_of_the_query(
    query: str, grams: int | None, packaging: str | None, rest: str
) -> None:
    spec, left = extract_spec(query)
    assert spec == Spec(net_weight_g=grams, packaging=packaging)
    assert left == rest


def test_spec_weight_tolerance() -> None:
    spec = Spec(net_weight_g=2500)
    assert spec.weight_matches(2499) and spec.weight_matches(2700)
    assert not spec.weight_matches(5000)


def test_pinyin_readings_include_the_colloquial_one() -> None:
    full, initials = word_readings("耙耙柑")
    assert "papagan" in full and "ppg" in initials
    assert word_readings("蜂蜜") == (("fengmi",), ("fm",))
    assert word_readings("38号") == ((), ())


def test_english_plurals_are_stripped() -> None:
    assert [stem_english(w) for w in ("cherries", "oranges", "citrus", "glass")] == [
        "cherry",
        "orange",
        "citrus",
        "glass",
    ]


def test_synonym_lines_are_parsed_and_keyed_as_search_reads_them() -> None:
    groups = parse_synonym_lines(["# comment", "丑橘, 不知火 ,Dekopon", "", "脐橙,Navel Oranges"])
    assert groups == [("丑橘", "不知火", "dekopon"), ("脐橙", "navel orange")]
    table = build_table(groups)
    assert table.others("不知火") == ["丑橘", "dekopon"]
    assert table.max_phrase_words == 2


def test_operator_synonym_file_edits_are_read(tmp_path: Path) -> None:
    path = tmp_path / "synonyms.txt"
    path.write_text("蜂蜜,百花酿\n", encoding="utf-8")
    assert read_synonym_files((path,)).others("百花酿") == ["蜂蜜"]


def test_seed_synonyms_know_the_issue_examples() -> None:
    table = read_synonym_files()
    assert "不知火" in table.others("丑橘")
    assert "春见" in table.others("耙耙柑")


def test_product_analysis_segments_with_catalog_words_and_adds_title_grams() -> None:
    analysed = analyse_product(
        ProductText(
            title="眉山春见耙耙柑 特级大果",
            title_en="Meishan Chunjian mandarins",
            category_names=("柑橘", "水果"),
            region_name="眉山",
            province="四川",
        ),
        get_segmenter(),
    )
    assert {"耙耙柑", "春见", "眉山", "柑橘", "mandarin"} <= analysed.words
    assert analysed.terms["耙耙柑"] > analysed.terms["柑"]  # a word outweighs a character
    assert "耙柑" in analysed.terms  # bigrams catch two-character queries however it segments


def _lexicon() -> Lexicon:
    lexicon = Lexicon()
    lexicon.add(["蜂蜜", "耙耙柑", "黄芩", "黄芪", "眉山", "沃柑", "honey", "cherry"])
    return lexicon


def test_lexicon_resolves_pinyin_initials_shape_and_typos() -> None:
    lexicon = _lexicon()
    assert lexicon.pinyin_words("fengmi") == ["蜂蜜"]
    assert lexicon.initials_words("ppg") == ["耙耙柑"]
    assert set(lexicon.shape_neighbours("黄岑")) == {"黄芩", "黄芪"}
    assert lexicon.typo_neighbours("fnegmi", 1) == [("fengmi", 1)]
    assert lexicon.typo_neighbours("honye", 1) == [("honey", 1)]
    assert lexicon.split_pinyin("meishanwogan") == ["meishan", "wogan"]
    assert lexicon.split_pinyin("fengmi") is None  # one piece is not a split


def test_lexicon_completes_by_characters_pinyin_and_initials() -> None:
    lexicon = _lexicon()
    assert lexicon.completions("蜂") == ["蜂蜜"]
    assert lexicon.completions("fen") == ["蜂蜜"]
    assert lexicon.completions("pp") == ["耙耙柑"]


def test_highlight_escapes_and_marks_every_match() -> None:
    assert highlight("梧州<龙眼蜜>", ["龙眼", "蜜"]) == "梧州&lt;<em>龙眼蜜</em>&gt;"
    assert highlight("Wuzhou Honey", ["honey"]) == "Wuzhou <em>Honey</em>"
