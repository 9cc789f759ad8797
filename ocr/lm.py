"""A character n-gram model of judgment text, to choose among the recogniser's own candidates
where it is unsure (issue 19: faxes).

Why: on a 150-dpi fax the thickened strokes make Han look-alikes (院/腕, 罪/辱, 骗/攀, 逮/建);
on the bench's faxes 443 of 490 errors were such substitutions, and for 60 % of them the right
character was the recogniser's second choice at that very position (91 % within its top 8).
The page's context knows which one a judgment means (本院, 犯罪, 诈骗, 逮捕). So where the
recogniser's best character scores below ``UNSURE``, each candidate it gave at least
``CANDIDATE_FLOOR`` (and a thousandth of the best) is weighed by the recogniser's probability
and by how well the n-grams around it read in judgments (stupid backoff, Brants et al. 2007:
cheap, nothing to fit); a blank CTC frame whose runner-up is a character is a gap where that
character may have been swallowed (隐真相 → 隐瞒真相). The model picks, it does not write: a sure
character is never changed, nor turned into one that neither the recogniser proposed nor the
confusion table below offers.

Look-alikes the recogniser does not propose (``load_confusions``, ``ocr/confusions.txt``): on
a fax the right character is often not among the tiny recogniser's candidates at all (犯[罪]
read 零 at 0.97, 依法[逮]捕 read 建 with 遠 遣 速 達 after it; 31 of the 109 errors on the bench's
fax pages 0-9, of which 9 a full stop read ·). So the recogniser's unsure readings of
judgments the bench never renders, faxed the same way, were aligned with their text and every
true character read as another counted (``benchmarks/ocr_confusions.py``); an unsure character
also offers what it was a misreading of at least ``CONFUSION_MIN`` times, with
``CONFUSION_SCALE`` x its share of that character's unsure readings as its probability, and the
n-grams decide as for any candidate. On fax pages 0-9 (with the trailing marks of
``ocr.engines.rapid``), the table of 192 faxed pages: 100 -> 85 errors; pairs seen at least
2, 3, 4 (kept), 6 times: 88, 88, 85, 88; scale 0.01, 0.03 (kept), 0.1: 90, 88, 91 (pairs
seen twice; 1.0 was worse again on a table of 40 pages); about 0.02 CPU-s a page. Most of the
gain is 罪 骗 逮 羁 and a full stop read · (a filled 。 in some fonts, a filled ， in others:
offered both, with their shares, the context picks; · offered as 。 alone was worse).

What a corpus model gets wrong, and what stops it (seen on clean pages, where it first made
things worse): a rare name character (李居丕 → 李居不) — an n-gram read surely elsewhere on the
same page wins (``CharModel.page``), and a character whose three-character neighbourhood the
page holds surely is left alone; letters and digits (an account JIXIAOHUI159754 → …HU11…) are
the recogniser's to read; a gap never repeats its neighbour (刑 → 刑刑, ）→ ））).
Tuned on the bench's fax pages 0–9 only (UNSURE, OCR_WEIGHT, the floors); pages 10–29 held out.

A fax also misreads surely (寻衅滋事 read 寻鲜滋事 at 0.999, in every mention): a sure Han
character is doubted where a look-alike it was often a misreading of reads far better in the
n-grams around it (``doubt``), and a misreading repeated on a page is not protected as a rare
name when one look-alike away judgments write it (``repeated_rare``).

A name after its role word (被告人马凤春) is not text: where the text read so far ends with a role
word and one or two characters (the surname, and the given name's first), each candidate also
weighs how much likelier it is as that character of a name (``NAME_SPANS``, counted from the
judgments' headers and signatures at install time) than in text at large, so a fax's 马风春
reads 马凤春 (``CharModel.name_score``).

A line is read on from the line above and into the line below (``choose``'s ``before`` and
``after``): the model was counted over whole paragraphs and a wrapped line starts mid-word
(范 | 围内); on fax pages 0–9, with 16 candidates a frame (``ocr.engines.rapid``), 123 -> 113
errors. Tried there and dropped (errors of 124 with 8 candidates and lines read on): the small
recogniser's candidates merged into the tiny one's slot by slot (aligned by their best
characters, probabilities averaged) on the lines it already reads again, 122-130; on every
line 104-114, with the small one's alone 101, but that is ~4x the tiny recogniser's CPU; a beam
of 8 or 16 readings instead of deciding left to right, 123 (taken later, with the look-alikes
and names: ``BEAM``); · offered as 。 (a fax fills the
ring of 。 in: right on some fonts, but on others · is a filled ，) 130-137 of 136; any
candidate the page read surely in the same three characters preferred, 165; a character kept
where its top-1 reading repeats three or four times on the page (李居丕), 118-124 of 108;
backoff 0.2-0.6, UNSURE 0.98/0.999, CANDIDATE_FLOOR 0.0003-0.003 and OCR_WEIGHT 1.5-3: no
better than the values kept.

The model is built from public judgments at install time (``make install``: ../shared/data's
LeCaRD, JuDGE, CAIL2018 and MUD texts, minus every judgment the OCR bench renders and the
judgment-shapes bench faxes, 50 million characters, ~90 MB) into the model folder;
``DOSSIER_OCR_LANGUAGE_MODEL`` names another file or ``off``. Without the file recognition runs as before. The confusion table ships with the
package (``ocr/confusions.txt``); ``DOSSIER_OCR_CONFUSIONS=off`` leaves it out.

    python -m ocr.lm_build --out data/models/ocr-lm/judgments.npz [--data ../shared/data]
"""

from __future__ import annotations

