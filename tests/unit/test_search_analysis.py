"""Tokenisation: what is indexed decides what can be found."""

from __future__ import annotations

from pathlib import Path

from search.analysis import (
    Dictionary,
    analyze_page,
    legal_dictionary,
    normalize,
    normalize_with_offsets,
    term_token,
    token_spans,
    tokenize,
)

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"


def test_normalize_folds_full_width_and_case() -> None:
    assert normalize("（２０１８）浙Ａ０６８３号ＧＰＳ") == "(2018)浙a0683号gps"
    assert normalize("，：；") == ",:;"


def test_cjk_runs_become_overlapping_bigrams() -> None:
    assert tokenize("盗窃罪") == ["盗窃", "窃罪"]
    assert tokenize("被告人张三") == ["被告", "告人", "人张", "张三"]


def test_single_cjk_char_stays_unigram_and_latin_digits_stay_whole() -> None:
    assert tokenize("浙D×××××号") == ["浙", "d", "号"]
    assert tokenize("2018年1月，GPS定位") == ["2018", "年", "1", "月", "gps", "定位"]


def test_punctuation_splits_runs() -> None:
    assert tokenize("盗窃，财物") == ["盗窃", "财物"]
    assert tokenize("二〇一七年") == ["二〇", "〇一", "一七", "七年"]


def test_query_word_bigrams_are_a_subsequence_of_the_text_bigrams() -> None:
    text = tokenize("被告人周春寒犯盗窃罪")
    for word in ("盗窃", "周春寒", "盗窃罪"):
        toks = tokenize(word)
        assert any(text[i : i + len(toks)] == toks for i in range(len(text)))


def test_token_spans_point_into_the_normalised_text() -> None:
    norm = normalize("被告人ＡＢ，盗窃")
    texts, starts = token_spans(norm)
    assert texts == tokenize("被告人ＡＢ，盗窃")
    assert [norm[s : s + len(t)] for t, s in zip(texts, starts, strict=True)] == texts


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


def test_party_names_are_whole_words_too() -> None:
    parties = Dictionary(["张三", "张3", "Ｊｏｈｎ"])
    terms = analyze_page("被告人张三伙同张3、john作案", parties).terms.split()
    assert {"张三", "张3", "john"} <= set(terms)
    assert "李四" not in analyze_page("被告人张三", Dictionary(["李四"])).terms
