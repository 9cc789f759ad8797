"""Statistics for the API and the pages: the caller's scope from ``models.visibility`` (their
agency; a 政法委 user's whole region), the workflow registry's names for business and clock
codes, then ``analytics`` computes. Every answer is audited as a read of figures."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from analytics import export, registry, report, rollup_build
from analytics.errors import AnalyticsError
from analytics.query import CST, AgencyInfo, Scope, aware
from models import audit
from models.db import get_engine, session_scope
from models.schema import Agency, User
from models.settings import Settings
from models.visibility import visible_agency_ids
from workflow import registry as workflow_registry


@lru_cache(maxsize=1)
def _labels() -> dict[str, dict[str, str]]:
    reg = workflow_registry.load()
    codes = {b.code: f"{b.code} {b.name}" for b in reg.businesses.values()}
    stages = {"B2": "审查逮捕", "INV_CUSTODY": "逮捕后侦查", "C1": "审查起诉",
              "C2": "退回补充侦查", "TRIAL1": "一审", "TRIAL2": "二审"}
    for code, clock in reg.clocks.items():
        stages.setdefault(code, clock.name)
    return {"code": codes, "stage": stages}


def refresh(settings: Settings, *, full: bool = False, now: datetime | None = None
            ) -> dict[str, Any] | None:
    """Bring the statistics' rollups up to date (analytics/rollup_build.py): the cases changed
    since the last run, or everything (``full``, and on first use). Run by every worker's
    sweeper and by ``dossier analytics refresh``; None when another run holds the lock. After
    a full rebuild on PostgreSQL the tables are vacuumed, so the open-clock counts read their
    index alone."""
    started = now or datetime.now(UTC)
    with session_scope(settings.db_url) as s:
        result = rollup_build.refresh(s, started, full=full)
    if result and result["full"] and settings.db_url.startswith("postgresql"):
        with get_engine(settings.db_url).connect().execution_options(
                isolation_level="AUTOCOMMIT") as conn:
            for table in rollup_build.TABLES:
                conn.execute(text(f"VACUUM ANALYZE {table}"))
    return result


def freshness(settings: Settings) -> dict[str, Any]:
    """How fresh the rolled-up figures are: ``as_of`` (None: never built, every figure live)."""
    with session_scope(settings.db_url) as s:
        st = rollup_build.state(s)
        return {"as_of": aware(st.as_of).isoformat() if st else None,
                "full_at": aware(st.full_at).isoformat() if st else None,
                "cases": st.cases if st else 0, "seconds": st.seconds if st else None}


def scope_of(s: Session, user: User) -> Scope:
    """The agencies whose figures ``user`` reads (models.visibility decides which)."""
    ids = visible_agency_ids(user, s)
    rows = s.execute(select(Agency).where(Agency.id.in_(sorted(ids)))).scalars()
    return Scope({a.id: AgencyInfo(a.id, a.code, a.name, a.kind, a.region) for a in rows},
                 _labels())


def catalogue() -> list[dict[str, Any]]:
    return registry.catalogue()


def compute(settings: Settings, user: User, name: str, params: Mapping[str, str | None],
            now: datetime) -> dict[str, Any]:
    with session_scope(settings.db_url) as s:
        result = registry.compute(s, scope_of(s, user), name, params, now)
        audit.record(s, "stats.read", user_id=user.id, object_type="statistic", object_id=name,
                     detail={"filters": result.get("filters")})
        return result


def drill(settings: Settings, user: User, name: str, params: Mapping[str, str | None],
          group: str | None, now: datetime) -> dict[str, Any]:
    with session_scope(settings.db_url) as s:
        result = registry.drill(s, scope_of(s, user), name, params, group, now)
        audit.record(s, "stats.cases", user_id=user.id, object_type="statistic", object_id=name,
                     detail={"filters": result["filters"], "group": group,
                             "cases": [c["case_id"] for c in result["cases"]][:50]})
        return result


def download(settings: Settings, user: User, name: str, params: Mapping[str, str | None],
             fmt: str, now: datetime) -> tuple[bytes, str]:
    """(bytes, media type) of a statistic's data as CSV or XLSX."""
    result = compute(settings, user, name, params, now)
    if fmt == "csv":
        return export.to_csv(result), "text/csv; charset=utf-8"
    return (export.to_xlsx(result),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def scope_agencies(settings: Settings, user: User) -> list[dict[str, Any]]:
    with session_scope(settings.db_url) as s:
        sc = scope_of(s, user)
        return [{"code": a.code, "name": a.name, "kind": a.kind, "region": a.region}
                for a in sorted(sc.agencies.values(), key=lambda a: (a.kind, a.code))]


def monthly_report(settings: Settings, user: User, month: str, kind: str,
                   dashboards: Mapping[str, list[str]], now: datetime) -> bytes:
    """The PDF of one month's main figures (the statistics of the caller's dashboard), with one
    column per agency for a 政法委 user."""
    try:
        first = datetime.strptime(month, "%Y-%m").date()
    except ValueError:
        raise AnalyticsError(f"月份应为 YYYY-MM，收到 {month!r}") from None
    last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    period = {"from": first.isoformat(), "to": last.isoformat()}
    names = dashboards.get(kind) or dashboards["oversight"]
    figures = []
    with session_scope(settings.db_url) as s:
        scope = scope_of(s, user)
        agencies = [{"code": a.code, "name": a.name}
                    for a in sorted(scope.agencies.values(), key=lambda a: (a.kind, a.code))
                    if a.kind != "oversight"]
        for name in names:
            stat = registry.get(name)
            if not stat.computable or stat.snapshot:
                continue  # a snapshot is no figure of a past month
            total = registry.compute(s, scope, name, period, now)
            by = registry.compute(s, scope, name, {**period, "group_by": "agency"}, now) \
                if "agency" in stat.group_by else {"series": []}
            figures.append({"title": stat.title, "unit": total["unit"], "kind": stat.kind,
                            "total": total["total"], "definition": stat.formula,
                            "by_agency": {e["group"]["agency"]: e for e in by["series"]}})
        audit.record(s, "stats.report", user_id=user.id, object_type="report", object_id=month,
                     detail={"figures": [f["title"] for f in figures]})
        region = next((a.region for a in scope.agencies.values() if a.region), None)
    who = (f"{region}（各机关）" if kind == "oversight" and region
           else "、".join(a["name"] for a in agencies) or "本机关")
    return report.monthly_pdf(f"{first.year}年{first.month}月 统计月报", f"范围：{who}；期间："
                              f"{period['from']} 至 {period['to']}（按决定日期）", figures,
                              agencies if kind == "oversight" else [], now.astimezone(CST))
