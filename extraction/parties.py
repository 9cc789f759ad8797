"""Defendants, defence counsel and victims.

The header introduces every party in its own sentence that opens with the party's role
(被告人张三，男，…。辩护人李四，…律师。), so defendants and counsel are read from those sentences
in order; victims are named throughout the body after 被害人 / 被害单位.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from extraction.names import name_at, names_list_at
from extraction.numbers import find_dates
from extraction.text import DocText, Found

DEFENDANT_ROLE = (
    r"(?:原审)?(?:上诉人|抗诉人|申诉人|上诉单位)?\((?:原审|一审)?被告(?:人|单位)\)"
    r"|原审被告(?:人|单位)|被告(?:人|单位)|上诉单位|罪犯|犯罪嫌疑人|被不起诉人"
)
_ROLE = re.compile(
    r"附带民事诉讼(?:原告人|被告人|被告)|"
    + DEFENDANT_ROLE
    + r"|(?:指定|委托)?辩护人|诉讼代表人|法定代表人|法定代理人|委托代理人|诉讼代理人|自诉人|原告人"
    r"|被害(?:人|单位)|近亲属|翻译人员|(?:原)?公诉机关|抗诉机关|上诉人|申诉人|证人"
)
_DEFENDANT_ROLE = re.compile(DEFENDANT_ROLE)
_NAME = re.compile(r"[^,。;:()\[\]、]{1,40}")
#: a unit's name may hold a bracketed place that the name goes on after (天阅（厦门）传媒有限公司);
#: a bracket at the end (X公司（原Y公司）) is not part of it
_UNIT_NAME = re.compile(r"[^,。;:()\[\]、]{1,40}(?:\([^,。;:()]{1,10}\)[^,。;:()\[\]、]{1,30})*")
_REPRESENTATIVE = re.compile(r"法定代表人|诉讼代表人|负责人|住所地|地址")
_CONTINUATION = re.compile(
    r"因|曾|于|在|系|涉嫌|未|所|实施|自|从|与|等|及|经|被|已|现|是|为|将|到|向|对|持"
)
_INTRODUCTION = re.compile(r"[^,。;:]{1,12},(?:男|女|[^。]{0,40}律师)")
_PERSON_CUT = re.compile(r"男|女|曾用名|绰号|别名|化名|又名|乳名|外号|小名")
#: a name the defendant gave (自报张鹏, 化名张辉): the words before it are not the name
_NAME_PREFIX = re.compile(r"(?:自报|自称|化名|别名)(?=[\u4e00-\u9fff]{2})")
#: other names the header gives a defendant (绰号“老六”, 别名沈建华, 乳名二等子, 曾用名苏某)
_ALIAS = re.compile(r"(?:曾用名|绰号|别名|化名|又名|乳名|外号|小名)[:是为叫]?")
_ALIAS_NAME = re.compile(r"“?([^,。;:()“”\"、]{1,10})”?")
_GENDER = re.compile(r"(?:^|[,。;]|性别:?)(男|女)(?=[,。;]|$)")
# fmt: off
_ETHNIC_NAMES = (  # the 56 officially recognised ethnic groups
    "汉", "蒙古", "回", "藏", "维吾尔", "苗", "彝", "壮", "布依", "朝鲜",
    "满", "侗", "瑶", "白", "土家", "哈尼", "哈萨克", "傣", "黎", "傈僳",
    "佤", "畲", "高山", "拉祜", "水", "东乡", "纳西", "景颇", "柯尔克孜", "土",
    "达斡尔", "仫佬", "羌", "布朗", "撒拉", "毛南", "仡佬", "锡伯", "阿昌", "普米",
    "塔吉克", "怒", "乌孜别克", "俄罗斯", "鄂温克", "德昂", "保安", "裕固", "京", "塔塔尔",
    "独龙", "鄂伦春", "赫哲", "门巴", "珞巴", "基诺",
)
# fmt: on
_ETHNICITY = re.compile(
    "(?:" + "|".join(sorted(_ETHNIC_NAMES, key=len, reverse=True)) + r")族(?=[,。;、]|$)"
)
_ID_NUMBER = re.compile(r"(?<!\d)\d{6}((?:19|20)\d{2})(\d{2})(\d{2})\d{3}[\dXx](?!\d)")
_BIRTH_AFTER = ("出生", "生")
_BIRTH_BEFORE = ("生于", "出生于", "出生日期", "出生日期:", "出生于:")
_COMPANY_ENDS = (
    "有限责任公司|股份有限公司|有限公司",
    "公司|集团|银行|信用社|合作社|厂|超市|商店|医院|学校|中心",
)
_COMPANIES = tuple(re.compile(rf"[\u4e00-\u9fff()]{{2,40}}?(?:{ends})") for ends in _COMPANY_ENDS)
_FUNCTION_CHARS = re.compile(r"[的在到于受被与和将向从经后称]")
_NOT_NAMES = frozenset({"方的", "双方", "一方", "本人", "家属", "亲属"})
_PLAIN_NAME = re.compile(r"[\u4e00-\u9fff]{2,4}")
_ANONYMISED = re.compile(r"[\u4e00-\u9fff]{1,2}某")  # a name written twice: 胡丙阳胡某某
_MASK = re.compile(r"[某X×xＸ\d]")


@dataclass
class Defendant:
    """One defendant as introduced in the header; spans are into ``DocText.norm``."""

    name: Found[str]
    role: str
    segment: tuple[int, int]
    gender: Found[str] | None = None
    birth_date: Found[str] | None = None
    ethnicity: Found[str] | None = None
    aliases: list[Found[str]] = field(default_factory=list)

    @property
    def unit(self) -> bool:
        """A 被告单位 (a company or other organisation tried as a defendant)."""
        return "单位" in self.role


def _segments(doc: DocText, header: tuple[int, int]) -> list[tuple[re.Match[str], int]]:
    """Role matches that open a header sentence, each with the end of its sentence run."""
    starts = []
    for match in _ROLE.finditer(doc.norm, header[0], header[1]):
        at = match.start()
        prev = doc.norm[at - 1] if at > 0 else "。"
        line_start = doc.gap[at] and (
            not re.match(r"[\u4e00-\u9fff]", prev)
            # OCR drops the 。 that ends a line: a line that opens with a party's introduction
            # (被告人X，男… / 辩护人X，…律师) starts a sentence all the same
            or _INTRODUCTION.match(doc.norm, match.end()) is not None
            # … 律师事务所律师 原审被告人何志英（曾用名何超），2013年…: a counsel's sentence ends
            # with 律师 where the 。 is missing
            or doc.norm.endswith("律师", 0, at))
        if prev in "。;:号" or line_start:
            starts.append(match)
    ends = [m.start() for m in starts[1:]] + [header[1]]
    return list(zip(starts, ends, strict=False))


def _birth_date(doc: DocText, start: int, end: int) -> Found[str] | None:
    text = doc.norm[start:end]
    dates = find_dates(text)
    for iso, begin, stop in dates:
        after, before = text[stop : stop + 2], text[max(0, begin - 5) : begin]
        if after.startswith(_BIRTH_AFTER) or before.endswith(_BIRTH_BEFORE):
            return Found(iso, start + begin, start + stop, 0.9)
    for iso, begin, stop in dates[:1]:
        # 罗宁，女，1986年5月24日，汉族: a bare date among the personal details, before any event
        bare = text[begin - 1 : begin] == "," and text[stop : stop + 1] in (",", "。")
        if bare and not re.search(r"因|被(?!告)|于", text[:begin]):
            return Found(iso, start + begin, start + stop, 0.7)
    match = _ID_NUMBER.search(text)
    if match:
        year, month, day = (int(g) for g in match.groups())
        if 1 <= month <= 12 and 1 <= day <= 31:
            iso = f"{year:04d}-{month:02d}-{day:02d}"
            return Found(iso, start + match.start(), start + match.end(), 0.7)
    return None


def _name_end(doc: DocText, start: int, end: int, persons: dict[int, str] | None = None) -> int:
    """Where a person's name ends when no comma follows it (被告人徐娟因涉嫌诈骗罪于…).

    ``persons`` (a NER model's person names by their start in ``doc.norm``) decides there when
    it found a plain 2-4 character name at ``start`` that the masking of an anonymised name
    (某, X, ×, digits) does not continue; otherwise the rules do.
    """
    cut = _PERSON_CUT.search(doc.norm, start + 1, end)
    if cut and end - start > 4:
        return cut.start()
    found = (persons or {}).get(start)
    if (end - start > 4 and found and 2 <= len(found) <= 4 and start + len(found) < end
            and _PLAIN_NAME.fullmatch(found) and not _MASK.match(doc.norm, start + len(found))
            and not _ANONYMISED.match(doc.norm, start + len(found), end)):
        return start + len(found)
    if end - start > 4:
        name = name_at(doc.norm, start)
        rest = start + len(name) if name else end
        anonymised_twice = _ANONYMISED.match(doc.norm, rest, end)  # 胡丙阳胡某某
        if name and _CONTINUATION.match(doc.norm, rest) and not anonymised_twice:
            return rest
    return end


def _defendant(
    doc: DocText, role: re.Match[str], end: int, known: list[Defendant],
    persons: dict[int, str] | None = None,
) -> Defendant | None:
    unit = "单位" in role.group()
    at = role.end() + doc.norm.startswith(":", role.end())  # 被告单位：辉南县…公司。被告人：高振宽，
    name_match = (_UNIT_NAME if unit else _NAME).match(doc.norm, at, end)
    if not name_match:
        return None
    name_start, name_end = name_match.span()
    representative = _REPRESENTATIVE.search(doc.norm, name_start + 1, name_end) if unit else None
    if representative:  # 被告单位：…推广服务站 法定代表人张国松，…: no comma ends the unit's name
        name_end = representative.start()
    prefix = _NAME_PREFIX.match(doc.norm, name_start, name_end)
    if prefix:  # 被告人自报张鹏，男: the name is what follows 自报
        name_start = prefix.end()
    for other in known:  # 被告人张三曾因…: the same defendant's record, not a new defendant
        after = name_start + len(other.name.value)
        if doc.norm.startswith(other.name.value, name_start) and (
            after >= name_end or _CONTINUATION.match(doc.norm, after)
        ):
            return None
    if not unit:
        name_end = _name_end(doc, name_start, name_end, persons)
        if name_end - name_start > 8:
            return None
    if "的" in doc.norm[name_start:name_end]:
        return None
    defendant = Defendant(
        name=Found(doc.value(name_start, name_end), name_start, name_end, 0.9),
        role=role.group(),
        segment=(role.start(), end),
    )
    if unit:
        return defendant
    defendant.aliases = _aliases(doc, name_end, end)
    text = doc.norm[role.start() : end]
    gender = _GENDER.search(text)
    if gender:
        at = role.start() + gender.start(1)
        defendant.gender = Found(gender.group(1), at, at + 1, 0.9)
    defendant.birth_date = _birth_date(doc, role.start(), end)
    ethnicity = _ETHNICITY.search(text)
    if ethnicity:
        at = role.start() + ethnicity.start()
        defendant.ethnicity = Found(ethnicity.group(), at, at + len(ethnicity.group()), 0.9)
    return defendant


def _aliases(doc: DocText, start: int, end: int) -> list[Found[str]]:
    """Other names given right after a defendant's name (绰号“白药鑫”、“药仔”, (化名张辉)),
    before the personal details that follow the first 男/女 or date."""
    details = re.search(r"[,。](?:男|女)|\d{4}年|出生", doc.norm[start:end])
    limit = start + details.start() if details else min(end, start + 40)
    found: list[Found[str]] = []
    for alias in _ALIAS.finditer(doc.norm, start, limit):
        at = alias.end()
        while at < limit:
            match = _ALIAS_NAME.match(doc.norm, at, limit)
            if not match:
                break
            value_start, value_end = match.span(1)
            found.append(Found(doc.value(value_start, value_end), value_start, value_end, 0.8))
            at = match.end()
            if doc.norm[at : at + 1] != "、":
                break
            at += 1
    return found


def find_defendants(doc: DocText, header: tuple[int, int],
                    persons: dict[int, str] | None = None) -> list[Defendant]:
    """Defendants in the order the header introduces them (a name introduced twice counts once).

    ``persons``: a NER model's person names by start offset in ``doc.norm``, for names that no
    comma ends."""
    found: list[Defendant] = []
    for role, end in _segments(doc, header):
        if not _DEFENDANT_ROLE.fullmatch(role.group()):
            continue
        defendant = _defendant(doc, role, end, found, persons)
        if defendant and all(d.name.value != defendant.name.value for d in found):
            found.append(defendant)
    return found


def _counsel_names(doc: DocText, at: int, end: int) -> list[Found[str]]:
    bracket = re.match(r"\([^)]{0,40}\):?|:", doc.norm[at:end])
    if bracket:
        at += bracket.end()
    run = re.match(r"[^,。;()]{2,40}", doc.norm[at:end])
    if not run:
        return []
    names, offset = [], at
    for part in run.group().split("、"):
        if 2 <= len(part) <= 4 and "律师" not in part:
            names.append(
                Found(doc.value(offset, offset + len(part)), offset, offset + len(part), 0.9)
            )
        else:
            name = name_at(doc.norm, offset)
            if name:
                names.append(
                    Found(doc.value(offset, offset + len(name)), offset, offset + len(name), 0.6)
                )
        offset += len(part) + 1
    return names


def find_counsel(doc: DocText, header: tuple[int, int]) -> list[Found[str]]:
    """Defence counsel named in the header (辩护人X、Y，…律师事务所律师)."""
    found: list[Found[str]] = []
    for role, end in _segments(doc, header):
        if not role.group().endswith("辩护人"):
            continue
        for name in _counsel_names(doc, role.end(), end):
            if all(name.value != other.value for other in found):
                found.append(name)
    return found


def _company_at(doc: DocText, at: int) -> tuple[str, int, int] | None:
    for pattern in _COMPANIES:  # the most specific ending first: …华联实业有限公司, not …集团
        match = pattern.match(doc.norm, at)
        if match:
            return match.group(), at, match.end()
    return None


def _is_short_form(short: str, full: str) -> bool:
    if not (short.endswith("公司") and full.endswith("公司") and len(short) < len(full)):
        return False
    chars = iter(full)
    return all(ch in chars for ch in short)


def _drop_variants(found: dict[str, Found[str]], mentions: dict[str, int]) -> list[Found[str]]:
    """Of 付某 / 付某某 (one a prefix of the other), keep the spelling mentioned more often."""
    names = list(found)
    dropped = set()
    for a in names:
        for b in names:
            if a != b and b.startswith(a) and len(b) == len(a) + 1:
                if mentions[a] != mentions[b]:
                    dropped.add(a if mentions[a] < mentions[b] else b)
                else:  # equally often: the first-mentioned spelling stays
                    dropped.add(b if names.index(a) < names.index(b) else a)
            elif a != b and _is_short_form(a, b):
                dropped.add(a)  # 春华建筑公司 is 长沙春华建筑有限公司 named short
    return [found[name] for name in names if name not in dropped]


def find_victims(doc: DocText) -> list[Found[str]]:
    """Named victims (被害人X、Y; 被害单位X公司) anywhere in the text, first mention first."""
    found: dict[str, Found[str]] = {}
    mentions: dict[str, int] = {}
    for match in re.finditer(r"被害(人|单位)", doc.norm):
        at = match.end()
        if doc.norm[at : at + 1] == ":":
            at += 1
        company = _company_at(doc, at)
        if company and match.group(1) == "人" and _FUNCTION_CHARS.search(company[0]):
            company = None  # 张某甲受伤后到文山州人民医院: a person, then a sentence
        if company:
            items = [company]
        elif match.group(1) == "单位":
            items = []
        else:
            items = names_list_at(doc.norm, at)
        for name, start, end in items:
            if name in _NOT_NAMES:
                continue
            mentions[name] = mentions.get(name, 0) + 1
            if name not in found:
                found[name] = Found(doc.value(start, end), start, end, 0.7)
    return _drop_variants(found, mentions)