import math
import os
import re
import unicodedata
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ORDER = 4  # characters per n-gram: 3 of context
BITS = 16  # per character id in a key (the recogniser's ~6,600 characters fit)
BACKOFF = math.log10(0.4)  # stupid backoff's penalty per order dropped
MEMO_MAX = 100_000  # counts a model keeps looked up (``CharModel.count``): ~20 MB at most
MIN_COUNT = 2  # n-grams of three and four characters seen once are dropped (a third of the file)
#: the recogniser's best character below this probability is open to the model
UNSURE = 0.995
#: a candidate needs at least this probability from the recogniser
CANDIDATE_FLOOR = 0.001
#: ...and at least the best one's probability over this
MAX_RATIO = 1000.0
#: a blank frame whose runner-up character reaches this may have swallowed that character
GAP_FLOOR = 0.02
#: weight of the recogniser's log probability against the model's (log10 both)
OCR_WEIGHT = 2.0
FILE = Path("ocr-lm") / "judgments.npz"  # under the model folder (DOSSIER_MODEL_DIR)
#: the recogniser's learned look-alike confusions on faxes (benchmarks/ocr_confusions.py)
CONFUSIONS = Path(__file__).with_name("confusions.txt")
#: a look-alike is offered with the probability CONFUSION_SCALE x the share of the top reading's
#: unsure readings that were that character (a candidate the recogniser gave keeps the better)
CONFUSION_SCALE = 0.03
#: pairs seen fewer times than this are not offered
CONFUSION_MIN = 4
UNKNOWN = 1  # id of a character outside the vocabulary; 0 is the line boundary
#: a person's name after its role word: weighed in where a page reads a role word before an
#: unsure slot (``choose``), counted at install time where the judgment writes a party's name
#: in its header (被告人马凤春，男，…) or a judge's or clerk's under the judgment (书记员郭浩英):
#: a name closed by a mere comma took 证言, 提出, 陈述 and 供述 for names
_PARTIES = "被告人|被害人|上诉人|申诉人|证人|辩护人|代理人|罪犯|嫌疑人"
_COURT = "审判长|审判员|陪审员|书记员|检察员|法官助理"
NAME_ROLE = re.compile(f"(?:{_PARTIES}|{_COURT})")
NAME_SPANS = (
    re.compile(f"(?:{_PARTIES})" r"([\u4e00-\u9fff]{2,3})"
               r"[，,（(](?=男|女|曾用名|别名|绰号|又名|化名|自报|出生|公民身份)"),
    re.compile(f"(?:{_COURT})" r"([\u4e00-\u9fff]{2,3})$"),
)
#: weight of a character's share among names' first, second or third characters against its
#: share of all text (log10 of the ratio, clipped to +-NAME_CLIP), beside the recogniser's and
#: the n-grams': 凤 is a name's character, 风 is not, and a fax reads the one for the other.
#: The OCR bench's fax pages 0-29 (tuned): 241 errors -> 241 at weight 1, 240 at 2 (kept);
#: pages 150-179, read for the first time after: 347 -> 330 (0.58 -> 0.55 %; 王玉琴 for 王玉零
#: three times, 黄昌盛, 聂德城, 宓某; 钱锋亲其 read 钱锋康其). Not on a surname (position 0):
#: there it turned a rare surname into a common look-alike in every mention (巫某 -> 盛某 on the
#: faxed judgment shapes' tune half); the given name's characters only: tune 240, pages
#: 150-179 ~332 errors (0.557 %)
NAME_WEIGHT = 2.0
NAME_CLIP = 1.0
#: ...and also after the first one or two characters of a name the page reads after its role
#: elsewhere (``page_names``): a defendant is named once after 被告人 and then alone (章立桐开设…,
#: 马凤春伙同…). Fax errors, recorded readings replayed (pages 0-29 / 120-209 / 200-299): 222 /
#: 933 / 1,066 -> 220 / 929 / 1,056 with (1, 2), 224 / 933 / 1,061 with (2,) alone
NAMED_AT = (1, 2)
#: a three-character reading repeated this many times on a page with a character rarer than
#: RARE_SHARE of the judgments' characters (about 1,000 of 47 million: 铎, 丕) counts as the
#: page's own text (``repeated_rare``); chosen on the fax bench's pages 0-29 (3 times and 1,000:
#: 246 -> 267 errors; 3 and 300: 261; 5 and 1,000 kept: 0.43 % -> 0.42 %)
REPEAT_MIN = 5
RARE_SHARE = 1000 / 47_313_295
#: ...yet seen at least this many times: a character judgments never write is no rare name but
#: a misreading (on a poor page the recogniser reads 张 as 張, 凤 as 風: counted 0 times)
RARE_SEEN = 10
#: ...unless the judgments never write it and one look-alike away they write it this often
#: (``_misread_phrase``: 寻鲜滋 for 寻衅滋); fax pages 120-209: 1,019 -> 1,007 errors (5 or 20
#: the same), pages 0-29 240 either way
MISREAD_SEEN = 20
#: readings of a line ``choose`` keeps slot by slot. Deciding left to right (the first
#: rounds) was as good on fax pages 0-9 with the model alone (123 errors against 124 with a
#: beam of 8 or 16), but behind on 120 pages with the later rounds: pages 0-29 240 -> 232
#: (beam of 4 240, 32 or 64 232), pages 120-209 1,019 -> 966; a second pass left to right
#: with the first pass's choices after each slot 234 / 994
BEAM = 16
#: ...and only those within this (log10) of the best: the same choices on both sets (3: 239 /
#: 977, 5: 220 / 941), the model's CPU a fax page ~0.35 -> ~0.19 s (~0.13 s left to right)
BEAM_WITHIN = 8.0
#: a surely read character is doubted when a look-alike reads this much better (log10) in the
#: n-grams around it (``doubt``), and then scores as read with this probability: pages 0-29
#: 240 -> 230 (margin 3: 230, 5: 229), pages 120-209 1,019 -> 999 (margin 5: 1,002)
DOUBT_MARGIN = 4.0
DOUBT_SCORE = 0.99
#: a mark the recogniser read as one of these (its NFKC form) is changed by the n-grams into
#: another of SWAP_MARKS only where the recogniser gave that one at least MARK_SWAP_FLOOR
#: (``_open``). Why: on faxes the model turned 31 full stops read right into commas on the tune
#: pages 300-399 and 700-799, where a judgment's comma and full stop both fit three characters
#: of context; the 18 stops it rightly made commas all had the comma at >= 0.097. The colon and
#: the comma are not kept: a fax loses the tail of a semicolon (；read ：) and fills a dot.
KEPT_MARKS = frozenset("。;\"")
SWAP_MARKS = frozenset(unicodedata.normalize("NFKC", ch) for ch in "，、；：“”\"")
MARK_SWAP_FLOOR = 0.15


def default_path() -> Path | None:
    """The model an engine built without settings uses: ``DOSSIER_OCR_LANGUAGE_MODEL`` (a file,
    or ``off``: None), else where ``make install`` writes it, the model folder's
    ``ocr-lm/judgments.npz`` (``DOSSIER_MODEL_DIR``, else ``DOSSIER_DATA_DIR``/models)."""
    setting = os.environ.get("DOSSIER_OCR_LANGUAGE_MODEL", "auto")
    if setting in ("", "off"):
        return None
    if setting != "auto":
        return Path(setting)
    folder = os.environ.get("DOSSIER_MODEL_DIR") or Path(
        os.environ.get("DOSSIER_DATA_DIR") or "data") / "models"
    return Path(folder) / FILE


