"""The last resort for a test stuck in native code.

pytest-timeout's signal method fails a test that runs too long, but only when the test returns
to Python: a deadlock inside a C++ library (an inference runtime, a driver) never does, and a
CI run then idles until its own limit with nothing in its log. A thread of pytest's own cannot
watch for that either: a library stuck while holding the GIL stops every Python thread (CI on
1b74d9c idled 5400 s in the OpenVINO test with such a timer armed and silent).

So the watch is a separate process, started with pytest and told on a pipe when each test
begins and ends. A while after pytest-timeout should have fired, it prints the stuck test's
name, has pytest print every thread's Python stack (``faulthandler`` on SIGUSR2 works from C,
without the GIL), prints the native stacks when gdb is there, kills the processes the tests
started (worker processes, a server) so that none holds the CI's output open, then kills pytest:
the run ends with a non-zero status. A test that pytest-timeout could fail never reaches it."""

from __future__ import annotations

import contextlib
import faulthandler
import os
import select
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pytest

GRACE_S = float(os.environ.get("DOSSIER_TEST_WATCHDOG_GRACE_S", "120"))
GDB_S = 60
ALIVE_S = 5.0
STACKS = signal.SIGUSR2

_guard: list[subprocess.Popen[bytes]] = []


def pytest_configure(config: pytest.Config) -> None:
    """Start the guard (once per pytest process) with the real stderr: while a test runs,
    pytest captures fd 2 into a file that a killed process would throw away."""
    if _guard:
        return
    stderr = os.dup(2)
    faulthandler.register(STACKS, file=stderr, all_threads=True)
    _guard.append(subprocess.Popen(
        [sys.executable, "-m", "tests.support.watchdog", str(os.getpid())],
        stdin=subprocess.PIPE, stdout=stderr, stderr=stderr,
        cwd=Path(__file__).resolve().parents[2], start_new_session=True))


def pytest_unconfigure(config: pytest.Config) -> None:
    while _guard:
        guard = _guard.pop()
        with contextlib.suppress(OSError):
            guard.stdin.close()  # type: ignore[union-attr]
        try:
            guard.wait(5)
        except subprocess.TimeoutExpired:  # a forked child still holds the pipe open
            guard.kill()


def _tell(line: str) -> None:
    if not _guard or _guard[0].stdin is None:
        return
    with contextlib.suppress(OSError):
        _guard[0].stdin.write(line.encode() + b"\n")
        _guard[0].stdin.flush()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Iterator[None]:
    """Arm the guard for the test's pytest-timeout limit (its mark, else the ini's)."""
    marker = item.get_closest_marker("timeout")
    limit = float(marker.args[0]) if marker and marker.args else float(
        item.config.getini("timeout") or 0)
    if limit > 0:
        _tell(f"arm {time.monotonic() + limit + GRACE_S:.3f} {limit + GRACE_S:.0f} {item.nodeid}")
    try:
        yield
    finally:
        if limit > 0:
            _tell("off")


# ------------------------------------------------------------------ the guard process


def _descendants(root: int) -> list[int]:
    """The processes under ``root``, children before their parents' siblings (from /proc)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _say(out: IO[str], text: str) -> None:
    out.write(text + "\n")
    out.flush()


def _fire(pid: int, nodeid: str, after_s: str, out: IO[str]) -> None:
    """End a pytest process stuck in ``nodeid``: its stacks, then it and its children killed."""
    _say(out, f"\n== watchdog: {nodeid} still running {after_s} s after it began, past "
              "pytest-timeout's limit: stuck outside Python. Python stacks:")
    with contextlib.suppress(OSError):
        os.kill(pid, STACKS)
    time.sleep(2)
    gdb = shutil.which("gdb")
    if gdb:
        _say(out, "== watchdog: native stacks (gdb):")
        with contextlib.suppress(OSError, subprocess.TimeoutExpired):
            subprocess.run([gdb, "-p", str(pid), "-batch", "-nx", "-ex", "thread apply all bt 30"],
                           stdout=out, stderr=subprocess.DEVNULL, timeout=GDB_S)
    for child in _descendants(pid):
        if child == os.getpid():  # this guard is one of pytest's children too
            continue
        with contextlib.suppress(OSError):
            os.kill(child, signal.SIGKILL)
    _say(out, f"== watchdog: {nodeid} FAILED (hung); pytest killed here")
    with contextlib.suppress(OSError):
        os.kill(pid, signal.SIGKILL)


def guard(pid: int, commands: IO[bytes], out: IO[str]) -> None:
    """Watch pytest ``pid`` until its pipe closes: ``arm DEADLINE AFTER NODEID`` (a monotonic
    deadline, shared by every process of the machine) and ``off``."""
    armed: tuple[float, str, str] | None = None
    pending = b""
    fd = commands.fileno()
    while True:
        wait = ALIVE_S if armed is None else min(ALIVE_S, max(0.0, armed[0] - time.monotonic()))
        ready, _, _ = select.select([fd], [], [], wait)
        if not ready:
            if armed is not None and time.monotonic() >= armed[0]:
                _fire(pid, armed[2], armed[1], out)
                return
            if not Path(f"/proc/{pid}").exists():  # pytest gone, a forked child holds the pipe
                return
            continue
        chunk = os.read(fd, 65536)
        if not chunk:
            return
        pending += chunk
        *lines, pending = pending.split(b"\n")
        for line in lines:
            parts = line.decode().split(" ", 3)
            armed = (float(parts[1]), parts[2], parts[3]) if parts[0] == "arm" else None


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a Ctrl-C is pytest's to handle
    guard(int(sys.argv[1]), sys.stdin.buffer, sys.stdout)
