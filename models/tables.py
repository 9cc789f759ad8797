"""A table (header and rows) as a file users open in Excel: CSV in UTF-8 with a BOM (so Excel
reads the Chinese) or XLSX with a bold header under a few title lines. Shared by every
download of the product (statistics, document and case lists, search results)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any


def to_csv(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header)
    w.writerows(rows)
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def to_xlsx(header: Sequence[str], rows: Sequence[Sequence[Any]],
            title_lines: Sequence[Sequence[Any]] = (), sheet: str = "数据",
            width: int = 18) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    for line in title_lines:
        ws.append(list(line))
    if title_lines:
        ws["A1"].font = Font(bold=True)
        ws.append([])
    ws.append(list(header))
    head_row = ws.max_row
    for cell in ws[head_row]:
        cell.font = Font(bold=True)
    for r in rows:
        ws.append(list(r))
    for i, _ in enumerate(header, start=1):
        ws.column_dimensions[ws.cell(row=head_row, column=i).column_letter].width = width
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
