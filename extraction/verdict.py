"""Per-defendant charges and sentences from the operative part (判决如下 …).

The verdict names each defendant before what the court decides for them (被告人张三犯盗窃罪，
判处…), so it is cut into one chunk per such statement and each chunk is given to the defendant
it names. Appeal judgments revoke (撤销) parts of the first judgment; those items are skipped
and a later statement about the same defendant replaces an earlier one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from extraction.charges import find_charges
from extraction.names import edit_distance
from extraction.numbers import cn_int
from extraction.parties import DEFENDANT_ROLE, Defendant
from extraction.sentence import (
    ChargeTerm,
    Sentence,
    combines,
    earlier_charges,
    parse_charge_terms,
    parse_sentence,
)
from extraction.text import DocText, Found

_NOTE_MIN = 9  # parenthesised notes (刑期自…起至…止) longer than this are masked out
#: an item number that opens a sentence (after 。 or a quotation that ends with one: …即：“被告人
#: 高某甲无罪。”二、…)
_ITEM = re.compile(r"(?:^|(?<=[:。;)])|(?<=。”))[一二三四五六七八九十]{1,3}、")
_MENTION = re.compile(
    rf"(?:{DEFENDANT_ROLE}|上诉人单位|上诉人)"
    # a unit's name may hold a bracketed place the name goes on after (天阅（厦门）传媒有限公司)
    r"(?P<names>(?:[^,。;:()□]|\([^,。;:()□]{1,10}\)(?=[^,。;:()□])){1,60}?)"
    r"(?=(?:\([^()]{1,40}\))?系?所?犯|无罪|免[予于]刑事处罚|单处罚金|,|。|;)"
)
#: between a name and its decision: a former name in brackets (（原…公司）), 所 (所犯), 系 (原审被告人
#: 李晓永系犯非法拘禁罪，判…), a comma (被告单位东莞市…有限公司，犯…罪)
_BEFORE_DECISION = re.compile(r"(?:\([^()]{1,40}\))?(?:,(?=犯))?系?所?")
#: an item that upholds: 维持…; 驳回上诉人张三的上诉，维持… (not 驳回…, which is read as revoking)
_UPHOLDS = re.compile(r"维持|驳回[^。;]{0,60}?(?:上诉|抗诉|申诉)[,;]?维持")
#: a first-instance sentence quoted charge first: 以交通肇事罪判处被告人王某有期徒刑一年六个月; 以贩卖
#: 毒品罪，判处被告人刘春无期徒刑…；判处被告人罗强有期徒刑十五年 (the charge named once for both)
_CHARGE_FIRST = (r"(?:判处|[、;,])(?:原审)?(?:被告(?:人|单位))?{name}"
                 r"(?:\([^()]{{1,30}}\)[^,。;:()]{{0,20}}?)?"  # the rest of a unit's name
                 r"(?:、(?:被告(?:人|单位))?[^,。;:、]{{1,8}}?)*(?:各|均)?"  # 判处A、B各有期徒刑七年
                 r"(?=死刑|无期徒刑|有期徒刑|拘役|管制|免予|免除|免于|单处|罚金)")
_CHARGE_BEFORE = re.compile(r"以(?P<charge>[^,。;:]{2,40}?罪)(?=[,]?(?:分别|各|均)?判处)")
#: ... or named first, without a colon: 原审法院以被告人王某犯盗窃罪，判处…; 判决被告人王某犯…罪，
#: 判处…; 对被告人王某以盗窃罪判处… (犯 right after the name: not 曾因犯…罪被判处, a prior sentence)
_NAME_FIRST = (r"被告(?:人|单位){name}(?:、[^,。;:、]{{1,8}}){{0,9}}"
               r"(?P<how>犯|以)(?P<charge>[^,。;:]{{2,40}}?罪)[,]?(?:分别|各|均)?判处")
#: a verdict under which the first judgment stands: 驳回上诉，维持原判; 准许上诉人…撤回上诉
_STANDS = re.compile(r"维持|撤回(?:上诉|抗诉)")
_REVOKED = re.compile(r"撤销|驳回")
#: a revoking item that takes back a 缓刑 and sentences anew in the same item (撤销…对被告人颜某宣告的
#: 缓刑；被告人颜某犯盗窃罪，判处…): the clause up to its ；/。 is the earlier judgment's
_PROBATION_REVOKED = re.compile(r"撤销[^;。]*缓刑[^;。]*[;。]")


@dataclass
class DefendantVerdict:
    """What the verdict decides for one defendant."""

    name: Found[str] | None = None  # the name as the verdict writes it
    charges: list[Found[str]] = field(default_factory=list)
    sentence: Sentence | None = None
    acquitted: bool = False
    charge_terms: list[ChargeTerm] = field(default_factory=list)
    changed: bool | None = None  # False: an upheld (维持) or quoted sentence; True: decided anew


@dataclass
class _Statement:
    names: list[Found[str]]
    start: int
    end: int
    targets: list[int | None] = field(default_factory=list)
    upheld: bool = False  # stated in an item that upholds (维持) the earlier judgment
    item: int = 0  # where the verdict item that holds it starts


def mask_notes(text: str) -> str:
    """Long parenthesised notes masked by □ (same length), so their dates and terms are ignored."""
    chars = list(text)
    stack: list[int] = []
    for i, ch in enumerate(text):
        if ch == "(":
            stack.append(i)
        elif ch == ")" and stack:
            start = stack.pop()
            if not stack and i - start - 1 >= _NOTE_MIN:
                chars[start + 1 : i] = "□" * (i - start - 1)
    return "".join(chars)


def _decides(text: str, at: int) -> bool:
    """True when a decision follows a name: 犯<charge>, 无罪, 免予 (免于) 刑事处罚, 单处罚金."""
    if text.startswith(("无罪", "免予", "免于", "单处"), at):
        return True
    charges = find_charges(text[at + 1 : at + 1 + 60])
    if text.startswith("犯", at):
        return bool(charges) and charges[0][1] == 0
    # 犯 left out: 十四、被告人徐志恒诈骗罪，判处… (the charge, then the penalty)
    charges = find_charges(text[at : at + 60])
    return (bool(charges) and charges[0][1] == 0
            and re.match(r",?判处", text[at + charges[0][2] : at + charges[0][2] + 3]) is not None)


def _plausible_name(part: str) -> bool:
    if not part or "的" in part or "被告" in part or "上诉人" in part:
        return False
    return len(part) <= 8 or bool(re.search(
        r"公司|厂|集团|中心|银行|合作社|企业|店$|站$|局$|委员会|医院|学校|村民小组|研究[所院]", part))


def _items(text: str) -> list[tuple[int, int]]:
    starts = [m.start() for m in _ITEM.finditer(text)]
    if not starts or starts[0] > 0:
        starts.insert(0, 0)
    return list(zip(starts, starts[1:] + [len(text)], strict=True))


def _match(name: str, defendants: list[Defendant]) -> int | None:
    for i, d in enumerate(defendants):
        if name == d.name.value:
            return i
    close = [
        i
        for i, d in enumerate(defendants)
        if len(name) >= 2
        and edit_distance(name, d.name.value) == 1
        and len(name) == len(d.name.value)
    ]
    return close[0] if len(close) == 1 else None


def _quoted_items(body: str) -> set[int]:
    """The item numbers an upholding or revoking item quotes after 即： (维持…第一、三至五项，即：
    一、…三、…): the items that follow with those numbers are the earlier judgment's, not new."""
    if not re.search(r"即:?$", body):
        return set()
    numbers: set[int] = set()
    for listed in re.findall(r"第([一二三四五六七八九十、至和及]+)项", body):
        for part in re.split(r"[、和及]", listed):
            ends = [n for x in part.split("至") if (n := cn_int(x)) is not None]
            if ends:
                numbers.update(range(ends[0], ends[-1] + 1))
    return numbers


