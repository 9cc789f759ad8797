"""The parties and times of a 讯问笔录 / 询问笔录, and the rows of a 扣押清单.

Both are police forms with labelled blanks (时间：…至…, 地点：, 讯问人：, 记录人：, 被讯问人：) or a
ruled table (编号 名称 数量 特征 备注). The labels are read from ``DocText.norm`` (whitespace
removed, so a value ends where the next label starts); the table is read from each page's text
in reading order, one row per line, its cells separated by whitespace.
"""

from __future__ import annotations

import re
from typing import Any

from extraction.text import DocText, Found

_LABELS = r"(?=时间|地点|(?<!被)讯问人|(?<!被)询问人|侦查人员|工作单位|记录人|被讯问人|被询问人|问[:：]|性别|$)"
_PERSON = r"[\u4e00-\u9fff×Xx]{2,4}"
_TIME = re.compile(
    r"时间[:：](?P<sy>\d{4})年(?P<sm>\d{1,2})月(?P<sd>\d{1,2})日(?P<sh>\d{1,2})[时:：](?P<si>\d{1,2})分?"
    r"(?:至|—|-|~)(?:(?P<ey>\d{4})年(?P<em>\d{1,2})月(?P<ed>\d{1,2})日)?"
    r"(?P<eh>\d{1,2})[时:：](?P<ei>\d{1,2})分?"
)
_PLACE = re.compile(r"地点[:：](.{2,40}?)" + _LABELS)
_QUESTIONERS = re.compile(r"(?<!被)(?:讯问人|询问人|侦查人员)(?:\(签名\)|（签名）)?[:：]"
                          rf"((?:{_PERSON}[、,，]?)+?)" + _LABELS)
_RECORDER = re.compile(rf"记录人(?:\(签名\)|（签名）)?[:：]({_PERSON}?)" + _LABELS)
_SUBJECT = re.compile(rf"被[讯询]问人(?:姓名)?[:：]({_PERSON}?)(?=[，,;；]|性别|男|女|出生|身份|年龄|问[:：]|$)")
_RIGHTS = re.compile(r"诉讼权利义务告知书|告知[^。]{0,24}(?:诉讼权利|权利和义务|权利义务)")
_ROLE = re.compile(r"(被害人|证人)(?:诉讼权利义务告知书)|身份[:：](被害人|证人)")


def _iso(y: str, m: str, d: str, h: str, i: str) -> str:
    return f"{int(y):04d}-{int(m):02d}-{int(d):02d}T{int(h):02d}:{int(i):02d}"


def read_questioning(doc: DocText, head: int = 1200) -> dict[str, Any]:
    """``{"suspect", "interrogators", "recorder", "start", "end", "place", "rights_notified"}``
    of a 讯问笔录 (for a 询问笔录 ``suspect`` is the person questioned), each a Found or None;
    ``interrogators`` a list of Found."""
    text = doc.norm
    out: dict[str, Any] = {"suspect": None, "interrogators": [], "recorder": None,
                           "start": None, "end": None, "place": None, "rights_notified": None}
    t = _TIME.search(text, 0, head)
    if t:
        start = _iso(t["sy"], t["sm"], t["sd"], t["sh"], t["si"])
        if t["ey"]:
            end = _iso(t["ey"], t["em"], t["ed"], t["eh"], t["ei"])
        else:
            end = _iso(t["sy"], t["sm"], t["sd"], t["eh"], t["ei"])
        out["start"] = Found(start, t.start("sy"), t.end("si"), 0.9)
        out["end"] = Found(end, t.start("ey") if t["ey"] else t.start("eh"), t.end("ei"), 0.9)
    p = _PLACE.search(text, 0, head)
    if p:
        out["place"] = Found(p.group(1), p.start(1), p.end(1), 0.85)
    q = _QUESTIONERS.search(text, 0, head)
    if q:
        at = q.start(1)
        for name in re.split(r"[、,，]", q.group(1)):
            if name:
                pos = text.index(name, at)
                out["interrogators"].append(Found(name, pos, pos + len(name), 0.85))
                at = pos + len(name)
    r = _RECORDER.search(text, 0, head)
    if r:
        out["recorder"] = Found(r.group(1), r.start(1), r.end(1), 0.85)
    s = _SUBJECT.search(text, 0, head)
    if s:
        out["suspect"] = Found(s.group(1), s.start(1), s.end(1), 0.9)
    rights = _RIGHTS.search(text)
    if rights:
        out["rights_notified"] = Found(True, rights.start(), rights.end(), 0.85)
    else:
        out["rights_notified"] = Found(False, 0, min(len(text), 1), 0.5)
    return out


def find_role(doc: DocText) -> Found[str] | None:
    """Whom a 询问笔录 questions: 被害人 or 证人 (the notice of rights, or 身份：…)."""
    m = _ROLE.search(doc.norm, 0, 1500)
    if not m:
        return None
    group = 1 if m.group(1) else 2
    return Found(m.group(group), m.start(group), m.end(group), 0.85)


# ------------------------------------------------------------------------------ 扣押清单
_HEADER = re.compile(r"名\s*称")
_HEADER_CELL = re.compile(r"(?:编\s*号|序\s*号|名\s*称|数\s*量|特\s*征|备\s*注|单\s*位|规\s*格|型\s*号)")
_STOP = re.compile(r"^\s*(?:持有人|见证人|办案人|保管人|扣押人|合\s*计|以上|备注[:：]|此清单|本清单)")
_QUANTITY = re.compile(
    r"^(?:\d+(?:\.\d+)?|[一二两三四五六七八九十百]+)"
    r"(?:个|部|支|枚|发|辆|件|把|台|只|块|张|条|套|双|颗|粒|本|箱|袋|克|千克|公斤|元|瓶|副|盒|根)$"
)
_GLUED = re.compile(
    r"^(?P<name>\D+?)(?P<qty>\d+(?:\.\d+)?(?:个|部|支|枚|发|辆|件|把|台|只|块|张|条|套|双|颗|粒|本|箱|袋|克|千克|公斤|元|瓶|副|盒|根))(?P<rest>.*)$"
)


