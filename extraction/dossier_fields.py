"""The fields the completeness checklists (workflow/checklists) read from a dossier's
non-judgment documents, chosen by the document's kind and title.

``read(doc, kind)`` returns ``(path, Found)`` pairs; the rule extractor records each with its
provenance and ``set_path`` puts the value into the fields. Judgments, rulings and indictments
get nothing from here (their fields are SCHEMA.md's, unchanged).

Fields (beside SCHEMA.md's, which a 鉴定意见 also fills: ``blood_alcohol_mg_per_100ml``):
``title`` (the form's title as written), ``subject`` (what an appraisal is about, or whom a
询问笔录 questions: 被害人/证人), ``appraised_value_yuan``, ``injuries/i/{person,grade,level}``,
``responsibility/i/{party,share}``, ``seized_items/i/{name,quantity,notes}``,
``interrogation/{suspect,interrogators/j,recorder,start,end,place,rights_notified}``,
``offence_forms/i`` (入户盗窃, 扒窃, 携带凶器盗窃, 多次盗窃, 逃逸, 致人死亡 as a referral states them).
"""

from __future__ import annotations

import re
from typing import Any

from extraction.appraisals import (
    find_appraised_value,
    find_blood_alcohol,
    find_injuries,
    find_responsibility,
    find_subject,
)
from extraction.classify import kind_of_title
from extraction.records_of_questioning import find_role, find_seized_items, read_questioning
from extraction.text import DocText, Found

#: kinds whose fields are SCHEMA.md's alone
OWN_FIELDS = frozenset({"刑事判决书", "刑事裁定书", "起诉书"})

_TITLE_LINE = re.compile(
    r"[\u4e00-\u9fff、()（）]{2,30}?(?:书|单|表|笔录|清单|意见|报告|经过|证明|记录|证|函|结果|查询|情况)"
)
_AGENCY = re.compile(r"(?:局|院|厅|所|队|中心|站|公司)$")  # an issuing agency, never a title
#: offence forms the checklists exempt or flag by: (form, the charge it belongs to, wording)
_FORMS: tuple[tuple[str, str, re.Pattern[str]], ...] = (
    ("入户盗窃", "盗窃", re.compile(r"入户盗窃|(?:进入|潜入|窜入|翻窗进入|撬门进入|溜进)[^。]{0,16}"
                        r"(?:家中|住宅|住处|室内|家里)[^。]{0,30}(?:窃取|盗走|偷走|盗窃)")),
    ("扒窃", "盗窃", re.compile(r"扒窃")),
    ("携带凶器盗窃", "盗窃", re.compile(r"携带凶器盗窃|携带[^。]{0,10}(?:刀|凶器)[^。]{0,20}(?:窃取|盗窃)")),
    ("多次盗窃", "盗窃", re.compile(r"多次盗窃|(?:先后|共)[三四五六七八九十\d]+次[^。]{0,20}(?:窃取|盗窃)")),
    ("逃逸", "交通肇事", re.compile(r"肇事后逃逸|驾车逃逸|逃逸|驾车逃离|弃车逃离")),
    ("致人死亡", "故意伤害", re.compile(r"致(?:人|其|被害人[\u4e00-\u9fff×]{0,3})死亡|抢救无效[^。]{0,6}死亡"
                                  r"|(?:当场|经抢救无效|因伤重)死亡")),
)


def _page_lines(doc: DocText, page: int = 1, limit: int = 8) -> list[tuple[int, int]]:
    """Spans of ``doc.norm`` of the first non-empty lines of one page."""
    index = {(p, o): i for i, (p, o) in enumerate(zip(doc.page, doc.offset, strict=True))
             if p == page}
    spans = []
    position = 0
    text = doc.pages[page - 1] if page <= len(doc.pages) else ""
    for line in text.splitlines(keepends=True):
        at = position
        position += len(line)
        kept = [index[(page, at + i)] for i, ch in enumerate(line)
                if not ch.isspace() and (page, at + i) in index]
        if kept:
            spans.append((kept[0], kept[-1] + 1))
        if len(spans) >= limit:
            break
    return spans