@dataclass
class CharModel:
    """Counts of 1- to ``ORDER``-grams, each order a sorted key array with its counts."""

    vocab: dict[str, int]
    keys: list[Any]  # per order n (index n - 1): sorted int64 keys
    counts: list[Any]  # per order: uint32 counts
    total: int
    #: per character read unsurely, the true characters it was often a misreading of, with
    #: their share of its unsure readings (``load_confusions``)
    confusions: dict[str, list[tuple[str, float]]] = field(default_factory=dict)
    #: counts of each id as the first, second and third character of a name after its role
    #: (``NAME_SPANS``), shape (3, ids); None in a model built without them
    names: Any = None
    #: counts looked up already, by (order, key): ``choose`` asks for the same histories once
    #: per option of every unsure slot (~9,000 look-ups a clean page, most of them repeats);
    #: cleared when it holds MEMO_MAX of them, so a long-lived worker's memory stays bounded
    _memo: dict[tuple[int, int], int] = field(default_factory=dict, init=False, repr=False,
                                              compare=False)
    #: each width variant of the vocabulary read as its compatibility form (``fold_table``)
    _fold: dict[int, str] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._fold = fold_table(self.vocab)

    @classmethod
    def load(cls, path: Path) -> CharModel:
        import numpy as np

        with np.load(path, allow_pickle=False) as data:
            chars = str(data["vocab"])
            keys = [data[f"keys{n}"] for n in range(1, ORDER + 1)]
            counts = [data[f"counts{n}"] for n in range(1, ORDER + 1)]
            names = data["names"] if "names" in data.files else None
        vocab = {ch: i + 2 for i, ch in enumerate(chars)}
        confusions = {} if os.environ.get("DOSSIER_OCR_CONFUSIONS") == "off" \
            else load_confusions()
        return cls(vocab, keys, counts, int(counts[0].sum()), confusions, names)

    def save(self, path: Path) -> None:
        import numpy as np

        path.parent.mkdir(parents=True, exist_ok=True)
        chars = "".join(sorted(self.vocab, key=self.vocab.__getitem__))
        arrays: dict[str, Any] = {"vocab": np.array(chars)}
        for n in range(1, ORDER + 1):
            arrays[f"keys{n}"] = self.keys[n - 1]
            arrays[f"counts{n}"] = self.counts[n - 1]
        if self.names is not None:
            arrays["names"] = self.names
        tmp = path.with_suffix(".tmp.npz")
        np.savez(tmp, **arrays)
        tmp.replace(path)

    def ids(self, text: Sequence[str]) -> list[int]:
        """Each character's id, a width variant's the id of its compatibility form (．is .)."""
        return [self.vocab.get(self._fold.get(ord(ch), ch), UNKNOWN) for ch in text]

    def id(self, char: str) -> int:
        return self.ids(char)[0] if len(char) == 1 else UNKNOWN

    def count(self, gram: Sequence[int]) -> int:
        n = len(gram)
        key = 0
        for i in gram:
            key = (key << BITS) | i
        seen = self._memo.get((n, key))
        if seen is not None:
            return seen
        keys = self.keys[n - 1]
        at = int(keys.searchsorted(key))
        seen = int(self.counts[n - 1][at]) if at < len(keys) and int(keys[at]) == key else 0
        if len(self._memo) >= MEMO_MAX:
            self._memo.clear()
        self._memo[(n, key)] = seen
        return seen

    def score(self, history: Sequence[int], char: int) -> float:
        """log10 S(char | history) by stupid backoff; history = the up to ORDER - 1 ids before."""
        history = _context(history)
        penalty = 0.0
        while history:
            seen = self.count([*history, char])
            if seen:
                return penalty + math.log10(seen / self.count(history))
            history = history[1:]
            penalty += BACKOFF
        seen = self.count([char])
        return penalty + math.log10((seen or 0.1) / self.total)

    def attested(self, history: Sequence[int], char: int) -> float | None:
        """log10 P(char | history) when this model counted ``char`` after at least two
        characters of ``history``, else None (a page's own text: no backoff, which would
        let a page's few characters outscore the judgments' n-grams)."""
        history = _context(history)
        while len(history) >= 2:
            seen = self.count([*history, char])
            if seen:
                return math.log10(seen / self.count(history))
            history = history[1:]
        return None

    def name_score(self, position: int, char: int) -> float:
        """log10 of how much likelier ``char`` is as a name's ``position``-th character than in
        text at large (clipped to +-``NAME_CLIP``): 凤 is a name's, 风 is text's. A character
        no counted name holds scores by its rarity in text (half a count among the names):
        a rare character is as likely a rare name's (铎 in 只金铎) as not, so it is not pushed
        towards a common name character that looks like it."""
        if self.names is None or char <= UNKNOWN:
            return 0.0
        row = self.names[position]
        total = int(row.sum())
        if not total:
            return 0.0
        share = (int(row[char]) + 0.5) / total
        overall = (self.count([char]) + 0.5) / self.total
        return max(-NAME_CLIP, min(NAME_CLIP, math.log10(share / overall)))

    def page(self, texts: Iterable[str]) -> CharModel:
        """A model of a page's own surely read text, over this model's characters."""
        chars = sorted(self.vocab, key=self.vocab.__getitem__)
        return build(texts, chars, min_count=1)


def load_confusions(path: Path = CONFUSIONS, min_count: int = CONFUSION_MIN
                    ) -> dict[str, list[tuple[str, float]]]:
    """The table ``benchmarks/ocr_confusions.py`` writes: per character read unsurely, the true
    characters read as it at least ``min_count`` times, each with its share of that character's
    unsure readings, commonest first. A missing file is an empty table."""
    table: dict[str, list[tuple[str, float]]] = {}
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return table
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        read, true, times, _, readings = line.split("\t")[:5]
        if int(times) >= min_count:
            table.setdefault(read, []).append((true, int(times) / max(int(readings), 1)))
    for options in table.values():
        options.sort(key=lambda option: -option[1])
    return table


def _context(history: Sequence[int]) -> list[int]:
    """The last ``ORDER - 1`` ids of ``history`` after its last line boundary (id 0): nothing is
    counted across one."""
    tail = list(history[-(ORDER - 1):])
    return tail[len(tail) - tail[::-1].index(0):] if 0 in tail else tail


Slot = list[tuple[str, float]]  # a position's options, best first: (text, probability)


def sure_text(slots: Sequence[Slot]) -> list[str]:
    """The stretches of a line read surely (every character at least ``UNSURE``)."""
    pieces, current = [], ""
    for slot in slots:
        if slot and slot[0][1] >= UNSURE:
            current += slot[0][0]
        else:
            if len(current) >= 2:
                pieces.append(current)
            current = ""
    if len(current) >= 2:
        pieces.append(current)
    return pieces


def _open(slot: Slot, before: str, after: str,
          confusions: dict[str, list[tuple[str, float]]] | None = None) -> list[tuple[str, float]]:
    """The options of an unsure slot the model may weigh: above ``CANDIDATE_FLOOR``; a letter
    or digit is the recogniser's to read (an account number or a plate has no context to
    predict it), and a gap does not repeat its neighbour (CTC cannot tell 刑 from 刑刑 there).
    A character read unsurely also offers what it was often a misreading of (``confusions``:
    逮 read as 建 with no 逮 among the recogniser's candidates)."""
    if not slot or slot[0][1] >= UNSURE or _code(slot[0][0]):
        return []
    floor = max(CANDIDATE_FLOOR, slot[0][1] / MAX_RATIO)
    options = [(text, p) for text, p in slot if p >= floor and not _code(text)]
    if confusions and slot[0][0] in confusions:
        offered = dict(options)
        for text, share in confusions[slot[0][0]]:
            p = CONFUSION_SCALE * share
            if p > offered.get(text, 0.0):
                offered[text] = p
        options = list(offered.items())
    options = _kept_mark(slot, options)
    if slot[0][0] == "":
        near = {unicodedata.normalize("NFKC", ch) for ch in (before, after)}
        options = [(text, p) for text, p in options
                   if text == "" or unicodedata.normalize("NFKC", text) not in near]
    return options if len(options) > 1 else []


