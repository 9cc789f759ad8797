"""The gold bench on OCR output: how much of each field survives scanning and recognition.

Every gold judgment (../shared/data/extraction_gold/texts) is laid out on A4 pages by the scan
generator (tests/scans/generate.py; the font and size vary from document to document), degraded
per condition exactly as ``benchmarks.ocr`` does (``clean``: as rendered; ``scanned``: small skew,
blur, noise, JPEG), and read through the service's own path: ``ocr.document.ocr_page`` with the
engine the settings choose (``DOSSIER_OCR_ENGINE``, ``DOSSIER_OCR_THREADS``). The page texts go
to the extractor as the pipeline hands them over (one string per page) and are scored with the
very scorer of ``benchmarks.extraction`` (the rules of ``benchmarks.extraction_gold``), so the table shows,
field by field, the text as published next to each OCR condition.

The OCR output of each page set is cached under ``.cache/extraction-ocr`` keyed by the text's
hash, font, size, condition, generator version, engine version and OCR settings: a rerun with
the same engine costs seconds; a new engine version (or model setting) reads everything again. Run from the repository root (the
generator lives in tests/scans), niced on a shared machine::

    nice python -m benchmarks.extraction_ocr --data ../shared/data
    nice python -m benchmarks.extraction_ocr --data ../shared/data --ocr-limit 5 --conditions clean

This is a benchmark tool, not a stage: it imports ``ocr`` and the workers' engine factory
lazily, as a bench may; the extraction code it measures imports neither.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shlex
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from benchmarks.extraction import TARGETS, Counts, bench_gold
from benchmarks.paths import REPO, SHARED_DATA

CACHE = REPO / ".cache" / "extraction-ocr"
CONDITIONS = ("clean", "scanned")
#: bump when the rendering or degradation of the pages changes (invalidates the cache)
RENDER_VERSION = "1"


@dataclass
class OcrRun:
    """The OCR of one condition: page texts per gold text hash, and what it cost."""

    condition: str
    engine: str = ""
    pages: int = 0
    chars: int = 0  # reference characters (NFKC, no whitespace)
    edits: int = 0
    seconds: float = 0.0  # OCR seconds spent now (cache hits cost none)
    cached: int = 0  # documents read from the cache
    texts: dict[str, list[str]] = field(default_factory=dict)

    @property
    def cer(self) -> float:
        return self.edits / self.chars if self.chars else 0.0

    def add(self, text: str, doc: OcrDoc, label: str,
            log: Callable[[str], None] | None = None) -> None:
        """Count one document read under this condition (its pages kept by the text's hash)."""
        self.texts[text_key(text)] = doc.pages
        self.pages += len(doc.pages)
        self.cached += doc.cached
        self.seconds += doc.seconds
        self.chars += doc.chars
        self.edits += doc.edits
        if log is not None:
            log(f"  {self.condition:8s} {label}: {len(doc.pages)} pages, CER "
                f"{doc.edits / max(doc.chars, 1):.2%}, "
                + ("cached" if doc.cached else f"{doc.seconds:.0f} s"))

    def summary(self, documents: int) -> str:
        return (f"{self.pages} pages, CER {self.cer:.2%}, {self.cached} of {documents} "
                f"documents from cache, {self.seconds:.0f} s of OCR now")


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def layout_for(index: int) -> tuple[str, int]:
    """Font and size of the ``index``-th gold document (sorted by name): every font and size
    of ``benchmarks.ocr`` takes its turn, in combinations that differ from one document to the next."""
    from benchmarks.ocr import FONT_SIZES, FONTS

    return FONTS[index % len(FONTS)], FONT_SIZES[(index // len(FONTS) + index) % len(FONT_SIZES)]


def settings_engine() -> Any:
    """The OCR engine the service's settings choose, built by the workers' own factory
    (``services.engines.ocr_engine``), so the bench reads pages exactly as the service does."""
    from models.settings import get_settings
    from services.engines import ocr_engine

    return ocr_engine(get_settings())


def engine_key(engine: Any) -> str:
    """Cache folder of an engine: its name and version, and a hash of the OCR settings (model,
    thresholds …; not the thread count) since one version may read differently by them, of
    the language model and look-alike table it reads with (``ocr.lm``: a rebuilt model reads
    the same page differently under the same version), and of the ``ocr`` package's code."""
    from models.settings import get_settings
    from ocr.lm import default_path, load_confusions

    options = {k: str(v) for k, v in sorted(get_settings().model_dump().items())
               if k.startswith(("ocr_", "paddleocr_"))
               and k not in ("ocr_threads", "ocr_fanout_min_pages")}
    if "+lm" in str(engine.version):
        model = default_path()
        options["lm"] = _model_digest(model) if model is not None else "off"
        # the pairs the engine uses, not the file: its comments may change
        options["confusions"] = ("off" if os.environ.get("DOSSIER_OCR_CONFUSIONS") == "off"
                                 else hashlib.sha256(json.dumps(
                                     load_confusions(), sort_keys=True).encode()).hexdigest())
    # the reading code too: the engine's version names its models, not a change to ocr/
    options["code"] = code_digest(REPO / "ocr")
    digest = hashlib.sha256(json.dumps(options).encode()).hexdigest()[:8]
    return f"{_slug(f'{engine.name} {engine.version}')}-{digest}"


@lru_cache(maxsize=4)
def code_digest(folder: Path) -> str:
    """A hash of the Python sources under ``folder`` (path and content), once per process: a
    changed weight in ``ocr/lm.py`` reads the same page differently under the same engine
    version, and a cache keyed without it served the pages read before the change."""
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*.py")):
        digest.update(path.relative_to(folder).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _model_digest(path: Path) -> str:
    """The language model file's content hash ("missing" when it is not there), hashed once per
    version of the file: the key is asked for every document, and the file is ~90 MB."""
    try:
        stat = path.stat()
    except OSError:
        return "missing"
    return _digest_of(path.resolve(), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=4)
def _digest_of(path: Path, mtime_ns: int, size: int) -> str:
    from similarity.model_build import source_digest

    return source_digest(path)


def _slug(value: str) -> str:
    return re.sub(r"[^0-9A-Za-z._-]+", "_", value).strip("_")[:80]


@dataclass
class OcrDoc:
    """One gold text read under one condition."""

    pages: list[str]  # OCR text per page
    edits: int  # edit distance to the rendered text (NFKC, no whitespace), all pages
    chars: int  # rendered characters, same normalisation
    cached: bool
    seconds: float  # OCR seconds spent now


def ocr_document(text: str, index: int, condition: str, engine: Any,
                 cache: Path | None = CACHE) -> OcrDoc:
    """Render, degrade and OCR one gold text (or read it from the cache)."""
    font, size = layout_for(index)
    version = f"{engine.name} {engine.version}"
    path = None
    if cache is not None:
        name = f"{text_key(text)[:24]}-{font}-{size}-{condition}-r{RENDER_VERSION}.json"
        path = cache / engine_key(engine) / name
        if path.is_file():
            got = json.loads(path.read_text("utf-8"))
            return OcrDoc(got["pages"], got["edits"], got["chars"], True, 0.0)
    from benchmarks.ocr import condition_params
    from ocr.document import ocr_page
    from ocr.metrics import edit_distance, normalize
    from tests.scans.generate import degrade, render_pages

    rendered = render_pages(text, font=font, font_size=size)
    pages, truth = [], []
    started = time.perf_counter()
    for i, (image, page_truth) in enumerate(rendered):
        img = degrade(image, seed=1000 * index + i, **condition_params(condition, i))
        img.info["dpi"] = (300, 300)
        pages.append(ocr_page(i + 1, img, engine).text)
        truth.append(page_truth)
    seconds = time.perf_counter() - started
    refs = [normalize(t) for t in truth]
    edits = sum(edit_distance(ref, normalize(hyp)) for ref, hyp in zip(refs, pages, strict=True))
    chars = sum(len(ref) for ref in refs)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"engine": version, "font": font, "size": size,
                                   "condition": condition, "pages": pages, "truth": truth,
                                   "edits": edits, "chars": chars},
                                  ensure_ascii=False), "utf-8")
        tmp.replace(path)
    return OcrDoc(pages, edits, chars, False, seconds)


def gold_texts(gold: Path, limit: int | None = None) -> list[tuple[str, str]]:
    """(doc id, text) of the labelled gold judgments, sorted by id; the first ``limit``."""
    ids = sorted(p.stem for p in (gold / "labels").glob("*.json"))
    if limit is not None:
        ids = ids[:limit]
    return [(i, (gold / "texts" / f"{i}.txt").read_text(encoding="utf-8")) for i in ids]


def run_ocr(gold: Path, condition: str, engine: Any, *, limit: int | None = None,
            ids: Sequence[str] | None = None, cache: Path | None = CACHE,
            log: Callable[[str], None] | None = None) -> OcrRun:
    """OCR every (or the first ``limit``, or the named) gold judgment under ``condition``."""
    run = OcrRun(condition, f"{engine.name} {engine.version}")
    all_ids = [i for i, _ in gold_texts(gold)]
    for doc_id, text in gold_texts(gold, limit):
        if ids is not None and doc_id not in ids:
            continue
        run.add(text, ocr_document(text, all_ids.index(doc_id), condition, engine, cache),
                doc_id, log)
    return run


def score(gold: Path, run: OcrRun | None, ids: Sequence[str] | None = None,
          failures: list[tuple[str, str, Any, Any]] | None = None) -> dict[str, Counts]:
    """Gold scores of the text as published (``run`` None) or of the OCR page texts."""
    def to_pages(text: str) -> list[str]:
        assert run is not None
        return run.texts[text_key(text)]

    return bench_gold(gold, to_pages if run is not None else None, ids=ids, failures=failures)


def _is_set(key: str) -> bool:
    return "F1" in key or key in ("victims", "defense_counsel", "mitigating")


def headline(key: str, counts: Counts) -> float:
    """The figure a field is judged by: F1 for name/charge sets and list fields, else exact."""
    _, _, f1, exact = counts.row()
    return f1 if _is_set(key) else exact


def side_by_side(columns: list[tuple[str, dict[str, Counts]]]) -> str:
    """One row per field, one column per condition (F1 for sets, exact match otherwise)."""
    first = columns[0][1]
    head = f"{'field':<30}{'measure':>8}" + "".join(f"{name:>14}" for name, _ in columns)
    lines = [head + f"{'target':>8}"]
    for key in first:
        row = f"{key:<30}{'F1' if _is_set(key) else 'exact':>8}"
        for _, counts in columns:
            c = counts.get(key)
            row += f"{headline(key, c):>14.3f}" if c is not None else f"{'-':>14}"
        target = TARGETS.get(key)
        lines.append(row + (f"{target:>8.2f}" if target is not None else ""))
    n = next(iter(first.values())).total if first else 0
    lines.append(f"(documents: {n}; defendant rows count each gold defendant once)")
    return "\n".join(lines)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--ocr-limit", type=int, default=None,
                        help="only the first N gold judgments (sorted by name)")
    parser.add_argument("--conditions", default=",".join(CONDITIONS),
                        help="scan conditions of benchmarks.ocr (default clean,scanned)")
    parser.add_argument("--no-cache", action="store_true", help="OCR again, ignore .cache")
    parser.add_argument("--failures", action="store_true",
                        help="print every field an OCR condition gets wrong")


