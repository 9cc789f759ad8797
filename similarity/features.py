"""Structured case features and how well two cases agree on them.

A case is compared on what decides sentencing: the charges (the strongest signal: LeCaRD's
relevance labels follow the key elements of the offence), the circumstances the court
recognises (自首, 坦白, 累犯 ...), the amount involved and, for drunk driving, the blood alcohol.

Features come from the extraction stage's fields (`from_fields`, the keys of
extraction_gold/SCHEMA.md) or, where only raw text exists (pasted facts, benchmark corpora),
from light patterns over the text (`from_text`). This module imports no other stage: the charge
vocabulary is passed in by the caller (the worker passes the extraction stage's charge list).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from similarity.textfold import fold

# canonical circumstance word -> what judgments and facts write (kept short on purpose)
CIRCUMSTANCES: tuple[tuple[str, str], ...] = (
    ("未成年", r"未成年|不满十八|未满十八"),
    ("累犯", r"累犯"),
    ("再犯", r"再犯"),
    ("未遂", r"未遂|未得逞"),
    ("从犯", r"从犯|次要作用|辅助作用"),
    ("主犯", r"主犯|主要作用"),
    ("自首", r"自首|主动投案|自动投案|投案自首"),
    ("立功", r"立功"),
    ("坦白", r"坦白|如实供述|如实交代|如实供认|供认不讳"),
    ("认罪认罚", r"认罪认罚"),
    ("退赃", r"退赃|退赔|退缴|退还"),
    ("赔偿", r"(?<!退)赔偿"),
    ("取得谅解", r"谅解"),
    ("前科", r"前科|曾因|刑满释放"),
    ("共同犯罪", r"共同犯罪|伙同|共谋|结伙"),
)
_CIRC = [(name, re.compile(pat)) for name, pat in CIRCUMSTANCES]
_NEGATED = re.compile(r"(?:不|未|没有|不能|不宜)(?:构成|认定|属|具有|系)?$")

_NUM = r"(\d+(?:,\d{3})*(?:\.\d+)?)"
_AMOUNT = re.compile(_NUM + r"\s*(万)?\s*余?\s*元")
_AMOUNT_AT_END = re.compile(_AMOUNT.pattern + "$")
_AMOUNT_WINDOW = 64  # characters before a 元 that an amount may span
_GRAMS = re.compile(_NUM + r"\s*(千克|公斤|克|kg|g)(?![a-z])")
_ALCOHOL = re.compile(r"(?:乙醇|酒精)含量[^0-9]{0,12}(\d+(?:\.\d+)?)\s*(?:mg|毫克)")
_CONVICTED = re.compile(r"(?:犯|构成|涉嫌)([^，。；：:,;（）()\s犯]{1,40}?罪)")
_PUNCT = "、，,"


def _fold(text: str) -> str:
    return fold(text or "")


def normalise_charge(name: str, vocabulary: Sequence[str] = ()) -> str:
    """A charge as written -> its vocabulary entry where one fits, else the name itself.

    Courts write the applicable part of a selective charge (贩卖毒品罪 for the entry
    走私、贩卖、运输、制造毒品罪); such a part maps to the shortest selective entry that contains
    all its characters.
    """
    name = re.sub(r"\s+", "", _fold(name)).replace("(", "（").replace(")", "）")
    if not name.endswith("罪"):
        name += "罪"
    if not vocabulary or name in vocabulary:
        return name
    chars = set(name) - set(_PUNCT)
    best: str | None = None
    for entry in vocabulary:
        if "、" in entry and chars <= set(entry) and (best is None or len(entry) < len(best)):
            best = entry
    return best or name


def charges_in_text(text: str, vocabulary: Sequence[str]) -> list[str]:
    """Charges a text names after 犯/构成/涉嫌 (…罪), normalised, in order of appearance."""
    vocab = set(vocabulary)
    out: list[str] = []
    for m in _CONVICTED.finditer(_fold(text)):
        raw = m.group(1)
        # the longest vocabulary suffix of the match (drops words before the charge name)
        cand = next((raw[i:] for i in range(len(raw)) if raw[i:] in vocab), None)
        name = cand or normalise_charge(raw, vocabulary)
        if (cand or name in vocab) and name not in out:
            out.append(name)
    return out


def circumstances_in_text(text: str) -> frozenset[str]:
    """Canonical circumstance words a text mentions (skipping ones negated just before)."""
    text = _fold(text)
    found = set()
    for name, pat in _CIRC:
        for m in pat.finditer(text):
            if not _NEGATED.search(text[max(0, m.start() - 4) : m.start()]):
                found.add(name)
                break
    return frozenset(found)


def _amounts(text: str) -> list[re.Match[str]]:
    """The matches of `_AMOUNT` in `text`: the amount that ends at each 元, found in a window
    before it (scanning the whole text with the pattern is several times slower)."""
    out = []
    pos = text.find("元")
    while pos != -1:
        m = _AMOUNT_AT_END.search(text, max(0, pos - _AMOUNT_WINDOW), pos + 1)
        if m is not None:
            out.append(m)
        pos = text.find("元", pos + 1)
    return out


def amount_in_text(text: str) -> float | None:
    """The largest yuan amount the text states (人民币3,500元, 1.2万元), or None."""
    best: float | None = None
    text = _fold(text)
    for m in _amounts(text):
        try:
            value = float(m.group(1).replace(",", ""))
        except ValueError:
            continue
        if m.group(2):
            value *= 10000
        if value > 0 and (best is None or value > best):
            best = value
    return best


def grams_in_text(text: str) -> float | None:
    """The largest weight in grams the text states (drugs, poached animals ...), or None."""
    best: float | None = None
    text = _fold(text)
    if "克" not in text and "公斤" not in text and "g" not in text:
        return None
    for m in _GRAMS.finditer(text):
        try:
            value = float(m.group(1).replace(",", ""))
        except ValueError:
            continue
        if m.group(2) in ("千克", "公斤", "kg"):
            value *= 1000
        if value > 0 and (best is None or value > best):
            best = value
    return best


def alcohol_in_text(text: str) -> float | None:
    """Blood alcohol (mg/100ml) stated in the text; the last measurement wins (the blood test)."""
    values = [float(v) for v in _ALCOHOL.findall(_fold(text))]
    return values[-1] if values else None


@dataclass(frozen=True)
class CaseFeatures:
    """What two cases are compared on besides their text."""

    charges: tuple[str, ...] = ()
    circumstances: frozenset[str] = field(default_factory=frozenset)
    amount_yuan: float | None = None
    blood_alcohol: float | None = None
    quantity_g: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "charges": list(self.charges),
            "circumstances": sorted(self.circumstances),
            "amount_yuan": self.amount_yuan,
            "blood_alcohol": self.blood_alcohol,
            "quantity_g": self.quantity_g,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> CaseFeatures:
        """The inverse of ``to_dict`` (features stored at index time, services.similar)."""
        return cls(tuple(d.get("charges") or ()), frozenset(d.get("circumstances") or ()),
                   d.get("amount_yuan"), d.get("blood_alcohol"), d.get("quantity_g"))


def from_fields(
    fields: Mapping[str, Any], facts: str = "", vocabulary: Sequence[str] = ()
) -> CaseFeatures:
    """Features from extracted fields (SCHEMA.md keys); facts text fills what fields lack."""
    facts = _fold(facts)  # once: folding a folded text again is cheap
    charges: list[str] = []
    for d in fields.get("defendants") or []:
        for c in d.get("charges") or []:
            n = normalise_charge(c, vocabulary)
            if n not in charges:
                charges.append(n)
    if not charges and facts and vocabulary:
        charges = charges_in_text(facts, vocabulary)
    circ = frozenset(fields.get("mitigating") or ()) | circumstances_in_text(facts)
    amount = fields.get("amount_involved_yuan")
    alcohol = fields.get("blood_alcohol_mg_per_100ml")
    return CaseFeatures(
        charges=tuple(charges),
        circumstances=circ,
        amount_yuan=float(amount) if amount else amount_in_text(facts),
        blood_alcohol=float(alcohol) if alcohol else alcohol_in_text(facts),
        quantity_g=grams_in_text(facts),
    )


def from_text(
    facts: str,
    vocabulary: Sequence[str] = (),
    *,
    charges: Iterable[str] | None = None,
    verdict: str = "",
) -> CaseFeatures:
    """Features from raw text: charges given, else read from the verdict, else from the facts."""
    facts = _fold(facts)  # once: folding a folded text again is cheap
    if charges is not None:
        found = list(dict.fromkeys(normalise_charge(c, vocabulary) for c in charges))
    else:
        found = charges_in_text(verdict, vocabulary) if verdict else []
        if not found:
            found = charges_in_text(facts, vocabulary)
    return CaseFeatures(
        charges=tuple(found),
        circumstances=circumstances_in_text(facts),
        amount_yuan=amount_in_text(facts),
        blood_alcohol=alcohol_in_text(facts),
        quantity_g=grams_in_text(facts),
    )


def _bigrams(s: str) -> set[str]:
    s = "".join(ch for ch in s.rstrip("罪") if ch not in _PUNCT)
    return {s[i : i + 2] for i in range(len(s) - 1)} or {s}


def charge_similarity(a: str, b: str) -> float:
    """1 for the same charge, else the Dice overlap of the names' bigrams (信用卡诈骗 ~ 诈骗)."""
    if a == b:
        return 1.0
    x, y = _bigrams(a), _bigrams(b)
    return 2.0 * len(x & y) / (len(x) + len(y))