def _kept_mark(slot: Slot, options: list[tuple[str, float]]) -> list[tuple[str, float]]:
    """``options`` less the other marks a mark in ``KEPT_MARKS`` may not become: those the
    recogniser gave (its width variants summed) less than ``MARK_SWAP_FLOOR``, the look-alike
    table's offers among them."""
    read = unicodedata.normalize("NFKC", slot[0][0])
    if read not in KEPT_MARKS:
        return options
    mass: dict[str, float] = {}
    for text, p in slot:
        key = unicodedata.normalize("NFKC", text)
        mass[key] = mass.get(key, 0.0) + p
    return [(text, p) for text, p in options
            if (key := unicodedata.normalize("NFKC", text)) == read or key not in SWAP_MARKS
            or mass.get(key, 0.0) >= MARK_SWAP_FLOOR]


def _code(text: str) -> bool:
    return len(text) == 1 and text.isascii() and text.isalnum()


def choose(model: CharModel, slots: Sequence[Slot], page: CharModel | None = None,
           before: str = "", after: str = "", named: Collection[str] = ()) -> str:
    """The line read slot by slot, the unsure slots' options chosen together so that the
    whole line reads best in context.

    A slot is one character the recogniser read, with its other candidates, or a gap between
    two characters where it saw a character but preferred none: ``("", p)`` first, then the
    characters it could insert. Each reading of the line scores its n-grams (the model's, or
    the page's where that is better) plus ``OCR_WEIGHT`` x log10 of the recogniser's
    probability of each option taken; the ``BEAM`` best readings so far are kept slot by slot
    (two that end in the same ``ORDER - 1`` characters can no longer differ later: the worse
    one is dropped). Deciding left to right instead, each slot against the recogniser's best
    reading of the slots after it, lost where two unsure slots sat together (see ``BEAM``).
    ``page``: the page's surely read text (``CharModel.page``); an n-gram it holds scores as
    the better of the two models. ``before`` / ``after``: the text of the lines before and after it
    on the page: a line wrapped mid-sentence is read on from the one before (范 | 围内 reads
    as 范围内), as the model was counted over whole paragraphs; without them the line is read
    as a text of its own.
    """
    start = [0, *model.ids("".join(before.split())[-(ORDER - 1):])]
    beyond = model.ids("".join(after.split())[:ORDER - 1])  # the start of the line below
    above = "".join(before.split())[-12:]  # a role word ending the line above names this one
    # (score, ids read so far with the line above's tail, options taken)
    beams: list[tuple[float, list[int], list[str]]] = [(0.0, start, [])]
    for i, slot in enumerate(slots):
        read = slot[0][0] if slot else ""
        nxt = slots[i + 1][0][0] if i + 1 < len(slots) and slots[i + 1] else ""
        grown: dict[tuple[int, ...], tuple[float, list[int], list[str]]] = {}
        for value, context, out in beams:
            previous = out[-1][-1:] if out else before.rstrip()[-1:]
            options = _open(slot, previous, nxt[:1], model.confusions)
            if options and page is not None and _on_page(page, context, read, slots[i + 1:]):
                options = []  # read the same way, surely, elsewhere on the page: a name, a code
            # a surname (position 0) is left to the n-grams and the recogniser: see NAME_WEIGHT
            at = (_name_position(above + "".join(out), named)
                  if options and model.names is not None else None)
            for text, p in options or [(read, 1.0)]:
                ids = model.ids(text)
                gain = _span_score(model, page, context[-(ORDER - 1):], ids)
                if options:
                    gain += OCR_WEIGHT * math.log10(p)
                    if at and len(text) == 1:
                        gain += NAME_WEIGHT * model.name_score(at, model.id(text))
                longer = [*context, *ids][-2 * ORDER:]
                key = tuple(_context(longer))
                if key not in grown or grown[key][0] < value + gain:
                    grown[key] = (value + gain, longer, [*out, text])
        beams = sorted(grown.values(), key=lambda beam: -beam[0])[:BEAM]
        beams = [beam for beam in beams if beam[0] >= beams[0][0] - BEAM_WITHIN]  # hopeless
    best = max(beams, key=lambda beam: beam[0] + _span_score(
        model, page, beam[1][-(ORDER - 1):], beyond))
    return "".join(best[2])


_ROLE_BEFORE = re.compile(NAME_ROLE.pattern + r"([\u4e00-\u9fff]{0,2})$")


def _name_position(read: str, named: Collection[str] = ()) -> int | None:
    """Which character of a name the next one would be (0, 1, 2) when the text read so far
    ends with a role word and at most two characters after it, or (``named``: a page's
    names' first characters, ``page_names``) with a name's start read after its role
    elsewhere on the page, else None."""
    found = _ROLE_BEFORE.search(read[-12:])
    if found:
        return len(found.group(1))
    for k in NAMED_AT:
        if len(read) >= k and read[-k:] in named:
            return k
    return None


def page_names(texts: Iterable[str]) -> frozenset[str]:
    """The first one and two characters of the names a page's lines (``texts``) read after
    their role words (马 and 马凤 of 被告人马凤春): where a later mention without its role reads
    them (由马风春假装), the next character is weighed as a name's second or third
    (``NAMED_AT``, ``NAME_WEIGHT``). An anonymised 王某 is a whole name: 王某 starts none."""
    text = "".join("".join(texts).split())
    out = set()
    for found in NAME_ROLE.finditer(text):
        for k in NAMED_AT:
            start = text[found.end():found.end() + k]
            if len(start) == k and all("\u4e00" <= ch <= "\u9fff" for ch in start) \
                    and "某" not in start:
                out.add(start)
    return frozenset(out)


def _on_page(page: CharModel, context: Sequence[int], pick: str, rest: Sequence[Slot]) -> bool:
    """Whether the three characters around ``pick`` (two before, one on each side, or two
    after) were read surely elsewhere on the page."""
    if not pick:
        return False
    ahead = [page.id(slot[0][0]) for slot in rest[:2] if slot and slot[0][0]]
    ids = [*context[-2:], page.id(pick), *ahead]
    at = min(len(context), 2)
    return any(0 not in ids[k:k + 3] and UNKNOWN not in ids[k:k + 3] and len(ids[k:k + 3]) == 3
               and page.count(ids[k:k + 3]) > 0 for k in range(max(0, at - 2), at + 1))