def _bare_names(masked: str, at: int, end: int, known: list[str]) -> list[tuple[int, int]]:
    """Spans of the defendants an item names without a role (三、薛兵兵犯盗窃罪，…; 二、张三、李四
    犯…罪): only names the header introduced, each followed by 、 or by the decision."""
    spans: list[tuple[int, int]] = []
    while True:
        name = next((n for n in known if masked.startswith(n, at)), None)
        if name is None or at + len(name) > end:
            return []
        spans.append((at, at + len(name)))
        at += len(name)
        if masked.startswith("、", at):
            at += 1
            continue
        decision = _BEFORE_DECISION.match(masked, at).end()  # type: ignore[union-attr]
        return spans if _decides(masked, decision) else []


def _statements(doc: DocText, masked: str, offset: int,
                known: list[str] | None = None) -> list[_Statement]:
    """The statements naming defendants in ``masked``; ``known`` (the header's names, longest
    first) are also read where an item or a sentence names them without a role."""
    statements: list[_Statement] = []
    quoted: set[int] = set()  # numbers of the earlier judgment's items a 维持/撤销 item quotes
    quoted_upheld = False
    for start, end in _items(masked):
        number = re.match(r"([一二三四五六七八九十]{1,3})、", masked[start:end])
        body = masked[start + (number.end() if number else 0) : end]
        value = cn_int(number.group(1)) if number else None
        if quoted and value in quoted:
            quoted.discard(value)  # an item of the earlier judgment, quoted
            if not quoted_upheld:
                continue
            upheld = True
        else:
            quoted = set()
            if _REVOKED.match(body) and not _UPHOLDS.match(body):
                revoked = _PROBATION_REVOKED.match(body)
                if revoked is None or not _MENTION.search(body, revoked.end()):
                    quoted, quoted_upheld = _quoted_items(body), False
                    continue
                start = start + (number.end() if number else 0) + revoked.end()
                number = None
            upheld = bool(_UPHOLDS.match(body))
            if upheld:
                quoted, quoted_upheld = _quoted_items(body), True
        body_start = start + (number.end() if number else 0)
        stops = [body_start + m.end() for m in re.finditer("[。;]", masked[body_start:end])]
        for at in [body_start, *stops] if known else []:
            spans = _bare_names(masked, at, end, known or [])
            if spans:
                names = [Found(doc.value(offset + a, offset + b), offset + a, offset + b, 0.85)
                         for a, b in spans]
                statements.append(_Statement(names, at, end, upheld=upheld, item=start))
        for mention in _MENTION.finditer(masked, start, end):
            decision = _BEFORE_DECISION.match(masked, mention.end()).end()  # type: ignore[union-attr]
            written = mention.group("names")
            if not _decides(masked, decision):
                # 犯 left out, the names ran into the charge (被告人贺强诈骗罪，判处…)
                tail = find_charges(written)
                if not tail or tail[-1][2] != len(written) or tail[-1][1] == 0:
                    continue
                written = written[: tail[-1][1]]
                if written.endswith(("犯", "系", "所", ")")) or not _decides(
                        masked, mention.start("names") + len(written)):
                    continue  # 被告人犯强奸罪 (the name left out) is no name
            parts = written.split("、")
            if not all(_plausible_name(part) for part in parts):
                continue
            names, at = [], mention.start("names")
            for part in parts:
                names.append(
                    Found(
                        doc.value(offset + at, offset + at + len(part)),
                        offset + at,
                        offset + at + len(part),
                        0.9,
                    )
                )
                at += len(part) + 1
            statements.append(_Statement(names, mention.start(), end, upheld=upheld, item=start))
        statements.sort(key=lambda st: st.start)
        for prev, nxt in zip(statements, statements[1:], strict=False):
            if prev.end > nxt.start >= prev.start:
                prev.end = nxt.start
    return _join_restated(statements, masked)


