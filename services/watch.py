"""A watched folder for scanner output: each file dropped in goes through the same intake as an
upload, then to ``done/`` or, with a reason file beside it, to ``failed/``.

Behaviour, after paperless-ngx's consumer:
- A file is taken once its size and modification time have not changed for ``settle_s``
  (a scanner or a copy over the network writes a file in pieces); it is read, and taken only
  when it is still the same afterwards. An empty file gets ten times longer to grow.
- Hidden and temporary files are left alone: names starting with ``.`` or ``~`` (``.~lock``,
  ``~$x.docx``, ``._x`` of macOS), ``Thumbs.db``, ``desktop.ini``, and the partial-file
  endings of browsers, editors and copy tools (``.tmp .part .partial .crdownload .download
  .swp .filepart``). Only the folder's own files are watched, not its subfolders.
- Never lose a file: a file leaves the folder only by an atomic rename into ``done/`` or
  ``failed/`` (never overwriting: ``name (2).pdf``), after its bytes are stored in the data
  pool or it was refused; a fault of the data pool, the blob store or the broker leaves it
  where it is, tried again after a pause.
- Restarts: the folder is the state. A file still there after a crash is taken again; the
  intake finds the same bytes (SHA-256) in the agency's pool and answers with the document
  already made, so each file is one upload however often it is taken, and its processing goes
  on where it stopped. A lock file (``.dossier-watch.lock``) keeps a second watcher off the
  same folder.

The caller chooses what happens after the intake (``Process``): processing in this process
(the CLI's default on the embedded broker, like ``dossier ingest``) or queueing for workers.
"""

from __future__ import annotations

import fcntl
import logging
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO

from models.schema import User
from models.settings import Settings
from services import intake

log = logging.getLogger(__name__)

DONE, FAILED = "done", "failed"
LOCK_NAME = ".dossier-watch.lock"
REASON_SUFFIX = ".reason.txt"
TEMP_SUFFIXES = (".tmp", ".temp", ".part", ".partial", ".crdownload", ".download", ".swp",
                 ".filepart", ".lock")
IGNORED_NAMES = {"thumbs.db", "desktop.ini", "icon\r"}
RETRY_AFTER_S = 30.0  # a file whose intake met a fault of a service is tried again after this


@dataclass
class Outcome:
    """What became of one file: ``done`` (stored; processed or queued) or ``failed``
    (refused, or processed without success), with the sentence shown to the operator."""

    state: str
    message: str
    document_id: int | None = None
    case_id: int | None = None


#: after the intake: (accepted upload) -> (final state "succeeded"/"failed"/"queued", error)
Process = Callable[[intake.Accepted], tuple[str, str | None]]


def ignored(name: str) -> bool:
    """Hidden, temporary or system files, which a watcher must not take."""
    lower = name.lower()
    return (name.startswith((".", "~")) or lower in IGNORED_NAMES or lower.endswith(TEMP_SUFFIXES)
            or lower.endswith(REASON_SUFFIX))


def unique_target(folder: Path, name: str) -> Path:
    """A path in folder for name that does not exist yet: name, then 'stem (2).ext' …"""
    target = folder / name
    stem, suffix = Path(name).stem, Path(name).suffix
    n = 2
    while target.exists() or target.with_name(target.name + REASON_SUFFIX).exists():
        target = folder / f"{stem} ({n}){suffix}"
        n += 1
    return target


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@dataclass
class _Seen:
    size: int
    mtime_ns: int
    since: float  # monotonic time this size and mtime were first seen


