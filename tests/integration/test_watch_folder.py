"""`dossier watch`: a real watcher process on the embedded default, files dropped into its
folder as a scanner or a copy would, and what became of each (done/, failed/ with a reason,
temporary and hidden files left alone, one document per file content, restarts)."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select

from models.db import session_scope
from models.schema import Document, Task
from tests.support.env import GOLD, REPO, Proc

pytestmark = pytest.mark.needs_shared("extraction_gold", "texts")

SETTLE = "1"


def dossier(*args: str, env: dict[str, str], check: bool = True
            ) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([sys.executable, "-m", "api.cli", *args], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=300)
    if check and proc.returncode != 0:
        raise AssertionError(f"dossier {args} exited {proc.returncode}:\n{proc.stderr[-3000:]}")
    return proc


def gold_text(name: str) -> str:
    return (GOLD / "texts" / f"{name}.txt").read_text("utf-8")


def wait_for(check: Callable[[], bool], proc: Proc, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        if proc.proc is not None and proc.proc.poll() is not None:
            raise AssertionError(f"watcher exited {proc.proc.returncode}:\n{proc.tail()}")
        time.sleep(0.3)
    raise AssertionError(f"timed out; watcher log:\n{proc.tail()}")


def documents(db_url: str) -> list[tuple[str, str, str]]:
    """(file name, sha256, last task state) of every stored document."""
    with session_scope(db_url) as s:
        out = []
        for doc in s.execute(select(Document).order_by(Document.id)).scalars():
            task = s.execute(select(Task).where(Task.document_id == doc.id)
                             .order_by(Task.id.desc())).scalars().first()
            out.append((doc.filename, doc.sha256, str(task.state) if task else ""))
        return out


def names(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir() if p.is_file()} if folder.exists() else set()


def test_watched_folder_takes_each_file_once(env: Callable[..., dict[str, str]],
                                             procs: Callable[..., Proc], tmp_path: Path) -> None:
    from models.settings import get_settings
    from tests.scans.generate import make_text_pdf

    e = env()
    db_url = get_settings().db_url
    dossier("user", "add", "scanner", "--role", "clerk", "--agency", "court-A", env=e)
    inbox = tmp_path / "scans"
    inbox.mkdir()
    args = ("watch", str(inbox), "--user", "scanner", "--agency", "court-A",
            "--settle-s", SETTLE, "--interval-s", "0.3")
    watcher = procs(*args, env=e, name="watch")

    # a judgment written slowly, in pieces with pauses shorter than the settle time
    judgment = gold_text("lecard-12174").encode("utf-8")
    slow = inbox / "判决书.txt"
    with open(slow, "wb") as fh:
        for i in range(0, len(judgment), len(judgment) // 5 + 1):
            fh.write(judgment[i:i + len(judgment) // 5 + 1])
            fh.flush()
            time.sleep(0.5)
    # a text-layer PDF of another judgment, temporary and hidden files, a broken "PDF"
    pdf = make_text_pdf(gold_text("lecard-19303"))
    (inbox / "扫描件.pdf").write_bytes(pdf)
    for temp in (".scan.pdf", "~$草稿.docx", "scan0001.pdf.part", "upload.tmp", "Thumbs.db"):
        (inbox / temp).write_bytes(pdf)
    (inbox / "损坏.pdf").write_bytes(b"%PDF-1.7\nthis is not a pdf at all")

    done, failed = inbox / "done", inbox / "failed"
    wait_for(lambda: {"判决书.txt", "扫描件.pdf"} <= names(done)
             and "损坏.pdf" in names(failed), watcher)
    docs = documents(db_url)
    assert sorted((name, state) for name, _, state in docs) == [
        ("判决书.txt", "succeeded"), ("扫描件.pdf", "succeeded")]
    by_name = {name: sha for name, sha, _ in docs}
    assert by_name["判决书.txt"] == hashlib.sha256(judgment).hexdigest()  # whole, not a piece
    assert (done / "判决书.txt").read_bytes() == judgment
    reason = (failed / "损坏.pdf.reason.txt").read_text("utf-8")
    assert "原因：已拒收" in reason and "损坏.pdf" in reason
    assert names(inbox) == {".scan.pdf", "~$草稿.docx", "scan0001.pdf.part", "upload.tmp",
                            "Thumbs.db", ".dossier-watch.lock"}  # left alone

    # the same bytes under another name: no second upload; a name taken in done/ is kept apart
    (inbox / "复印件.txt").write_bytes(judgment)
    (inbox / "扫描件.pdf").write_bytes(pdf)
    wait_for(lambda: {"复印件.txt", "扫描件 (2).pdf"} <= names(done), watcher)
    assert len(documents(db_url)) == 2
    assert (done / "扫描件.pdf").read_bytes() == (done / "扫描件 (2).pdf").read_bytes() == pdf

    # a second watcher of the folder is refused; a user of another agency too
    second = dossier(*args, env=e, check=False)
    assert second.returncode == 2 and "已有另一个 dossier watch" in second.stderr
    other = dossier("watch", str(tmp_path / "x"), "--user", "scanner", "--agency", "court-B",
                    env=e, check=False)
    assert other.returncode == 2 and "不是 court-B" in other.stderr

    # SIGTERM stops it; a file dropped meanwhile is taken by the next start
    watcher.stop()
    assert watcher.proc is not None and watcher.proc.returncode == 0, watcher.tail()
    assert "已停止" in watcher.tail()
    third = gold_text("lecard-25330").encode("utf-8")
    (inbox / "停机时放入.txt").write_bytes(third)

    # and a file whose intake was done before a crash (stored, not moved): one upload
    from models.schema import User
    from services import intake

    crashed = gold_text("lecard-27689").encode("utf-8")
    (inbox / "崩溃前已收存.txt").write_bytes(crashed)
    with session_scope(db_url) as s:
        user = s.execute(select(User).where(User.name == "scanner")).scalar_one()
        s.expunge(user)
    intake.accept(get_settings(), user, crashed, "崩溃前已收存.txt", None)
    restarted = procs(*args, env=e, name="watch")
    # the file moves before its line is written: wait for both (read too early in a loaded CI)
    wait_for(lambda: {"停机时放入.txt", "崩溃前已收存.txt"} <= names(done)
             and "崩溃前已收存.txt：" in restarted.tail(), restarted)
    docs = documents(db_url)
    assert len(docs) == 4 and all(state == "succeeded" for _, _, state in docs), docs
    assert sorted(n for n in names(inbox) if not n.startswith((".", "~"))) == [
        "Thumbs.db", "scan0001.pdf.part", "upload.tmp"]
    log = restarted.tail()
    assert "崩溃前已收存.txt：已收存并处理为文书" in log and "未重复上传" in log
    # what the clerk finds: the judgments, searchable
    from search.base import SearchQuery
    from services import engines

    hits = engines.search_backend(get_settings()).search(SearchQuery(q="旋磁式糖尿病治疗仪"))
    assert [h.filename for h in hits.hits] == ["判决书.txt"]
    os.sync()


def test_a_fault_leaves_the_file_and_a_failed_processing_says_why(
        env: Callable[..., dict[str, str]], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """In process, with a clock of the test's: the data pool down at intake leaves the file in
    place until the pause is over; a file stored whose processing fails goes to failed/ with
    the document to retry; dropped again, it is processed again (not a second upload)."""
    from sqlalchemy.exc import OperationalError

    from api.auth import get_or_create_agency
    from models.schema import User
    from models.settings import get_settings
    from services import intake, watch

    env()
    settings = get_settings()
    settings.ensure_dirs()
    from models.db import migrate

    migrate(settings.db_url)
    with session_scope(settings.db_url) as s:
        agency = get_or_create_agency(s, "court-A", "某法院", "court")
        user = User(name="scanner", role="clerk", agency_id=agency.id)
        s.add(user)
        s.flush()
        s.expunge(user)
    now = [0.0]
    runs: list[int] = []

    def process(acc: intake.Accepted) -> tuple[str, str | None]:
        runs.append(acc.task_id)
        if acc.duplicate:
            return "succeeded", None
        return "failed", "文字识别失败：测试"

    lines: list[str] = []
    inbox = tmp_path / "in"
    w = watch.Watcher(settings, user, inbox, process, settle_s=2, say=lines.append,
                      clock=lambda: now[0])
    (inbox / "a.txt").write_text(gold_text("lecard-12174"), encoding="utf-8")
    assert w.poll() == []  # first seen
    now[0] = 1.0
    assert w.poll() == []  # not settled yet
    now[0] = 2.5
    real_accept = intake.accept

    def down(*args: object, **kw: object) -> intake.Accepted:
        raise OperationalError("SELECT 1", {}, Exception("database is down"))

    monkeypatch.setattr(intake, "accept", down)
    assert w.poll() == [] and (inbox / "a.txt").exists()
    assert "暂时无法收存" in lines[-1]
    monkeypatch.setattr(intake, "accept", real_accept)
    now[0] = 10.0
    assert w.poll() == []  # paused for RETRY_AFTER_S
    now[0] = 2.5 + watch.RETRY_AFTER_S
    ((path, outcome),) = w.poll()
    assert outcome.state == "failed" and not path.exists()
    reason = (inbox / "failed" / "a.txt.reason.txt").read_text("utf-8")
    assert "处理失败：文字识别失败：测试" in reason and f"/documents/{outcome.document_id}" in reason
    # dropped again: the same document, processed again, done
    (inbox / "failed" / "a.txt").rename(inbox / "a.txt")
    w.poll()
    now[0] += 3
    ((_, again),) = w.poll()
    assert again.state == "done" and again.document_id == outcome.document_id
    assert "未重复上传" in again.message and len(runs) == 2
    assert watch.ignored(".x.pdf") and watch.ignored("a.pdf.crdownload") and not watch.ignored("a.pdf")
    # over the upload limit: refused without being read
    monkeypatch.setattr(settings, "max_upload_mb", 1)
    (inbox / "big.pdf").write_bytes(b"%PDF-1.7\n" + b"0" * (2 * 2**20))
    w.poll()
    now[0] += 3
    ((_, big),) = w.poll()
    assert big.state == "failed" and "1 MB" in (inbox / "failed" / "big.pdf.reason.txt").read_text()


def test_queue_mode_hands_files_to_the_workers(env: Callable[..., dict[str, str]],
                                               procs: Callable[..., Proc],
                                               tmp_path: Path) -> None:
    """`--queue`: the watcher stores the file and queues it; a `dossier worker` on the same
    (embedded, filesystem) broker processes it."""
    from models.settings import get_settings

    e = env()
    db_url = get_settings().db_url
    dossier("user", "add", "scanner", "--role", "police", "--agency", "pol-A", env=e)
    inbox = tmp_path / "scans"
    watcher = procs("watch", str(inbox), "--user", "scanner", "--queue", "--settle-s", SETTLE,
                    "--interval-s", "0.3", env=e, name="watch")
    worker = procs("worker", "--concurrency", "1", env=e, name="worker")
    wait_for(lambda: (inbox / "done").is_dir(), watcher)
    (inbox / "卷宗.txt").write_text(gold_text("lecard-22797"), encoding="utf-8")
    wait_for(lambda: "卷宗.txt" in names(inbox / "done"), watcher)
    assert "已交后台处理" in watcher.tail()
    wait_for(lambda: [s for _, _, s in documents(db_url)] == ["succeeded"], worker)
