"""`dossier watch DIR --user NAME [--agency CODE]`: a watched folder for scanner output.

Every settled file of DIR goes through the upload's intake (services.intake, as the user
NAME, whose agency owns the cases) and is processed here (embedded broker, the default) or
queued for the workers; it then moves to DIR/done, or to DIR/failed beside a
``<name>.reason.txt`` saying why (services.watch has the rules: settling, ignored names,
never losing a file, restarts, one upload per file). SIGTERM or Ctrl-C stops after the file
in hand.
"""

from __future__ import annotations

import signal
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer


def _say(line: str) -> None:
    typer.echo(line)
    sys.stdout.flush()


def watch(folder: Annotated[Path, typer.Argument(help="the folder the scanner writes to")],
          user: Annotated[str, typer.Option(help="the uploading user: their agency owns the "
                                                 "cases")],
          agency: Annotated[str | None, typer.Option(
              help="the agency the files belong to: refused unless it is the user's")] = None,
          case: Annotated[str | None, typer.Option(help="case number of every file")] = None,
          inline: Annotated[bool | None, typer.Option(
              "--inline/--queue", help="process here, or queue for workers (default: inline on "
              "the embedded broker, queue otherwise)")] = None,
          settle: Annotated[float, typer.Option(
              "--settle-s", help="seconds a file's size and time must stay unchanged")] = 2.0,
          interval: Annotated[float, typer.Option(
              "--interval-s", help="seconds between looks at the folder")] = 1.0,
          once: Annotated[bool, typer.Option(
              "--once", help="take what is settled now (waiting settle once) and exit")] = False,
          ) -> None:
    """Watch a folder: each file dropped in is uploaded once, then moved to done/ or failed/."""
    from sqlalchemy import select

    from models.db import migrate, session_scope
    from models.schema import Agency, Task, TaskState, User
    from models.settings import get_settings
    from services import intake
    from services.watch import FolderBusy, Watcher, folder_lock
    from workers import queue, runner

    settings = get_settings()
    settings.ensure_dirs()
    migrate(settings.db_url)
    with session_scope(settings.db_url) as s:
        u = s.execute(select(User).where(User.name == user)).scalar_one_or_none()
        if u is None or not u.active:
            typer.secho(f"dossier watch 无法启动：没有可用的用户 {user!r}（先用 dossier user add 创建）",
                        fg=typer.colors.RED, err=True)
            raise typer.Exit(2)
        own = s.get(Agency, u.agency_id)
        if agency is not None and (own is None or own.code != agency):
            typer.secho(f"dossier watch 无法启动：用户 {user} 属于机构 "
                        f"{own.code if own else '?'}，不是 {agency}", fg=typer.colors.RED, err=True)
            raise typer.Exit(2)
        if u.role not in ("clerk", "police", "admin"):
            typer.secho(f"dossier watch 无法启动：角色「{u.role}」无权上传（需要 clerk、police 或 admin）",
                        fg=typer.colors.RED, err=True)
            raise typer.Exit(2)
        s.expunge(u)
    run_here = settings.embedded_broker if inline is None else inline

    def task_state(task_id: int) -> tuple[str, str | None]:
        with session_scope(settings.db_url) as s:
            t = s.get(Task, task_id)
            assert t is not None
            return str(t.state.value if isinstance(t.state, TaskState) else t.state), t.error

    def process(acc: intake.Accepted) -> tuple[str, str | None]:
        task_id = acc.task_id
        state, error = task_state(task_id)
        if acc.duplicate and state == "succeeded":
            return state, error
        if acc.duplicate and state == "failed":  # the same file again: process it again
            task_id = intake.retry(settings, u, acc.document_id)
        elif acc.duplicate and not run_here:
            return "queued", None  # in the pipeline already (the sweeper re-sends a lost one)
        if not run_here:
            queue.submit(settings, task_id)
            return "queued", None
        runner.run_all(settings, task_id)
        return task_state(task_id)

    stop: dict[str, Any] = {"now": False}

    def on_signal(signum: int, frame: Any) -> None:
        stop["now"] = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        with folder_lock(folder.resolve()):
            watcher = Watcher(settings, u, folder.resolve(), process, case_number=case,
                              settle_s=settle, say=_say)
            mode = "本进程处理" if run_here else "交后台处理"
            _say(f"dossier watch：监视 {folder.resolve()}（用户 {user}，{mode}；"
                 f"完成的文件移入 done/，失败的移入 failed/ 并附原因）")
            deadline = time.monotonic() + settle + interval if once else None
            while not stop["now"]:
                watcher.poll()
                if deadline is not None and time.monotonic() >= deadline:
                    break
                end = time.monotonic() + interval
                while not stop["now"] and time.monotonic() < end:
                    time.sleep(min(0.2, interval))
    except FolderBusy as exc:
        typer.secho(f"dossier watch 无法启动：{exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from None
    _say("dossier watch：已停止")
