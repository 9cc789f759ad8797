"""The judgment-shapes bench's second OCR line: a defendant whose name OCR misread by one
character is matched to its gold defendant, so that the name is counted once (in names F1) and
not again against the sentence read right; ambiguous or farther names stay unmatched."""

from __future__ import annotations

from typing import Any

from benchmarks.extraction import Counts
from benchmarks.extraction_shapes import align_names, score


def defendant(name: str, term: int = 60) -> dict[str, Any]:
    return {"name": name, "charges": ["盗窃罪"],
            "sentence": {"principal": "有期徒刑", "term_months": term, "probation_months": None,
                         "fine_yuan": None}}


def gold(*names: str) -> dict[str, Any]:
    return {"doc_id": "d", "split": "heldout", "instance": "一审",
            "defendants": [defendant(n) for n in names]}


def test_a_name_one_character_off_is_matched_and_its_sentence_counts() -> None:
    g = gold("向磊", "王某")
    got = {"instance": "一审", "defendants": [defendant("向嘉"), defendant("王某")]}
    strict: dict[str, Counts] = {}
    score(g, got, strict)
    assert strict["term_months"].exact == 1 and strict["term_months"].total == 2
    aligned: dict[str, Counts] = {}
    score(g, align_names(g, got), aligned)
    assert aligned["term_months"].exact == 2 and aligned["principal"].exact == 2
    assert aligned["charges F1"].row()[2] == 1.0
    # the input is not changed: the strict score still sees the misreading
    assert got["defendants"][0]["name"] == "向嘉"


def test_farther_ambiguous_or_taken_names_stay_as_read() -> None:
    def names(g: dict[str, Any], read: list[str]) -> list[str]:
        got = {"defendants": [defendant(n) for n in read]}
        return [d["name"] for d in align_names(g, got)["defendants"]]

    assert names(gold("郝武志"), ["邮或志"]) == ["邮或志"]  # two characters off
    assert names(gold("张三"), ["张三丰"]) == ["张三丰"]  # not the same length
    assert names(gold("李明"), ["李明", "李朋"]) == ["李明", "李朋"]  # 李明 was read: no gap to fill
    assert names(gold("李明", "李朋"), ["李月"]) == ["李月"]  # one off from two gold names
    assert names(gold("李明"), ["李朋", "李月"]) == ["李朋", "李月"]  # two readings for one name
    assert names(gold("李明", "王芳"), ["李朋", "王方"]) == ["李明", "王芳"]