def _join_restated(statements: list[_Statement], masked: str) -> list[_Statement]:
    """One statement for an item that names its defendant again before each charge and then
    combines them (被告人胡伟犯信用卡诈骗罪，判处…；被告人胡伟犯伪造国家机关证件罪，判处…；总和刑期…
    决定执行…): the charges before the last are terms combined, not sentences replaced. Not
    where a restatement follows a 撤销 (…撤销…判决书被告人王钢犯盗窃罪，判处…的缓刑执行部分): that
    one quotes the earlier judgment."""
    out: list[_Statement] = []
    k = 0
    while k < len(statements):
        run = [statements[k]]
        while k + len(run) < len(statements):
            prev, st = run[-1], statements[k + len(run)]
            if (st.item != prev.item or st.start != prev.end
                    or [n.value for n in st.names] != [n.value for n in prev.names]
                    or combines(masked[prev.start : prev.end])
                    or "撤销" in masked[prev.start : prev.end]):
                break
            run.append(st)
        last = run[-1]
        if len(run) > 1 and combines(masked[last.start : last.end]):
            run[0].end = last.end
            out.append(run[0])
        else:
            out.extend(run)
        k += len(run)
    return out


def _assign(statements: list[_Statement], defendants: list[Defendant]) -> None:
    """Map every named person to a defendant: exact, one-character variant, or by order."""
    for st in statements:
        st.targets = [_match(n.value, defendants) for n in st.names]
    flat = [(st, k) for st in statements for k in range(len(st.names))]
    for pos, (st, k) in enumerate(flat):
        if st.targets[k] is not None:
            continue
        before = [t for s, j in flat[:pos] if (t := s.targets[j]) is not None]
        after = [t for s, j in flat[pos + 1 :] if (t := s.targets[j]) is not None]
        low = before[-1] if before else -1  # nearest named neighbours
        high = after[0] if after else len(defendants)
        used = {t for s in statements for t in s.targets if t is not None}
        free = [i for i in range(low + 1, high) if i not in used]
        if len(free) == 1:
            st.targets[k] = free[0]


