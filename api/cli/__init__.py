"""The ``dossier`` command line: the service, its worker, and the stages on local files.

Every command reads the same Settings (``DOSSIER_*``) as the API, so ``dossier ingest`` and
``dossier serve`` share one data pool.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import traceback
from pathlib import Path
from typing import Annotated, Any

import typer

from api.cli import analytics as cli_analytics
from api.cli import blobs as cli_blobs
from api.cli import rank as cli_rank
from api.cli import sentence as cli_sentence
from api.cli import watch as cli_watch
from models.settings import Settings, get_settings, reset_settings

app = typer.Typer(help="E-dossier intelligence service", no_args_is_help=True,
                  pretty_exceptions_enable=False)
user_app = typer.Typer(help="Manage users", no_args_is_help=True)
audit_app = typer.Typer(help="Audit trail", no_args_is_help=True)
agency_app = typer.Typer(help="Manage agencies (kind, region, name)", no_args_is_help=True)
app.add_typer(user_app, name="user")
app.add_typer(audit_app, name="audit")
app.add_typer(agency_app, name="agency")
app.add_typer(cli_analytics.app, name="analytics")
app.add_typer(cli_blobs.app, name="blobs")
app.command(name="rank")(cli_rank.rank)
app.command(name="sentence")(cli_sentence.sentence)
app.command(name="watch")(cli_watch.watch)

SUFFIXES = {".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff", ".txt", ".ofd", ".docx"}


def _fail(message: str, code: int = 2) -> typer.Exit:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    return typer.Exit(code)


def _ready() -> Settings:
    from models.db import migrate

    settings = get_settings()
    settings.ensure_dirs()
    migrate(settings.db_url)
    return settings


@app.command()
def migrate() -> None:
    """Create or upgrade the data-pool schema."""
    settings = _ready()
    typer.echo(f"schema is current: {settings.db_url.split('@')[-1]}")


@user_app.command("add")
def user_add(name: str,
             role: Annotated[str, typer.Option(
                 help="clerk|prosecutor|judge|police|justice|oversight|admin "
                      "(oversight: 政法委, reads the figures of its agency's region)")],
             agency: Annotated[str, typer.Option(help="agency code, created if new")],
             password: Annotated[str | None, typer.Option(
                 help="also allow signing in with this password (POST /api/v1/login)")] = None,
             agency_kind: Annotated[str | None, typer.Option(
                 help="police|procuratorate|court|justice, for the businesses between agencies "
                      "(default: from the role: police, prosecutor, judge, justice)")] = None
             ) -> None:
    """Create a user and print a bearer token (alone on the last line)."""
    from api.auth import AuthError, add_user, get_or_create_agency, issue_token
    from models.db import session_scope

    kinds = {"police": "police", "prosecutor": "procuratorate", "judge": "court",
             "justice": "justice", "oversight": "oversight"}
    kind = agency_kind or kinds.get(role)
    if kind is not None and kind not in AGENCY_KINDS:
        raise _fail(f"unknown agency kind {kind!r}; use {', '.join(AGENCY_KINDS)}")
    settings = _ready()
    try:
        with session_scope(settings.db_url) as s:
            if kind is not None:
                ag = get_or_create_agency(s, agency, kind=kind)
                if ag.kind == "other":
                    ag.kind = kind
            user = add_user(s, name, role, agency, password)
            token = issue_token(s, user, settings.token_ttl_hours)
    except AuthError as exc:
        raise _fail(str(exc)) from exc
    typer.echo(f"user {name} ({role}, agency {agency}) created; token:", err=True)
    typer.echo(token)


AGENCY_KINDS = ("police", "procuratorate", "court", "justice", "oversight")


@agency_app.command("set")
def agency_set(code: str,
               region: Annotated[str | None, typer.Option(
                   help="administrative region, e.g. 甘肃省兰州市 (a 政法委 user sees the agencies "
                        "of its own agency's region); '' clears it")] = None,
               kind: Annotated[str | None, typer.Option(
                   help="police|procuratorate|court|justice|oversight")] = None,
               name: Annotated[str | None, typer.Option(help="the agency's full name")] = None
               ) -> None:
    """Set an agency's region, kind or name (the agency is created if new)."""
    from api.auth import get_or_create_agency
    from models import audit
    from models.db import session_scope

    if kind is not None and kind not in AGENCY_KINDS:
        raise _fail(f"unknown agency kind {kind!r}; use {', '.join(AGENCY_KINDS)}")
    if region is not None and len(region.strip()) > 100:
        raise _fail("region is longer than 100 characters")
    settings = _ready()
    with session_scope(settings.db_url) as s:
        ag = get_or_create_agency(s, code, name=name, kind=kind or "other")
        if kind is not None:
            ag.kind = kind
        if name:
            ag.name = name
        if region is not None:
            ag.region = region.strip() or None
        audit.record(s, "agency.set", object_type="agency", object_id=ag.id,
                     detail={"code": ag.code, "name": ag.name, "kind": ag.kind,
                             "region": ag.region})
        typer.echo(f"agency {ag.code}: {ag.name} kind={ag.kind} region={ag.region or '-'}")