def _span_score(model: CharModel, page: CharModel | None, before: Sequence[int],
                span: Sequence[int]) -> float:
    """log10 score of the ids ``span`` read after the ids ``before``."""
    ids = [*before, *span]
    return sum(_score(model, page, ids[max(0, j - ORDER + 1):j], ids[j])
               for j in range(len(before), len(ids)))


def _score(model: CharModel, page: CharModel | None, history: Sequence[int], char: int) -> float:
    value = model.score(history, char)
    if page is not None:
        seen = page.attested(history, char)
        if seen is not None:
            return max(value, seen)
    return value


def repeated_rare(texts: Iterable[str], model: CharModel, times: int = REPEAT_MIN,
                  share: float = RARE_SHARE, seen: int = RARE_SEEN) -> list[str]:
    """The three-character stretches of a page's best readings (``texts``) that hold a character
    rare in judgments (counted under ``share`` of the model's characters, yet at least ``seen``
    times) and are read at least ``times`` times on the page: to be counted as the page's own
    text, like its sure reading.

    Why: on a poor fax page no line reads surely, so a defendant's rare name character (只金铎)
    has no sure mention to protect it, and the model, which has seen 锋 32 times as often as 铎,
    turns most mentions into the common look-alike while the recogniser's own best reading
    was right in most of them (lecard-277, tune split: 铎 48 and 锋 11 times with the model off,
    17 and 50 with it; 64 and 0 with this). A name is repeated; a misreading of a common
    character is not protected (its character is not rare), nor is a rare one read a few times,
    nor a character judgments never write (張 for 张, 風 for 凤: a poor page's misreadings)."""
    limit = share * model.total
    counts: dict[str, int] = {}
    for text in texts:
        text = "".join(text.split())
        for k in range(len(text) - 2):
            gram = text[k:k + 3]
            counts[gram] = counts.get(gram, 0) + 1
    return [gram for gram, n in counts.items() if n >= times
            and any("\u4e00" <= ch <= "\u9fff"
                    and seen <= model.count(model.ids(ch)) < limit for ch in gram)
            and not _misread_phrase(model, gram)]


#: a page's readings that lead a family of three-character stretches (the same two characters
#: with one varying) at least this many times, and ``CONSENSUS_LEAD`` times as often as any
#: other member, decide the members the judgments do not write (``consensus``)
CONSENSUS_MIN = 5
CONSENSUS_LEAD = 1.5
#: ...a member the judgments write at least this often is a word of its own (被害人 beside 被告人)
CONSENSUS_WRITTEN = 3
#: ...and a mention the judgments' n-grams read this much better (log10) as it is than as the
#: leader, in its own context, is left as it is
CONSENSUS_MARGIN = 1.0
#: characters of a member's line read with it on each side (its context, in ``consensus``'s pieces)
CONSENSUS_REACH = 2


def consensus(texts: Sequence[str], model: CharModel, times: int = CONSENSUS_MIN,
              lead: float = CONSENSUS_LEAD, written: int = CONSENSUS_WRITTEN,
              margin: float = CONSENSUS_MARGIN) -> tuple[list[str], set[int]]:
    """Pieces of text that make a page's leading reading of a repeated stretch its own
    (``CharModel.page``), and the lines (indices of ``texts``, the page's chosen readings) that
    hold another member of its family, to be chosen again with them.

    Why: on a poor fax page a name mentioned 49 times is chosen 王继强 18 times, 王维强 11, 王雄强
    9, 王健强 5 (OCR bench, fax page 376): each mention alone is unsure between look-alikes, and
    the model knows no name; together the mentions say which it is. A family is the Han
    stretches of three characters that agree in two places (王?强); its leader is read at least
    ``times`` times and ``lead`` times as often as any other member. A member the judgments
    write ``written`` times or more is a word (被告人 and 被害人), not a misreading, and is left
    alone, as is one they write more often than the leader (洒水车 read 酒水车 in most of its
    mentions); so are stretches holding 某 (an anonymised name: 王某甲, 王某乙). The pieces are each
    other member's mention with the leader in its place and ``CONSENSUS_REACH`` characters of
    its line on each side, so that the page attests the leader in that very context."""
    def han(ch: str) -> bool:
        return "\u4e00" <= ch <= "\u9fff" and ch != "某"

    lines = ["".join(text.split()) for text in texts]
    whole = "".join(lines)  # a name wrapped over two lines counts too
    counts: dict[str, int] = {}
    for k in range(len(whole) - 2):
        gram = whole[k:k + 3]
        if all(han(ch) for ch in gram):
            counts[gram] = counts.get(gram, 0) + 1
    families: dict[str, list[str]] = {}
    for gram in counts:  # the middle character varies: at an end, a stretch's context does
        families.setdefault(gram[0] + gram[2], []).append(gram)
    leader_of: dict[str, str] = {}
    for members in families.values():
        if len(members) < 2:
            continue
        members.sort(key=lambda gram: -counts[gram])
        top, second = members[0], members[1]
        if counts[top] < times or counts[top] < lead * counts[second]:
            continue
        seen = model.count(model.ids(top))
        for gram in members[1:]:
            times_written = model.count(model.ids(gram))
            if times_written < written and times_written <= seen:  # one family per stretch
                leader_of[gram] = top
    pieces: list[str] = []
    redo: set[int] = set()
    for i, line in enumerate(lines):
        for k in range(len(line) - 2):
            leader = leader_of.get(line[k:k + 3])
            if leader is None:
                continue
            before = model.ids(line[max(0, k - ORDER + 1):k])
            after = line[k + 3:k + 3 + CONSENSUS_REACH]
            as_read = _span_score(model, None, before, model.ids(line[k:k + 3] + after))
            if as_read - _span_score(model, None, before, model.ids(leader + after)) > margin:
                continue  # the judgments read this mention as it is (洒水车, where most read 酒水车)
            pieces.append(line[max(0, k - CONSENSUS_REACH):k] + leader + after)
            redo.add(i)
    return pieces, redo


def _misread_phrase(model: CharModel, gram: str) -> bool:
    """Whether ``gram`` is a stretch judgments never write that is one look-alike
    (``confusions``) away from one they write at least ``MISREAD_SEEN`` times: 寻鲜滋 read in
    every mention of 寻衅滋事罪 on a page is a misreading repeated, not a name."""
    if model.count(model.ids(gram)) > 0:
        return False
    return any(model.count(model.ids(gram[:k] + text + gram[k + 1:])) >= MISREAD_SEEN
               for k, ch in enumerate(gram) for text, _ in model.confusions.get(ch, ()))


