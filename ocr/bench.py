"""OCR benchmark: CER, seconds per page and peak memory, default engine vs Tesseract.

Pages of real judgments (../shared/data: the extraction gold texts and LeCaRD's full judgments)
are rendered with several Debian CJK fonts and sizes by tests/scans/generate.py and degraded
per condition; the ground truth is the rendered text. Every engine reads the very same page
images through ``ocr.document.ocr_page`` (the service's path, clean-up included), each engine in
its own fresh process so that its peak RSS is its own. CER = edit distance / reference length
after NFKC folding and whitespace removal, summed over all pages of a condition.

Run from the repository root (the generator lives in tests/scans)::

    python -m ocr.bench --pages 50            # 50 pages per condition (make bench)
    python -m ocr.bench --pages 5 --conditions clean,scanned --engines rapidocr
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
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
FONTS = ("noto-serif", "noto-sans", "wqy-zenhei", "uming", "wqy-microhei", "ukai")
FONT_SIZES = (30, 34, 38, 44)  # px at 300 dpi: about 7, 8, 9 and 10.5 pt
ENGINES = ("rapidocr", "tesseract")  # the default engine first


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
)


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


def render_set(pages: int, conditions: Sequence[str], out: Path) -> list[PageSpec]:
    """Render ``pages`` clean pages and degrade each per condition; write PNGs under ``out``."""
    from tests.scans.generate import degrade, render_pages

    texts = source_texts(pages)
    specs: list[PageSpec] = []
    for i in range(pages):
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
            img.save(path, dpi=(300, 300), compress_level=1)
            specs.append(PageSpec(condition, i, name, font, size, str(path), truth))
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


def run_engine(
    engine_name: str, options: dict[str, Any], specs: list[PageSpec], preprocess: bool
) -> EngineRun:
    """Runs in a fresh process: OCR every page with one engine and measure it."""
    from PIL import Image

    from ocr.document import ocr_page
    from ocr.engines import get_engine
    from ocr.metrics import edit_distance, normalize

    run = EngineRun(engine_name)
    try:
        engine = get_engine(engine_name, **options)
    except Exception as exc:  # EngineUnavailable and friends: report, do not crash the bench
        run.error = str(exc)
        return run
    run.version = f"{engine.name} {engine.version}"
    edits: dict[str, int] = {}
    chars: dict[str, int] = {}
    secs: dict[str, list[float]] = {}
    cpu: dict[str, list[float]] = {}
    for spec in specs:
        with Image.open(spec.image) as im:
            img = im.convert("RGB")
        img.info["dpi"] = (300, 300)
        started, cpu_started = time.perf_counter(), _cpu_time()
        result = ocr_page(1, img, engine, preprocess=preprocess)
        secs.setdefault(spec.condition, []).append(time.perf_counter() - started)
        cpu.setdefault(spec.condition, []).append(_cpu_time() - cpu_started)
        ref, hyp = normalize(spec.truth), normalize(result.text)
        dist = edit_distance(ref, hyp)
        edits[spec.condition] = edits.get(spec.condition, 0) + dist
        chars[spec.condition] = chars.get(spec.condition, 0) + len(ref)
        page_cer = dist / max(len(ref), 1)
        run.worst[spec.condition] = max(run.worst.get(spec.condition, 0.0), page_cer)
        if set(result.flags) & {"unreadable", "low_confidence", "review"}:
            run.flagged[spec.condition] = run.flagged.get(spec.condition, 0) + 1
        print(
            f"  {engine_name:10s} {spec.condition:12s} page {spec.index:3d} "
            f"({spec.font} {spec.size}px) CER {page_cer:7.2%} "
            f"{secs[spec.condition][-1]:5.1f} s (cpu {cpu[spec.condition][-1]:5.1f} s) "
            f"{' '.join(result.flags)}",
            file=sys.stderr,
            flush=True,
        )
    for condition, total in chars.items():
        run.cer[condition] = edits[condition] / max(total, 1)
        run.seconds[condition] = sum(secs[condition]) / len(secs[condition])
        run.cpu_seconds[condition] = sum(cpu[condition]) / len(cpu[condition])
    run.peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    run.child_peak_rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return run


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
        head += [f"{r.engine} CER", "worst page", "s/page", "cpu s/page", "flagged"]
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
        ppm = f", {60 / clean:.1f} clean pages/min" if clean else ""
        lines.append(
            f"{r.version}: peak RSS {r.peak_rss_mb:.0f} MB (worker process)"
            + (f" + {r.child_peak_rss_mb:.0f} MB (tesseract child)" if r.child_peak_rss_mb else "")
            + ppm
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ocr.bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=5, help="pages per condition")
    parser.add_argument("--conditions", default=",".join(CONDITIONS))
    parser.add_argument("--engines", default=",".join(ENGINES))
    parser.add_argument("--threads", type=int, default=int(os.environ.get("DOSSIER_OCR_THREADS", 2)),
                        help="rapidocr/paddleocr threads (tesseract: 1, its best setting)")
    parser.add_argument("--no-preprocess", action="store_true", help="skip ocr.preprocess")
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    args = parser.parse_args(argv)
    conditions = [c for c in args.conditions.split(",") if c]
    for c in conditions:
        condition_params(c, 0)  # validate early
    engines = [e for e in args.engines.split(",") if e]
    command = "python -m ocr.bench " + " ".join(shlex.quote(a) for a in (argv or sys.argv[1:]))

    with tempfile.TemporaryDirectory(prefix="ocr-bench-") as tmp:
        started = time.perf_counter()
        specs = render_set(args.pages, conditions, Path(tmp))
        print(
            f"rendered {len(specs)} pages in {time.perf_counter() - started:.0f} s",
            file=sys.stderr,
        )
        runs = []
        for name in engines:
            options: dict[str, Any] = {"threads": 1 if name == "tesseract" else args.threads}
            # a fresh process per engine: its peak RSS is its own, models load once
            with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as pool:
                runs.append(
                    pool.submit(run_engine, name, options, specs, not args.no_preprocess).result()
                )
    print(f"# OCR bench: {args.pages} pages per condition, A4 at 300 dpi, fonts "
          f"{', '.join(FONTS)}, sizes {', '.join(map(str, FONT_SIZES))} px; "
          f"threads {args.threads} (tesseract 1); preprocessing "
          f"{'off' if args.no_preprocess else 'on'}; {os.cpu_count()} CPUs")
    print(f"# reproduce: {command}")
    print(format_table(runs, conditions, args.pages, specs))
    if args.json:
        args.json.write_text(
            json.dumps({"command": command, "pages": args.pages,
                        "runs": [r.__dict__ for r in runs]}, indent=1),
            "utf-8",
        )
    return 0 if all(not r.error for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
