"""The printable monthly report: a PDF of the main figures of one month (reportlab, with the
CID font STSong-Light that PDF readers provide for Chinese: nothing to embed or download)."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

FONT = "STSong-Light"


def _fmt(total: dict[str, Any] | None, kind: str) -> str:
    if not total or total.get("value") is None:
        return "—"
    if kind == "rate":
        return f"{total['value']}%（{total['numerator']:g}/{total['denominator']:g}）"
    if kind == "distribution":
        return f"中位数 {total['median']}，平均 {total['mean']}（{total['n']} 件）"
    if total.get("persons") is not None:
        return f"{total['cases']} 件 / {total['persons']} 人"
    return f"{total['value']:g}"


def monthly_pdf(title: str, subtitle: str, figures: list[dict[str, Any]],
                agencies: list[dict[str, str]], generated: datetime) -> bytes:
    """``figures``: [{"title", "unit", "kind", "total", "by_agency": {code: entry}, "definition"}];
    with ``agencies`` given, one column per agency beside the total."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    wide = len(agencies) > 1
    size = landscape(A4) if wide else A4
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=size, leftMargin=12 * mm, rightMargin=12 * mm,
                            topMargin=12 * mm, bottomMargin=12 * mm, title=title,
                            author="电子卷宗智能平台")
    h1 = ParagraphStyle("h1", fontName=FONT, fontSize=16, leading=22)
    body = ParagraphStyle("b", fontName=FONT, fontSize=9, leading=12)
    small = ParagraphStyle("s", fontName=FONT, fontSize=7.5, leading=10)
    story: list[Any] = [Paragraph(title, h1), Paragraph(subtitle, body), Spacer(1, 4 * mm)]
    header = ["统计", "合计"] + ([a["name"] for a in agencies] if wide else [])
    rows: list[list[Any]] = [[Paragraph(h, body) for h in header]]
    for f in figures:
        row: list[Any] = [Paragraph(f"{f['title']}（{f['unit']}）", body),
                          Paragraph(_fmt(f["total"], f["kind"]), body)]
        if wide:
            for a in agencies:
                row.append(Paragraph(_fmt(f.get("by_agency", {}).get(a["code"]), f["kind"]),
                                     small))
        rows.append(row)
    first = 45 * mm
    rest = (size[0] - 24 * mm - first) / (len(header) - 1)
    table = Table(rows, colWidths=[first] + [rest] * (len(header) - 1), repeatRows=1)
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                               ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef2f6")),
                               ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story += [table, Spacer(1, 4 * mm), Paragraph("口径", body)]
    for f in figures:
        story.append(Paragraph(f"{f['title']}：{f['definition']}", small))
    story.append(Spacer(1, 3 * mm))
    story.append(Paragraph(f"生成时间：{generated.strftime('%Y-%m-%d %H:%M')}（北京时间）", small))
    doc.build(story)
    return buf.getvalue()
