"""A computed statistic as a table, and that table as CSV (UTF-8 with BOM, for Excel) or XLSX."""

from __future__ import annotations

from typing import Any

from analytics.query import DIMENSIONS
from models import tables

_COLUMNS = {
    "rate": [("numerator", "分子"), ("denominator", "分母"), ("value", "比率（%）")],
    "distribution": [("n", "样本数"), ("mean", "平均数"), ("median", "中位数"),
                     ("p25", "下四分位数"), ("p75", "上四分位数"), ("min", "最小值"),
                     ("max", "最大值")],
}


def _columns(result: dict[str, Any]) -> list[tuple[str, str]]:
    if result["kind"] in _COLUMNS:
        return _COLUMNS[result["kind"]]
    total = result.get("total") or {}
    if "persons" in total:
        return [("cases", "件数"), ("persons", "人数")]
    return [("amount", f"数量（{result['unit']}）")]


def table(result: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    """(header, rows): one row per group, then the total (合计)."""
    dims = list(result.get("group_by") or [])
    cols = _columns(result)
    header = [DIMENSIONS[d] for d in dims] + [label for _, label in cols]
    rows: list[list[Any]] = []
    for entry in result.get("series") or []:
        rows.append([entry["labels"][d] for d in dims] + [entry.get(k) for k, _ in cols])
    total = result.get("total")
    if total is not None:
        rows.append((["合计"] + [""] * (len(dims) - 1) if dims else [])
                    + [total.get(k) for k, _ in cols])
    if not dims:  # a single figure: name it
        header = ["统计"] + header
        rows = [[result["title"]] + r for r in rows]
    return header, rows


def _title_lines(result: dict[str, Any]) -> list[list[Any]]:
    f = result.get("filters") or {}
    period = f"{f.get('from') or '不限'} 至 {f.get('to') or '不限'}"
    if result.get("snapshot"):
        period = f"当前时点（{result.get('now', '')[:19]}）"
    return [[f"{result['title']}（单位：{result['unit']}）"], [f"期间：{period}"]]


def to_csv(result: dict[str, Any]) -> bytes:
    return tables.to_csv(*table(result))


def to_xlsx(result: dict[str, Any]) -> bytes:
    header, rows = table(result)
    return tables.to_xlsx(header, rows, _title_lines(result))
