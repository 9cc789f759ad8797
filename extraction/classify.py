"""Document kinds of a criminal dossier, with a confidence.

Every kind is written to a national template whose title sits in the first lines (刑 事 判 决 书,
讯问笔录, 换押证 …), so the title decides when it is there; when OCR lost it, the template's
fixed phrases (判决如下, 问：/答：, 被询问人, 此致 …人民检察院 …) still point to the kind, with a
lower confidence. Anything else is 其他.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from extraction.text import DocText

KINDS = (
    "刑事判决书", "刑事裁定书", "起诉书", "起诉意见书", "不起诉决定书", "逮捕证/批准逮捕决定书",
    "立案决定书", "讯问笔录", "询问笔录", "鉴定意见/鉴定书", "扣押清单", "换押证", "其他",
)  # fmt: skip
OTHER = "其他"

#: titles as written in headers, and the kind each belongs to (longest first when matching)
TITLE_KINDS: dict[str, str] = {
    "刑事附带民事判决书": "刑事判决书", "刑事判决书": "刑事判决书", "判决书": "刑事判决书",
    "刑事附带民事裁定书": "刑事裁定书", "刑事裁定书": "刑事裁定书", "裁定书": "刑事裁定书",
    "起诉意见书": "起诉意见书", "不起诉决定书": "不起诉决定书", "起诉书": "起诉书",
    "批准逮捕决定书": "逮捕证/批准逮捕决定书", "逮捕决定书": "逮捕证/批准逮捕决定书",
    "逮捕证": "逮捕证/批准逮捕决定书", "立案决定书": "立案决定书",
    "讯问笔录": "讯问笔录", "询问笔录": "询问笔录",
    "司法鉴定意见书": "鉴定意见/鉴定书", "鉴定意见书": "鉴定意见/鉴定书",
    "鉴定意见通知书": "鉴定意见/鉴定书", "鉴定书": "鉴定意见/鉴定书", "鉴定意见": "鉴定意见/鉴定书",
    "检验报告": "鉴定意见/鉴定书", "鉴定报告": "鉴定意见/鉴定书",
    "扣押物品、文件清单": "扣押清单", "扣押物品文件清单": "扣押清单", "扣押物品清单": "扣押清单",
    "扣押清单": "扣押清单", "换押证": "换押证", "换押凭证": "换押证",
    # forms the completeness checklists need told apart from the kinds their bodies cite
    "价格认定结论书": "鉴定意见/鉴定书", "提请批准逮捕书": "其他", "道路交通事故认定书": "其他",
}  # fmt: skip
_TITLE = re.compile("|".join(sorted(map(re.escape, TITLE_KINDS), key=len, reverse=True)))
_AGENCY_BEFORE = re.compile(r"(?:法院|检察院|公安局|分局|派出所|看守所|鉴定中心|鉴定所|研究所|司法鉴定.{0,6})$")
_HEAD = 160  # characters (whitespace removed) in which a title is looked for

#: phrases of each template's body; each hit adds its weight to the kind's score
CUES: dict[str, tuple[tuple[str, float], ...]] = {
    "刑事判决书": (("判决如下", 3.0), ("审判长", 1.0), (r"如不服本判决", 2.0), ("公诉机关", 1.0)),
    "刑事裁定书": (("裁定如下", 3.0), (r"本裁定为终审裁定|如不服本裁定", 2.0), ("审判长", 1.0)),
    "起诉书": ((r"本院审查认为|经(?:本院)?依法审查查明", 2.0), (r"提起公诉", 1.5),
               (r"此致[\u4e00-\u9fff]{2,20}人民法院", 2.0), ("检察员", 1.0)),
    "起诉意见书": ((r"移送(?:审查起诉|你院审查)", 2.5), (r"此致[\u4e00-\u9fff]{2,20}人民检察院", 2.0),
                 ("犯罪嫌疑人", 0.5)),
    "不起诉决定书": ((r"决定对[\u4e00-\u9fff]{1,8}不起诉", 3.0), (r"不起诉", 1.0)),
    "逮捕证/批准逮捕决定书": ((r"批准逮捕", 2.0), (r"执行逮捕|立即执行", 1.5), ("被逮捕人", 2.0)),
    "立案决定书": ((r"决定立案侦查|决定对[\u4e00-\u9fff]{1,20}立案", 3.0),),
    "讯问笔录": ((r"(?:^|[。\s])问[:：]", 1.0), (r"(?:^|[。\s])答[:：]", 1.0), ("被讯问人", 3.0),
               ("讯问人", 1.5), ("犯罪嫌疑人诉讼权利义务告知书", 1.5)),
    "询问笔录": ((r"(?:^|[。\s])问[:：]", 1.0), (r"(?:^|[。\s])答[:：]", 1.0), ("被询问人", 3.0),
               ("询问人", 1.5), ("证人诉讼权利义务告知书", 1.5)),
    "鉴定意见/鉴定书": ((r"鉴定意见[:：]", 2.5), ("鉴定人", 1.5), ("委托单位|委托人", 1.0),
                    ("检验结果|鉴定结果|分析说明", 1.5)),
    "扣押清单": ((r"扣押", 1.0), (r"持有人", 1.5), (r"(?:编号|名称|数量|特征)", 0.5),
               ("见证人", 1.0)),
    "换押证": ((r"换押", 2.0), (r"羁押期限|看守所", 0.5), (r"办案机关|原办案", 1.0)),
}  # fmt: skip
_CUES = {k: tuple((re.compile(p), w) for p, w in v) for k, v in CUES.items()}
_BODY = 6000  # body characters scanned for cues (the template phrases come early or at the end)


@dataclass(frozen=True)
class Kind:
    """The kind of a document, how sure, and the title it was read from (None: from cues)."""

    kind: str
    confidence: float
    title: str | None = None
    start: int = 0  # span of the title in DocText.norm, when there is one
    end: int = 0


def kind_of_title(title: str | None) -> str | None:
    """The kind a title names (刑事附带民事判决书 -> 刑事判决书), None for an unknown title."""
    if not title:
        return None
    if title in KINDS:
        return title
    compact = re.sub(r"\s+", "", title)
    match = _TITLE.search(compact)
    return TITLE_KINDS[match.group()] if match else None


def _title(doc: DocText) -> Kind | None:
    best: Kind | None = None
    for match in _TITLE.finditer(doc.norm, 0, min(_HEAD, len(doc.norm))):
        start, end = match.span()
        before = doc.norm[max(0, start - 30) : start]
        starts_line = doc.gap[start]
        ends_line = end >= len(doc.gap) or doc.gap[end]
        # a title line may carry a qualifier: 价格鉴定意见书, 法医学尸体检验鉴定书
        qualified = ends_line and any(doc.gap[i] for i in range(max(0, start - 8), start))
        if _AGENCY_BEFORE.search(before) or (starts_line and ends_line):
            confidence = 0.97 if start < 60 else 0.9
        elif qualified:
            confidence = 0.9
        elif starts_line:
            confidence = 0.85
        else:
            confidence = 0.6 if start < 40 else 0.4
        kind = TITLE_KINDS[match.group()]
        if best is None or confidence > best.confidence:
            best = Kind(kind, confidence, doc.raw[start:end], start, end)
    return best


def _cue_scores(text: str) -> dict[str, float]:
    body = text[:_BODY] + text[-1500:] if len(text) > _BODY + 1500 else text
    scores: dict[str, float] = {}
    for kind, cues in _CUES.items():
        score = 0.0
        for pattern, weight in cues:
            hits = len(pattern.findall(body))
            score += weight * min(hits, 3) if weight <= 1.0 else weight * min(hits, 1)
        scores[kind] = score
    return scores


def classify_text(doc: DocText) -> Kind:
    """The kind of one document."""
    title = _title(doc)
    joined = "\n".join(doc.pages)
    scores = _cue_scores(joined)
    if title is not None and title.confidence >= 0.8:
        return title
    ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)
    (best, score), (_, second) = ranked[0], ranked[1]
    if title is not None and (score < 3.0 or best == title.kind):
        bonus = 0.2 if best == title.kind else 0.0
        return Kind(title.kind, min(0.95, title.confidence + bonus), title.title, title.start,
                    title.end)
    if score < 3.0:
        return Kind(OTHER, 0.6 if score == 0 else 0.4)
    margin = (score - second) / score
    return Kind(best, round(min(0.8, 0.35 + 0.05 * score) * (0.5 + 0.5 * margin), 3))


def classify(pages: list[str]) -> Kind:
    """The kind of a document given as page texts (page 1 first)."""
    return classify_text(DocText.from_pages(pages))


@dataclass(frozen=True)
class Part:
    """Pages ``first``..``last`` (1-based, inclusive) of a scan that hold one document."""

    first: int
    last: int
    kind: Kind


#: what may stand above a title on a document's first page: the issuing agency's name
_AGENCY_LINE = re.compile(
    r"[\u4e00-\u9fffXx×()]{2,40}?(?:法院|检察院|公安局|分局|派出所|看守所|公安处|支队|大队|"
    r"鉴定中心|认证中心|鉴定所|研究所|司法鉴定[\u4e00-\u9fff]{0,6}|中心)"
)
_CAPTION = re.compile(r"[^。；;:：]{2,100}?(?:" + _TITLE.pattern + r")(?:\{C\})?")
_QUALIFIER = re.compile(r"[\u4e00-\u9fff]{0,8}")  # 价格鉴定意见书, 法医学人体损伤程度鉴定书


def opens_document(text: str) -> bool:
    """Whether a page is the first page of a document: a title stands on a line of its own at
    the top (a qualifier such as 价格 may precede it on that line), with nothing above it but
    the issuing agency's name. A title inside running text (5、鉴定意见…, 刑事判决书、裁定书证明…)
    or under other text is not the start of a document."""
    head = DocText.from_pages([text[:400]])
    for match in _TITLE.finditer(head.norm, 0, min(_HEAD, len(head.norm))):
        start, end = match.span()
        if end < len(head.gap) and not head.gap[end]:
            continue  # the line goes on after the title
        line = start
        while line > 0 and not head.gap[line] and start - line < 8:
            line -= 1
        if not head.gap[line] or not _QUALIFIER.fullmatch(head.norm[line:start]):
            continue
        above = head.norm[:line]
        caption = _CAPTION.match(above)  # a published copy's caption: X盗窃一审刑事判决书
        if caption and (caption.end() >= len(head.gap) or head.gap[caption.end()]):
            above = above[caption.end():]
        if not above or _AGENCY_LINE.fullmatch(above):
            return True
    return False


def split_documents(pages: list[str]) -> list[Part]:
    """Page ranges of a multi-document scan: a page that opens with a document's title (see
    ``opens_document``) starts a new document; each range is classified on its own."""
    starts = [1]
    for number, text in enumerate(pages[1:], start=2):
        if opens_document(text):
            starts.append(number)
    bounds = [*starts, len(pages) + 1]
    return [
        Part(first, nxt - 1, classify(pages[first - 1 : nxt - 1]))
        for first, nxt in zip(bounds, bounds[1:], strict=False)
    ] if pages else []