def doubt(model: CharModel, slots: Sequence[Slot]) -> list[Slot] | None:
    """``slots`` with each surely read Han character made unsure where a look-alike it was
    often a misreading of (``confusions``) reads ``DOUBT_MARGIN`` better in the n-grams around
    it (寻鲜滋事 for 寻衅滋事, 被速捕 for 被逮捕: a fax's thick strokes fool the recogniser
    surely too); the look-alike is offered as for an unsure character, and ``choose``
    decides. A name after its role word is not doubted (王恩亮 is no misreading of 王思亮).
    None when no slot is unsure after it (the line reads as read)."""
    read = [slot[0][0] if slot else "" for slot in slots]
    out = list(slots)
    for i, slot in enumerate(slots):
        if not slot or slot[0][1] < UNSURE or not "\u4e00" <= slot[0][0] <= "\u9fff":
            continue
        alike = model.confusions.get(slot[0][0])
        if not alike or (model.names is not None
                         and _name_position("".join(read[max(0, i - 12):i])) is not None):
            continue
        left = model.ids("".join(read[max(0, i - ORDER + 1):i])[-(ORDER - 1):])
        right = model.ids("".join(read[i + 1:i + ORDER])[:ORDER - 1])
        as_read = _span_score(model, None, left, [*model.ids(slot[0][0]), *right])
        offered = [(text, CONFUSION_SCALE * share) for text, share in alike
                   if _span_score(model, None, left, [*model.ids(text), *right])
                   - as_read > DOUBT_MARGIN]
        if offered:
            out[i] = [(slot[0][0], DOUBT_SCORE), *offered]
    return out if any(slot and slot[0][1] < UNSURE for slot in out) else None


def merge_slots(first: Sequence[Slot], second: Sequence[Slot]) -> list[Slot]:
    """``first``'s slots, each character slot that lines up with one of ``second``'s (the same
    line read by another recogniser) given the mean of the two readings' probabilities, so that
    ``choose`` weighs both readers' candidates: a fax's thick strokes mislead two recognisers in
    different ways. Slots line up where the two best readings agree, or differ by as many
    characters as they replace; a gap slot, and a stretch read with more or fewer characters,
    keep ``first``'s."""
    from difflib import SequenceMatcher

    at_a = [k for k, slot in enumerate(first) if slot and slot[0][0]]
    at_b = [k for k, slot in enumerate(second) if slot and slot[0][0]]
    best_a = [first[k][0][0] for k in at_a]
    best_b = [second[k][0][0] for k in at_b]
    out = [list(slot) for slot in first]
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, best_a, best_b,
                                               autojunk=False).get_opcodes():
        if tag not in ("equal", "replace") or i2 - i1 != j2 - j1:
            continue
        for x, y in zip(range(i1, i2), range(j1, j2), strict=True):
            pa, pb = dict(first[at_a[x]]), dict(second[at_b[y]])
            mean = {ch: (pa.get(ch, 0.0) + pb.get(ch, 0.0)) / 2 for ch in {*pa, *pb}}
            out[at_a[x]] = sorted(mean.items(), key=lambda kv: (-kv[1], kv[0]))
    return out


def sure_slots(text: str) -> list[Slot]:
    """A line read surely (no unsure frame, so no slots kept) as slots."""
    return [[(ch, 1.0)] for ch in text]


#: punctuation a recogniser adds on a fax (the paper beside a full-width ）, 、 or “ read as a
#: second mark: （2017）.闽, （3））协议书); × and * are not: judgments write ××× and ****
MARKS = "。，、；：？！“”‘’（）()《》〈〉【】[].．,;:·•"
#: two marks side by side that judgments write less than this share of the rarer one's count
#: are one too many (）） 30 times in 174,000 ）, ）. never; 。） 6,423): the rarer one is dropped.
#: Fax errors, recorded readings replayed (pages 0-29 / 120-209 / 200-299): 220 / 929 / 1,056
#: -> 216 / 918 / 1,037; clean pages 0-9 unchanged. Letting ``choose`` drop any unsure mark
#: instead (a "" option at 0.001-0.05) lost true marks: 235-387 / 974-1,425 / 1,116-1,666
ODD_PAIR = 1e-3


def odd_marks(model: CharModel, text: str) -> str:
    """``text`` without a mark that makes a pair judgments (nearly) never write with the mark
    before it (``ODD_PAIR``): of the two, the one judgments write less often goes, ）. reads
    ）. The fax bench's pages 120-209 held 7 ）） and 6 ）. against none in their text."""
    out: list[str] = []
    for ch in text:
        if out and ch in MARKS and out[-1] in MARKS:
            first, second = (model.count(model.ids(c)) for c in (out[-1], ch))
            if min(first, second) > 0 and model.count(model.ids(out[-1] + ch)) \
                    < ODD_PAIR * min(first, second):
                if first < second:
                    out[-1] = ch
                continue
        out.append(ch)
    return "".join(out)


#: a gap slot between two characters whose centres stand this much further apart than their
#: widths need (in the line's median distance between two Chinese characters: one cell) held
#: something the recogniser did not write (``open_cells``): a fax's 。 or ， swallowed whole
#: (为117000元。邦高公司 read 元邦). Recorded fax readings, pages 300-399: two Chinese
#: characters stand 0.7-1.3 cells apart 115,000 times with no gap slot between them, 1.7 cells
#: or more once with none and 45 times with one (a swallowed mark's room)
CELL_ROOM = 0.7
#: ...and a gap slot ending a line after its last character, where the room from that
#: character's centre to the crop's end, less half its width, is CELL_ROOM + END_PAD: the crop
#: ends a quarter of a line height after its last ink (``ocr.engines.rapid``), so a 。 the
#: recogniser saw at 0.1-0.4 and wrote as a blank (罚金人民币三万元。) leaves most of a cell
#: there. Fax pages 300-399 (chosen on), 930 errors with no end rule -> 929 / 924 / 924 with
#: END_PAD 0.2 / 0.1 (kept) / 0.0
END_PAD = 0.1
#: ...and there the blank's probability is scaled by this, so that the n-grams choose among the
#: marks the recogniser offered (a filled · offered as 。). Tuned on fax pages 300-399
#: (recorded readings replayed): 952 errors -> 942 / 936 / 934 with 0.1 / 0.01 (kept) / 0.003
ROOM_BLANK = 0.01
#: a gap slot offering a closing quote after an opening one that is not yet closed (or an
#: opening quote before a closing one), within this many slots: the blank's probability is
#: scaled by ROOM_BLANK too (quotes come in pairs; the n-grams alone leave them out). Pages
#: 300-399: 936 -> 930 errors
QUOTE_REACH = 12
QUOTES = ("“", "”")


def _cell_width(text: str) -> float:
    """A character's width in cells: half for a letter or digit, one for a Chinese character."""
    return 0.5 if text.isascii() else 1.0


