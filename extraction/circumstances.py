"""Sentencing circumstances the court recognises in its reasoning (本院认为).

Only the court's own findings count, so a circumstance is dropped when the court negates it
(不构成自首, 未取得谅解), rejects the argument that raised it (…辩护意见不予采纳), or when the
phrase is the title of a cited interpretation (《关于处理自首和立功…》).
"""

from __future__ import annotations

import re

from extraction.text import Found

# canonical word -> what courts write; order is the order of the output list
CIRCUMSTANCES: tuple[tuple[str, str], ...] = (
    ("未成年", r"(?:作案|犯罪|行为)时(?:系|尚|仍)?(?:未成年|不满十八|未满十八)|系未成年人犯罪"),
    ("累犯", r"累犯"),
    ("再犯", r"毒品再犯|(?:系|是|构成|属|属于)再犯"),
    ("未遂", r"未遂|未得逞"),
    ("中止", r"犯罪中止|中止犯罪"),
    ("从犯", r"从犯|次要作用|辅助作用"),
    ("自首", r"自首"),
    ("立功", r"立功"),
    ("坦白", r"坦白|如实供述|如实交代|如实供认|供认不讳"),
    ("认罪认罚", r"认罪认罚"),
    ("认罪", r"认罪(?!认罚)"),
    ("初犯", r"初犯|偶犯"),
    (
        "退赃",
        r"退赃|退赔|退缴|退还|退出(?:全部|部分)?(?:赃|受贿|违法所得)"
        r"|(?:赃款|赃物|违法所得)[^,。;]{0,6}(?:追回|发还|退还)",
    ),
    ("赔偿", r"(?<!退)赔偿"),
    ("取得谅解", r"谅解"),
    ("挽回损失", r"挽回[^,。;]{0,6}损失|损失[^,。;]{0,4}(?:已|均)?(?:全部|部分)?追回"),
    ("缴纳罚金", r"(?:预|主动|积极|已)缴(?:纳)?(?:了)?罚金"),
    ("部分履行", r"履行了?部分|部分履行"),
    ("生态修复", r"生态修复|补植复绿|补种复绿"),
    ("特情介入", r"特情介入|犯意引诱|数量引诱"),
    ("追诉前主动交代", r"追诉前主动交代"),
)
_PATTERNS = [(word, re.compile(pattern)) for word, pattern in CIRCUMSTANCES]
_NEGATION = re.compile(r"不|未|没有|无|非|并非|否认|拒")
_NEGATION_SKIP = re.compile(r"未遂|未得逞|未成年|不满十八|未满十八|无业")
_REJECTED = re.compile(r"不予(?:采纳|支持|认定|采信|认可)|不能成立|不成立|不足以认定|不符合")
_AGGRAVATING = frozenset({"累犯", "再犯"})
_QUOTED = re.compile(r"《[^》]{0,80}》|〈[^〉]{0,80}〉|“[^”]{0,400}”")


def _clauses(text: str) -> list[tuple[int, int]]:
    """Sentences, cut again after each 处罚 so that 从轻 and 从重 parts stay apart."""
    spans, start = [], 0
    for match in re.finditer(r"[。;]|处罚[,，]?", text):
        spans.append((start, match.end()))
        start = match.end()
    if start < len(text):
        spans.append((start, len(text)))
    return spans


def _negated(clause: str, at: int) -> bool:
    window = clause[max(0, at - 8) : at]
    window = window[window.rfind(",") + 1 :]
    window = _NEGATION_SKIP.sub("", window)
    return bool(_NEGATION.search(window))


def find_mitigating(text: str, offset: int) -> list[Found[str]]:
    """Canonical circumstances recognised in ``text`` (the reasoning, from ``offset`` in norm)."""
    masked = _QUOTED.sub(lambda m: "□" * len(m.group()), text)
    found: dict[str, Found[str]] = {}
    for start, end in _clauses(masked):
        clause = masked[start:end]
        aggravating = "从重" in clause and not re.search(r"从轻|减轻|从宽|免除", clause)
        for word, pattern in _PATTERNS:
            if word in found:
                continue
            for match in pattern.finditer(clause):
                if aggravating and word not in _AGGRAVATING:
                    continue
                if _negated(clause, match.start()):
                    continue
                if _REJECTED.search(clause, match.end()):
                    continue
                if word == "坦白" and match.group() != "坦白" and "自首" in clause:
                    continue  # 如实供述 is part of the 自首 the same clause finds
                at = offset + start + match.start()
                found[word] = Found(word, at, offset + start + match.end(), 0.7)
                break
    if "坦白" in found and "认罪" in found:
        del found["认罪"]  # courts write 如实供述…自愿认罪 for one circumstance
    order = [word for word, _ in CIRCUMSTANCES]
    return sorted(found.values(), key=lambda f: order.index(f.value))
