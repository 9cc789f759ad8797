"""The last resort for a test stuck in native code.

pytest-timeout's signal method fails a test that runs too long, but only when the test returns
to Python: a deadlock inside a C++ library (an inference runtime, a driver) never does, and a
CI run then idles until its own limit with nothing in its log. This watchdog fires a while
after pytest-timeout should have: it prints every thread's stack, kills the processes the tests
started (worker processes, a server) so that none holds the CI's output open, and ends pytest
with a non-zero status. A test that pytest-timeout could fail never reaches it."""

from __future__ import annotations

import contextlib
import faulthandler
import os
import signal
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

GRACE_S = float(os.environ.get("DOSSIER_TEST_WATCHDOG_GRACE_S", "120"))
EXIT_STATUS = 70
# the real stderr, kept at configure time: while a test runs, pytest captures fd 2 into a file
# that os._exit would throw away
_stderr: list[int] = []


def pytest_configure(config: pytest.Config) -> None:
    if not _stderr:
        _stderr.append(os.dup(2))


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


def _fire(nodeid: str, limit_s: float) -> None:
    fd = _stderr[0] if _stderr else 2
    os.write(fd, f"\n== watchdog: {nodeid} still running {limit_s:.0f} s after it began, past "
                 "pytest-timeout's limit: stuck outside Python. Stacks:\n".encode())
    faulthandler.dump_traceback(fd, all_threads=True)
    for pid in _descendants(os.getpid()):
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
    os.write(fd, f"== watchdog: {nodeid} FAILED (hung); pytest ends here\n".encode())
    os._exit(EXIT_STATUS)


def arm(nodeid: str, timeout_s: float) -> threading.Timer | None:
    """Start the watchdog for one test (none when the test has no timeout)."""
    if timeout_s <= 0:
        return None
    limit = timeout_s + GRACE_S
    timer = threading.Timer(limit, _fire, args=(nodeid, limit))
    timer.daemon = True
    timer.start()
    return timer


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Iterator[None]:
    """Arm the watchdog for the test's pytest-timeout limit (its mark, else the ini's)."""
    marker = item.get_closest_marker("timeout")
    limit = float(marker.args[0]) if marker and marker.args else float(
        item.config.getini("timeout") or 0)
    timer = arm(item.nodeid, limit)
    try:
        yield
    finally:
        if timer is not None:
            timer.cancel()
