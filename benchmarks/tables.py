"""Tables read back from degraded scans: exact tables and cells (issue 19).

Renders the 价格认定 table (two-row header, cells merged down and across) and the merged-备注
seizure list, each ruled and unruled, and the 扣押清单 of two real cases (the dossier templates
over CAIL2018/LeCaRD cases), degrades each page noisy+skewed, blurred+JPEG, faxed twice and
photographed, OCRs it through ``ocr.document`` and compares ``ocr.tables.find_tables``'s
largest table with the rendered rows: a table is exact when it is the page's only table with
every cell and merged cell right; cells count only when the table has the right shape.
``--seed-offset`` moves every degradation's seed (0: the seeds the empty-cell reading, the
stray ink and the cut lines were tuned on; 100: held out). ``--without-cells`` turns off
``ocr.cells`` (empty cells, stray ink and cut lines: the figure before them).

    python -m benchmarks.tables [--seed-offset 100] [--without-cells]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from typing import Any


def samples() -> list[tuple[str, list[list[str]], list[tuple[int, int, int, int]], bool]]:
    from tests.scans.dossier_templates import documents
    from tests.scans.tables import NOTE, NOTE_SPANS, PRICE, PRICE_SPANS
    from tests.support.dossiers import dev_case

    out = [("备注 list", NOTE, NOTE_SPANS, True), ("备注 list unruled", NOTE, NOTE_SPANS, False),
           ("价格认定", PRICE, PRICE_SPANS, True), ("价格认定 unruled", PRICE, PRICE_SPANS, False)]
    for case_type in ("盗窃", "非法持有、私藏枪支弹药"):
        doc = next(d for d in documents(dev_case(case_type)) if d.table)
        assert doc.table is not None
        out.append((f"扣押清单 {case_type}", [list(r) for r in doc.table], [], True))
    return out


def conditions(offset: int) -> dict[str, dict[str, Any]]:
    return {"noisy+skewed": {"skew_deg": -1.5, "noise": 8, "seed": 5 + offset},
            "blurred+JPEG": {"blur": 1.0, "jpeg_quality": 40, "seed": 3 + offset},
            "fax": {"fax": True, "seed": 7 + offset},
            "fax 2": {"fax": True, "seed": 11 + offset},
            "photo": {"photo": True, "seed": 3 + offset}}


def read_lines(image: Any) -> list[Any]:
    import io

    from models.settings import get_settings
    from ocr.document import open_document
    from services import engines

    buf = io.BytesIO()
    image.save(buf, "PNG")
    with open_document(buf.getvalue(), "image/png") as src:
        return src.read_page(1, lambda: engines.ocr_engine(get_settings())).lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.tables",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--seed-offset", type=int, default=0)
    parser.add_argument("--without-cells", action="store_true",
                        help="do not look into empty cells and stray ink, nor cut lines run "
                             "over two cells (ocr.cells): the figure before them")
    args = parser.parse_args(argv)
    import ocr.cells
    from benchmarks.paths import print_reproduce
    from ocr.tables import find_tables
    from tests.scans.generate import degrade, render_table

    if args.without_cells:
        ocr.cells.reread_empty_cells = lambda *a, **k: []
        ocr.cells.split_runs = lambda image, lines, engine: list(lines)
    exact = pages = cells_right = cells_all = 0
    by_condition: dict[str, list[int]] = {}
    t0 = time.perf_counter()
    for name, rows, spans, ruled in samples():
        image, _ = render_table(rows, spans=spans, ruled=ruled)
        for cond, kw in conditions(args.seed_offset).items():
            tables = find_tables(read_lines(degrade(image, **kw)))
            n = sum(len(r) for r in rows)
            pages += 1
            cells_all += n
            ok, right = False, 0
            if tables:
                table = max(tables, key=lambda t: len(t.rows))
                shaped = (len(table.rows), len(table.rows[0])) == (len(rows), len(rows[0]))
                right = sum(a == b for got, want in zip(table.rows, rows, strict=False)
                            for a, b in zip(got, want, strict=False)) if shaped else 0
                ok = (len(tables) == 1 and table.rows == rows
                      and [(s.row, s.col, s.rows, s.cols) for s in table.spans] == list(spans))
            exact += ok
            cells_right += right
            by_condition.setdefault(cond, [0, 0])
            by_condition[cond][0] += ok
            by_condition[cond][1] += 1
            print(f"  {name:22s} {cond:13s} {'exact' if ok else 'no   '} cells {right}/{n}"
                  f"{'' if tables else '  (no table)'}", flush=True)
    print(f"\n# tables from degraded scans, seed offset {args.seed_offset}, "
          f"{'without' if args.without_cells else 'with'} the empty cells looked into "
          f"({time.perf_counter() - t0:.0f} s)")
    print("| condition | exact tables |\n| --- | --- |")
    for cond, (k, m) in by_condition.items():
        print(f"| {cond} | {k}/{m} |")
    print(f"exact tables {exact}/{pages}, cells {cells_right}/{cells_all}")
    print_reproduce("benchmarks.tables", argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