@agency_app.command("list")
def agency_list() -> None:
    """Every agency: code, kind, region, name (tab-separated)."""
    from sqlalchemy import select

    from models.db import session_scope
    from models.schema import Agency

    settings = _ready()
    with session_scope(settings.db_url) as s:
        for ag in s.execute(select(Agency).order_by(Agency.code)).scalars():
            typer.echo(f"{ag.code}\t{ag.kind}\t{ag.region or '-'}\t{ag.name}")


@user_app.command("token")
def user_token(name: str) -> None:
    """Issue a new token for an existing user."""
    from sqlalchemy import select

    from api.auth import issue_token
    from models.db import session_scope
    from models.schema import User

    settings = _ready()
    with session_scope(settings.db_url) as s:
        user = s.execute(select(User).where(User.name == name)).scalar_one_or_none()
        if user is None:
            raise _fail(f"no user {name!r}")
        typer.echo(issue_token(s, user, settings.token_ttl_hours))


def admin_token_file(settings: Settings) -> Path:
    """Where the first start leaves the bootstrap admin's token (mode 0600)."""
    return settings.data_dir.resolve() / "secrets" / "admin-token"


def _bootstrap_admin(settings: Settings) -> str | None:
    """Make sure an admin exists. When this call creates it, its first token is returned and
    written to ``admin_token_file`` (0600); an admin that exists gets no new token (a start
    must not leave a fresh admin token in every log: `dossier user token admin` issues one)."""
    from sqlalchemy import select

    from api.auth import add_user, issue_token
    from models.db import session_scope
    from models.schema import User

    with session_scope(settings.db_url) as s:
        user = s.execute(select(User).where(User.name == "admin")).scalar_one_or_none()
        if user is not None:
            return None
        user = add_user(s, "admin", "admin", "default")
        token = issue_token(s, user, settings.token_ttl_hours)
        path = admin_token_file(settings)
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(token + "\n")
        os.chmod(path, 0o600)  # an older file of another mode
        return token


def _start_worker() -> subprocess.Popen[bytes]:
    """The worker in a process group of its own, so that stopping `serve` stops the Celery main
    process and its pool children together; it stops itself when `serve` is killed outright
    (`--parent-pid`), instead of running on as an orphan beside the next `serve`'s worker."""
    return subprocess.Popen([sys.executable, "-m", "api.cli", "worker", "--parent-pid",
                             str(os.getpid())], env=os.environ.copy(), start_new_session=True)


def _exit_with_parent(parent_pid: int, every_s: float = 2.0, grace_s: float = 20) -> None:
    """A daemon thread: once `parent_pid` is no longer this process's parent (it died and the
    worker was handed to init), SIGTERM the worker's own process group (a warm shutdown: the
    task in hand finishes), then SIGKILL it after `grace_s` as `_stop_worker` does (a long OCR
    page on a loaded machine kept an orphan running for over a minute; its task, unacknowledged,
    is taken up again by the next worker)."""
    import threading

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(every_s)
        typer.echo(f"dossier worker：启动它的 dossier serve（进程 {parent_pid}）已不在，停止", err=True)
        os.killpg(os.getpgrp(), signal.SIGTERM)
        time.sleep(grace_s)
        os.killpg(os.getpgrp(), signal.SIGKILL)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def _stop_worker(proc: subprocess.Popen[bytes], grace_s: float = 20) -> None:
    """SIGTERM the worker's group (a warm shutdown), then SIGKILL whatever is left."""
    import contextlib

    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=grace_s)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)  # pool children outliving their main process
    proc.wait()


