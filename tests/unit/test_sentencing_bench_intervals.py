"""The sentencing benchmark's bootstrap intervals (a difference that holds in every case has no
spread, one that flips between cases spans zero, and a run repeats: seeded) and how often the
range the product shows holds the true term."""

from __future__ import annotations

import re

import pytest

from benchmarks.sentencing_guideline import Row, coverage, intervals, product
from sentencing.estimate import Params

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


def test_the_ranges_coverage_counts_terms_inside_below_and_above(
        capsys: pytest.CaptureFixture[str]) -> None:
    # a guideline term of 10 months and no pool case: before any fit the estimate is the
    # guideline's term and its range log(1 + months) ± 0.5, i.e. 6 to 17 months
    answer = product(Row(10.0, 10.0, [], None, 100), Params.default())
    assert answer is not None and answer["range"] == [6, 17]
    rows = [Row(t, 10.0, [], None, 100) for t in (10.0, 2.0, 100.0, 17.0)]
    coverage(rows, Params.default())
    out = capsys.readouterr().out
    assert "all                       4  inside  50.0%  below  25.0%  above  25.0%  width    11.0" in out
    assert "term 7-12                 1  inside 100.0%" in out
    assert "term 37-120               1  inside   0.0%  below   0.0%  above 100.0%" in out