def run_bench(data: Path, ocr_limit: int | None, conditions: Sequence[str],
              use_cache: bool = True, show_failures: bool = False) -> str:
    """Text vs OCR conditions on the gold set; returns the table (progress goes to stderr)."""
    from benchmarks.ocr import condition_params

    for c in conditions:
        condition_params(c, 0)  # unknown condition: fail before any OCR
    gold = data / "extraction_gold"
    ids = [i for i, _ in gold_texts(gold, ocr_limit)]
    engine = settings_engine()

    def log(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    columns = [("text", score(gold, None, ids))]
    runs = []
    failures: dict[str, list[tuple[str, str, Any, Any]]] = {}
    for condition in conditions:
        run = run_ocr(gold, condition, engine, ids=ids, cache=CACHE if use_cache else None,
                      log=log)
        runs.append(run)
        failures[condition] = []
        columns.append((f"ocr {condition}", score(gold, run, ids, failures[condition])))
    lines = [f"gold set on OCR output ({gold}; {len(ids)} judgments; engine {engine.name} "
             f"{engine.version}, chosen by settings; fonts and sizes vary by document)",
             side_by_side(columns), ""]
    for run in runs:
        lines.append(f"ocr {run.condition}: {run.summary(len(ids))}")
    if show_failures:
        for condition, items in failures.items():
            lines.append(f"\nfailures under {condition}:")
            lines += [f"{d}\t{k}\tgold={w!r}\tgot={g!r}" for d, k, w, g in items]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.extraction_ocr", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=SHARED_DATA, help="the shared data folder")
    add_arguments(parser)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    conditions = [c for c in args.conditions.split(",") if c]
    print(run_bench(args.data.resolve(), args.ocr_limit, conditions, not args.no_cache,
                    args.failures))
    command = "python -m benchmarks.extraction_ocr " + " ".join(
        shlex.quote(a) for a in (sys.argv[1:] if argv is None else argv))
    print(f"\n{time.perf_counter() - started:.1f}s; reproduce: {command}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