def _ready_to_serve() -> Settings:
    """`_ready` plus every engine serve/worker need (services.readiness): the embedding model is
    built when missing; anything else missing refuses the start with one Chinese line, exit 3."""
    from services.readiness import NotReady, check

    settings = get_settings()
    try:
        check(settings, say=lambda line: typer.echo(line, err=True))
    except NotReady as exc:
        typer.secho(f"dossier 无法启动：{exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(3) from None
    return settings


@app.command()
def serve(host: str = "127.0.0.1", port: int = 8000,
          worker: Annotated[bool | None, typer.Option(
              "--worker/--no-worker",
              help="also start a worker (default: yes on the embedded broker, no with a "
                   "broker URL, where `dossier worker` processes run elsewhere)")] = None) -> None:
    """Run the API (and, on the embedded default, its worker)."""
    import uvicorn

    from api.app import create_app

    settings = _ready_to_serve()
    # Production mode has no default account: users (and their tokens) are created explicitly.
    token = None if settings.mode == "production" else _bootstrap_admin(settings)
    start = settings.embedded_broker if worker is None else worker
    proc = _start_worker() if start else None
    typer.echo(f"dossier is running at http://{host}:{port}/  (API docs: /docs)")
    if token:  # only the start that created the admin account
        typer.echo(f"admin token (first start; also in {admin_token_file(settings)}, mode 0600):"
                   f" {token}")
    elif settings.mode == "production":
        typer.echo("production mode: no default account; create users with `dossier user add`")
    else:
        typer.echo("admin account exists: `dossier user token admin` issues a new token")
    try:
        # X-Forwarded-For is believed only from the configured reverse proxies (uvicorn's
        # default trusts any loopback client, which would let anyone dodge the login limit)
        proxies = settings.trusted_proxies.strip()
        # uvicorn re-raises the SIGTERM it handled once it has shut down; with the default
        # action that would end this process before `finally` stops the worker
        signal.signal(signal.SIGTERM, lambda *_: None)
        uvicorn.run(create_app(settings), host=host, port=port, log_level="info",
                    proxy_headers=bool(proxies), forwarded_allow_ips=proxies or None)
    finally:
        if proc is not None:
            _stop_worker(proc)


@app.command()
def worker(concurrency: Annotated[int | None, typer.Option(help="worker processes")] = None,
           beat: Annotated[bool, typer.Option(
               "--beat", help="also run the periodic scheduler (scale mode: on ONE host only)")
           ] = False,
           hostname: Annotated[str | None, typer.Option(
               "--hostname", help="Celery node name (default dossier-<pid>@<host>: several "
                                  "workers on one host are distinct nodes for celery inspect)")
           ] = None,
           loglevel: str = "INFO",
           parent_pid: Annotated[int | None, typer.Option(
               "--parent-pid", hidden=True,
               help="stop when this process (the `serve` that started the worker) is gone")
           ] = None) -> None:
    """Run a Celery worker that processes uploaded documents."""
    from workers.celery_app import app as celery_app
    from workers.tasks import PAGES_QUEUE, QUEUE

    settings = _ready_to_serve()
    if parent_pid is not None:
        _exit_with_parent(parent_pid)
    processes, threads = settings.worker_layout(concurrency=concurrency)
    # the pool processes read their engines' threads from the environment they inherit
    os.environ["DOSSIER_OCR_THREADS"] = str(threads)
    reset_settings()
    typer.echo(f"dossier worker: {processes} 个处理进程 × 每进程 {threads} 个识别线程", err=True)
    # both queues: the worker takes turns between them (kombu's round-robin over queues)
    argv = ["worker", f"--loglevel={loglevel}", "-Q", f"{QUEUE},{PAGES_QUEUE}",
            f"--concurrency={processes}",
            f"--hostname={hostname or f'dossier-{os.getpid()}@%h'}"]
    if settings.embedded_broker:
        argv += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
        if beat:
            raise _fail("--beat 只用于扩展模式（Redis 等消息代理）；嵌入模式下每个 worker 自行运行提醒任务")
    elif beat:
        argv += ["--beat"]
    # Celery's worker_main drops the worker's exit status, so a worker that lost its broker
    # ("Unrecoverable error") exited 0 and a supervisor never restarted it: keep the status
    # the worker sets as it shuts down and exit with it
    from celery import signals

    codes: list[int] = []

    def _status(sender: Any = None, **_: Any) -> None:
        codes.append(int(getattr(sender, "exitcode", 0) or 0))

    signals.worker_shutdown.connect(_status, weak=False)
    try:
        celery_app.worker_main(argv)
    except Exception:  # noqa: BLE001 - any escape is a failed worker, whatever its type
        # Celery's own warm shutdown can raise after a lost broker (kombu's ignore_errors on a
        # consumer whose connection is already None), before worker_shutdown is sent: the
        # traceback goes to the log and the exit status stays a failure
        traceback.print_exc()
        codes.append(1)
    finally:
        signals.worker_shutdown.disconnect(_status)
    code = max(codes, default=0)
    if code:
        typer.secho(f"dossier worker 异常退出（状态 {code}），见上方日志", fg=typer.colors.RED, err=True)
        raise typer.Exit(int(code))


@app.command("beat")
def beat_command(loglevel: str = "INFO") -> None:
    """Run the periodic scheduler alone (scale mode; one per deployment): the workflow
    reminder job every DOSSIER_REMINDER_EVERY_S seconds."""
    from workers.celery_app import app as celery_app

    settings = _ready()
    if settings.embedded_broker:
        raise _fail("dossier beat 只用于扩展模式（DOSSIER_BROKER_URL 为 Redis 等）；"
                    "嵌入模式下 worker 自行运行提醒任务")
    celery_app.start(["beat", f"--loglevel={loglevel}"])


def _expand(paths: list[Path]) -> list[Path]:
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out += sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in SUFFIXES)
        elif p.is_file():
            out.append(p)
        else:
            raise _fail(f"no such file or folder: {p}")
    return out


