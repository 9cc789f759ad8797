"""The per-agency slots of ``workers.limiter`` on real Redis and real lock files: at most N per
agency, other agencies unaffected, and a killed holder's slot comes back (Redis: when its lease
runs out; lock files: at once, the kernel drops the lock)."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from workers.limiter import AgencyLimiter, FileLimiter, RedisLimiter

REPO = Path(__file__).resolve().parents[2]
#: a limiter of ``limit`` slots, and the Python expression that builds it in another process
Make = Callable[[int], tuple[AgencyLimiter, str]]


@pytest.fixture(params=["redis", "files"])
def make(request: pytest.FixtureRequest, tmp_path: Path) -> Make:
    if request.param == "redis":
        url = request.getfixturevalue("redis_url")

        def redis_limiter(limit: int) -> tuple[AgencyLimiter, str]:
            return (RedisLimiter(url, limit, lease_s=2.0),
                    f"RedisLimiter({url!r}, {limit}, lease_s=2.0)")
        return redis_limiter

    def file_limiter(limit: int) -> tuple[AgencyLimiter, str]:
        return FileLimiter(tmp_path, limit), f"FileLimiter(Path({str(tmp_path)!r}), {limit})"
    return file_limiter


def test_at_most_n_per_agency_and_other_agencies_unaffected(make: Make) -> None:
    lim, _ = make(2)
    first, second = lim.acquire(7), lim.acquire(7)
    assert first is not None and second is not None
    assert lim.acquire(7) is None
    other = lim.acquire(8)
    assert other is not None
    first.release()
    again = lim.acquire(7)
    assert again is not None
    for s in (second, other, again):
        s.release()


def test_a_killed_holders_slot_comes_back(make: Make) -> None:
    lim, build = make(1)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import time; from pathlib import Path; "
         f"from workers.limiter import *; s = {build}.acquire(5); assert s; print('held', "
         "flush=True); time.sleep(600)"], cwd=REPO, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        time.sleep(2.5)  # longer than a Redis lease: the holder's thread kept renewing it
        assert lim.acquire(5) is None
    finally:
        holder.kill()
        holder.wait()
    deadline = time.monotonic() + 5
    while (slot := lim.acquire(5)) is None:
        assert time.monotonic() < deadline, "the killed holder's slot never came back"
        time.sleep(0.2)
    slot.release()
