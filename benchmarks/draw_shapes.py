"""Draw a batch of judgments to label by hand for ``tests/data/judgment_shapes`` (issue 19).

Batch 5 (the fresh held-out batch) was drawn with

    python -m benchmarks.draw_shapes --seed 5 --batch 5

batch 6 with ``--seed 6 --batch 6`` (no ruling was left by then: their places went to 被告单位)
and batch 7 with ``--seed 7 --batch 7 --write`` (the same quotas, drawn after the survey rounds).
Candidates are the LeCaRD ``qw`` and JuDGE ``fd`` texts of ../shared/data of 1,500-7,000
characters that are neither labelled already (``judgment_shapes`` or ``extraction_gold``) nor
the same case as one that is: no case number (（2014）…号) shared with a labelled text, the
first-instance number an appeal quotes included, and not the same first 200 characters of
facts. Each candidate's shapes are read from its text by plain patterns (not the extractor):
ruling (titled 刑事裁定书), appeal (a judgment numbered 刑终/刑再/刑监), unit (被告单位),
combined (决定执行), alias (自报/化名/别名/绰号/曾用名/乳名), civil (附带民事), multi (two or more 被告人 introduced). The
quotas are filled rarest shape first, each by a seeded random draw among the candidates with
that shape not drawn yet (the candidates of a shape shuffled and taken in order; a shape with
too few candidates, the rulings, leaves its places to the next shape); the drawn texts of each
shape are shuffled and the batch is split alternately tune / heldout in that order, so the split
is stratified by the shape each text was drawn for. It prints
``doc_id shape split length`` and, with ``--write``, copies the texts into ``texts/``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
FIXTURES = ROOT / "tests" / "data" / "judgment_shapes"
GOLD = DATA / "extraction_gold"
# drawn rarest first; even counts so that each shape splits evenly
QUOTAS = {"ruling": 4, "unit": 4, "civil": 4, "alias": 4, "combined": 4, "appeal": 6, "multi": 4}
TITLE = re.compile(r"刑事(?:附带民事)?(判决|裁定)书")
CASE_NO = re.compile(r"[（(]\d{4}[）)][^，。；、\s（()）]{1,20}?号")


def corpus(data: Path = DATA) -> dict[str, str]:
    """Every full judgment text of LeCaRD and JuDGE by doc id (lecard-<id>, judge-<id>)."""
    docs: dict[str, str] = {}
    with gzip.open(data / "lecard" / "corpus.jsonl.gz", "rt", encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            docs[f"lecard-{row['candidate_id']}"] = row.get("qw") or ""
    with gzip.open(data / "judge" / "judgments.jsonl.gz", "rt", encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            docs[f"judge-{row['text_id']}"] = row.get("fd") or ""
    return docs


def shapes(text: str) -> set[str]:
    """The shapes a text has, by plain patterns on the text."""
    title = TITLE.search(text[:150])
    number = CASE_NO.search(text[:300])
    found = set()
    if title and title.group(1) == "裁定":
        found.add("ruling")
    elif number and re.search(r"刑终|刑再|刑监", number.group(0)):
        found.add("appeal")
    if "被告单位" in text:
        found.add("unit")
    if "决定执行" in text:
        found.add("combined")
    if re.search(r"自报|化名|别名|绰号|曾用名|乳名", text):
        found.add("alias")
    if "附带民事" in text:
        found.add("civil")
    if len(set(re.findall(r"被告人([\u4e00-\u9fa5某×Ｘ]{1,4}?)[，,（(]", text[:2500]))) >= 2:
        found.add("multi")
    return found


def _facts_key(text: str) -> str:
    return re.sub(r"\s", "", text)[150:350]


def draw(seed: int, docs: dict[str, str], batch_no: int = 5, fixtures: Path = FIXTURES,
         gold: Path = GOLD) -> list[tuple[str, str, str]]:
    """(doc_id, shape drawn for, split) of batch ``batch_no``: the labels of earlier batches
    (no ``batch`` key: 1) and the gold set are left out, so the draw repeats once it is labelled."""
    labelled = {p.stem for p in (fixtures / "labels").glob("*.json")
                if json.loads(p.read_text(encoding="utf-8")).get("batch", 1) < batch_no}
    labelled |= {p.stem for p in (gold / "texts").glob("*.txt")}
    known_numbers: set[str] = set()
    known_facts: set[str] = set()
    for doc_id in labelled:
        path = fixtures / "texts" / f"{doc_id}.txt"
        if not path.exists():
            path = gold / "texts" / f"{doc_id}.txt"
        text = path.read_text(encoding="utf-8")
        known_numbers |= set(CASE_NO.findall(text))
        known_facts.add(_facts_key(text))
    pool: dict[str, set[str]] = {}
    for doc_id in sorted(docs):
        text = docs[doc_id]
        if doc_id in labelled or not 1500 <= len(text) <= 7000:
            continue
        if set(CASE_NO.findall(text)) & known_numbers or _facts_key(text) in known_facts:
            continue
        pool[doc_id] = shapes(text)
    rng = random.Random(seed)
    taken: set[str] = set()
    batch: list[tuple[str, str, str]] = []
    seen: set[str] = set()
    short = 0
    for shape, quota in QUOTAS.items():
        quota += short  # a shape with too few candidates leaves its places to the next one
        candidates = sorted(d for d, s in pool.items() if shape in s and d not in taken)
        rng.shuffle(candidates)
        picked: list[str] = []
        for doc_id in candidates:
            numbers = set(CASE_NO.findall(docs[doc_id]))
            if numbers & seen:  # the same case twice in the batch (an appeal and its first instance)
                continue
            picked.append(doc_id)
            seen |= numbers
            if len(picked) == quota:
                break
        short = quota - len(picked)
        rng.shuffle(picked)
        for doc_id in picked:
            taken.add(doc_id)
            batch.append((doc_id, shape, "tune" if len(batch) % 2 == 0 else "heldout"))
    return batch


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.draw_shapes", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--batch", type=int, default=5)
    parser.add_argument("--write", action="store_true", help="copy the texts into texts/")
    args = parser.parse_args(argv)
    docs = corpus()
    for doc_id, shape, split in draw(args.seed, docs, args.batch):
        print(f"{doc_id}\t{shape}\t{split}\t{len(docs[doc_id])}")
        if args.write:
            (FIXTURES / "texts" / f"{doc_id}.txt").write_text(docs[doc_id], encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
