"""The deadline calculator (workflow.deadlines), each test taken from the article it names."""

from __future__ import annotations

import dataclasses
import json
from datetime import date, datetime

import pytest
from typer.testing import CliRunner

from workflow import registry
from workflow.deadlines import CST, ClockEvent, compute, deadline_for
from workflow.errors import ClockError, WorkflowError
from workflow.holidays import load as load_calendar


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=CST)


# --- CPL 105: the first day is not counted; months ----------------------------------------------
def test_cpl105_first_day_not_counted_cpl91_seven_days_of_arrest_review() -> None:
    """CPL 91 ¶3: 7 days from the day the request arrives, that day not counted (CPL 105)."""
    d = deadline_for("B2", "2025-03-03")
    assert d.due == date(2025, 3, 10) and d.custody
    assert "第九十一条" in d.basis and "第一百零五条" in d.basis


def test_cpl105_month_from_31_january_ends_on_the_last_day_of_february_cpl172() -> None:
    """CPL 172 (one month of 审查起诉) counted by CPL 105: 31 January + 1 month has no 31
    February, so the month ends on the last day of February."""
    d = deadline_for("C1", "2025-01-31")
    assert d.due == date(2025, 2, 28)
    assert "第一百七十二条" in d.basis


def test_cpl105_month_in_a_leap_year_ends_29_february_cpl172() -> None:
    """CPL 172 / CPL 105 in a leap year: 31 January 2024 + 1 month = 29 February 2024."""
    assert deadline_for("C1", "2024-01-31").due == date(2024, 2, 29)
    # 2 months of 侦查羁押 (CPL 156) from 31 December 2023 end on 29 February 2024
    assert deadline_for("INV_CUSTODY", "2023-12-31").due == date(2024, 2, 29)


def test_cpl105_month_from_a_month_end_goes_to_the_month_end_when_configured() -> None:
    """The interpretation's rule for a start on a month's last day (⚠, configurable): 28 February
    2025 + 1 month = 31 March; with the rule off, 28 March (the same date)."""
    d = deadline_for("C1", "2025-02-28", custody=True)
    assert d.due == date(2025, 3, 31) and d.unverified and "⚠" in d.basis
    reg = registry.load()
    off = dataclasses.replace(reg, counting=dataclasses.replace(reg.counting,
                                                                 month_end_to_month_end=False))
    assert compute(off.clock("C1"), date(2025, 2, 28), detained=True, reg=off).due == date(2025, 3, 28)


# --- CPL 105 ¶2: holidays move the last day, except custody periods ---------------------------
def test_cpl105_last_day_on_national_day_2025_moves_to_the_next_working_day_cpl230() -> None:
    """CPL 230: ten days to appeal a judgment received 24 September 2025 end on 4 October, a
    National Day holiday (1–8 October 2025): the period ends on 9 October (CPL 105 ¶2)."""
    d = deadline_for("D4", "2025-09-24")
    assert d.due == date(2025, 10, 9) and d.rolled_from == date(2025, 10, 4)
    assert "顺延" in d.basis and not d.unverified


def test_cpl105_custody_period_is_not_extended_by_holidays_cpl172() -> None:
    """CPL 105 ¶2: a person in custody — the 审查起诉 month (CPL 172) ends on its own last day,
    holiday or not; without custody it moves past the holiday."""
    free = deadline_for("C1", "2025-09-04")
    held = deadline_for("C1", "2025-09-04", custody=True)
    assert free.due == date(2025, 10, 9) and held.due == date(2025, 10, 4)
    assert "不得因节假日而延长" in held.basis
    # a 拘留 (CPL 91: 3 days to request arrest) is always a custody period
    assert deadline_for("B1", "2025-09-30").due == date(2025, 10, 3)


def test_cpl105_a_weekend_working_day_of_the_calendar_is_a_working_day_cpl230() -> None:
    """CPL 230 + CPL 105: 28 September 2025 is a Sunday but a 调休 working day, so an appeal
    period ending that day does not move; 5 October 2024 is a holiday and moves to 8 October."""
    assert deadline_for("D4", "2025-09-18").due == date(2025, 9, 28)
    assert deadline_for("D4", "2024-09-25").due == date(2024, 10, 8)


def test_cpl105_calendar_years_and_unverified_years() -> None:
    cal = load_calendar()
    assert {2024, 2025, 2026, 2027} <= set(cal.years)
    assert not cal.is_working_day(date(2026, 2, 17)) and cal.is_working_day(date(2026, 2, 14))
    assert cal.note(date(2026, 5, 1)) is None
    assert cal.note(date(2027, 5, 1)) and "⚠" in (cal.note(date(2027, 5, 1)) or "")
    # a year not in the data is counted as an ordinary week and says so (CPL 230, 10 days)
    d = deadline_for("D4", "2028-03-01")
    assert d.unverified and "2028" in d.basis and "holidays.toml" in d.basis