def _norm_index(doc: DocText) -> dict[tuple[int, int], int]:
    return {(p, o): i for i, (p, o) in enumerate(zip(doc.page, doc.offset, strict=True))}


def _found(index: dict[tuple[int, int], int], page: int, start: int, end: int, value: str,
           confidence: float) -> Found[str] | None:
    first, last = index.get((page, start)), index.get((page, end - 1))
    if first is None or last is None:
        return None
    return Found(value, first, last + 1, confidence)


def _cells(line: str, at: int) -> list[tuple[int, int, str]]:
    return [(m.start() + at, m.end() + at, m.group()) for m in re.finditer(r"\S+", line)]


def _row(cells: list[tuple[int, int, str]]) -> tuple[Any, Any, list[Any]] | None:
    """(name, quantity, rest) of one row's cells, the row number dropped, a name glued to its
    quantity (手机1部) or to its number (2子弹) taken apart."""
    if cells and re.fullmatch(r"\d{1,3}[.、]?", cells[0][2]):
        cells = cells[1:]  # the row number
    elif cells and re.match(r"\d{1,3}(?=\D)", cells[0][2]) and not _QUANTITY.match(cells[0][2]):
        s, e, word = cells[0]
        digits = re.match(r"\d{1,3}[.、]?", word)
        assert digits is not None
        cells[0] = (s + digits.end(), e, word[digits.end():])
    if not cells:
        return None
    name: Any = cells[0]
    quantity: Any = None
    rest = cells[1:]
    glued = _GLUED.match(name[2])
    if glued and (not rest or not _QUANTITY.match(rest[0][2])):
        s = name[0]
        quantity = (s + glued.start("qty"), s + glued.end("qty"), glued.group("qty"))
        extra = glued.group("rest")
        name = (s, s + glued.end("name"), glued.group("name"))
        if extra:
            rest = [(s + glued.start("rest"), s + glued.end("rest"), extra), *rest]
    elif rest and _QUANTITY.match(rest[0][2]):
        quantity, rest = rest[0], rest[1:]
    if quantity is None and not rest and len(name[2]) < 2:
        return None
    return name, quantity, rest


def _stream_rows(cells: list[tuple[int, int, str]]) -> list[list[tuple[int, int, str]]]:
    """Rows of a table whose reading order put every cell on a line of its own: a row starts at
    a row number, or at a name whose next cell is a quantity (or that carries one: 手机1部)."""
    rows: list[list[tuple[int, int, str]]] = []
    for i, cell in enumerate(cells):
        word = cell[2]
        numbered = bool(re.fullmatch(r"\d{1,3}[.、]?", word))
        nxt = cells[i + 1][2] if i + 1 < len(cells) else ""
        starts = numbered or bool(_QUANTITY.match(nxt)) and not _QUANTITY.match(word) or bool(
            _GLUED.match(word))
        if not rows or starts and not (rows[-1] and re.fullmatch(r"\d{1,3}[.、]?", rows[-1][-1][2])):
            rows.append([cell])
        else:
            rows[-1].append(cell)
    return rows


def find_seized_items(doc: DocText) -> list[dict[str, Found[str] | None]]:
    """The rows of a 扣押清单 as ``{"name", "quantity", "notes"}`` (notes: 特征 and 备注 cells
    joined by a space), read after the header row (…名称…数量…): one row per line, or, when the
    reading order gave every cell a line of its own, grouped at row numbers and quantities."""
    index = _norm_index(doc)
    rows: list[dict[str, Found[str] | None]] = []
    for number, text in enumerate(doc.pages, start=1):
        lines: list[tuple[int, str]] = []
        position = 0
        for line in text.splitlines(keepends=True):
            lines.append((position, line))
            position += len(line)
        start = None
        stream = False
        for i, (_, line) in enumerate(lines):
            if _HEADER.search(line) and "数" in line:
                start = i + 1
                break
            if _HEADER_CELL.fullmatch(line.strip()):
                # a header whose cells the reading order put on lines of their own, in any
                # order (特征 / 备注 / 名称 / 编号): a run of header words holding 名称
                end = i
                while end < len(lines) and _HEADER_CELL.fullmatch(lines[end][1].strip()):
                    end += 1
                words = [lines[k][1] for k in range(i, end)]
                if end - i >= 2 and any(_HEADER.search(w) for w in words):
                    start, stream = end, True
                    break
        if start is None:
            continue
        body: list[tuple[int, str]] = []
        for at, line in lines[start:]:
            if _STOP.match(line):
                break
            body.append((at, line))
        if stream:
            groups = _stream_rows([c for at, line in body for c in _cells(line, at)])
        else:
            groups = [_cells(line, at) for at, line in body]
        for cells in groups:
            parsed = _row(list(cells))
            if parsed is None:
                continue
            name, quantity, rest = parsed
            notes = None
            if rest:
                notes = _found(index, number, rest[0][0], rest[-1][1],
                               " ".join(c[2] for c in rest), 0.75)
            rows.append({
                "name": _found(index, number, name[0], name[1], name[2], 0.8),
                "quantity": _found(index, number, quantity[0], quantity[1], quantity[2], 0.8)
                if quantity else None,
                "notes": notes,
            })
    return [r for r in rows if r["name"] is not None]