def find_title(doc: DocText) -> Found[str] | None:
    """The form's title as written: the first of the first lines of page 1 that is a title
    (ends in 书/单/表/笔录/意见/报告/经过/证明 …) and is not the issuing agency's name. A title
    set with spaces (到 案 经 过) that OCR broke into short lines (到 / 案经 / 过) is joined."""
    lines = _page_lines(doc)
    for i, (start, end) in enumerate(lines):
        line = doc.norm[start:end]
        if _AGENCY.search(line) or line.startswith(("(", "（", "第")):
            continue
        best = end if _TITLE_LINE.fullmatch(line) else None
        for nxt_start, nxt_end in lines[i + 1 : i + 5] if end - start <= 4 else ():
            if nxt_end - nxt_start > 4 or nxt_start != end:
                break  # a body line, or not adjacent in the text
            end = nxt_end
            if _TITLE_LINE.fullmatch(doc.norm[start:end]):
                best = end
        if best is not None:
            return Found(doc.value(start, best), start, best, 0.9 if best == lines[i][1] else 0.8)
    return None


_SUSPECTED = re.compile(r"涉嫌([\u4e00-\u9fff、]{2,24}?)罪")


def find_forms(doc: DocText) -> list[Found[str]]:
    """The offence forms a referral states (入户盗窃, 扒窃 …), each once, in text order; only
    the forms of the charges it names (涉嫌盗窃罪: the theft forms) when it names any."""
    charges = {m.group(1) for m in _SUSPECTED.finditer(doc.norm)}
    found = []
    for name, charge, pattern in _FORMS:
        if charges and not any(charge in c for c in charges):
            continue
        m = pattern.search(doc.norm)
        if m:
            found.append(Found(name, m.start(), m.end(), 0.7))
    return sorted(found, key=lambda f: f.start)


def _rows(prefix: str, rows: list[dict[str, Any]]) -> list[tuple[str, Found[Any]]]:
    out = []
    for i, row in enumerate(rows):
        for key, found in row.items():
            if found is not None:
                out.append((f"{prefix}/{i}/{key}", found))
    return out


def read(doc: DocText, kind: str) -> list[tuple[str, Found[Any]]]:
    """The checklist fields of one document of ``kind`` (extraction.classify.KINDS)."""
    title = find_title(doc)
    if kind in OWN_FIELDS and (title is None or kind_of_title(title.value) == kind):
        return []
    out: list[tuple[str, Found[Any]]] = []
    if title is not None:
        out.append(("title", title))
    name = title.value if title else ""
    appraisal = kind == "鉴定意见/鉴定书" or bool(re.search(r"鉴定|价格认定|检验|检测", name))
    if appraisal and "通知" not in name:
        subject = find_subject(doc, title)
        if subject is not None:
            out.append(("subject", subject))
            if subject.value == "血液酒精":
                alcohol = find_blood_alcohol(doc)
                if alcohol is not None:
                    out.append(("blood_alcohol_mg_per_100ml", alcohol))
            elif subject.value == "价格":
                value = find_appraised_value(doc)
                if value is not None:
                    out.append(("appraised_value_yuan", value))
            elif subject.value == "损伤程度":
                out.extend(_rows("injuries", find_injuries(doc)))
    if "事故认定" in name:
        out.extend(_rows("responsibility", find_responsibility(doc)))
    if kind == "扣押清单":
        out.extend(_rows("seized_items", find_seized_items(doc)))
    if kind in ("讯问笔录", "询问笔录"):
        record = read_questioning(doc)
        for key, value in record.items():
            if isinstance(value, list):
                out.extend((f"interrogation/{key}/{j}", f) for j, f in enumerate(value))
            elif value is not None:
                out.append((f"interrogation/{key}", value))
    if kind == "询问笔录":
        role = find_role(doc)
        if role is not None:
            out.append(("subject", role))
    if kind == "起诉意见书" or re.search(r"提请批准逮捕书|起诉意见书", name):
        out.extend((f"offence_forms/{i}", f) for i, f in enumerate(find_forms(doc)))
    return out


def set_path(fields: dict[str, Any], path: str, value: Any) -> None:
    """Put ``value`` at a path such as ``injuries/0/grade``, creating the lists and dicts."""
    parts = path.split("/")
    target: Any = fields
    for part, nxt in zip(parts, parts[1:], strict=False):
        child_is_list = nxt.isdigit()
        if isinstance(target, list):
            index = int(part)
            while len(target) <= index:
                target.append([] if child_is_list else {})
            target = target[index]
        else:
            if target.get(part) is None:
                target[part] = [] if child_is_list else {}
            target = target[part]
    last = parts[-1]
    if isinstance(target, list):
        index = int(last)
        while len(target) <= index:
            target.append(None)
        target[index] = value
    else:
        target[last] = value
