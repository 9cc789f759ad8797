"""The holiday calendar (法定节假日 and 调休 working days) as data: ``data/holidays.toml``."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).with_name("data") / "holidays.toml"


@dataclass(frozen=True)
class Year:
    year: int
    source: str
    unverified: bool


def _dates(items: list[str]) -> set[date]:
    out: set[date] = set()
    for item in items:
        first, _, last = item.partition("..")
        a = date.fromisoformat(first)
        b = date.fromisoformat(last) if last else a
        if b < a:
            raise ValueError(f"holiday range {item!r} runs backwards")
        while a <= b:
            out.add(a)
            a += timedelta(days=1)
    return out


@dataclass(frozen=True)
class HolidayCalendar:
    holidays: frozenset[date]
    workdays: frozenset[date]
    years: dict[int, Year]

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> HolidayCalendar:
        hol: set[date] = set()
        work: set[date] = set()
        years = {}
        for key, raw in data.get("years", {}).items():
            y = int(key)
            h, w = _dates(raw.get("holidays", [])), _dates(raw.get("workdays", []))
            if any(d.year != y for d in h | w):
                raise ValueError(f"holidays.toml [years.{y}] lists a date of another year")
            if h & w:
                raise ValueError(f"holidays.toml [years.{y}]: a day is both holiday and workday")
            hol |= h
            work |= w
            years[y] = Year(y, raw.get("source", ""), bool(raw.get("unverified", False)))
        return cls(frozenset(hol), frozenset(work), years)

    def is_working_day(self, d: date) -> bool:
        if d in self.workdays:
            return True
        return d.weekday() < 5 and d not in self.holidays

    def next_working_day(self, d: date) -> date:
        """``d`` itself when it is a working day, otherwise the first working day after it."""
        while not self.is_working_day(d):
            d += timedelta(days=1)
        return d

    def add_working_days(self, d: date, n: int) -> date:
        """The ``n``-th working day after ``d`` (``d`` itself not counted)."""
        while n > 0:
            d += timedelta(days=1)
            if self.is_working_day(d):
                n -= 1
        return d

    def note(self, d: date) -> str | None:
        """Why the calendar of ``d``'s year may be wrong (⚠), or None when it is verified."""
        y = self.years.get(d.year)
        if y is None:
            return (f"⚠ 节假日数据未包含{d.year}年，按普通周末计算（请在 workflow/data/holidays.toml"
                    f" 中补充[years.{d.year}]）")
        if y.unverified:
            return f"⚠ {d.year}年节假日数据未核对：{y.source}"
        return None


@lru_cache(maxsize=4)
def load(path: Path = DATA) -> HolidayCalendar:
    with path.open("rb") as fh:
        return HolidayCalendar.from_data(tomllib.load(fh))