@dataclass
class Watcher:
    """Takes the settled files of ``folder`` one by one through the intake and ``process``."""

    settings: Settings
    user: User
    folder: Path
    process: Process
    case_number: str | None = None
    settle_s: float = 2.0
    say: Callable[[str], None] = print
    clock: Callable[[], float] = time.monotonic
    _seen: dict[str, _Seen] = field(default_factory=dict)
    _paused: dict[str, float] = field(default_factory=dict)  # name -> monotonic retry time

    def __post_init__(self) -> None:
        self.folder = Path(self.folder)
        for sub in (DONE, FAILED):
            (self.folder / sub).mkdir(parents=True, exist_ok=True)

    # -- the folder ------------------------------------------------------------------------

    def candidates(self) -> list[Path]:
        """The folder's own regular files that are not hidden or temporary, oldest first."""
        out = []
        try:
            entries = list(os.scandir(self.folder))
        except FileNotFoundError:
            return []
        for entry in entries:
            if ignored(entry.name):
                continue
            try:
                if not entry.is_file(follow_symlinks=False):
                    continue
                st = entry.stat(follow_symlinks=False)
            except FileNotFoundError:
                continue
            out.append((st.st_mtime_ns, entry.name))
        names = {name for _, name in out}
        for gone in set(self._seen) - names:
            del self._seen[gone]
        return [self.folder / name for _, name in sorted(out)]

    def settled(self, path: Path) -> bool:
        """Whether the file has kept its size and time for settle_s (ten times that while
        empty)."""
        try:
            st = path.stat()
        except FileNotFoundError:
            return False
        now = self.clock()
        seen = self._seen.get(path.name)
        if seen is None or (seen.size, seen.mtime_ns) != (st.st_size, st.st_mtime_ns):
            self._seen[path.name] = _Seen(st.st_size, st.st_mtime_ns, now)
            return False
        wait = self.settle_s * (10 if st.st_size == 0 else 1)
        return now - seen.since >= wait

    # -- one pass --------------------------------------------------------------------------

    def poll(self) -> list[tuple[Path, Outcome]]:
        """Take every settled file once; returns what became of each taken."""
        handled = []
        for path in self.candidates():
            if self._paused.get(path.name, 0.0) > self.clock() or not self.settled(path):
                continue
            outcome = self.take(path)
            if outcome is not None:
                handled.append((path, outcome))
        return handled

    def take(self, path: Path) -> Outcome | None:
        """One file through the intake and `process`, then into done/ or failed/; None when it
        stays (it changed while read, vanished, or a service failed: tried again later)."""
        limit = self.settings.max_upload_mb * 1024 * 1024
        try:
            before = path.stat()
            if before.st_size > limit:  # refused as the intake would, without reading it
                return self._finish(path, Outcome(
                    FAILED, f"已拒收（413）：文件超过 {self.settings.max_upload_mb} MB 的上限"))
            data = path.read_bytes()
            after = path.stat()
        except FileNotFoundError:
            return None
        if (before.st_size, before.st_mtime_ns) != (after.st_size, after.st_mtime_ns) \
                or len(data) != after.st_size:
            self._seen.pop(path.name, None)  # still being written
            return None
        try:
            acc = intake.accept(self.settings, self.user, data, path.name, self.case_number)
        except intake.UploadRejected as exc:
            return self._finish(path, Outcome(FAILED, f"已拒收（{exc.status}）：{exc.reason}"))
        except Exception as exc:  # the data pool, blob store … down: keep the file, retry
            log.warning("watch: %s left in place, intake failed: %s", path.name, exc)
            self.say(f"{path.name}：暂时无法收存，{RETRY_AFTER_S:.0f} 秒后重试（{exc}）")
            self._paused[path.name] = self.clock() + RETRY_AFTER_S
            return None
        self._paused.pop(path.name, None)
        try:
            state, error = self.process(acc)
        except Exception as exc:  # stored; its processing is resumed on the next take
            log.warning("watch: %s processing interrupted: %s", path.name, exc)
            self.say(f"{path.name}：已收存为文书 {acc.document_id}，处理中断，"
                     f"{RETRY_AFTER_S:.0f} 秒后继续（{exc}）")
            self._paused[path.name] = self.clock() + RETRY_AFTER_S
            return None
        again = "（与已收存的文件相同，未重复上传）" if acc.duplicate else ""
        where = f"文书 {acc.document_id}（案件 {acc.case_id}）"
        if state == "failed":
            outcome = Outcome(FAILED, f"已收存为{where}{again}，但处理失败：{error}；"
                                      f"可在 /documents/{acc.document_id} 重试",
                              acc.document_id, acc.case_id)
        elif state == "queued":
            outcome = Outcome(DONE, f"已收存为{where}{again}，已交后台处理",
                              acc.document_id, acc.case_id)
        elif state == "succeeded":
            outcome = Outcome(DONE, f"已收存并处理为{where}{again}", acc.document_id, acc.case_id)
        else:  # another process holds its stages: look again later
            self._paused[path.name] = self.clock() + RETRY_AFTER_S
            return None
        return self._finish(path, outcome)

    def _finish(self, path: Path, outcome: Outcome) -> Outcome | None:
        """Move the file (and write its reason file in failed/); None if it could not move."""
        folder = self.folder / outcome.state
        target = unique_target(folder, path.name)
        try:
            if outcome.state == FAILED:  # the reason first: a failed file never lacks one
                stamp = datetime.now().astimezone().isoformat(timespec="seconds")
                _write_atomic(target.with_name(target.name + REASON_SUFFIX),
                              f"文件：{path.name}\n时间：{stamp}\n原因：{outcome.message}\n")
            os.replace(path, target)
            _fsync_dir(folder)
            _fsync_dir(self.folder)
        except OSError as exc:
            log.error("watch: could not move %s to %s: %s", path, target, exc)
            self.say(f"{path.name}：{outcome.message}；但无法移入 {outcome.state}/（{exc}），稍后重试")
            self._paused[path.name] = self.clock() + RETRY_AFTER_S
            return None
        self._seen.pop(path.name, None)
        self.say(f"{path.name}：{outcome.message} → {outcome.state}/{target.name}")
        return outcome


class FolderBusy(RuntimeError):
    """Another watcher holds the folder."""


@contextmanager
def folder_lock(folder: Path) -> Iterator[IO[str]]:
    """An exclusive lock on the folder for this process (released when it exits, also on a
    crash); FolderBusy when another watcher has it."""
    folder.mkdir(parents=True, exist_ok=True)
    fh = open(folder / LOCK_NAME, "a+", encoding="utf-8")  # noqa: SIM115 (held while watching)
    try:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise FolderBusy(f"文件夹 {folder} 已有另一个 dossier watch 在监视") from None
        fh.seek(0)
        fh.truncate()
        fh.write(f"{os.getpid()}\n")
        fh.flush()
        yield fh
    finally:
        fh.close()
