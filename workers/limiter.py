"""At most N tasks of one agency at once, across every worker: one agency's flood cannot take
all the workers while another agency's one-page upload waits.

A task that finds its agency's slots full is not run and not failed: the Celery task sends
itself again a moment later (``workers.tasks``), and the worker goes on to other agencies' work.

Where the slots live follows the broker:
- Redis (scale mode): a sorted set per agency whose members are leases scored by their expiry
  on the Redis clock. A lease is renewed while its task runs; a killed worker's lease simply
  runs out (``LEASE_S``), so it never holds a slot for ever.
- the filesystem broker (embedded default, several worker processes on one machine): N lock
  files per agency taken with ``flock``; the kernel drops a lock when its process dies.
- eager tasks (tests) and a limit of 0: no limit.

Every slot held is logged with its start and end (wall clock) so a run can be checked after
the fact: ``agency-slot agency=… task=… what=… from=… to=…``.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import threading
import time
import uuid
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import select

from models.db import session_scope
from models.schema import Case, Document, Task
from models.settings import Settings

log = logging.getLogger(__name__)

#: a Redis lease runs out this long after its last renewal (a killed worker's slot comes back)
LEASE_S = 30.0


class Slot(Protocol):
    def release(self) -> None: ...


class AgencyLimiter(Protocol):
    """Hands out at most ``limit`` slots per agency; ``acquire`` answers at once (None: full)."""

    def acquire(self, agency: int) -> Slot | None: ...


class _Free:
    def release(self) -> None:
        return None


class Unlimited:
    def acquire(self, agency: int) -> Slot | None:
        return _Free()


# KEYS[1]: the agency's sorted set; ARGV: limit, lease id, lease ms. Expired leases are dropped
# first; a lease already held is renewed; a new one is added while fewer than limit are held.
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZSCORE', KEYS[1], ARGV[2]) or
   redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now + ttl, ARGV[2])
  redis.call('PEXPIRE', KEYS[1], ttl)
  return 1
end
return 0
"""


class _RedisSlot:
    """A lease renewed by a thread while the task runs."""

    def __init__(self, limiter: RedisLimiter, key: str, lease: str) -> None:
        self.limiter, self.key, self.lease = limiter, key, lease
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._renew, daemon=True, name="agency-lease")
        self._thread.start()

    def _renew(self) -> None:
        while not self._stop.wait(self.limiter.lease_s / 3):
            try:
                if not self.limiter.take(self.key, self.lease):
                    log.warning("agency lease %s lost (expired while the task ran)", self.key)
            except Exception as exc:  # Redis away for a moment: the lease may run out
                log.warning("could not renew agency lease %s: %s", self.key, exc)

    def release(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        try:
            self.limiter.client.zrem(self.key, self.lease)
        except Exception as exc:  # the lease then runs out by itself
            log.warning("could not release agency lease %s: %s", self.key, exc)


class RedisLimiter:
    def __init__(self, url: str, limit: int, lease_s: float = LEASE_S,
                 prefix: str = "dossier:agency-slots") -> None:
        import redis

        self.client: Any = redis.Redis.from_url(url)
        self.limit, self.lease_s, self.prefix = limit, lease_s, prefix
        self._script: Any = self.client.register_script(_ACQUIRE)

    def take(self, key: str, lease: str) -> bool:
        return bool(self._script(keys=[key], args=[self.limit, lease, int(self.lease_s * 1000)]))

    def acquire(self, agency: int) -> Slot | None:
        key, lease = f"{self.prefix}:{agency}", uuid.uuid4().hex
        return _RedisSlot(self, key, lease) if self.take(key, lease) else None


class _FileSlot:
    def __init__(self, fd: int) -> None:
        self.fd = fd

    def release(self) -> None:
        with contextlib.suppress(OSError):
            fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)


class FileLimiter:
    """Slot i of agency a is an ``flock`` on ``<folder>/<a>/slot-<i>.lock``."""

    def __init__(self, folder: Path, limit: int) -> None:
        self.folder, self.limit = folder, limit

    def acquire(self, agency: int) -> Slot | None:
        folder = self.folder / str(agency)
        folder.mkdir(parents=True, exist_ok=True)
        for i in range(self.limit):
            fd = os.open(folder / f"slot-{i}.lock", os.O_CREAT | os.O_RDWR, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            return _FileSlot(fd)
        return None


_LIMITERS: dict[tuple[str, str, int], AgencyLimiter] = {}


def limiter(settings: Settings) -> AgencyLimiter:
    """The limiter the settings call for, one per process (its Redis pool is reused)."""
    limit = settings.agency_concurrency
    if limit <= 0 or settings.task_always_eager:
        return Unlimited()
    key = (settings.broker, str(settings.data_dir.resolve()), limit)
    if key not in _LIMITERS:
        if settings.broker.startswith(("redis://", "rediss://")):
            _LIMITERS[key] = RedisLimiter(settings.broker, limit)
        else:  # one machine's workers (another broker: per machine, see the README)
            _LIMITERS[key] = FileLimiter(settings.data_dir.resolve() / "agency-slots", limit)
    return _LIMITERS[key]


@lru_cache(maxsize=4096)
def agency_of(db_url: str, task_id: int) -> int | None:
    """The agency owning a task's case (it never changes, so each process asks once)."""
    with session_scope(db_url) as s:
        return s.execute(select(Case.agency_id).join(Document, Document.case_id == Case.id)
                         .join(Task, Task.document_id == Document.id)
                         .where(Task.id == task_id)).scalar_one_or_none()


@contextlib.contextmanager
def slot(settings: Settings, task_id: int, what: str) -> Iterator[bool]:
    """Hold one of the task's agency's slots for the block; False: none free, do not run."""
    lim = limiter(settings)
    if isinstance(lim, Unlimited):
        yield True
        return
    agency = agency_of(settings.db_url, task_id)
    if agency is None:  # the document is gone: let the stage find that out and stop
        yield True
        return
    held = lim.acquire(agency)
    if held is None:
        yield False
        return
    start = time.time()
    try:
        yield True
    finally:
        end = time.time()  # the task ran from start to end, inside its slot
        held.release()
        log.info("agency-slot agency=%s task=%s what=%s from=%.3f to=%.3f",
                 agency, task_id, what, start, end)