def open_cells(slots: Sequence[Slot], at: Sequence[float] | None) -> list[Slot]:
    """``slots`` with the blank of each gap slot doubted (its probability times ROOM_BLANK)
    where the gap held something: the characters on either side (Chinese, letters or digits)
    stand ``CELL_ROOM`` of a cell further apart than their widths need (``at``: each character
    slot's centre, as ``ocr.engines.rapid.Reading.at``), or the gap offers the quote that
    closes one opened before it (or opens one closed after it) within ``QUOTE_REACH`` slots.
    A filled dot the gap offers is offered as 。 (``filled_marks``). Why: a fax's thick strokes
    make the recogniser's blank win over a 。, ， or ” it saw at 0.02-0.35, and the n-grams,
    asked whether a mark stood there, mostly say no; the line's geometry says yes."""
    out = list(slots)
    firsts = [slot[0][0] if slot else "" for slot in slots]
    for g, slot in enumerate(slots):
        if slot and slot[0][0] == "" and _pairs_a_quote(firsts, g, {t for t, _ in slot[1:]}):
            out[g] = [("", slot[0][1] * ROOM_BLANK), *slot[1:]]
    chars = [k for k, first in enumerate(firsts) if first]
    if at is None or len(chars) != len(at):
        return out
    han = [at[j + 1] - at[j] for j in range(len(chars) - 1)
           if _is_han(firsts[chars[j]]) and _is_han(firsts[chars[j + 1]])]
    if len(han) < 3 or (cell := sorted(han)[len(han) // 2]) <= 0:
        return out
    for j, k in enumerate(chars):
        g, left = k + 1, firsts[k]
        # the one gap slot after a Chinese character, letter or digit, not doubted already
        if g >= len(slots) or not slots[g] or firsts[g] or out[g] is not slots[g] \
                or not (_is_han(left) or _code(left)):
            continue
        if j + 1 < len(chars):
            right = firsts[chars[j + 1]]
            if chars[j + 1] != g + 1 or not (_is_han(right) or _code(right)):
                continue
            room = (at[j + 1] - at[j]) / cell - (_cell_width(left) + _cell_width(right)) / 2
        elif g == len(slots) - 1:  # the line's last character: the room up to the crop's end
            room = (1.0 - at[j]) / cell - _cell_width(left) / 2 - END_PAD
        else:
            continue
        if room >= CELL_ROOM:
            offered: dict[str, float] = {}
            for text, p in slots[g][1:]:
                text = "。" if text in DOTS else text
                offered[text] = max(p, offered.get(text, 0.0))
            out[g] = [("", slots[g][0][1] * ROOM_BLANK),
                      *sorted(offered.items(), key=lambda kv: -kv[1])]
    return out


def _is_han(text: str) -> bool:
    return len(text) == 1 and "\u4e00" <= text <= "\u9fff"


def _pairs_a_quote(firsts: Sequence[str], g: int, offered: Collection[str]) -> bool:
    """Whether gap ``g`` offers the quote its line's other quotes want there: ” after a “ not
    yet closed, “ before a ” not opened, within ``QUOTE_REACH`` slots."""
    before = [k for k in range(g) if firsts[k] in QUOTES]
    after = [k for k in range(g + 1, len(firsts)) if firsts[k] in QUOTES]
    opened = bool(before) and firsts[before[-1]] == QUOTES[0]
    closed = bool(after) and firsts[after[0]] == QUOTES[1]
    if QUOTES[1] in offered and opened and not closed and g - before[-1] <= QUOTE_REACH:
        return True
    return QUOTES[0] in offered and closed and not opened and after[0] - g <= QUOTE_REACH


#: a “ read this few characters after a “ not yet closed, with no sentence's end between, is the
#: closing ” a fax turned (“阿照“在外面; ``closing_quotes``)
CLOSE_REACH = 10
_SENTENCE_END = "。！？!?；;"


def closing_quotes(texts: Sequence[str]) -> list[str]:
    """The page's lines (in reading order) with each “ that follows a “ not yet closed, within
    ``CLOSE_REACH`` characters and the same sentence, read as ”.

    Why: at 150 dpi the two curls differ by a few pixels, and a fax reads the closing quote of a
    short quoted name as an opening one (“阿照“在外面, “三进一“猎枪, “投保人声明栏“载明); quotes come in
    pairs, and judgments nest with ‘’, not a second “ (a second one further on leaves both as
    read: which one is wrong is not known, and a wrong guess would turn the next pair). The
    n-grams do not tell the two apart there (they preferred “ in “三进一“猎枪), so the pairing
    alone decides. Recorded fax readings (``benchmarks.ocr``'s pages 300-399 and 700-799):
    878 -> 869 and 744 -> 743 errors."""
    out: list[str] = []
    opened: int | None = None  # characters since the unclosed “ (across lines), else None
    for text in texts:
        chars = list(text)
        for k, ch in enumerate(chars):
            if opened is not None and not ch.isspace():
                opened += 1
            if ch in _SENTENCE_END or ch == QUOTES[1]:
                opened = None
            elif ch == QUOTES[0]:
                if opened is None:
                    opened = 0
                    continue
                if opened <= CLOSE_REACH:
                    chars[k] = QUOTES[1]
                opened = None  # closed, or a second “ far from the first: which is wrong is unknown
        out.append("".join(chars))
    return out


#: digits a fax's thickened strokes make of others: its ink closes the openings of a 6 or a 3, so
#: an unsure 8 is often a 6, 3 or 9, a 9 a 3, a 0 a 6 or 9 (``filled_digits``)
FILLED = {"8": "639", "9": "3", "0": "69"}
#: ...read as the runner-up digit when that scored within this factor of the read one. Recorded
#: fax readings (before ``ocr.lm``), the unsure read digit against the truth, runner-up within
#: 10x / 10-30x: pages 120-209 (chosen on) 32 runners-up right, 1 read digit right / 3 and 3;
#: pages 0-29 8 / 2 and 3 / 3; pages 200-299 (checked after, within 10x) 34 / 4
FILLED_WITHIN = 10.0


def filled_digits(slots: Sequence[Slot]) -> list[Slot]:
    """``slots`` with each unsure digit of ``FILLED`` whose best other digit is one it is often
    a misreading of, scored within ``FILLED_WITHIN`` of it, read as that digit: letters and
    digits are the recogniser's to read (``_open``), but on a fax it errs one way (8 for 6:
    the 6's opening filled in), and the n-grams cannot tell 2016 from 2018."""
    out = list(slots)
    for i, slot in enumerate(slots):
        if not slot or slot[0][1] >= UNSURE or slot[0][0] not in FILLED:
            continue
        runner = next((k for k in range(1, len(slot)) if slot[k][0].isdigit()), None)
        if runner is not None and slot[runner][0] in FILLED[slot[0][0]] \
                and slot[0][1] < FILLED_WITHIN * slot[runner][1]:
            out[i] = [slot[runner], *slot[:runner], *slot[runner + 1:]]
    return out


#: marks a fax fills in: its thick strokes make a solid dot of a 。, a ， or a 、, which the
#: recogniser reads as ·; its runner-up mark says which (``filled_marks``)
FILLED_MARKS = "。，、"
DOTS = ("·", "•")


def filled_marks(slots: Sequence[Slot]) -> list[Slot]:
    """``slots`` with each · read as the mark it is a filled-in copy of: the recogniser's best
    other mark of ``FILLED_MARKS`` (given the ·'s probability, the · that mark's), or 。 when
    it offers none. Recorded fax readings (pages 0-29 and 120-209), a · against the truth:
    runner-up 。 208 of 213 a 。; ， 147 of 166 a ， (19 a 。); 、 22 of 25 a 、; none 66 of 67 a
    。. The judgments' n-grams alone could not tell a sentence's end from a clause's (一万四千元。
    刘某当着…)."""
    out = list(slots)
    for i, slot in enumerate(slots):
        if not slot or slot[0][0] not in DOTS:
            continue
        runner = next((k for k in range(1, len(slot)) if slot[k][0] in FILLED_MARKS), None)
        if runner is None:
            out[i] = [("。", slot[0][1]), *slot[1:], (slot[0][0], min(slot[0][1], CANDIDATE_FLOOR))]
        else:
            out[i] = [(slot[runner][0], slot[0][1]), *slot[1:runner],
                      (slot[0][0], slot[runner][1]), *slot[runner + 1:]]
    return out


#: a recogniser's run of lowercase x that may stand for the × of an anonymised name or number
#: (after a plate's capital: 浙A×××)
_X_RUN = re.compile(r"(?<![a-z])x+(?![A-Za-z])")


def times_runs(model: CharModel, text: str) -> str:
    """``text`` with each run of lowercase x between no other lowercase letters read as × where the model
    prefers it: a fax's × (卡号：×××, 浙A×××) reads x to the recogniser, which cannot tell the two
    at 150 dpi, and judgments write × (12,589 times in LeCaRD's first 3,000 judgments against 430
    lowercase x beside a Chinese character). Uppercase X stays: judgments write XXX too."""

    def pick(match: re.Match[str]) -> str:
        run, times = match.group(0), "×" * len(match.group(0))
        left = model.ids(text[max(0, match.start() - (ORDER - 1)):match.start()])
        right = model.ids(text[match.end():match.end() + ORDER - 1])
        return max((run, times), key=lambda middle: _span_score(
            model, None, left, [*model.ids(middle), *right]))

    return _X_RUN.sub(pick, text)


def ctc_slots(top: Any, probs: Any, chars: Sequence[str]) -> list[Slot]:
    """A line's slots from its CTC frames' ``top`` token ids and their ``probs`` (T x k, best
    first; token 0 is the blank). A character's options are the best probability each token
    reached on the frames of its run (a frame's candidates below ``CANDIDATE_FLOOR`` are never
    options: not looked at); a gap is offered where a blank frame's runner-up is a character of
    probability ≥ ``GAP_FLOOR``."""
    top, probs = top.tolist(), probs.tolist()  # Python numbers: ~3x faster to walk
    slots: list[Slot] = []
    frames = len(top)
    t = 0
    gap: dict[str, float] = {}
    while t < frames:
        token = top[t][0]
        if token == 0:
            for j in range(1, len(top[t])):
                p = probs[t][j]
                if p < GAP_FLOOR:
                    break
                ch = chars[top[t][j]]
                if top[t][j] and ch.strip() and p > gap.get(ch, 0.0):
                    gap[ch] = p
            t += 1
            continue
        if gap:
            slots.append([("", 1.0 - max(gap.values())),
                          *sorted(gap.items(), key=lambda kv: -kv[1])])
            gap = {}
        run: dict[str, float] = {}
        while t < frames and top[t][0] == token:
            for j in range(len(top[t])):
                p = probs[t][j]
                if j and p < CANDIDATE_FLOOR:
                    break
                ch = chars[top[t][j]]
                if top[t][j] and ch.strip() and p > run.get(ch, 0.0):
                    run[ch] = p
            t += 1
        first = chars[token]
        slots.append([(first, run.pop(first, 0.0)),
                      *sorted(run.items(), key=lambda kv: -kv[1])])
    if gap:
        slots.append([("", 1.0 - max(gap.values())), *sorted(gap.items(), key=lambda kv: -kv[1])])
    return slots


# --- building ---------------------------------------------------------------------------------

def fold_table(vocab: Collection[str]) -> dict[int, str]:
    """A ``str.translate`` table taking each character of ``vocab`` whose compatibility form
    (NFKC) is another single character of ``vocab`` to that form: ．to ., ，to , and ５ to 5.

    Why: judgments write the same mark in either width (5．and 5. after a number, ，and ,) and
    the recogniser reads either; counted apart, the n-grams split each mark's evidence, and
    the half-width full stop the recogniser read after an item's number (。5.陈某) lost to 、,
    which judgments write there more often than either dot alone (。5．1,927 times, 。5. 223,
    。5、4,608). Both are counted and looked up as one; what ``choose`` writes is still the
    recogniser's own character, and the metric folds widths (NFKC) as well."""
    out = {}
    for ch in vocab:
        form = unicodedata.normalize("NFKC", ch)
        if len(ch) == 1 and len(form) == 1 and form != ch and form in vocab:
            out[ord(ch)] = form
    return out


def build(texts: Iterable[str], vocab: Sequence[str], min_count: int = MIN_COUNT,
          names: bool = False) -> CharModel:
    """Count the n-grams of ``texts`` over ``vocab`` (the recogniser's characters), and with
    ``names`` the characters of the names after their roles (``NAME_SPANS``)."""
    import numpy as np

    index = {ch: i + 2 for i, ch in enumerate(vocab)}
    fold = fold_table(index)
    stream: list[int] = []
    named = np.zeros((3, len(vocab) + 2), dtype=np.uint32) if names else None
    for text in texts:
        for line in unicodedata.normalize("NFC", text).splitlines():
            line = "".join(line.split()).translate(fold)
            if line:
                stream.append(0)
                stream.extend(index.get(ch, UNKNOWN) for ch in line)
                if named is not None:
                    for pattern in NAME_SPANS:
                        for found in pattern.finditer(line):
                            for k, ch in enumerate(found.group(1)):
                                named[k, index.get(ch, UNKNOWN)] += 1
    stream.append(0)
    ids = np.asarray(stream, dtype=np.int64)
    keys, counts = [], []
    for n in range(1, ORDER + 1):
        if len(ids) < n:  # a page with nothing read surely
            keys.append(np.zeros(0, dtype=np.int64))
            counts.append(np.zeros(0, dtype=np.uint32))
            continue
        grams = np.zeros(len(ids) - n + 1, dtype=np.int64)
        boundary = np.zeros(len(grams), dtype=bool)
        for k in range(n):
            part = ids[k:len(ids) - n + 1 + k]
            grams = (grams << BITS) | part
            boundary |= part == 0
        uniq, cnt = np.unique(grams[~boundary], return_counts=True)
        if n >= 3 and min_count > 1:
            uniq, cnt = uniq[cnt >= min_count], cnt[cnt >= min_count]
        keys.append(uniq)
        counts.append(cnt.astype(np.uint32))
    return CharModel(index, keys, counts, int(counts[0].sum()), names=named)