# --- CPL 175: 退补 restarts the prosecution clock in full, at most twice ---------------------------
def test_cpl175_return_for_supplementary_investigation_restarts_review_in_full() -> None:
    """CPL 175 ¶3: after 补充侦查 the procuratorate counts the review period anew from the day the
    case comes back; a third restart is refused (补充侦查以二次为限)."""
    c1 = registry.load().clock("C1")
    start = at("2025-03-03T10:00")
    assert compute(c1, start).due == date(2025, 4, 3)
    first = [ClockEvent("stop", at("2025-03-20T09:00")), ClockEvent("restart", at("2025-04-15T09:00"))]
    d = compute(c1, start, first)
    assert d.due == date(2025, 5, 15) and d.restarts == 1 and "重新计算" in d.basis
    second = first + [ClockEvent("stop", at("2025-05-01T09:00")),
                      ClockEvent("restart", at("2025-06-03T09:00"))]
    assert compute(c1, start, second).due == date(2025, 7, 3)
    third = second + [ClockEvent("stop", at("2025-06-20T09:00")),
                      ClockEvent("restart", at("2025-07-10T09:00"))]
    with pytest.raises(ClockError) as refused:
        compute(c1, start, third)
    assert "至多重新计算2次" in refused.value.message and "第一百七十五条" in str(refused.value)


def test_cpl175_restart_forgets_an_extension_of_the_first_round() -> None:
    """CPL 175 ¶3 / CPL 172: the restarted month is a new period; a 15-day extension granted in
    the first round does not carry over."""
    c1 = registry.load().clock("C1")
    ev = [ClockEvent("extend", at("2025-03-28T09:00"), add="15d", approver="检察长"),
          ClockEvent("stop", at("2025-04-10T09:00")), ClockEvent("restart", at("2025-05-06T09:00"))]
    assert compute(c1, at("2025-03-03T10:00"), ev).due == date(2025, 6, 6)


# --- extensions as approval events ----------------------------------------------------------------
def test_cpl172_review_extended_by_fifteen_days_once() -> None:
    """CPL 172 ¶1: 重大、复杂的案件，可以延长十五日 — once; a second extension is refused."""
    c1 = registry.load().clock("C1")
    ext = ClockEvent("extend", at("2025-03-30T09:00"), add="15d", approver="检察长",
                     document="延长审查起诉期限决定书")
    d = compute(c1, at("2025-03-03T10:00"), [ext], detained=True)
    assert d.due == date(2025, 4, 18)
    assert d.extensions[0].approver == "检察长" and "延长审查起诉期限决定书" in d.basis
    with pytest.raises(ClockError, match="延长次数已用尽"):
        compute(c1, at("2025-03-03T10:00"), [ext, ext], detained=True)
    with pytest.raises(ClockError, match="不能延长1个月"):
        compute(c1, at("2025-03-03T10:00"), [dataclasses.replace(ext, add="1m")])


def test_cpl156_158_159_investigation_custody_extensions_and_filing_lead() -> None:
    """CPL 156 (2 months, +1 month by the procuratorate above), 158 (+2 months), 159 (+2 months);
    规则 309: an extension must be filed 7 days before expiry, else the result warns."""
    inv = registry.load().clock("INV_CUSTODY")
    start = at("2025-03-10T10:00")
    assert compute(inv, start).due == date(2025, 5, 10)
    ev = [ClockEvent("extend", at("2025-04-28T09:00"), add="1m", approver="上一级人民检察院"),
          ClockEvent("extend", at("2025-05-30T09:00"), add="2m", approver="省级人民检察院"),
          ClockEvent("extend", at("2025-07-30T09:00"), add="2m", approver="省级人民检察院")]
    d = compute(inv, start, ev)
    assert d.due == date(2025, 10, 10) and len(d.extensions) == 3
    assert "第一百五十八条" in d.basis and "第一百五十九条" in d.basis and not d.warnings
    with pytest.raises(ClockError):
        compute(inv, start, ev + [ClockEvent("extend", at("2025-09-30T09:00"), add="1m")])
    late = compute(inv, start, [ClockEvent("extend", at("2025-05-08T09:00"), add="1m")])
    assert late.warnings and "第三百零九条" in late.warnings[0]


def test_cpl91_detention_extended_by_up_to_four_days() -> None:
    """CPL 91 ¶1: 3 days after 拘留, in special cases extended by one to four days (no more)."""
    b1 = registry.load().clock("B1")
    start = at("2025-03-03T20:00")
    assert compute(b1, start).due == date(2025, 3, 6)
    assert compute(b1, start, [ClockEvent("extend", start, add="4d")]).due == date(2025, 3, 10)
    assert compute(b1, start, [ClockEvent("extend", start, add="2d")]).due == date(2025, 3, 8)
    with pytest.raises(ClockError):
        compute(b1, start, [ClockEvent("extend", start, add="5d")])


def test_cpl172_fast_track_review_extended_to_fifteen_days() -> None:
    """CPL 172 ¶1: 速裁 review 10 days, extendable *to* 15 days (a new total, not +15)."""
    fast = registry.load().clock("C1_FAST")
    start = at("2025-03-03T10:00")
    assert compute(fast, start).due == date(2025, 3, 13)
    assert compute(fast, start, [ClockEvent("extend", start, to="15d")]).due == date(2025, 3, 18)


