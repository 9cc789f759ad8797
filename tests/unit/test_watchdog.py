"""tests.support.watchdog: a test that pytest-timeout cannot stop (its alarm never reaches
Python, and it holds the GIL so that no thread of pytest's runs) ends the run with the stuck
test named, every thread's stack, its child processes killed and a non-zero status, instead of
idling until the CI's own limit."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

STUCK = textwrap.dedent("""
    import ctypes, subprocess, sys
    import pytest

    @pytest.mark.timeout(1)
    def test_stuck(tmp_path):
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
        (tmp_path.parent.parent / "child.pid").write_text(str(child.pid))
        # a C deadlock entered holding the GIL (PyDLL keeps it), as a C++ library stuck in a
        # call that never released it: pytest-timeout's alarm and every Python thread of
        # pytest's wait for the GIL; a signal or gdb attaching does not end the futex wait
        libc = ctypes.PyDLL(None)
        mutex = ctypes.create_string_buffer(64)  # PTHREAD_MUTEX_INITIALIZER: all zeros
        libc.pthread_mutex_lock(mutex)
        libc.pthread_mutex_lock(mutex)
""")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    return state != "Z"


def test_a_test_stuck_outside_python_ends_the_run(tmp_path: Path) -> None:
    (tmp_path / "test_stuck.py").write_text(STUCK)
    started = time.monotonic()
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "tests.support.watchdog", "-p", "no:cacheprovider",
         "--basetemp", str(tmp_path / "base"), str(tmp_path / "test_stuck.py")],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
        env=dict(os.environ, PYTHONPATH=str(ROOT), DOSSIER_TEST_WATCHDOG_GRACE_S="3"))
    took = time.monotonic() - started
    assert run.returncode == -signal.SIGKILL, run.stdout + run.stderr
    assert "watchdog: test_stuck.py::test_stuck FAILED (hung)" in run.stderr
    assert "in test_stuck" in run.stderr  # the stuck thread's stack, down to the test
    if shutil.which("gdb"):  # and the native one, down to the C call that holds the GIL
        assert "native stacks (gdb)" in run.stderr and "pthread_mutex_lock" in run.stderr
    assert took < 60
    child = int((tmp_path / "child.pid").read_text())
    deadline = time.monotonic() + 5
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(child), "the stuck test's child process outlived the run"