def _apply(
    doc: DocText,
    span: tuple[int, int],
    defendants: list[Defendant],
    results: list[DefendantVerdict],
    only: set[int] | None = None,
) -> None:
    """Give each statement in ``span`` to its defendant(s); ``only`` limits who may be filled."""
    offset = span[0]
    masked = mask_notes(doc.norm[span[0] : span[1]])
    known = sorted({d.name.value for d in defendants if len(d.name.value) >= 2}, key=len,
                   reverse=True)
    statements = _statements(doc, masked, offset, known)
    _assign(statements, defendants)
    if len(defendants) == 1 and all(t is None for st in statements for t in st.targets):
        for st in statements:
            st.targets = [0] * len(st.targets)
    scale = 1.0 if only is None else 0.7  # read from a quoted earlier judgment
    for st in statements:
        chunk = masked[st.start : st.end]
        at = offset + st.start
        earlier = earlier_charges(chunk, known)  # 与前罪…犯X罪…并罚: not this verdict's
        named = {n.end - at for n in st.names}  # a charge right after a name: 犯 left out
        charges = [
            Found(written, at + s, at + e, 0.9 * scale)
            for written, s, e in find_charges(chunk)
            if (chunk[s - 1 : s] in ("犯", "、") or s in named) and s not in earlier
        ]
        sentence = parse_sentence(chunk, at)
        terms = parse_charge_terms(chunk, at, known)
        acquitted = bool(re.match(r"[^,。;]{0,60}?无罪", chunk)) and not charges
        for name, target in zip(st.names, st.targets, strict=True):
            if only is not None and target not in only:
                continue
            if target is None:
                results.append(DefendantVerdict())
                defendants.append(
                    Defendant(name=name, role="被告人", segment=(name.start, name.end))
                )
                target = len(defendants) - 1
            result = results[target]
            if result.name is None or name.value != defendants[target].name.value:
                result.name = name
            for charge in charges:
                if all(c.value != charge.value for c in result.charges):
                    result.charges.append(charge)
            if sentence.principal is not None or result.sentence is None:
                result.sentence = _scaled(sentence, scale)
                result.charge_terms = [
                    ChargeTerm(replace(t.charge, confidence=t.charge.confidence * scale),
                               _scaled(t.sentence, scale)) for t in terms
                ]
            if sentence.principal is not None or acquitted:
                result.changed = only is None and not st.upheld
            result.acquitted = result.acquitted or acquitted


def _scaled(sentence: Sentence, scale: float) -> Sentence:
    if scale == 1.0:
        return sentence
    parts = {
        key: replace(value, confidence=value.confidence * scale) if value else None
        for key, value in vars(sentence).items()
    }
    return Sentence(**parts)


def read_verdict(
    doc: DocText,
    verdict: tuple[int, int],
    defendants: list[Defendant],
    quoted: tuple[tuple[int, int], ...] = (),
    body: tuple[int, int] | None = None,
) -> list[DefendantVerdict]:
    """One entry per defendant (header order); defendants are added if only the verdict names them.

    An appeal that upholds (维持) part of the first judgment does not restate it, so defendants
    it leaves untouched are read from the ``quoted`` earlier judgment(s), the latest first, and
    failing those from a sentence of ``body`` (the text before the reasoning) that quotes one
    charge first (以交通肇事罪判处被告人王某有期徒刑一年六个月). ``changed`` says, per defendant,
    whether the sentence was decided anew (True) or upheld or quoted (False).
    """
    results = [DefendantVerdict() for _ in defendants]
    _apply(doc, verdict, defendants, results)
    upheld = bool(_STANDS.search(doc.norm[verdict[0] : verdict[1]]))
    for span in reversed(quoted if upheld else ()):
        missing = _missing(results)
        if not missing:
            break
        _apply(doc, span, defendants, results, only=missing)
    if upheld and body is not None:
        for i in _missing(results):
            _charge_first(doc, body, defendants[i], results[i])
        for i in sorted(_missing(results)):
            _name_first(doc, body, defendants, results, i)
    return results


def _missing(results: list[DefendantVerdict]) -> set[int]:
    """Defendants nothing has been decided for yet (an appeal upholding them leaves them out)."""
    return {
        i
        for i, r in enumerate(results)
        if not r.charges and (r.sentence is None or r.sentence.principal is None)
        and not r.acquitted
    }