# --- paused periods -------------------------------------------------------------------------------
def test_cpl149_psychiatric_assessment_is_not_counted_in_custody() -> None:
    """CPL 149: the time of a psychiatric assessment is not counted in the 办案期限."""
    inv = registry.load().clock("INV_CUSTODY")
    start = at("2025-03-10T10:00")
    ev = [ClockEvent("pause", at("2025-04-01T09:00"), reason="精神病鉴定"),
          ClockEvent("resume", at("2025-04-21T09:00"))]
    d = compute(inv, start, ev)
    assert d.due == date(2025, 5, 30) and d.paused_days == 20 and "第一百四十九条" in d.basis
    # still open: paused, and projected up to "now"
    open_ = compute(inv, start, ev[:1], now=at("2025-04-11T12:00"))
    assert open_.paused and open_.paused_days == 10 and open_.due == date(2025, 5, 20)
    with pytest.raises(ClockError, match="不能中止计算"):
        compute(inv, start, [ClockEvent("pause", at("2025-04-01T09:00"), reason="出差")])


def test_cpl235_second_instance_file_reading_is_not_counted_in_the_appeal_trial() -> None:
    """CPL 235 / 243: the procuratorate's reading of the file (≤ 1 month) is not counted in the
    two months of the second instance."""
    t2 = registry.load().clock("TRIAL2")
    start = at("2025-06-02T10:00")
    ev = [ClockEvent("pause", at("2025-06-03T09:00"), reason="二审阅卷"),
          ClockEvent("resume", at("2025-06-28T09:00"))]
    d = compute(t2, start, ev, detained=True)
    assert d.due == date(2025, 8, 27) and "第二百三十五条" in d.basis


# --- hours ------------------------------------------------------------------------------------------
def test_cpl86_interrogation_within_24_hours_of_detention_counts_from_the_next_hour() -> None:
    """CPL 86 / CPL 105: 24 hours after 拘留, the starting hour not counted: detained at 14:25
    → due 15:00 the next day; holidays never matter for a custody clock in hours."""
    d = deadline_for("DET_INTERROGATE", "2025-03-01T14:25")
    assert d.due == at("2025-03-02T15:00") and d.due_iso() == "2025-03-02T15:00+08:00"
    assert "第八十六条" in d.basis and "下一个整点" in d.basis
    assert deadline_for("DET_TRANSFER", "2025-10-01T23:10").due == at("2025-10-03T00:00")
    with pytest.raises(WorkflowError, match="按小时计算"):
        deadline_for("DET_NOTICE", "2025-03-01")


# --- other counting forms ---------------------------------------------------------------------------
def test_community_correction_assessment_in_working_days() -> None:
    """社区矫正法 18 / 实施办法 14 ⚠: ten working days, counted on the holiday calendar."""
    d = deadline_for("F1", "2025-09-26")
    assert d.due == date(2025, 10, 16) and d.unverified and "⚠" in d.basis


def test_cpl187_copy_of_indictment_ten_days_before_trial() -> None:
    """CPL 187: the copy of the indictment is served at the latest ten days before the trial."""
    assert deadline_for("D1", "2025-03-20").due == date(2025, 3, 10)


def test_cpl264_delivery_for_execution_ten_days_after_effect() -> None:
    """CPL 264: ten days after the judgment takes effect (holiday moves it, not a custody period)."""
    assert deadline_for("G1", "2025-03-03").due == date(2025, 3, 13)
    assert deadline_for("G1", "2025-09-26").due == date(2025, 10, 9)


# --- the CLI ----------------------------------------------------------------------------------------
def test_cli_deadline_prints_kind_start_due_basis() -> None:
    from api.cli import app

    runner = CliRunner()
    for kind, start, due in (("B2", "2025-03-03", "2025-03-10"), ("C1", "2025-01-31", "2025-02-28"),
                             ("D4", "2025-09-24", "2025-10-09"), ("G1", "2025-03-03", "2025-03-13"),
                             ("DET_INTERROGATE", "2025-03-01T14:25", "2025-03-02T15:00+08:00")):
        r = runner.invoke(app, ["deadline", kind, "--start", start])
        assert r.exit_code == 0, r.output
        out = json.loads(r.stdout)
        assert {"kind", "start", "due", "basis"} <= set(out)
        assert out["kind"] == kind and out["start"] == start and out["due"] == due
    held = json.loads(runner.invoke(app, ["deadline", "C1", "--start", "2025-09-04",
                                          "--custody"]).stdout)
    assert held["due"] == "2025-10-04" and held["custody"] is True
    bad = runner.invoke(app, ["deadline", "Z9", "--start", "2025-03-03"])
    assert bad.exit_code != 0 and "未知的期限种类" in bad.output
    bad = runner.invoke(app, ["deadline", "C1", "--start", "2025-02-30"])
    assert bad.exit_code != 0 and "无法识别的起算日期" in bad.output