@app.command()
def ingest(paths: Annotated[list[Path], typer.Argument(help="files or folders")],
           case: Annotated[str | None, typer.Option(help="case number")] = None,
           user: Annotated[str, typer.Option(help="uploading user")] = "admin",
           inline: Annotated[bool | None, typer.Option(
               "--inline/--queue", help="process here, or queue for workers "
               "(default: inline on the embedded broker, queue otherwise)")] = None) -> None:
    """Add files to the data pool and wait until each is processed, showing progress."""
    from sqlalchemy import select
    from tqdm import tqdm

    from models.db import session_scope
    from models.schema import User
    from services import intake
    from workers import queue

    settings = _ready()
    files = _expand(paths)
    with session_scope(settings.db_url) as s:
        u = s.execute(select(User).where(User.name == user)).scalar_one_or_none()
        if u is None and user == "admin":
            _bootstrap_admin(settings)
            u = s.execute(select(User).where(User.name == user)).scalar_one_or_none()
        if u is None:
            raise _fail(f"no user {user!r}; create one with `dossier user add`")
        s.expunge(u)
    run_here = settings.embedded_broker if inline is None else inline
    failures = 0
    for path in files:
        try:
            acc = intake.accept(settings, u, path.read_bytes(), path.name, case)
        except intake.UploadRejected as exc:
            typer.secho(f"{path}: rejected: {exc.reason}", fg=typer.colors.RED, err=True)
            failures += 1
            continue
        bar = tqdm(desc=path.name, unit="page", total=None, leave=True)
        if acc.duplicate:
            bar.set_postfix_str("already stored")
        elif run_here:
            _process_inline(settings, acc.task_id, bar)
        else:
            queue.submit(settings, acc.task_id)
        state = _wait(settings, acc.task_id, bar)
        bar.close()
        if state["state"] != "succeeded":
            typer.secho(f"{path}: {state['state']}: {state['error']}", fg=typer.colors.RED,
                        err=True)
            failures += 1
        else:
            typer.echo(f"{path}: document {acc.document_id} in case {acc.case_id}: succeeded")
    if failures:
        raise typer.Exit(1)


