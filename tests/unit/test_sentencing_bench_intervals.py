"""The sentencing benchmark's bootstrap intervals: a difference that holds in every case has no
spread, one that flips between cases spans zero, and a run repeats (seeded)."""

from __future__ import annotations

import re

import pytest

from benchmarks.sentencing_guideline import Row, intervals

EST, MED = "estimate (guideline + cases)", "per-charge median (baseline)"


def rows(truths: list[float]) -> list[Row]:
    return [Row(t, None, [], None, 100) for t in truths]


def preds(est: list[float], med: list[float]) -> dict[str, list[float | None]]:
    return {EST: [x for x in est], MED: [x for x in med]}


def line(out: str, label: str) -> list[float]:
    """The numbers of the interval table's row `label`."""
    row = next(x for x in out.splitlines() if x.startswith(label))
    return [float(x) for x in re.findall(r"[+-]?\d+\.\d+", row)]


def test_a_difference_in_every_case_is_its_own_interval(capsys: pytest.CaptureFixture[str]
                                                        ) -> None:
    truth = [3.0, 10.0, 24.0, 60.0, 150.0] * 4
    intervals(rows(truth), preds(truth, [t + 2 for t in truth]))
    out = capsys.readouterr().out
    # estimate 0 [0 - 0], median 2 [2 - 2], difference -2 [-2 - -2]
    assert line(out, "all") == [0.0, 0.0, 0.0, 2.0, 2.0, 2.0, -2.0, -2.0, -2.0]
    assert line(out, "term 13-36")[6:] == [-2.0, -2.0, -2.0]


def test_a_difference_that_flips_spans_zero_and_repeats(capsys: pytest.CaptureFixture[str]
                                                        ) -> None:
    truth = [12.0] * 40
    est = [12.0 + (5 if i % 2 else 0) for i in range(40)]  # 0 or 5 months off
    med = [12.0 + (0 if i % 2 else 5) for i in range(40)]  # the other way round
    intervals(rows(truth), preds(est, med))
    first = capsys.readouterr().out
    diff, lo, hi = line(first, "all")[6:]
    assert diff == 0.0 and lo < 0.0 < hi
    intervals(rows(truth), preds(est, med))
    assert capsys.readouterr().out == first
