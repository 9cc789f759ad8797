"""The judgment-shapes bench's intervals over the documents: a document's counts are drawn
whole, the point figure is the table's, and a set that is all right has no spread."""

from __future__ import annotations

import re

from benchmarks.extraction import Counts
from benchmarks.extraction_shapes import intervals


def doc(names: tuple[set[str], set[str]], term: tuple[int, int | None]) -> dict[str, Counts]:
    out = {"names F1": Counts(), "term_months": Counts()}
    out["names F1"].add_sets(*names)
    out["term_months"].add(*term)
    return out


def figures(line: str, key: str) -> list[float]:
    cell = next(c for c in line.split("; ") if key in c)
    return [float(x) for x in re.findall(r"\d\.\d{3}", cell)]


def test_a_set_all_right_has_no_spread() -> None:
    docs = [doc(({"张三"}, {"张三"}), (12, 12)) for _ in range(20)]
    line = intervals(docs, ("names F1", "term_months"))
    assert "over the 20 documents (2000 draws of them, seed 11)" in line
    assert figures(line, "names F1") == [1.0, 1.0, 1.0]
    assert figures(line, "term_months") == [1.0, 1.0, 1.0]


def test_one_misread_name_in_ten_documents_spans_its_chance() -> None:
    docs = [doc(({"张三"}, {"张三"}), (12, 12)) for _ in range(9)]
    docs.append(doc(({"向磊"}, {"向晶"}), (60, None)))  # the name misread: its term lost too
    line = intervals(docs, ("names F1", "term_months"))
    point, lo, hi = figures(line, "names F1")
    assert point == 0.9 and lo < 0.9 < hi == 1.0  # drawn without it, every name is right
    assert figures(line, "term_months")[0] == 0.9
    assert intervals([]) == ""