def _process_inline(settings: Settings, task_id: int, bar: Any) -> None:
    """Every stage here, through the same stage runner as the Celery tasks."""
    from workers import runner

    def step(done: int, total: int) -> None:
        bar.total = total
        bar.n = done
        bar.refresh()

    runner.run_all(settings, task_id, on_stage=bar.set_postfix_str, on_pages=step)


def _wait(settings: Settings, task_id: int, bar: Any) -> dict[str, Any]:
    from models.db import session_scope
    from models.schema import Task

    while True:
        with session_scope(settings.db_url) as s:
            t = s.get(Task, task_id)
            assert t is not None
            state = {"state": t.state, "error": t.error, "done": t.pages_done,
                     "total": t.pages_total, "stage": t.stage}
        bar.total = state["total"] or bar.total
        bar.n = state["done"]
        bar.set_postfix_str(str(state["stage"] or state["state"]))
        if state["state"] in ("succeeded", "failed"):
            return state
        time.sleep(0.5)


@app.command()
def search(query: str, as_json: Annotated[bool, typer.Option("--json")] = False,
           charge: str | None = None, court: str | None = None,
           doc_type: str | None = None, page: int = 1, size: int = 10) -> None:
    """Search the indexed dossiers (operator view: not scoped to an agency)."""
    from search.base import QuerySyntaxError, SearchQuery
    from services import engines

    settings = _ready()
    try:
        res = engines.search_backend(settings).search(SearchQuery(
            q=query, charge=charge, court=court, doc_type=doc_type, page=page, size=size))
    except QuerySyntaxError as exc:
        raise _fail(f"查询语法有误：{exc}") from exc
    out = res.to_dict()
    if as_json:
        typer.echo(json.dumps(out, ensure_ascii=False))
        return
    typer.echo(f"{out['total']} documents")
    for h in out["hits"]:
        typer.echo(f"- doc {h['document_id']} case {h['case_id']} {h['filename']} "
                   f"p.{h['page']} score {h['score']:.3f}")
        for snip in h["highlights"]:
            typer.echo(f"    {snip}")


def _read_pages(path: Path, settings: Settings) -> list[Any]:
    from ocr.document import open_document
    from ocr.errors import InputError
    from ocr.sniff import sniff
    from services import engines

    try:
        data = path.read_bytes()
        mime = sniff(data, path.name)
        with open_document(data, mime, max_pages=settings.max_pages,
                           max_pixels=settings.max_image_pixels) as doc:
            return [doc.read_page(n, lambda: engines.ocr_engine(settings))
                    for n in range(1, doc.page_count + 1)]
    except (InputError, OSError) as exc:
        raise _fail(f"{path}: {exc}") from exc


@app.command()
def ocr(file: Path, fmt: Annotated[str, typer.Option("--format", help="text|json")] = "text"
        ) -> None:
    """Print the text of every page (text layer where real, PP-OCR otherwise)."""
    if fmt not in ("text", "json"):
        raise _fail("--format must be text or json")
    pages = _read_pages(file, get_settings())
    if fmt == "text":
        typer.echo("\f".join(p.text for p in pages))
    else:
        typer.echo(json.dumps({"source": str(file), "pages": [p.to_dict() for p in pages]},
                              ensure_ascii=False))


@app.command()
def extract(files: list[Path],
            fmt: Annotated[str, typer.Option("--format", help="json")] = "json") -> None:
    """Print the extracted fields of each file as one JSON line: the SCHEMA.md fields, plus
    ``source`` (the file), ``evidence`` (the evidence list, each item typed) and ``provenance``
    (page, span, confidence and extractor per field path). A file holding several documents
    also gets ``parts`` (kind per page range) and the fields of its leading document, as in
    the pipeline."""
    from dataclasses import asdict

    from extraction.multidoc import extract_upload
    from services import engines

    if fmt != "json":
        raise _fail("--format must be json")
    settings = get_settings()
    for f in files:
        pages = _read_pages(f, settings)
        result = extract_upload(engines.extractor(settings), [p.text for p in pages])
        line = dict(result.fields, source=str(f), evidence=result.evidence,
                    provenance={k: asdict(v) for k, v in result.provenance.items()})
        typer.echo(json.dumps(line, ensure_ascii=False))


