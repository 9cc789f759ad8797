"""Reminder levels of a running clock (``data/reminders.toml``): yellow, orange, red.

A clock's levels are instants computed once from its deadline (``thresholds``), so "which level
is this clock at now" is three comparisons, in Python or in SQL.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path

from workflow.deadlines import CST, Deadline, end_of_day, local

DATA = Path(__file__).with_name("data") / "reminders.toml"
LEVELS = ("none", "yellow", "orange", "red")


@dataclass(frozen=True)
class Rule:
    min_days: int
    yellow: int
    orange: int
    basis: str
    unverified: bool = False


@dataclass(frozen=True)
class Policy:
    names: dict[str, str]
    rules: tuple[Rule, ...]
    yellow_hours: int
    orange_hours: int
    hours_basis: str
    hours_unverified: bool


@dataclass(frozen=True)
class Thresholds:
    yellow_at: datetime
    orange_at: datetime
    red_at: datetime
    basis: str
    unverified: bool


@lru_cache(maxsize=4)
def load(path: Path = DATA) -> Policy:
    with path.open("rb") as fh:
        raw = tomllib.load(fh)
    rules = tuple(sorted((Rule(r["min_days"], r["yellow"], r["orange"], r["basis"],
                               bool(r.get("unverified", False))) for r in raw["rule"]),
                         key=lambda r: -r.min_days))
    h = raw["hours"]
    return Policy(dict(raw["levels"]), rules, h["yellow_hours"], h["orange_hours"], h["basis"],
                  bool(h.get("unverified", False)))


def thresholds(d: Deadline, policy: Policy | None = None) -> Thresholds:
    """When ``d`` turns yellow, orange and red."""
    policy = policy or load()
    if isinstance(d.due, datetime):
        due = d.due
        return Thresholds(due - timedelta(hours=policy.yellow_hours),
                          due - timedelta(hours=policy.orange_hours), due, policy.hours_basis,
                          policy.hours_unverified)
    days = abs((d.due - d.start.date()).days)
    rule = next(r for r in policy.rules if days >= r.min_days)
    start_of = lambda n: datetime.combine(d.due - timedelta(days=n), datetime.min.time(), CST)  # noqa: E731
    return Thresholds(start_of(rule.yellow), start_of(rule.orange), end_of_day(d.due),
                      rule.basis, rule.unverified)


def level_at(th: Thresholds, now: datetime) -> str:
    now = local(now)
    if now >= th.red_at:
        return "red"
    if now >= th.orange_at:
        return "orange"
    if now >= th.yellow_at:
        return "yellow"
    return "none"


def level_name(level: str, policy: Policy | None = None) -> str:
    return (policy or load()).names.get(level, level)
