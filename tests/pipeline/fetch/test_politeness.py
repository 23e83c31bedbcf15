"""Per-host limits: concurrent fetches and requests per second, in-process and through Redis."""

from __future__ import annotations

import threading
import time
import uuid

import pytest

from pipeline.fetch.politeness import HostBusy, HostLimiter, LocalBackend, RedisBackend
from tests.services import REDIS_URL, needs


@pytest.fixture
@needs("redis")
def redis_backend():
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.fail(f"Redis is not reachable at {REDIS_URL}")
    prefix = f"transdraft-test:{uuid.uuid4().hex[:8]}"
    yield lambda: RedisBackend(redis.Redis.from_url(REDIS_URL), prefix=prefix)
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)


def _most_at_once(limiters: list[HostLimiter], host: str, fetches: int, hold: float) -> int:
    running = 0
    most = 0
    lock = threading.Lock()

    def fetch(limiter: HostLimiter) -> None:
        nonlocal running, most
        with limiter.slot(host):
            with lock:
                running += 1
                most = max(most, running)
            time.sleep(hold)
            with lock:
                running -= 1

    threads = [threading.Thread(target=fetch, args=(limiters[n % len(limiters)],))
               for n in range(fetches)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return most


def test_in_process_limit_on_concurrent_fetches_per_host():
    limiter = HostLimiter(LocalBackend(), concurrency=2, rate=0)
    assert _most_at_once([limiter], "news.example", fetches=8, hold=0.05) == 2


def test_shared_limit_through_redis_holds_across_limiters(redis_backend):
    # Two limiters with their own clients stand for two worker processes.
    limiters = [HostLimiter(redis_backend(), concurrency=3, rate=0) for _ in range(2)]
    assert _most_at_once(limiters, "news.example", fetches=12, hold=0.05) == 3


@pytest.mark.parametrize("kind", ["local", "redis"])
def test_requests_per_second_per_host(kind, redis_backend):
    backend = LocalBackend() if kind == "local" else redis_backend()
    limiter = HostLimiter(backend, concurrency=0, rate=20)
    started = time.monotonic()
    for _ in range(11):
        with limiter.slot("slow.example"):
            pass
    # 11 requests at 20/s: the last one no earlier than 0.5 s after the first.
    assert time.monotonic() - started >= 0.45
    other = time.monotonic()
    with limiter.slot("other.example"):  # another host is not held back
        pass
    assert time.monotonic() - other < 0.1


def test_a_host_busy_past_the_wait_is_a_transient_error():
    limiter = HostLimiter(LocalBackend(), concurrency=1, rate=0, max_wait=0.2)
    with limiter.slot("busy.example"):
        with pytest.raises(HostBusy, match="host busy: busy.example"):
            with limiter.slot("busy.example"):
                pass
    with limiter.slot("busy.example"):  # released afterwards
        pass


def test_a_slot_of_a_dead_worker_frees_itself(redis_backend):
    backend = redis_backend()
    token = backend.try_acquire("crash.example", 1, ttl=0.3)  # never released
    assert token is not None
    assert backend.try_acquire("crash.example", 1, ttl=0.3) is None
    time.sleep(0.4)
    assert backend.try_acquire("crash.example", 1, ttl=0.3) is not None


@pytest.mark.slow  # five seconds of the Redis client's own retries
def test_unreachable_shared_limits_are_a_transient_error():
    import redis

    from pipeline.fetch.politeness import LimitsUnavailable

    client = redis.Redis(port=9, socket_connect_timeout=1)  # nothing listens there
    limiter = HostLimiter(RedisBackend(client, errors=(redis.RedisError,)), concurrency=2, rate=1)
    with pytest.raises(LimitsUnavailable, match="per-host limits unavailable"):
        with limiter.slot("news.example"):
            pass