_QUOTE_END = re.compile(r"[。;]|[、,](?:原审)?被告(?:人|单位)")  # the next defendant's penalty


def _quoted_penalty(doc: DocText, body: tuple[int, int], masked: str, charge: re.Match[str],
                    penalty_at: int, result: DefendantVerdict) -> bool:
    """Give ``result`` the charge ``charge`` matched (group "charge") and the penalty stated from
    ``penalty_at`` on (both in ``masked``, the body from ``body[0]``), as upheld; False when
    either cannot be read."""
    written_charge = charge.group("charge")
    charges = find_charges(written_charge)
    if not charges or charges[-1][2] != len(written_charge):
        return False
    stop = _QUOTE_END.search(masked, penalty_at)
    end = stop.start() if stop else len(masked)
    sentence = parse_sentence(masked[penalty_at:end], body[0] + penalty_at)
    if sentence.principal is None:
        return False
    written, s, e = charges[-1]
    at = body[0] + charge.start("charge")
    result.charges = [Found(written, at + s, at + e, 0.6)]
    result.sentence = _scaled(sentence, 0.7)
    result.changed = False
    return True


def _charge_first(
    doc: DocText, body: tuple[int, int], defendant: Defendant, result: DefendantVerdict
) -> None:
    """The first-instance sentence an upholding appeal quotes as 以X罪判处被告人Y<penalty>: the
    charge is the last 以X罪 before the name in the same sentence (以X罪，判处A…；判处B…)."""
    pattern = re.compile(_CHARGE_FIRST.format(name=re.escape(defendant.name.value)))
    masked = mask_notes(doc.norm[body[0] : body[1]])
    for match in pattern.finditer(masked):
        opening = masked.rfind("。", 0, match.start()) + 1
        before = [m for m in _CHARGE_BEFORE.finditer(masked, opening, match.end())
                  if m.end() <= match.start()]
        if before and _quoted_penalty(doc, body, masked, before[-1], match.end(), result):
            return


def _name_first(doc: DocText, body: tuple[int, int], defendants: list[Defendant],
                results: list[DefendantVerdict], i: int) -> None:
    """The first-instance sentence an upholding appeal quotes name first without a colon
    (以被告人王某犯盗窃罪，判处…; 对被告人王某以盗窃罪判处…), for defendant ``i`` alone."""
    pattern = re.compile(_NAME_FIRST.format(name=re.escape(defendants[i].name.value)))
    masked = mask_notes(doc.norm[body[0] : body[1]])
    match = pattern.search(masked)
    if match is None:
        return
    if match.group("how") == "以":
        _quoted_penalty(doc, body, masked, match, match.end(), results[i])
        return
    stop = masked.find("。", match.end())  # read as a verdict item: several charges, 决定执行 …
    end = body[0] + (stop if stop >= 0 else len(masked))
    _apply(doc, (body[0] + match.start(), end), defendants, results, only={i})


def read_indictment(
    doc: DocText, reasoning: tuple[int, int], defendants: list[Defendant]
) -> list[DefendantVerdict]:
    """Charges an indictment brings (应当以X罪追究其刑事责任), per defendant named with them."""
    return _charges_in_sentences(doc, reasoning, defendants, ("追究", "构成", "触犯"))


def read_suspected(
    doc: DocText, span: tuple[int, int], defendants: list[Defendant]
) -> list[DefendantVerdict]:
    """Charges a police or procuratorate form names for its suspects (因涉嫌盗窃罪…, 涉嫌X罪)."""
    return _charges_in_sentences(doc, span, defendants, ("追究", "构成", "触犯", "涉嫌"))


def _charges_in_sentences(
    doc: DocText, reasoning: tuple[int, int], defendants: list[Defendant],
    triggers: tuple[str, ...],
) -> list[DefendantVerdict]:
    results = [DefendantVerdict() for _ in defendants]
    text = doc.norm[reasoning[0] : reasoning[1]]
    start = 0
    for stop in [m.end() for m in re.finditer("[。;]", text)] + [len(text)]:
        sentence = text[start:stop]
        if any(t in sentence for t in triggers):
            named = [i for i, d in enumerate(defendants) if d.name.value in sentence]
            targets = named or (list(range(len(defendants))) if len(defendants) == 1 else [])
            for written, s, e in find_charges(sentence):
                at = reasoning[0] + start + s
                charge = Found(written, at, reasoning[0] + start + e, 0.6)
                for i in targets:
                    if all(c.value != written for c in results[i].charges):
                        results[i].charges.append(charge)
        start = stop
    return results
