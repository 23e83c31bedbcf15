"""Politeness per host: at most N fetches at once and M requests per second to one site.

The limits are shared by everyone who fetches: threads of one process (:class:`LocalBackend`,
for ``transdraft up`` and ``translate``) or every worker on every machine
(:class:`RedisBackend`, given a redis client by the worker). The limiter waits a bounded
time for a slot; past that the fetch is retried later as a transient error, so a busy site
holds back its own jobs and nothing else.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

from pipeline.errors import TransientError

POLL = 0.05  # seconds between tries for a concurrency slot


class HostBusy(TransientError):
    """No fetch slot for this host came free in time."""


class Backend(Protocol):
    """Where the counters live."""

    def try_acquire(self, host: str, limit: int, ttl: float) -> str | None:
        """Take one of ``limit`` slots for ``host`` (freed after ``ttl`` s if never released)."""

    def release(self, host: str, token: str) -> None:
        """Give the slot back."""

    def reserve(self, host: str, interval: float, max_wait: float) -> float | None:
        """Book the next request time ``interval`` after the last one; return the seconds to
        wait until it, or None (nothing booked) when that is more than ``max_wait`` away."""


class LocalBackend:
    """Counters in this process, for running without an external broker."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._slots: dict[str, dict[str, float]] = {}
        self._next: dict[str, float] = {}

    def try_acquire(self, host: str, limit: int, ttl: float) -> str | None:
        now = time.monotonic()
        with self._lock:
            slots = self._slots.setdefault(host, {})
            for token in [t for t, expiry in slots.items() if expiry <= now]:
                del slots[token]
            if len(slots) >= limit:
                return None
            token = uuid.uuid4().hex
            slots[token] = now + ttl
            return token

    def release(self, host: str, token: str) -> None:
        with self._lock:
            self._slots.get(host, {}).pop(token, None)

    def reserve(self, host: str, interval: float, max_wait: float) -> float | None:
        now = time.monotonic()
        with self._lock:
            at = max(self._next.get(host, now), now)
            if at - now > max_wait:
                return None
            self._next[host] = at + interval
            return at - now


# Slots are a sorted set of tokens scored by their expiry, so a worker killed mid-fetch
# frees its slot after the ttl; Redis runs a script atomically, so workers cannot both
# take the last slot.
_ACQUIRE = """
local now = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[4])
redis.call('PEXPIRE', KEYS[1], math.ceil(tonumber(ARGV[3]) * 1000))
return 1
"""

_RESERVE = """
local now = tonumber(ARGV[1])
local at = tonumber(redis.call('GET', KEYS[1]) or now)
if at < now then at = now end
if at - now > tonumber(ARGV[3]) then return -1 end
redis.call('SET', KEYS[1], tostring(at + tonumber(ARGV[2])), 'PX',
           math.ceil((at - now + tonumber(ARGV[2])) * 1000) + 1000)
return tostring(at - now)
"""


class LimitsUnavailable(TransientError):
    """The shared counters cannot be reached (Redis restarting): fetch later, not blindly now."""


class RedisBackend:
    """Counters in Redis, shared by every worker that uses the same Redis.

    ``errors`` are the client's exception types (``redis.RedisError``); they become
    :class:`LimitsUnavailable`, so a Redis restart delays fetches instead of failing jobs.
    """

    def __init__(self, client, prefix: str = "transdraft:host",
                 errors: tuple[type[BaseException], ...] = (OSError,)) -> None:
        self.client = client
        self.prefix = prefix
        self.errors = errors
        self._acquire = client.register_script(_ACQUIRE)
        self._reserve = client.register_script(_RESERVE)

    def _now(self) -> float:
        # The Redis server's clock, so workers on machines with skewed clocks agree.
        seconds, micros = self.client.time()
        return seconds + micros / 1e6

    def try_acquire(self, host: str, limit: int, ttl: float) -> str | None:
        token = uuid.uuid4().hex
        try:
            taken = self._acquire(keys=[f"{self.prefix}:slots:{host}"],
                                  args=[self._now(), limit, ttl, token])
        except self.errors as error:
            raise LimitsUnavailable(f"per-host limits unavailable: {error}",
                                    retry_after=5) from error
        return token if int(taken) == 1 else None

    def release(self, host: str, token: str) -> None:
        try:
            self.client.zrem(f"{self.prefix}:slots:{host}", token)
        except self.errors:
            pass  # the slot frees itself when its ttl runs out

    def reserve(self, host: str, interval: float, max_wait: float) -> float | None:
        try:
            wait = float(self._reserve(keys=[f"{self.prefix}:next:{host}"],
                                       args=[self._now(), interval, max_wait]))
        except self.errors as error:
            raise LimitsUnavailable(f"per-host limits unavailable: {error}",
                                    retry_after=5) from error
        return None if wait < 0 else wait


class HostLimiter:
    """``with limiter.slot(host):`` around a fetch keeps within the per-host limits."""

    def __init__(self, backend: Backend, concurrency: int, rate: float, max_wait: float = 30.0,
                 slot_ttl: float = 120.0) -> None:
        self.backend = backend
        self.concurrency = concurrency
        self.rate = rate
        self.max_wait = max_wait
        self.slot_ttl = slot_ttl

    @contextmanager
    def slot(self, host: str) -> Iterator[None]:
        """Wait for a free slot and the next allowed request time, then hold the slot."""
        host = host.lower()
        deadline = time.monotonic() + self.max_wait
        token = None
        if self.concurrency > 0:
            while (token := self.backend.try_acquire(host, self.concurrency,
                                                     self.slot_ttl)) is None:
                if time.monotonic() >= deadline:
                    raise HostBusy(f"host busy: {host} has {self.concurrency} fetches running",
                                   retry_after=self.max_wait)
                time.sleep(POLL)
        try:
            if self.rate > 0:
                wait = self.backend.reserve(host, 1.0 / self.rate,
                                            max(0.0, deadline - time.monotonic()))
                if wait is None:
                    raise HostBusy(f"host busy: over {self.rate:g} requests/s to {host}",
                                   retry_after=self.max_wait)
                if wait > 0:
                    time.sleep(wait)
            yield
        finally:
            if token is not None:
                self.backend.release(host, token)


def unlimited() -> HostLimiter:
    """A limiter that never waits."""
    return HostLimiter(LocalBackend(), 0, 0)
