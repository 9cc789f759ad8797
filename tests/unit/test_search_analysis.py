"""Tokenisation: what is indexed decides what can be found."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from search.analysis import (
    Dictionary,
    analyze_page,
    is_cjk,
    legal_dictionary,
    normalize,
    normalize_with_offsets,
    query_tokens,
    term_token,
    token_spans,
    tokenize,
)

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"


def occurs_in_a_row(needle: list[str], haystack: list[str]) -> bool:
    """Whether a query's tokens match the indexed tokens as the engines match them: in a row
    (a phrase), one character as a token prefix; no tokens (punctuation only) match nothing."""
    if len(needle) == 1 and len(needle[0]) == 1:
        return any(t.startswith(needle[0]) for t in haystack)
    return bool(needle) and ("\0" + "\0".join(needle) + "\0") in (
        "\0" + "\0".join(haystack) + "\0")


def found(query: str, text: str) -> bool:
    """A cut of text is found in it, or is punctuation and whitespace alone (no tokens)."""
    toks = query_tokens(query)
    return not toks or occurs_in_a_row(toks, tokenize(text))


def test_normalize_folds_full_width_and_case() -> None:
    assert normalize("（２０１８）浙Ａ０６８３号ＧＰＳ") == "(2018)浙a0683号gps"
    assert normalize("，：；") == ",:;"
    assert normalize("二○一八年") == "二〇一八年"  # a circle written for zero


def test_runs_become_bigrams_between_their_edge_unigrams() -> None:
    assert tokenize("盗窃罪") == ["盗", "盗窃", "窃罪", "罪"]
    assert tokenize("被告人张三") == ["被", "被告", "告人", "人张", "张三", "三"]
    assert tokenize("二〇一七年") == ["二", "二〇", "〇一", "一七", "七年", "年"]


def test_digits_and_latin_letters_are_runs_of_their_own() -> None:
    assert tokenize("2018年") == ["2", "20", "01", "18", "8", "年"]
    assert tokenize("GPS定位") == ["g", "gp", "ps", "s", "定", "定位", "位"]
    assert tokenize("浙D号") == ["浙", "d", "号"]  # one character: one token


def test_punctuation_marks_are_tokens_in_their_full_width_form() -> None:
    assert tokenize("盗窃，财物") == ["盗", "盗窃", "窃", "，", "财", "财物", "物"]
    assert tokenize("盗窃,财物") == tokenize("盗窃，财物")  # NFKC: one form for both widths
    assert tokenize("1.5万元") == ["1", "．", "5", "万", "万元", "元"]
    assert tokenize("浙D×××××号") == ["浙", "d", "×", "×", "×", "×", "×", "号"]
    assert tokenize("（2018）") == ["（", "2", "20", "01", "18", "8", "）"]


def test_whitespace_middle_dots_and_a_change_of_script_split_runs_alike() -> None:
    assert tokenize("甘A·12345") == tokenize("甘A12345") == tokenize("甘 A 12345")
    assert tokenize("2018年") == tokenize("2018 年")
    assert tokenize("阿不都·热合曼") == tokenize("阿不都热合曼")
    assert tokenize("被告\u200b人") == tokenize("被告人")  # a zero-width space from a PDF


def test_whitespace_between_chinese_characters_is_no_boundary() -> None:
    assert tokenize("被告人张\n三") == tokenize("被告人张三")  # an OCR line break
    assert tokenize("刑 事 判 决 书") == tokenize("刑事判决书")  # a letter-spaced title
    assert tokenize("2018\n12") != tokenize("201812")  # numbers are not joined


def test_query_drops_the_outer_unigrams_of_its_edge_runs() -> None:
    assert query_tokens("盗窃罪") == ["盗窃", "窃罪"]
    assert query_tokens("2018年7月21日") == [
        "20", "01", "18", "8", "年", "7", "月", "2", "21", "1", "日"]  # fmt: skip
    assert query_tokens("日") == ["日"]
    assert query_tokens("，。") == ["，", "。"]  # (the parser drops a word of punctuation)
    assert query_tokens("主犯。对") == ["主犯", "犯", "。", "对"]


# What the issue found missing: a phrase whose edge falls inside a run of the text. Each text
# is a real shape from judgments; every listed query is cut from it.
MIXED = {
    "date": ("自2008年起至2018年7月21日止，", ["2018年7月21日", "2008年起至", "18年7月", "8年7月2"]),
    "date2": ("于2015年3月27日凌晨2时许", ["15年3月27日凌晨", "3月27日凌", "5年3", "日凌晨2时"]),
    "amount": ("盗得金项链（价值5000元）一条、现金1.5万元。", ["项链（价值5000元", "000元）一",
                                                       "1.5万元", "5万", "价值5000"]),
    "plate": ("驾驶甘A·12345号小型轿车", ["甘A·12345", "甘A12345", "A·1234", "2345号小",
                                      "驶甘A"]),
    "plate2": ("被告人某某无证酒后驾驶蒙AD1234号车", ["某无证酒后驾驶蒙AD", "蒙AD12", "D1234号"]),
    "model": ("联想ThinkCentre M7201的台式电脑主机一台", ["7201的台式电脑主", "M7201的",
                                                     "ThinkCentre", "inkCen", "想Think"]),
    "article": ("依照《中华人民共和国刑法》第二百六十四条、第六十七条第三款及第264条之规定",
                ["第二百六十四条", "百六十四", "第264条", "264", "刑法》第二", "条第三款"]),
    "phone": ("其手机号码为13812345678，微信号wx_abc123", ["13812345678", "8123456", "为138",
                                                      "678，微", "abc123"]),
    "id": ("公民身份号码11010519491231002X，汉族", ["11010519491231002X", "1231002X", "2x，汉",
                                                "码110105"]),
}  # fmt: skip


@pytest.mark.parametrize("kind", list(MIXED))
def test_index_and_query_agree_on_mixed_runs(kind: str) -> None:
    text, queries = MIXED[kind]
    indexed = tokenize(text)
    for q in queries:
        assert normalize(q) in normalize(text) or q == "甘A12345", q  # cut from the text
        assert occurs_in_a_row(query_tokens(q), indexed), q
    # and every other cut of the text
    for i in range(len(text)):
        for j in range(i + 1, len(text) + 1):
            assert found(text[i:j], text), text[i:j]


def test_the_issue_example_misses_and_finds_what_it_should() -> None:
    """至2018年7月21日止 was bigram 日止 against the query's lone 日: now found; and a query
    still needs its characters in order, not merely its runs."""
    text = tokenize("经审理查明，至2018年7月21日止，")
    assert occurs_in_a_row(query_tokens("2018年7月21日"), text)
    assert not occurs_in_a_row(query_tokens("2018年7月12日"), text)
    assert not occurs_in_a_row(query_tokens("2017年7月21日"), text)
    assert not occurs_in_a_row(query_tokens("21日起"), text)


def test_a_phrase_needs_its_punctuation() -> None:
    text = tokenize("系主犯。对被告人")
    assert occurs_in_a_row(query_tokens("主犯。对"), text)
    assert not occurs_in_a_row(query_tokens("主犯，对"), text)
    assert not occurs_in_a_row(query_tokens("主犯对"), text)
    assert not occurs_in_a_row(query_tokens("15万元"), tokenize("1.5万元"))


def test_any_cut_of_random_mixed_text_is_found_in_it() -> None:
    """Property: for text made of Chinese, digits, Latin letters, punctuation, spaces and
    line breaks, the query tokens of every substring occur in a row in the index tokens."""
    rng = random.Random(17)
    alphabet = ["盗", "窃", "年", "月", "日", "元", "〇", "二", "1", "2", "0", "9", "a", "X",
                "d", "，", "（", "）", "·", "、", " ", "\n", "-", "."]  # fmt: skip
    for _ in range(300):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 24)))
        for i in range(len(text)):
            for j in range(i + 1, len(text) + 1):
                assert found(text[i:j], text), (text, text[i:j])


def test_any_cut_of_real_judgments_is_found_in_them() -> None:
    rng = random.Random(3)
    texts = sorted((SHARED / "extraction_gold" / "texts").glob("*.txt"))[:10]
    assert len(texts) == 10  # without the shared data this would check nothing
    for path in texts:
        text = path.read_text("utf-8")
        indexed = tokenize(text)
        for _ in range(300):
            size = rng.choice([1, 2, 3, 4, 6, 10, 16])
            i = rng.randrange(len(text) - size)
            toks = query_tokens(text[i : i + size])
            assert not toks or occurs_in_a_row(toks, indexed), text[i : i + size]


def test_token_spans_point_into_the_normalised_text() -> None:
    norm = normalize("被告人ＡＢ，盗窃2018")
    texts, starts, ends = token_spans(norm)
    assert texts == tokenize("被告人ＡＢ，盗窃2018")
    assert [norm[s:e] for s, e in zip(starts, ends, strict=True)] == [
        "被", "被告", "告人", "人", "a", "ab", "b", ",", "盗", "盗窃", "窃", "2", "20", "01",
        "18", "8"]  # fmt: skip


def test_token_spans_of_a_word_across_a_line_break() -> None:
    norm = normalize("被告人张\n三犯")
    texts, starts, ends = token_spans(norm)
    assert texts == tokenize("被告人张三犯")
    assert norm[starts[texts.index("张三")] : ends[texts.index("张三")]] == "张\n三"
    assert all(is_cjk(norm[s]) and is_cjk(norm[e - 1]) for s, e in zip(starts, ends, strict=True))


def test_normalize_with_offsets_maps_back_to_original_chars() -> None:
    original = "ﬁ（２０１８）盗窃"
    norm, origin = normalize_with_offsets(original)
    assert norm == "fi(2018)盗窃"
    assert original[origin[norm.index("盗")]] == "盗"
    assert origin[:2] == [0, 0]


def test_term_token_keeps_cjk_punctuation_and_drops_ascii_separators() -> None:
    assert term_token("掩饰、隐瞒犯罪所得罪") == "掩饰、隐瞒犯罪所得罪"
    assert term_token("John Smith") == "johnsmith"


def test_legal_terms_file_is_the_charge_list_plus_stems() -> None:
    text = (SHARED / "charges" / "criminal_charges.txt").read_text("utf-8")
    charges = [normalize(c) for c in text.split()]  # 偷越国（边）境罪 is kept as 偷越国(边)境罪
    terms = set(legal_dictionary().terms)
    assert set(charges) <= terms
    assert {c.removesuffix("罪") for c in charges} <= terms
    assert len(terms) == len(set(charges) | {c.removesuffix("罪") for c in charges})


def test_dictionary_finds_charges_and_their_stems_as_whole_words() -> None:
    fields = analyze_page("被告人周春寒犯盗窃罪，判处有期徒刑。又犯盗窃罪。")
    assert fields.terms.split().count("盗窃罪") == 2
    assert "盗窃" in fields.terms.split()
    assert fields.body.split() == tokenize("被告人周春寒犯盗窃罪，判处有期徒刑。又犯盗窃罪。")


def test_dictionary_finds_a_word_split_by_a_line_break() -> None:
    assert "盗窃罪" in analyze_page("被告人犯盗\n窃罪").terms.split()


def test_party_names_are_whole_words_too() -> None:
    parties = Dictionary(["张三", "张3", "Ｊｏｈｎ"])
    terms = analyze_page("被告人张三伙同张3、john作案", parties).terms.split()
    assert {"张三", "张3", "john"} <= set(terms)
    assert "李四" not in analyze_page("被告人张三", Dictionary(["李四"])).terms
