"""What the completeness checklists read from appraisals and accident findings.

A 鉴定意见书 / 价格认定结论书 / 道路交通事故认定书 is written to a national template: the
finding sits in a labelled conclusion (鉴定意见：…, 价格认定结论：…, 认定…承担…责任), so each
value is looked for there first and in the whole text only when no conclusion is found (with a
lower confidence). Every value is a ``Found`` over ``DocText.norm`` (whitespace removed).
"""

from __future__ import annotations

import re
from decimal import Decimal

from extraction.numbers import find_money
from extraction.text import DocText, Found

#: what an appraisal is about, by the words of its title, its commissioned matter or its body
SUBJECTS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("血液酒精", re.compile(r"血(?:液|样).{0,8}(?:乙醇|酒精)|血醇")),
    ("价格", re.compile(r"价格认定|价格鉴定|价格认证|认定价格")),
    ("损伤程度", re.compile(r"损伤程度|伤情鉴定|人体损伤")),
    ("枪支", re.compile(r"枪支|枪弹|弹药|枪口比动能")),
    ("尸体检验", re.compile(r"尸体检验|死亡原因|尸检")),
    ("车辆技术", re.compile(r"车辆.{0,4}技术|车辆.{0,2}安全.{0,2}检验")),
)
_MATTER = re.compile(r"(?:鉴定事项|委托事项|检验项目|鉴定要求|鉴定内容|价格认定事项|认定事项)[:：]")
_CONCLUSION = re.compile(
    r"(?:鉴定意见|检验结果|鉴定结论|价格认定结论|认定结论|检验结论|结论)[:：]"
)
_ALCOHOL = re.compile(
    r"(?:乙醇|酒精)[^。;；]{0,16}?(\d+(?:\.\d+)?)(?:mg|毫克)/(?:100ml|100mL|100ML|100毫升|百毫升)"
)
_GRADE = re.compile(r"(轻微伤|轻伤|重伤)(?:([一二])级)?")
_EXAMINEE = re.compile(r"被鉴定人[:：]?([\u4e00-\u9fff×Xx]{2,4}?)(?=[，,的之（(。；;:：、]|损伤|伤情|男|女|系)")
_NAME = r"[\u4e00-\u9fff×Xx]{1,4}?"
_SHARE = re.compile(
    rf"(?:当事人|乘车人|驾驶人|行人|[，,。；;:：、]|^)({_NAME})(?:应当?)?(?:承担|负)(?:此次|本次|该起|此起|本起|该|此)?"
    r"(?:道路交通)?(?:事故)?的?(全部|主要|同等|次要)责任"
)
_NO_SHARE = re.compile(
    rf"(?:当事人|乘车人|驾驶人|行人|[，,。；;:：、]|^)({_NAME})(?:应当?)?(?:无责任|不(?:承担|负)(?:此次|本次|该起|此起|本起|该|此)?(?:事故)?的?责任)"
)


def _number(text: str) -> int | float:
    value = Decimal(text)
    return int(value) if value == value.to_integral_value() else float(value)


def find_subject(doc: DocText, title: Found[str] | None) -> Found[str] | None:
    """What an appraisal is about: 血液酒精, 价格, 损伤程度, 枪支, 尸体检验, 车辆技术.

    The title decides when it names the matter; then the commissioned matter (鉴定事项：…);
    then the first subject named in the body's first 1,500 characters."""
    if title is not None:
        for name, pattern in SUBJECTS:
            if pattern.search(title.value):
                return Found(name, title.start, title.end, 0.95)
    matter = _MATTER.search(doc.norm, 0, 2000)
    if matter:
        end = doc.norm.find("。", matter.end(), matter.end() + 200)
        stop = end if end > 0 else min(len(doc.norm), matter.end() + 60)
        for name, pattern in SUBJECTS:
            m = pattern.search(doc.norm, matter.end(), stop)
            if m:
                return Found(name, m.start(), m.end(), 0.9)
    best: tuple[int, str, re.Match[str]] | None = None
    for name, pattern in SUBJECTS:
        m = pattern.search(doc.norm, 0, 1500)
        if m and (best is None or m.start() < best[0]):
            best = (m.start(), name, m)
    if best is None:
        return None
    return Found(best[1], best[2].start(), best[2].end(), 0.6)


