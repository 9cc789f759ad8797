"""The evidence list of a judgment or indictment, each item typed by the eight statutory kinds
(刑事诉讼法 第五十条): 物证, 书证, 证人证言, 被害人陈述, 犯罪嫌疑人/被告人供述和辩解, 鉴定意见,
勘验/检查/辨认/侦查实验等笔录, 视听资料/电子数据.

Courts write the list two ways: numbered (``证据有：1、受案登记表…2、证人李某的证言…``) or in one
sentence (``上述事实，有被害人的陈述、证人刘某的证言、辨认笔录…等证据证实``). Both are read from
the facts part first (what the court found), else from the prosecution's part.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from extraction.sections import Sections
from extraction.text import DocText, Found

KINDS = (
    "物证", "书证", "证人证言", "被害人陈述", "犯罪嫌疑人/被告人供述和辩解", "鉴定意见",
    "勘验/检查/辨认/侦查实验等笔录", "视听资料/电子数据",
)  # fmt: skip

#: cues per kind, strongest first; the kind whose cue comes first in an item's head wins
_CUES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern))
    for kind, pattern in (
        ("鉴定意见", r"鉴定|检验报告|检测报告|检验结论|检验意见|价格认定|价格认证|认定结论|评估报告|鉴证"),
        ("勘验/检查/辨认/侦查实验等笔录",
         r"勘验|勘查|检查笔录|检查工作记录|辨认|侦查实验|搜查笔录|(?:现场|平面|方位)图|现场照片|现场方位"),
        ("视听资料/电子数据",
         r"视听|录像|监控|视频|录音|电子数据|聊天记录|微信|短信|QQ|电子证据|光盘|截图|截屏"),
        ("被害人陈述", r"(?:被害(?:人|单位)|自诉人)[^,;]{0,20}?(?:陈述|控告|报案|报警)"),
        ("犯罪嫌疑人/被告人供述和辩解", r"供述|辩解|供认|交代"),
        ("证人证言", r"证人|证言"),
        ("物证", r"物证|作案工具|扣押(?:的|物品)|赃物|实物|凶器|提取的"),
        ("书证",
         r"书证|登记表|户籍|身份|人口信息|抓获经过|到案经过|破案经过|案发经过|情况说明|说明|"
         r"证明|判决书|裁定书|决定书|通知书|清单|(?<!勘查)(?<!检查)(?<!工作)记录|协议|合同|收条|收据|发票|票据|凭证|"
         r"谅解书|前科|刑满释放|报案|材料|证书|账|流水|执照|照片|回执|病历|诊断|认定书|明细|"
         r"[借欠领收]条|信息|结果单|文件|批复|[驾行]驶证|权证|起诉状|调解书|承诺书|计算表|支票|"
         r"复印件|登记|档案|资料|抓获|查获|归案"),
    )
)
_KIND_HEADING = re.compile("|".join(sorted(
    ("物证", "书证", "证人证言", "被害人陈述", "被告人供述和辩解", "被告人供述与辩解",
     "犯罪嫌疑人供述和辩解", "被告人的供述和辩解", "鉴定意见", "勘验、检查笔录",
     "勘验、检查、辨认、侦查实验等笔录", "辨认笔录", "视听资料", "电子数据",
     "视听资料、电子数据"), key=len, reverse=True)))  # fmt: skip

_LIST_START = re.compile(
    r"(?:证据(?:有|如下|予以证明|予以证实|予以证明如下|证实|证明)?|下列证据|以下证据)[^。:,]{0,12}[:,]"
)
_ITEM = re.compile(r"(?:^|(?<=[。;:,]))(?:\((\d{1,2})\)|(\d{1,2})[、.]|([一二三四五六七八九十]{1,3})、)")
_LIST_END = re.compile(r"本院认为|上述证据|以上证据|对上述证据|经庭审质证|综上|上述事实")
_SENTENCE = re.compile(
    r"(?:上述|以上|前述|该)(?:犯罪)?(?:事实|指控)[^。]{0,80}?(?:有|由|经|并有|且有|以下)"
    r"([^。]{4,900})(?:证据|材料)(?:予以)?(?:证实|证明|佐证|印证|在案|为证|足以|相互)"
)
_LEADING = re.compile(r"^(?:[^,;。]{0,12}?质证(?:、认证|并确认|属实|确认)*的|经庭审(?:举证、)?质证(?:属实|确认)?的|庭审(?:中)?质证的|当庭(?:出示|出具)了?|"
                      r"下列|以下|相关|公诉机关(?:当庭)?(?:出示|提交)的?|经当庭)")
_PIECE_LEAD = re.compile(r"^[,;、]*(?:[^,;。]{0,12}?质证(?:、认证|并确认|属实|确认)*的)?(?:和|与|并有|还有|有)?")
_NAME_LIST = re.compile(r"[\u4e00-\u9fff0-9]{1,4}(?:、[\u4e00-\u9fff0-9]{1,4})+(?:等人)?的")
_SPLIT = re.compile(r"[、,;]|以及|及(?!时)")
_NUMERALS = {c: i for i, c in enumerate("一二三四五六七八九十", start=1)}
_MAX_ITEM = 300


@dataclass(frozen=True)
class Item:
    """One piece of evidence as listed, its kind (None when no cue says), and its span."""

    text: str
    kind: str | None


def kind_of(text: str) -> str | None:
    """The statutory kind of one listed item, read from its head (before 证明/证实 …)."""
    heading = _KIND_HEADING.match(text)
    if heading:
        word = heading.group()
        for kind, _ in _CUES:
            if word == kind or word.replace("的", "") in kind.replace("和", "与") or \
                    word.replace("的", "") in kind:
                return kind
        return _kind_by_cue(word)
    head = re.split(r"证明|证实|证明了|,|:|表明|反映|载明|显示", text, maxsplit=1)[0][:40]
    return _kind_by_cue(head) or _kind_by_cue(text[:40])


def _kind_by_cue(text: str) -> str | None:
    """The kind whose cue ends last: a Chinese noun phrase ends in its head (…所作的辨认笔录)."""
    if _CUES[0][1].search(text):  # 物证鉴定书, 证人的笔迹鉴定: an expert's opinion
        return _CUES[0][0]
    best: tuple[int, int] | None = None
    for rank, (_, pattern) in enumerate(_CUES):
        for match in pattern.finditer(text):
            key = (match.end(), -rank)
            if best is None or key > best:
                best = key
    return _CUES[-best[1]][0] if best else None


def _number(match: re.Match[str]) -> int:
    paren, arabic, chinese = match.groups()
    if chinese:
        if len(chinese) == 1:
            return _NUMERALS.get(chinese, 0)
        if len(chinese) == 2 and chinese[0] == "十":
            return 10 + _NUMERALS.get(chinese[1], 0)
        return 0
    return int(paren or arabic)


def _style(match: re.Match[str]) -> int:
    return next(i for i, g in enumerate(match.groups()) if g is not None)


def _numbered(norm: str, start: int, end: int) -> list[Found[str]]:
    """Items 1、2、3… (or (1)(2)…, 一、二、…) right after a 证据有： opener, in sequence."""
    for opener in _LIST_START.finditer(norm, start, end):
        first = _ITEM.match(norm, opener.end())
        if first is None or _number(first) != 1:
            continue
        stop = _LIST_END.search(norm, first.end(), end)
        limit = stop.start() if stop else end
        marks = [first]
        for match in _ITEM.finditer(norm, first.end(), limit):
            if _style(match) == _style(first) and _number(match) == len(marks) + 1:
                marks.append(match)
        spans = [(m.end(), n.start()) for m, n in zip(marks, marks[1:], strict=False)]
        last = norm.find("。", marks[-1].end(), limit)
        spans.append((marks[-1].end(), last if last >= 0 else limit))
        return [Found(norm[s:e].rstrip("。;"), s, e, 0.85) for s, e in spans if e > s]
    return []


def _sentence(norm: str, start: int, end: int) -> list[Found[str]]:
    """Items of one 上述事实，有A、B、C等证据证实 sentence."""
    match = _SENTENCE.search(norm, start, end)
    if match is None:
        return []
    body_start, body_end = match.span(1)
    body = norm[body_start:body_end]
    if body.endswith("等"):
        body = body[:-1]
    lead = _LEADING.match(body)
    offset = lead.end() if lead else 0
    protected = _NAME_LIST.sub(lambda m: m.group().replace("、", "\0"), body)
    pieces: list[tuple[int, int]] = []
    pos = offset
    for sep in _SPLIT.finditer(protected, offset):
        pieces.append((pos, sep.start()))
        pos = sep.end()
    pieces.append((pos, len(body)))
    out: list[Found[str]] = []
    carry: int | None = None  # a fragment without a cue (被告人张某、) joins the next one
    for i, (s, e) in enumerate(pieces):
        begin = s if carry is None else carry
        text = body[begin:e]
        if _kind_by_cue(text) is None and i + 1 < len(pieces):
            carry = begin
            continue
        carry = None
        lead = _PIECE_LEAD.match(text)
        begin += lead.end() if lead else 0
        tail = re.search(r"等$", body[begin:e])
        e -= 1 if tail else 0
        if e - begin >= 2:
            out.append(Found(body[begin:e], body_start + begin, body_start + e, 0.75))
    return out


def find_evidence(doc: DocText, sections: Sections) -> list[tuple[Found[str], str | None]]:
    """The listed evidence with each item's kind; [] when the document lists none."""
    norm = doc.norm
    regions = [s for s in (sections.facts, sections.charge, sections.reasoning) if s]
    end = sections.verdict[0] if sections.verdict else len(norm)
    regions.append((sections.header[1], end))
    for start, stop in regions:
        found = _numbered(norm, start, stop) or _sentence(norm, start, stop)
        if found:
            return [(_clip(doc, f), kind_of(f.value)) for f in found]
    return []


def _clip(doc: DocText, found: Found[str]) -> Found[str]:
    end = min(found.end, found.start + _MAX_ITEM)
    return Found(doc.value(found.start, end), found.start, end, found.confidence)
