"""What a search filters judgments by beside their charges: the cited articles of the Criminal
Law (法条), the court's level (法院层级) and the trial stage (审级).

- Articles: every 第…条 cited after a name of the Criminal Law (《中华人民共和国刑法》, 《刑法》,
  刑法第…条) up to the next law or interpretation (《…》, 刑事诉讼法 …), the end of the sentence
  or 之规定; clauses and items (第三款, 第（一）项) are dropped, the article kept. One form
  whatever the numerals: 第二百六十四条 and 第264条 are both ``第264条``; an article added by an
  amendment keeps its suffix (第一百三十三条之一 -> ``第133条之一``). search.query.article_value
  reads a user's filter into the same form.
- Court level: 最高人民法院 -> 最高, X省高级人民法院 -> 高级, X市中级人民法院 (and the special
  courts of that level: 知识产权, 海事, 金融, 铁路运输中级) -> 中级, any other 法院 -> 基层; a
  procuratorate or police unit has none. Without a court name, a case number of the 2016
  format names its court by code: 沪 (高级), 沪01 (中级), 沪0120 (基层), 最高法 (最高).
- Trial stage: from the case number's type code (刑初 一审, 刑终 二审, 刑再 再审, 刑申/刑监/刑抗
  再审审查, 刑核 死刑复核, 刑更 减刑假释; 刑一终, 刑二初字 and 少刑初 with their division marks),
  else from a title that names it (周某盗窃二审刑事判决书).
"""

from __future__ import annotations

import re

from extraction.numbers import cn_int, fold_width

#: the levels of the people's courts, highest last
COURT_LEVELS = ("基层", "中级", "高级", "最高")
#: trial stages as the filter names them, from the case number's type code
STAGE_CODES = {
    "初": "一审", "终": "二审", "再": "再审", "申": "再审审查", "监": "再审审查", "抗": "再审审查",
    "核": "死刑复核", "更": "减刑假释",
}  # fmt: skip
TRIAL_STAGES = ("一审", "二审", "再审", "再审审查", "死刑复核", "减刑假释")
#: the Criminal Law of 1997 has 452 articles (amendments add 之一 … to them)
MAX_ARTICLE = 452

_DIGIT = "[0-9零〇一二两三四五六七八九十百]"
_NUM = rf"{_DIGIT}(?:\s?{_DIGIT})*"  # a line break inside a number: 第三百 零三条
# 第 may be missing right after the law's name or a separator (《刑法》二百六十六条、…)
_ARTICLE = re.compile(rf"(?:第|^|(?<=[》、，,和及]))\s*({_NUM})\s*条(?:\s*之\s*([一二三四五六七八九十]+))?")
# The Criminal Law of 1979 numbers its articles otherwise: its citations are not these.
_OLD_LAW = re.compile(r"(?:1979|一九七九|七九)年(?:修订的|颁布的|的)?《?(?:中华人民共和国)?$")
# A name of the Criminal Law: 《中华人民共和国刑法》, 《刑法》, 刑法第…; not 刑法修正案 (its own
# numbering), not 刑事诉讼法.
_LAW = re.compile(r"刑法\s*(?:》|(?=第))")
# Where a run of cited articles ends: another law or interpretation, the sentence's end, the
# words that close a citation.
_STOP = re.compile(r"[《〈。；;]|规定|解释|意见|条例|[^刑]法(?!院)")
_WINDOW = 400


def article_form(number: int, suffix: int = 0) -> str:
    """The one written form of an article: 第264条, 第133条之一."""
    tail = f"之{'一二三四五六七八九十'[suffix - 1]}" if 1 <= suffix <= 10 else ""
    return f"第{number}条{tail}"


def _article(num: str, suffix: str | None) -> tuple[int, int] | None:
    n = cn_int(re.sub(r"\s", "", num))
    if n is None or not 1 <= n <= MAX_ARTICLE:
        return None
    k = cn_int(suffix) if suffix else 0
    return n, k or 0


def criminal_law_articles(text: str) -> list[str]:
    """The articles of the Criminal Law a text cites, each once, in the law's order."""
    text = fold_width(text or "")
    found: set[tuple[int, int]] = set()
    for law in _LAW.finditer(text):
        if _OLD_LAW.search(text[max(0, law.start() - 20):law.start()]):
            continue
        start = law.end()
        window = text[start:start + _WINDOW]
        stop = _STOP.search(window)
        if stop is not None:
            window = window[:stop.start()]
        for m in _ARTICLE.finditer(window):
            art = _article(m.group(1), m.group(2))
            if art is not None:
                found.add(art)
    return [article_form(n, k) for n, k in sorted(found)]


_CODE = re.compile(r"[)）]\s*(最高法|[\u4e00-\u9fff](?:\d{2}(?:\d{2})?)?)(?=刑)")


def court_level(court: str | None, case_number: str | None = None) -> str | None:
    """基层, 中级, 高级 or 最高 for a court's name (else from a 2016-format case number's court
    code); None for a procuratorate, a police unit or nothing known."""
    name = re.sub(r"\s+", "", court or "")
    if "法院" in name or "法庭" in name:
        if name.startswith("最高人民法院"):
            return "最高"
        if "高级人民法院" in name or "高级法院" in name:
            return "高级"
        if "中级" in name or re.search(r"(知识产权|海事|金融)法院", name):
            return "中级"
        return "基层"
    if name:
        return None
    number = fold_width(case_number or "")
    m = _CODE.search(number) if "字" not in number else None  # 2016 format only
    if m is None:
        return None
    code = m.group(1)
    if code == "最高法":
        return "最高"
    return {1: "高级", 3: "中级", 5: "基层"}.get(len(code))


_STAGE = re.compile(r"刑(?:[一二三四五六七八九十]|附民)?\s*([初终再申监抗核更])")
_TITLE_STAGE = re.compile(r"(一审|二审|再审|第一审|第二审)[^。]{0,12}?(?:刑事)?(?:附带民事)?(?:判决书|裁定书)")


def trial_stage(case_number: str | None, title: str | None = None) -> str | None:
    """一审, 二审, 再审 … from a case number's type code (刑初, 刑一终字, 少刑初 …), else from a
    title that names the stage; None when neither says."""
    number = fold_width(case_number or "")
    m = _STAGE.search(number)
    if m is not None:
        return STAGE_CODES[m.group(1)]
    t = _TITLE_STAGE.search(fold_width(title or ""))
    if t is not None:
        return t.group(1).removeprefix("第")
    return None