def _conclusion_start(doc: DocText) -> int | None:
    matches = list(_CONCLUSION.finditer(doc.norm))
    return matches[-1].end() if matches else None


def find_blood_alcohol(doc: DocText) -> Found[int | float] | None:
    """Blood ethanol (mg/100mL) of a 鉴定意见: from its conclusion, else the first measurement."""
    start = _conclusion_start(doc)
    for begin, confidence in ((start, 0.9), (0, 0.6)):
        if begin is None:
            continue
        m = _ALCOHOL.search(doc.norm, begin)
        if m:
            return Found(_number(m.group(1)), m.start(1), m.end(1), confidence)
    return None


def find_appraised_value(doc: DocText) -> Found[int] | None:
    """The value (yuan) a 价格认定结论书 finds: the first sum of its conclusion, else a total
    (合计/共计), else the first sum after 价格/价值."""
    start = _conclusion_start(doc)
    if start is not None:
        stop = doc.norm.find("。", start)
        window = doc.norm[start : stop if stop > 0 else None]
        sums = find_money(window)
        if sums:
            yuan, s, e = sums[-1] if re.search(r"合计|共计|总计", window) else sums[0]
            return Found(yuan, start + s, start + e, 0.9)
    for pattern, confidence in ((r"(?:合计|共计|总计)[^。]{0,12}?$", 0.7),
                                (r"(?:价格|价值)[^。]{0,12}?$", 0.5)):
        for yuan, s, e in find_money(doc.norm):
            if yuan > 0 and re.search(pattern, doc.norm[max(0, s - 14) : s]):
                return Found(yuan, s, e, confidence)
    return None


def find_injuries(doc: DocText) -> list[dict[str, Found[str] | None]]:
    """The injury grades of a 损伤程度鉴定意见 (its conclusion first): one entry per examined
    person and grade, ``{"person", "grade", "level"}`` (轻伤 + 二级), person None when unnamed."""
    start = _conclusion_start(doc)
    begin = start if start is not None and _GRADE.search(doc.norm, start) else 0
    confidence = 0.9 if begin else 0.6
    out: list[dict[str, Found[str] | None]] = []
    seen: set[tuple[str | None, str, str | None]] = set()
    for m in _GRADE.finditer(doc.norm, begin):
        if re.match(r"标准|鉴定标准", doc.norm[m.end() : m.end() + 4]):
            continue  # 轻伤鉴定标准: the name of a standard, not a finding
        people = [p for p in _EXAMINEE.finditer(doc.norm, 0, m.start())]
        person = people[-1] if people else None
        key = (person.group(1) if person else None, m.group(1), m.group(2))
        if key in seen:
            continue
        seen.add(key)
        level = f"{m.group(2)}级" if m.group(2) else None
        out.append({
            "person": Found(person.group(1), person.start(1), person.end(1), confidence)
            if person else None,
            "grade": Found(m.group(1), m.start(1), m.end(1), confidence),
            "level": Found(level, m.start(2), m.end(2) + 1, confidence) if level else None,
        })
    return out


_FINDING = re.compile(r"(?:过错及责任|责任或者意外原因|责任认定如下|认定如下|事故责任认定)[:：]?")


def find_responsibility(doc: DocText) -> list[dict[str, Found[str]]]:
    """Each party's share of a 道路交通事故认定书 (全部/主要/同等/次要/无), in text order: read
    from the finding (…过错及责任或者意外原因：) when the form has one, else from the whole text."""
    findings = list(_FINDING.finditer(doc.norm))
    if findings:
        found = _shares(doc, findings[-1].end())
        if found:
            return found
    return _shares(doc, 0)


def _shares(doc: DocText, begin: int) -> list[dict[str, Found[str]]]:
    found: list[tuple[int, dict[str, Found[str]]]] = []
    seen: set[str] = set()
    for pattern, share in ((_SHARE, None), (_NO_SHARE, "无")):
        for m in pattern.finditer(doc.norm, begin):
            party = m.group(1)
            if party in seen or party in ("事故", "各方", "双方", "对方"):
                continue
            seen.add(party)
            value = share or m.group(2)
            span = (m.start(2), m.end(2)) if share is None else (m.end(1), m.end())
            found.append((m.start(1), {
                "party": Found(party, m.start(1), m.end(1), 0.85),
                "share": Found(value, span[0], span[1], 0.85),
            }))
    return [entry for _, entry in sorted(found, key=lambda t: t[0])]
