"""Charge names that OCR misread by one character, put right before the rules read them.

On a fax or a poor copy the recogniser sometimes reads one character of a charge name as a
look-alike (贩卖毒品罪 as 叛卖毒品罪 in the verdict, 贪污罪 as 贪污明). The name is then no charge,
the verdict item loses its charge, and with it the defendant's sentence. A judgment names its
charges several times (the indictment, the court's finding, the verdict), and the recogniser
rarely misreads every mention the same way. So where a judgment names a charge (犯X，判处…;
以X罪判处…; 犯X罪一案) and X is no charge, X is replaced by the one charge the same document
names elsewhere that differs from it in exactly one character. A name of the list that X is
not one misreading away from (流氓罪, a repealed charge) stays as written, and so does X when
two of the document's charges fit.

The 罪 at the end is the anchor: a name without it is only repaired where ，判处 follows
(犯贪污明，判处…), so that 犯抢劫后，… or 曾因犯贩卖毒品被判处… is never read as a charge.
Substitutions keep the document's length, so every span and provenance stays where it was; the
value read is the repaired name.
"""

from __future__ import annotations

import re
from dataclasses import replace

from extraction.charges import find_charges, normalise_charge
from extraction.text import DocText

#: a charge as judgments name it: after 犯 or 以, up to a comma, 判处 or 一案 (``norm`` text)
_NAMED = re.compile(r"(?:犯|以)(?P<name>[^,;。:()\d犯以]{3,30}?)(?P<tail>,判处|判处|,|一案)")


def _one_apart(a: str, b: str) -> bool:
    return len(a) == len(b) and sum(x != y for x, y in zip(a, b, strict=True)) == 1


def repair_name(written: str, before_sentence: bool, named: set[str]) -> str | None:
    """The one charge of ``named`` (the document's correctly read charges) that ``written`` is
    one misread character away from, else None.

    ``written`` ends with 罪, or (only when ``before_sentence``: ，判处 follows) its last character
    is 罪 misread. A valid name, or one ending in a valid name (犯有盗窃罪: 有 is no misreading),
    is no misreading: None.
    """
    if normalise_charge(written) is not None or find_charges(written):
        return None
    if not written.endswith("罪"):
        candidate = written[:-1] + "罪"
        return candidate if before_sentence and candidate in named else None
    if "罪" in written[:-1].replace("犯罪", ""):
        return None
    fits = {name for name in named if _one_apart(written, name)}
    return fits.pop() if len(fits) == 1 else None


def repair_charges(doc: DocText) -> DocText:
    """``doc`` with each misread charge name (see the module) replaced, same length."""
    norm = doc.norm
    named: set[str] | None = None
    subs: dict[int, str] = {}
    for match in _NAMED.finditer(norm):
        written = match.group("name")
        if normalise_charge(written) is not None:
            continue
        if named is None:
            named = {name for name, _, _ in find_charges(norm)}
        fixed = repair_name(written, match.group("tail") == ",判处", named)
        if fixed is None:
            continue
        start = match.start("name")
        for k, (old, new) in enumerate(zip(written, fixed, strict=True)):
            if old != new:
                subs[start + k] = new
    if not subs:
        return doc
    raw, folded = list(doc.raw), list(norm)
    for at, ch in subs.items():
        raw[at] = folded[at] = ch
    return replace(doc, raw="".join(raw), norm="".join(folded))
