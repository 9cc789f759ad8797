"""The workflow at scale on PostgreSQL: the reminder sweep and the inbox / due-list latency.

Builds a fresh database (``--admin-url``, a PostgreSQL server URL; the database is dropped at the
end unless ``--keep``) holding ``--cases`` open cases of ``--agencies`` agencies (a quarter each
police, procuratorate, court, justice) with ``--businesses`` businesses between them (70 %
已办结, the rest open: 已推送 / 已签收 / 已受理) and three clocks per case (one running, due
between 60 days ago and 60 days ahead, two stopped), written with COPY as the service would
store them. Then times, through ``services.workflow`` (the functions the API calls):

* ``sweep_reminders``: a first pass (every running clock takes its level and its notification),
  a second pass at the same moment (nothing changes), a pass one day later;
* ``inbox`` (a page: the 50 newest open businesses of an agency, with their deadlines) and
  ``due_list`` (a page: the 100 soonest running clocks, and the red ones) for ``--queries``
  random agencies, as the API's default pages: p50/p95.

    python -m benchmarks.workflow [--cases 100000] [--businesses 1000000] [--queries 200]
        [--admin-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shlex
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

STATUSES_OPEN = ("已推送", "已签收", "已受理")
KINDS = ("police", "procuratorate", "court", "justice")
CODES = {"police": ("B1", "C1", "C3", "G2"), "procuratorate": ("B2", "C2", "C5", "B6"),
         "court": ("D3", "G1", "F1", "D1"), "justice": ("F1",)}


def _copy(conn: Any, table: str, columns: Iterable[str], rows: Iterable[tuple[Any, ...]]) -> None:
    cols = list(columns)
    with conn.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as cp:
        for row in rows:
            cp.write_row(row)


def build(url: str, cases: int, businesses: int, agencies: int, now: datetime,
          seed: int = 7) -> dict[str, Any]:
    from models.db import get_engine, migrate

    rnd = random.Random(seed)
    migrate(url)
    engine = get_engine(url)
    raw = engine.raw_connection()
    conn: Any = raw.driver_connection  # psycopg
    t0 = time.perf_counter()
    kinds = [KINDS[i % 4] for i in range(agencies)]
    _copy(conn, "agencies", ("id", "code", "name", "kind"),
          ((i + 1, f"{k}-{i + 1}", f"{k} {i + 1}", k) for i, k in enumerate(kinds)))
    police = [i + 1 for i, k in enumerate(kinds) if k == "police"]
    by_kind = {k: [i + 1 for i, kk in enumerate(kinds) if kk == k] for k in KINDS}
    _copy(conn, "users", ("id", "name", "role", "agency_id", "active", "created_at"),
          ((i + 1, f"u{i + 1}", "clerk", i + 1, True, now) for i in range(agencies)))
    owner = [rnd.choice(police) for _ in range(cases)]
    _copy(conn, "cases", ("id", "case_number", "agency_id", "created_at"),
          ((c + 1, f"（2025）bench{c + 1}号", owner[c], now) for c in range(cases)))
    _copy(conn, "case_procedures", ("case_id", "state", "procedure", "plea", "detained", "persons",
                                    "version", "updated_at"),
          ((c + 1, "审查起诉", "普通", False, True, "[]", 1, now) for c in range(cases)))

    def business_rows() -> Iterable[tuple[Any, ...]]:
        for b in range(businesses):
            case = rnd.randrange(cases) + 1
            kind = rnd.choice(KINDS)
            frm = rnd.choice(by_kind[kind])
            to_kind = rnd.choice([k for k in KINDS if k != kind])
            to = rnd.choice(by_kind[to_kind])
            status = "已办结" if rnd.random() < 0.7 else rnd.choice(STATUSES_OPEN)
            pushed = now - timedelta(minutes=rnd.randrange(60 * 24 * 365))
            yield (b + 1, case, rnd.choice(CODES[kind]), frm, to, status, "[]", "{}", pushed,
                   pushed, "审查起诉", "审查起诉")

    _copy(conn, "case_businesses", ("id", "case_id", "code", "from_agency_id", "to_agency_id",
                                    "status", "document_ids", "form", "created_at", "pushed_at",
                                    "state_before", "state_after"), business_rows())

    def clock_rows() -> Iterable[tuple[Any, ...]]:
        n = 0
        for c in range(cases):
            keeper = rnd.randrange(agencies) + 1
            for j in range(3):
                n += 1
                due = now + timedelta(days=rnd.uniform(-60, 60))
                running = j == 0
                yield (n, c + 1, "C1", "C1", "审查起诉", None, rnd.randrange(businesses) + 1,
                       keeper, due - timedelta(days=30), "running" if running else "stopped",
                       True, due.date().isoformat(), due, due - timedelta(days=7),
                       due - timedelta(days=3), "none", "刑事诉讼法第一百七十二条", False,
                       None if running else due - timedelta(days=5), now)

    _copy(conn, "workflow_clocks", ("id", "case_id", "code", "base", "name", "person",
                                    "business_id", "owner_agency_id", "started_at", "status",
                                    "custody", "due", "due_at", "yellow_at", "orange_at", "level",
                                    "basis", "unverified", "stopped_at", "updated_at"),
          clock_rows())
    for table in ("agencies", "users", "cases", "case_businesses", "workflow_clocks"):
        conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                     f"(SELECT max(id) FROM {table}))")
    conn.commit()
    conn.execute("ANALYZE")
    conn.commit()
    raw.close()
    return {"build_s": round(time.perf_counter() - t0, 1)}


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    """Milliseconds ``fn`` took, and what it returned."""
    t = time.perf_counter()
    out = fn()
    return (time.perf_counter() - t) * 1000, out


def pct(values: list[float], p: float) -> float:
    vs = sorted(values)
    return round(vs[min(len(vs) - 1, int(round(p / 100 * (len(vs) - 1))))], 1)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--admin-url", default=os.environ.get("DOSSIER_TEST_POSTGRES_URL",
                                                           "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"))
    ap.add_argument("--cases", type=int, default=100_000)
    ap.add_argument("--businesses", type=int, default=1_000_000)
    ap.add_argument("--agencies", type=int, default=40)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--keep", action="store_true", help="keep the database (name printed)")
    ap.add_argument("--db", help="time an existing database built by --keep (no build)")
    ap.add_argument("--profile", action="store_true", help="cProfile one inbox call")
    args = ap.parse_args(argv)

    from models.db import dispose_all
    from models.schema import User
    from models.settings import Settings
    from services import workflow as wf

    name = args.db or f"dossier_wfbench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(args.admin_url, isolation_level="AUTOCOMMIT")
    if not args.db:
        with admin.connect() as c:
            c.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = args.admin_url.rsplit("/", 1)[0] + f"/{name}"
    now = datetime(2025, 6, 1, 2, 0, tzinfo=UTC)
    try:
        report: dict[str, Any] = {"database": name, "cases": args.cases,
                                  "businesses": args.businesses, "clocks": args.cases * 3,
                                  "agencies": args.agencies}
        if not args.db:
            report.update(build(url, args.cases, args.businesses, args.agencies, now))
        else:  # a kept database: levels back to where the build left them
            with sa.create_engine(url).begin() as c:
                c.execute(sa.text("UPDATE workflow_clocks SET level = 'none'"))
                c.execute(sa.text("DELETE FROM workflow_notifications"))
        settings = Settings(database_url=url)
        for label, at in (("sweep_first_ms", now), ("sweep_again_ms", now),
                          ("sweep_next_day_ms", now + timedelta(days=1))):
            total, changed = 0.0, 0
            while True:  # the job works in batches of 1,000 per level; run it to the end
                ms, n = timed(lambda: wf.sweep_reminders(settings, at, batch=100_000))  # noqa: B023
                total += ms
                changed += n
                if n == 0:
                    break
            report[label] = round(total, 1)
            report[label.replace("_ms", "_changed")] = changed
        rnd = random.Random(11)
        inbox_ms, due_ms, red_ms = [], [], []
        rows_seen = []
        for _ in range(args.queries):
            agency = rnd.randrange(args.agencies) + 1
            user = User(id=agency, name=f"u{agency}", role="clerk", agency_id=agency)
            ms, rows = timed(lambda: wf.inbox(settings, user, now=now))  # noqa: B023
            inbox_ms.append(ms)
            rows_seen.append(len(rows))
            ms, _ = timed(lambda: wf.due_list(settings, user, now=now))  # noqa: B023
            due_ms.append(ms)
            ms, _ = timed(lambda: wf.due_list(settings, user, now=now, level="red"))  # noqa: B023
            red_ms.append(ms)
        if args.profile:
            import cProfile
            import pstats

            user = User(id=1, name="u1", role="clerk", agency_id=1)
            prof = cProfile.Profile()
            prof.runcall(wf.inbox, settings, user, now=now)
            pstats.Stats(prof).sort_stats("cumulative").print_stats(25)
        report.update({
            "inbox_rows_median": statistics.median(rows_seen),
            "inbox_p50_ms": pct(inbox_ms, 50), "inbox_p95_ms": pct(inbox_ms, 95),
            "due_list_p50_ms": pct(due_ms, 50), "due_list_p95_ms": pct(due_ms, 95),
            "due_list_red_p50_ms": pct(red_ms, 50), "due_list_red_p95_ms": pct(red_ms, 95),
            "target_p95_ms": 50,
        })
        print(json.dumps(report, ensure_ascii=False, indent=1))
        print("reproduce: " + shlex.join(["python", "-m", "benchmarks.workflow",
                                          *(argv if argv is not None else sys.argv[1:])]))
        return 0
    finally:
        dispose_all()
        if not args.keep and not args.db:
            with admin.connect() as c:
                c.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    sys.exit(main())
