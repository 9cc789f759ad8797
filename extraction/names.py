"""Where a person's name ends in running Chinese text.

Chinese has no spaces, so after 被害人 / 辩护人 the name's length must be guessed: anonymised
names have a fixed shape (张某, 李某某, 陈某甲, 黄某1), real names start with a surname and are
usually followed by a delimiter or a function word. Ties are broken by how often the longer form
recurs in the document: a real three-character name recurs as often as its first two characters.
"""

from __future__ import annotations

import re

_SINGLE = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝"
    "龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左"
    "柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶"
    "解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟"
    "邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝官封谈匡鞠惠荆乐冀郁胥南班"
    "储原栗燕楚鄢劳谌奚皮粟冼蔺楼盘满闻位厉伏仝区郜鄂揭蹇屠勾伙穰植邸黑远衣"
)
_DOUBLE = (
    "欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "尉迟", "公孙", "慕容", "司徒",
    "令狐", "夏侯", "长孙", "宇文", "轩辕", "澹台", "端木", "呼延", "南宫", "西门",
)  # fmt: skip
SURNAMES = frozenset(_SINGLE)

# characters that end a name: punctuation, and words that follow names in judgments
_AFTER_NAME = set(",。;:、()[]“”\"' ")
_FUNCTION = set(
    "的系被在与及等因向称于将所也均已说受到对从把给让为是驾骑乘经之其并即遂但却就供证述辩提报诉且"
)
# words that start with a surname character and follow 被害人 in judgments (被害人钱款, 被害人全部…)
# fmt: off
_COMMON_WORDS = frozenset((
    "钱款", "钱财", "房间", "全部", "全家", "全体", "车辆", "衣服", "谈判", "谈话",
    "方面", "方向", "方式", "陈述", "向人", "向其", "向公", "向法", "向本", "和上",
    "和被", "和原", "与被", "于是", "于当", "金额", "金钱", "财物", "明知", "明显",
    "安全", "路过", "单位", "原审", "原告", "包括", "费用", "查明", "应当", "任何",
    "时间", "关于", "司法", "高度", "常年", "连续", "项目", "文化", "成功", "华人",
    "乐意", "江边", "石头", "田地", "毛发", "居住", "席位", "车上", "车内", "房屋",
))
# fmt: on
_ANON = re.compile(
    r"[\u4e00-\u9fff]{1,2}?(?:某|×|X|\*)+"
    r"(?:[甲乙丙丁戊己庚辛壬癸]|\d(?![\d.部个台辆元万件只次名张块把条根瓶克份套年月日天时岁处间栋层]|人(?!民)))?"
)
_CJK = re.compile(r"[\u4e00-\u9fff]")


def _surname_len(text: str, at: int) -> int:
    if text[at : at + 2] in _DOUBLE:
        return 2
    return 1 if text[at : at + 1] in SURNAMES else 0


def name_at(text: str, at: int, max_len: int = 4) -> str | None:
    """The person name that starts at ``text[at]``, or None if none plausibly does.

    ``text`` is the whole document (whitespace removed), so recurrence can be counted.
    """
    surname = _surname_len(text, at)
    anon = _ANON.match(text, at)
    if anon and ("某" in anon.group() or "×" in anon.group()) and anon.end() - at <= max_len + 1:
        end = anon.end()
        if (
            surname
            and end < len(text)
            and _CJK.match(text[end])
            and text[end] not in _FUNCTION
            and text[end] != "某"
            and (end + 1 >= len(text) or text[end + 1] in _AFTER_NAME)
        ):
            end += 1  # 杨某文, 林某涛: a given-name character kept after 某
        return text[at:end]
    if not surname or text[at : at + 2] in _COMMON_WORDS:
        return None
    best = None
    for length in range(surname + 1, min(surname + 3, max_len) + 1):
        end = at + length
        if end > len(text) or not all(_CJK.match(ch) for ch in text[at:end]):
            break
        if any(ch in _FUNCTION for ch in text[at + surname : end]):
            break
        best = text[at:end]
        if end >= len(text) or text[end] in _AFTER_NAME or text[end] in _FUNCTION:
            return best
        longer = text[at : end + 1]
        if length == surname + 2 or text.count(longer) < text.count(best):
            return best
    return best


def names_list_at(text: str, at: int, max_len: int = 4) -> list[tuple[str, int, int]]:
    """Names listed from ``at`` and separated by 、 (被害人甲、乙、丙): (name, start, end)."""
    found = []
    while at < len(text):
        name = name_at(text, at, max_len)
        if name is None:
            break
        found.append((name, at, at + len(name)))
        at += len(name)
        if text[at : at + 1] != "、":
            break
        at += 1
    return found


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance, to accept a name or agency written with one slip."""
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ca != cb))
    return row[-1]