def _closeness(a: float | None, b: float | None, scale: float) -> float | None:
    """exp(-|log ratio| / scale), or None when either value is missing."""
    if not a or not b or a <= 0 or b <= 0:
        return None
    return math.exp(-abs(math.log(a / b)) / scale)


@dataclass(frozen=True)
class Agreement:
    """How two cases agree, each part in [0, 1]; the shared items explain a match."""

    charges: float
    exact_charges: float
    circumstances: float
    amount: float | None
    alcohol: float | None
    quantity: float | None
    shared_charges: tuple[str, ...]
    shared_circumstances: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "charges": round(self.charges, 4),
            "circumstances": round(self.circumstances, 4),
            "amount": None if self.amount is None else round(self.amount, 4),
            "blood_alcohol": None if self.alcohol is None else round(self.alcohol, 4),
            "quantity": None if self.quantity is None else round(self.quantity, 4),
            "shared_charges": list(self.shared_charges),
            "shared_circumstances": list(self.shared_circumstances),
        }


def agreement(query: CaseFeatures, cand: CaseFeatures) -> Agreement:
    """Charge agreement (mean over the query's charges of the best candidate match, times a
    penalty for extra candidate charges), circumstance Jaccard, amount and alcohol closeness."""
    if query.charges and cand.charges:
        best = [max(charge_similarity(q, c) for c in cand.charges) for q in query.charges]
        covered = sum(best) / len(best)
        back = [max(charge_similarity(c, q) for q in query.charges) for c in cand.charges]
        precision = sum(back) / len(back)
        charges = 0.7 * covered + 0.3 * precision
        exact = len(set(query.charges) & set(cand.charges)) / len(
            set(query.charges) | set(cand.charges)
        )
    else:
        charges = exact = 0.0
    union = query.circumstances | cand.circumstances
    shared = query.circumstances & cand.circumstances
    circ = len(shared) / len(union) if union else 1.0
    return Agreement(
        charges=charges,
        exact_charges=exact,
        circumstances=circ,
        amount=_closeness(query.amount_yuan, cand.amount_yuan, 2.0),
        alcohol=_closeness(query.blood_alcohol, cand.blood_alcohol, 0.5),
        quantity=_closeness(query.quantity_g, cand.quantity_g, 1.0),
        shared_charges=tuple(c for c in query.charges if c in set(cand.charges)),
        shared_circumstances=tuple(sorted(shared)),
    )