@app.command()
def reindex() -> None:
    """Rebuild the search index from the data pool (on a cluster: a new index version, then an
    atomic alias switch, so searches never see a half-built index; in scale mode the case
    vectors' kNN index likewise)."""
    from tqdm import tqdm

    from services import indexing

    settings = _ready()
    count, name = indexing.reindex_all(
        settings, lambda ids: tqdm(ids, desc="reindex", unit="doc"))
    if name is not None:
        typer.echo(f"alias now points at {name}")
    typer.echo(f"indexed {count} documents")
    vectors = indexing.rebuild_cluster_vectors(settings)
    if vectors is not None:
        typer.echo(f"case vectors: {vectors[1]} in {vectors[0]} (kNN alias switched)")


@app.command()
def transfer(case_id: int, to: Annotated[str, typer.Option(help="receiving agency code")],
             user: Annotated[str, typer.Option(help="acting user")] = "admin",
             note: str | None = None) -> None:
    """Transfer (移送) a case to another agency; its users then see the case."""
    from sqlalchemy import select

    from models.db import session_scope
    from models.schema import User
    from services.sharing import transfer_case

    settings = _ready()
    with session_scope(settings.db_url) as s:
        u = s.execute(select(User).where(User.name == user)).scalar_one_or_none()
        if u is None:
            raise _fail(f"no user {user!r}")
        s.expunge(u)
    try:
        out = transfer_case(settings, u, case_id, to, note)
    except (LookupError, ValueError) as exc:
        raise _fail(str(exc)) from exc
    typer.echo(json.dumps(out, ensure_ascii=False))


@audit_app.command("verify")
def audit_verify() -> None:
    """Check the audit chain (links, keyed hashes) and every anchor; exit 1 at the first break."""
    from models.audit import verify_chain
    from models.db import session_scope

    settings = _ready()
    with session_scope(settings.db_url) as s:
        report = verify_chain(s, settings)
    if report.ok:
        typer.echo(f"audit chain intact: {report.events} events, {report.anchors} anchors")
        return
    where = f" at event {report.broken_at}" if report.broken_at is not None else ""
    typer.secho(f"audit chain BROKEN{where}: {report.reason}", fg=typer.colors.RED, err=True)
    raise typer.Exit(1)


@audit_app.command("anchor")
def audit_anchor() -> None:
    """Checkpoint the chain's head to the anchor file now (the service does it periodically)."""
    from models.audit import anchor, anchor_path
    from models.db import session_scope

    settings = _ready()
    with session_scope(settings.db_url) as s:
        entry = anchor(s, settings)
    where = anchor_path(settings)
    typer.echo(f"anchored event {entry['id']} in {where}" if entry
               else f"head already anchored in {where}")


@app.command()
def deadline(kind: Annotated[str, typer.Argument(
                 help="a business code whose period the receiver keeps (B2, C1, D4, G1 …) or a "
                      "clock code of workflow/data/registry.toml")],
             start: Annotated[str, typer.Option(help="YYYY-MM-DD or YYYY-MM-DDTHH:MM (China time)")],
             custody: Annotated[bool, typer.Option(
                 "--custody", help="the person is detained: a custody period's last day never "
                                   "moves for a holiday (CPL 105)")] = False) -> None:
    """Compute a legal deadline (CPL art. 105): prints {kind, start, due, basis} as JSON."""
    from workflow.deadlines import deadline_for
    from workflow.errors import WorkflowError

    try:
        d = deadline_for(kind, start, custody=custody)
    except WorkflowError as exc:
        raise _fail(str(exc)) from exc
    began = d.start.date().isoformat() if "T" not in start and " " not in start else \
        d.start.replace(tzinfo=None).isoformat(timespec="minutes")
    typer.echo(json.dumps({"kind": kind.upper(), "clock": d.clock, "name": d.name,
                           "start": began, "due": d.due_iso(), "basis": d.basis,
                           "custody": d.custody, "unverified": d.unverified},
                          ensure_ascii=False))
