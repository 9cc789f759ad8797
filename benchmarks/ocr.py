"""OCR benchmark: CER, seconds per page and peak memory, default engine vs Tesseract.

Pages of real judgments (../shared/data: the extraction gold texts and LeCaRD's full judgments)
are rendered with several Debian CJK fonts and sizes by tests/scans/generate.py and degraded
per condition; the ground truth is the rendered text. Every engine reads the very same page
images through ``ocr.document.ocr_page`` (the service's path, clean-up included), each engine in
its own fresh process so that its peak RSS is its own. CER = edit distance / reference length
after NFKC folding and whitespace removal, summed over all pages of a condition.

Two speed figures: seconds per page one page at a time (the accuracy pass; with ``--jobs`` > 1
pages of one engine share the CPUs), and pages per minute of a whole worker host (clean, and
the photo/fax conditions measured, whose targets are per 2-core worker), laid out as ``dossier
worker`` lays itself out (``Settings.worker_layout``) with Celery's page fan-out.

Run from the repository root (the generator lives in tests/scans)::

    python -m benchmarks.ocr --pages 50 --jobs 2   # 50 pages per condition (make bench)
    python -m benchmarks.ocr --pages 5 --conditions clean,scanned --engines rapidocr
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import resource
import shlex
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from benchmarks import bootstrap
from benchmarks.paths import SHARED_DATA

DATA = SHARED_DATA
FONTS = ("noto-serif", "noto-sans", "wqy-zenhei", "uming", "wqy-microhei", "ukai")
FONT_SIZES = (30, 34, 38, 44)  # px at 300 dpi: about 7, 8, 9 and 10.5 pt
ENGINES = ("rapidocr", "tesseract")  # the default engine first; "rapidocr:small" also works


def condition_params(condition: str, i: int) -> dict[str, Any]:
    """Degradation of page ``i`` under ``condition`` (signs and turns alternate by page)."""
    sign = 1.0 if i % 2 == 0 else -1.0
    if condition == "clean":
        return {}
    if condition == "scanned":
        return {
            "skew_deg": sign * (0.5 + (i % 5) * 0.25),
            "blur": 0.8,
            "noise": 8.0,
            "jpeg_quality": 60,
        }
    if condition == "skew3":
        return {"skew_deg": sign * 3.0, "noise": 4.0, "jpeg_quality": 75}
    if condition == "rotated90":
        return {"rotate": 90 if i % 2 == 0 else 270, "noise": 4.0}
    if condition == "rotated180":
        return {"rotate": 180, "noise": 4.0}
    if condition == "seal":
        return {"seal": True, "noise": 4.0, "jpeg_quality": 75}
    if condition == "faint":
        return {"faint_copy": True, "skew_deg": sign * 0.5, "jpeg_quality": 70}
    if condition == "lowcontrast":
        return {"contrast": 0.45, "noise": 6.0, "jpeg_quality": 70}
    if condition == "photo":  # phone photo: perspective, curl, shadow, shake, JPEG (issue 19)
        return {"photo": True}
    if condition == "moire":  # the same photo with moiré fringes over the sheet (issue 19)
        return {"photo": True, "moire": True}
    if condition == "curled":  # a bound dossier's page photographed open: its free edge lifted
        # by 2-4 % of the page height (the photo's own curl is 0.4-0.7 %)
        return {"photo": True, "curl": 0.02 + 0.005 * (i % 5)}
    if condition == "folded":  # a sheet folded in half or in three, unfolded and photographed
        return {"photo": True, "fold": 1 + i % 2}
    if condition == "fax":  # 150 dpi, binarised, speckled, thick strokes, stretched (issue 19)
        return {"fax": True}
    raise ValueError(f"unknown condition {condition!r}")


CONDITIONS = (
    "clean",
    "scanned",
    "skew3",
    "rotated90",
    "rotated180",
    "seal",
    "faint",
    "lowcontrast",
    "photo",
    "moire",
    "curled",
    "folded",
    "fax",
)


#: judgments the bench may render (pages beyond this reuse them), kept out of ocr.lm's counts
SOURCE_LIMIT = 200


def source_texts(limit: int, data: Path = DATA) -> list[tuple[str, str]]:
    """(name, full judgment text), alternating extraction gold and LeCaRD judgments."""
    gold = sorted((data / "extraction_gold" / "texts").glob("*.txt"))
    lecard: list[tuple[str, str]] = []
    corpus = data / "lecard" / "corpus.jsonl.gz"
    if corpus.is_file():
        with gzip.open(corpus, "rt", encoding="utf-8") as fh:
            for line in fh:
                row = json.loads(line)
                text = str(row.get("qw") or "")
                if len(text) > 1500:
                    lecard.append((f"lecard-{row.get('candidate_id')}", text))
                if len(lecard) >= limit:
                    break
    texts: list[tuple[str, str]] = []
    for k in range(max(len(gold), len(lecard))):
        if k < len(gold):
            texts.append((gold[k].stem, gold[k].read_text("utf-8-sig")))
        if k < len(lecard):
            texts.append(lecard[k])
        if len(texts) >= limit:
            break
    if not texts:
        raise SystemExit(f"no judgment texts under {data}")
    return texts[:limit]


@dataclass
class PageSpec:
    condition: str
    index: int
    source: str
    font: str
    size: int
    image: str  # PNG path
    truth: str
    dpi: float = 300.0  # what the image says (a fax 150; a phone photo 72, i.e. unknown)


def render_set(pages: int, conditions: Sequence[str], out: Path,
               first: int = 0) -> list[PageSpec]:
    """Render pages ``first`` to ``pages`` - 1 and degrade each per condition; write PNGs under
    ``out``. A page is the same whatever ``first`` is: ``first`` skips the pages a design was
    tuned on, so that pages never read before can be measured alone."""
    from tests.scans.generate import degrade, render_pages

    # at most the SOURCE_LIMIT judgments ocr.lm leaves out: page i >= SOURCE_LIMIT is a later
    # page of judgment i % SOURCE_LIMIT (source_texts(pages) had read judgments 200 and after,
    # which the model counted, for pages 200 and after)
    texts = source_texts(min(pages, SOURCE_LIMIT))
    specs: list[PageSpec] = []
    for i in range(first, pages):
        name, text = texts[i % len(texts)]
        font = FONTS[i % len(FONTS)]
        size = FONT_SIZES[(i // 2) % len(FONT_SIZES)]
        rendered = render_pages(text, font=font, font_size=size)
        # first page (title, parties) for some texts, later pages (facts, tables of items)
        # for others
        page, truth = rendered[(i // len(texts)) % len(rendered)]
        for condition in conditions:
            img = degrade(page, seed=1000 + i, **condition_params(condition, i))
            path = out / f"{condition}-{i:03d}.png"
            dpi = float(img.info.get("dpi", (300, 300))[0])
            img.save(path, dpi=(round(dpi), round(dpi)), compress_level=1)
            specs.append(PageSpec(condition, i, name, font, size, str(path), truth, dpi))
    return specs


@dataclass
class EngineRun:
    engine: str
    version: str = ""
    cer: dict[str, float] = field(default_factory=dict)
    worst: dict[str, float] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    cpu_seconds: dict[str, float] = field(default_factory=dict)  # this process + children
    flagged: dict[str, int] = field(default_factory=dict)
    peak_rss_mb: float = 0.0
    child_peak_rss_mb: float = 0.0
    error: str = ""
    pages_per_min: float = 0.0  # clean pages, wall clock, ``procs`` processes in parallel
    procs: int = 0
    threads: int = 0  # of each of those processes
    worker_rss_mb: float = 0.0  # the sum of their peak RSS: the worker host's memory
    # pages/min of the same worker pass on the photo/fax conditions (their >= 20 target)
    worker_ppm: dict[str, float] = field(default_factory=dict)
    #: the CER's 95 % interval over the condition's pages (`benchmarks.bootstrap`)
    interval: dict[str, tuple[float, float]] = field(default_factory=dict)


@dataclass
class PageScore:
    condition: str
    edits: int
    chars: int
    seconds: float
    cpu_seconds: float
    flagged: bool


@dataclass
class ChunkRun:
    """What one process measured on its share of the pages."""

    version: str = ""
    pages: list[PageScore] = field(default_factory=list)
    peak_rss_mb: float = 0.0
    child_peak_rss_mb: float = 0.0
    error: str = ""
    started: float = 0.0  # epoch seconds: first page begun (models already loaded)
    finished: float = 0.0  # ...last page done


def engine_options(engine: str, threads: int) -> tuple[str, dict[str, Any]]:
    """``rapidocr`` (the default: PP-OCRv6 tiny + small recheck), ``rapidocr:small``, ..."""
    name, _, model = engine.partition(":")
    options: dict[str, Any] = {"threads": 1 if name == "tesseract" else threads}
    if model:
        options["model"] = model
    return name, options


def run_chunk(
    engine: str, threads: int, specs: Iterable[PageSpec], preprocess: bool, score: bool = True,
    correct: bool = True, ready: Any = None,
) -> ChunkRun:
    """Runs in a fresh process: OCR ``specs`` with one engine, models loaded once.

    ``score=False`` (the pages/min pass) skips the CER: the pure-Python edit distance of a
    dense page costs about a second and is no part of a worker's work. ``ready``: a barrier
    the processes of one pass wait at once their models are loaded (a warm worker)."""
    from PIL import Image

    from ocr.document import ocr_page
    from ocr.engines import get_engine
    from ocr.metrics import edit_distance, normalize

    run = ChunkRun()
    name, options = engine_options(engine, threads)
    try:
        ocr = get_engine(name, **options)
    except Exception as exc:  # EngineUnavailable and friends: report, do not crash the bench
        run.error = str(exc)
        if ready is not None:
            ready.abort()  # the other processes stop waiting for this one
        return run
    run.version = f"{ocr.name} {ocr.version}"
    if ready is not None:
        try:
            ready.wait()
        except threading.BrokenBarrierError:
            run.error = "another process of the pass could not load its engine"
            return run
    run.started = time.time()
    for spec in specs:
        with Image.open(spec.image) as im:
            img = im.convert("RGB")
        img.info["dpi"] = (spec.dpi, spec.dpi)
        started, cpu_started = time.perf_counter(), _cpu_time()
        result = ocr_page(1, img, ocr, preprocess=preprocess, correct=correct)
        page = PageScore(
            spec.condition, 0, 0, time.perf_counter() - started, _cpu_time() - cpu_started,
            bool(set(result.flags) & {"unreadable", "low_confidence", "review"}),
        )
        ref = normalize(spec.truth)
        if score:
            page.edits, page.chars = edit_distance(ref, normalize(result.text)), len(ref)
        run.pages.append(page)
        print(
            f"  {engine:14s} {spec.condition:12s} page {spec.index:3d} "
            f"({spec.font} {spec.size}px) CER {page.edits / max(page.chars, 1):7.2%} "
            f"{page.seconds:5.1f} s (cpu {page.cpu_seconds:5.1f} s) {' '.join(result.flags)}",
            file=sys.stderr,
            flush=True,
        )
    run.finished = time.time()
    run.peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    run.child_peak_rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return run


def run_engine(
    engine: str, threads: int, specs: list[PageSpec], preprocess: bool, jobs: int = 1,
    correct: bool = True,
) -> EngineRun:
    """Score ``engine`` on every page, the pages spread over ``jobs`` fresh processes."""
    chunks = [specs[k::jobs] for k in range(jobs) if specs[k::jobs]]
    with ProcessPoolExecutor(len(chunks), mp_context=get_context("spawn")) as pool:
        parts = list(pool.map(run_chunk, [engine] * len(chunks), [threads] * len(chunks),
                              chunks, [preprocess] * len(chunks), [True] * len(chunks),
                              [correct] * len(chunks)))
    return merge(engine, parts)


def merge(engine: str, parts: Sequence[ChunkRun]) -> EngineRun:
    """One engine's figures per condition from its processes' page scores."""
    run = EngineRun(engine)
    errors = [p.error for p in parts if p.error]
    if errors:
        run.error = errors[0]
        return run
    run.version = parts[0].version
    run.peak_rss_mb = max(p.peak_rss_mb for p in parts)
    run.child_peak_rss_mb = max(p.child_peak_rss_mb for p in parts)
    by_condition: dict[str, list[PageScore]] = {}
    for part in parts:
        for page in part.pages:
            by_condition.setdefault(page.condition, []).append(page)
    for condition, pages in by_condition.items():
        run.cer[condition] = sum(p.edits for p in pages) / max(sum(p.chars for p in pages), 1)
        run.worst[condition] = max(p.edits / max(p.chars, 1) for p in pages)
        run.interval[condition] = bootstrap.ratio_interval([p.edits for p in pages],
                                                           [p.chars for p in pages])
        run.seconds[condition] = sum(p.seconds for p in pages) / len(pages)
        run.cpu_seconds[condition] = sum(p.cpu_seconds for p in pages) / len(pages)
        run.flagged[condition] = sum(p.flagged for p in pages)
    return run


def throughput(engine: str, threads: int, procs: int, specs: list[PageSpec]
               ) -> tuple[float, float]:
    """Clean pages per minute, wall clock, with ``procs`` worker processes of ``threads`` each.

    This is how a worker host runs: Celery fans the pages of a document out as tasks, and a
    pool process that is free takes the next one (``worker_prefetch_multiplier=1``, acks late;
    ``workers.celery_app``), having loaded its models once. So the processes here draw the
    pages from one queue, and the clock runs from the first page started, once every process
    has its models, to the last page finished. (A fixed share of pages each had left one core
    idle while the other finished its longer pages: 26.7 s against 32.0 s on 30 clean pages.)
    Returns the pages per minute and the processes' peak RSS summed (MB).
    """
    parts = worker_pass(engine, threads, procs, specs)
    if any(p.error for p in parts) or not parts:
        return 0.0, 0.0
    wall = max(p.finished for p in parts) - min(p.started for p in parts)
    return 60.0 * len(specs) / wall, sum(p.peak_rss_mb + p.child_peak_rss_mb for p in parts)


def worker_pass(engine: str, threads: int, procs: int, specs: list[PageSpec]
                ) -> list[ChunkRun]:
    """``specs`` read by ``procs`` fresh processes drawing them from one queue (unscored)."""
    procs = max(1, min(procs, len(specs)))
    context = get_context("spawn")
    with context.Manager() as manager, ProcessPoolExecutor(procs, mp_context=context) as pool:
        queue, ready = manager.Queue(), manager.Barrier(procs)
        for spec in specs:
            queue.put(spec)
        for _ in range(procs):
            queue.put(None)  # one end mark for each process
        return list(pool.map(_run_queue, [engine] * procs, [threads] * procs,
                             [queue] * procs, [ready] * procs))


def _run_queue(engine: str, threads: int, queue: Any, ready: Any) -> ChunkRun:
    """One worker process of the pages/min pass: pages from ``queue`` until its end mark."""
    return run_chunk(engine, threads, iter(queue.get, None), True, False, ready=ready)


def _cpu_time() -> float:
    """CPU seconds of this process and its finished children (the tesseract binary)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def format_table(
    runs: list[EngineRun], conditions: Sequence[str], pages: int, specs: list[PageSpec]
) -> str:
    ok = [r for r in runs if not r.error]
    chars: dict[str, int] = {}
    from ocr.metrics import normalize

    for spec in specs:
        chars[spec.condition] = chars.get(spec.condition, 0) + len(normalize(spec.truth))
    head = ["condition", "pages", "chars"]
    for r in ok:
        head += [f"{r.engine} CER", "worst page", "s/page", "pages/min", "cpu s/page", "flagged"]
    base_run = next((r for r in ok if r.engine != "tesseract"), None)
    tess_run = next((r for r in ok if r.engine == "tesseract"), None)
    if base_run is not None and tess_run is not None:
        head.append("tesseract CER / default")
    rows = [head, ["---"] * len(head)]
    for c in conditions:
        row = [c, str(pages), str(chars.get(c, 0))]
        for r in ok:
            row += [
                f"{r.cer.get(c, 0.0):.2%}",
                f"{r.worst.get(c, 0.0):.2%}",
                f"{r.seconds.get(c, 0.0):.2f}",
                f"{60 / r.seconds[c]:.1f}" if r.seconds.get(c) else "-",
                f"{getattr(r, 'cpu_seconds', {}).get(c, 0.0):.2f}",
                str(r.flagged.get(c, 0)),
            ]
        if base_run is not None and tess_run is not None:
            base = base_run.cer.get(c, 0.0)
            tess = tess_run.cer.get(c, 0.0)
            row.append(f"{tess / base:.1f}x" if base else ("-" if not tess else "inf"))
        rows.append(row)
    lines = ["| " + " | ".join(r) + " |" for r in rows]
    lines.append("")
    for r in runs:
        if r.error:
            lines.append(f"{r.engine}: not run ({r.error})")
            continue
        clean = r.seconds.get("clean")
        ppm = f", {60 / clean:.1f} clean pages/min one page at a time" if clean else ""
        if r.pages_per_min:
            ppm += (f", {r.pages_per_min:.1f} clean pages/min with {r.procs} worker processes"
                    f" × {r.threads} threads (peak RSS {r.worker_rss_mb:.0f} MB together)")
        lines.append(
            f"{r.version}: peak RSS {r.peak_rss_mb:.0f} MB (worker process)"
            + (f" + {r.child_peak_rss_mb:.0f} MB (tesseract child)" if r.child_peak_rss_mb else "")
            + ppm
        )
    lines += verdicts(base_run, tess_run)
    if base_run is not None and base_run.interval:
        lines.append(f"{base_run.engine} CER, 95 % interval over the pages "
                     f"({bootstrap.BOOTSTRAP} draws of them, seed {bootstrap.SEED}): " + "; ".join(
                         f"{c} {base_run.cer[c]:.2%} [{lo:.2%} - {hi:.2%}]"
                         for c in conditions if c in base_run.interval
                         for lo, hi in [base_run.interval[c]]))
    return "\n".join(lines)


# The targets: CER on clean and moderately degraded scans, on hard ones, vs Tesseract.
MODERATE = ("clean", "scanned", "rotated90", "rotated180", "seal")
HARD = ("skew3", "faint", "lowcontrast")
# issue 19 raised the clean-page speed target from 40 to 60 pages/min per 2-core worker
TARGET_MODERATE, TARGET_HARD, TARGET_RATIO, TARGET_PPM = 0.005, 0.02, 5.0, 60.0
# issue 19: photographed pages and faxes, correction included, one 2-core worker
TARGET_PHOTO, TARGET_FAX, TARGET_CORRECTED_PPM = 0.003, 0.005, 20.0


def verdicts(default: EngineRun | None, tesseract: EngineRun | None) -> list[str]:
    """One line per target: the figure, the target, met or not (no target is left unsaid)."""
    if default is None:
        return []
    out = []
    for group, bar in ((MODERATE, TARGET_MODERATE), (HARD, TARGET_HARD)):
        measured = [c for c in group if c in default.cer]
        if measured:
            worst = max(measured, key=lambda c: default.cer[c])
            out.append(f"target CER <= {bar:.1%} on {', '.join(measured)}: worst "
                       f"{worst} {default.cer[worst]:.2%} -> "
                       f"{'met' if default.cer[worst] <= bar else 'NOT met'}")
    for condition, bar in (("photo", TARGET_PHOTO), ("moire", TARGET_PHOTO),
                           ("curled", TARGET_PHOTO), ("fax", TARGET_FAX)):
        if condition in default.cer:
            if condition in default.worker_ppm:  # the worker host's pass, as the target says
                ppm = default.worker_ppm[condition]
                how = f"per 2-core worker ({default.procs} × {default.threads} threads)"
            else:
                ppm = 60 / default.seconds[condition] if default.seconds.get(condition) else 0.0
                how = "one page at a time"
            out.append(f"target CER <= {bar:.1%} and >= {TARGET_CORRECTED_PPM:.0f} pages/min on "
                       f"{condition}: {default.cer[condition]:.2%} "
                       f"({'met' if default.cer[condition] <= bar else 'NOT met'}), {ppm:.1f} "
                       f"pages/min {how} "
                       f"({'met' if ppm >= TARGET_CORRECTED_PPM else 'NOT met'})")
    if tesseract is not None:
        ratios = [tesseract.cer[c] / default.cer[c] for c in default.cer
                  if c in tesseract.cer and default.cer[c] > 0]
        if ratios:
            out.append(f"target Tesseract CER >= {TARGET_RATIO:.0f}x ours: lowest "
                       f"{min(ratios):.1f}x -> {'met' if min(ratios) >= TARGET_RATIO else 'NOT met'}")
    if default.pages_per_min:
        out.append(f"target >= {TARGET_PPM:.0f} clean pages/min per 2-core worker: "
                   f"{default.pages_per_min:.1f} -> "
                   f"{'met' if default.pages_per_min >= TARGET_PPM else 'NOT met'}")
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.ocr", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=5, help="pages per condition")
    parser.add_argument("--first", type=int, default=0,
                        help="first page index: pages --first to --pages - 1 are read (pages "
                             "never tuned on, measured alone)")
    parser.add_argument("--conditions", default=",".join(CONDITIONS))
    parser.add_argument("--engines", default=",".join(ENGINES))
    parser.add_argument("--threads", type=int, default=None,
                        help="rapidocr/paddleocr threads (tesseract: 1, its best setting); "
                             "default: DOSSIER_OCR_THREADS, else 2 for one page at a time and "
                             "the worker's own layout for the pages/min pass")
    parser.add_argument("--jobs", type=int, default=1,
                        help="processes per engine for the accuracy pass (s/page then shares CPUs)")
    parser.add_argument("--throughput-pages", type=int, default=30,
                        help="pages per condition for the pages/min pass (0: skip it)")
    parser.add_argument("--throughput-conditions", default="clean,photo,curled,fax",
                        help="conditions the pages/min pass runs on, those measured among them")
    parser.add_argument("--procs", type=int, default=0,
                        help="worker processes for the pages/min pass (default: as `dossier "
                             "worker` lays itself out, models.settings.Settings.worker_layout)")
    parser.add_argument("--no-preprocess", action="store_true", help="skip ocr.preprocess")
    parser.add_argument("--no-correct", action="store_true",
                        help="skip ocr.correct (photo/fax correction): the figures before it")
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    parser.add_argument("--write-sources", type=Path, metavar="FILE",
                        help="only write the judgments this bench may render (its first "
                             f"{SOURCE_LIMIT}) as JSONL, for ocr.lm's --leave-out, and stop")
    args = parser.parse_args(argv)
    if not 0 <= args.first < args.pages:
        parser.error(f"--first {args.first} must be at least 0 and below --pages {args.pages}")
    from models.settings import Settings

    settings = Settings(ocr_threads=args.threads)
    args.threads = settings.engine_threads
    procs, worker_threads = settings.worker_layout(concurrency=args.procs or None)
    if args.write_sources:
        args.write_sources.parent.mkdir(parents=True, exist_ok=True)
        with args.write_sources.open("w", encoding="utf-8") as fh:
            for name, text in source_texts(SOURCE_LIMIT):
                fh.write(json.dumps({"name": name, "text": text}, ensure_ascii=False) + "\n")
        return 0
    conditions = [c for c in args.conditions.split(",") if c]
    for c in conditions:
        condition_params(c, 0)  # validate early
    engines = [e for e in args.engines.split(",") if e]
    command = "python -m benchmarks.ocr " + " ".join(shlex.quote(a) for a in (argv or sys.argv[1:]))

    with tempfile.TemporaryDirectory(prefix="ocr-bench-") as tmp:
        started = time.perf_counter()
        specs = render_set(args.pages, conditions, Path(tmp), args.first)
        print(
            f"rendered {len(specs)} pages in {time.perf_counter() - started:.0f} s",
            file=sys.stderr,
        )
        runs = []
        # fresh processes per engine: their peak RSS is the engine's own, models load once
        for name in engines:
            runs.append(run_engine(name, args.threads, specs, not args.no_preprocess, args.jobs,
                                   not args.no_correct))
        passes = [c for c in args.throughput_conditions.split(",") if c in conditions]
        for run in runs if args.throughput_pages else []:
            if run.error:
                continue
            if run.engine == "tesseract":  # one thread is its best setting
                threads, run.procs = 1, args.procs or max(1, (os.cpu_count() or 1))
            else:
                threads, run.procs = worker_threads, procs
            run.threads = threads
            for condition in passes:
                pages = [s for s in specs if s.condition == condition][: args.throughput_pages]
                ppm, rss = throughput(run.engine, threads, run.procs, pages)
                run.worker_rss_mb = max(run.worker_rss_mb, rss)
                if condition == "clean":
                    run.pages_per_min = ppm
                else:
                    run.worker_ppm[condition] = ppm
    count = args.pages - args.first
    print(f"# OCR bench: {count} pages per condition (pages {args.first}-{args.pages - 1}), "
          f"A4 at 300 dpi, fonts "
          f"{', '.join(FONTS)}, sizes {', '.join(map(str, FONT_SIZES))} px; "
          f"threads {args.threads} (tesseract 1); {args.jobs} process(es) per engine; "
          f"preprocessing "
          f"{'off' if args.no_preprocess else 'on'}; photo/fax correction "
          f"{'off' if args.no_correct or args.no_preprocess else 'on'}; {os.cpu_count()} CPUs; "
          f"load average {' '.join(f'{v:.1f}' for v in os.getloadavg())}")
    print(f"# reproduce: {command}")
    print(format_table(runs, conditions, count, specs))
    if args.json:
        args.json.write_text(
            json.dumps({"command": command, "pages": count, "first": args.first,
                        "runs": [r.__dict__ for r in runs]}, indent=1),
            "utf-8",
        )
    return 0 if all(not r.error for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
