"""The redirect's token bucket per client: a burst, then the refill rate, a Retry-After that
says how long until the next token, and bounded memory under an address flood."""

from __future__ import annotations

from seedtrail.links.ratelimit import RateLimiter


def test_a_burst_then_one_request_per_token_refilled() -> None:
    limiter = RateLimiter(rate_per_s=2.0, burst=3)
    assert [limiter.hit("a", 100.0) for _ in range(4)] == [0, 0, 0, 1]
    assert limiter.hit("b", 100.0) == 0  # buckets are per client
    assert limiter.hit("a", 100.4) == 1  # 0.8 of a token: not yet
    assert limiter.hit("a", 100.6) == 0  # a whole token refilled (2 per second)
    assert limiter.hit("a", 1000.0) == 0  # a long pause refills up to the burst, not beyond
    assert [limiter.hit("a", 1000.0) for _ in range(3)] == [0, 0, 1]


def test_retry_after_is_the_whole_seconds_until_the_next_token() -> None:
    limiter = RateLimiter(rate_per_s=0.25, burst=1)
    assert limiter.hit("a", 0.0) == 0
    assert limiter.hit("a", 0.0) == 4  # one token per four seconds
    assert limiter.hit("a", 3.0) == 1  # 0.75 refilled: a second to go


def test_memory_is_bounded_under_an_address_flood() -> None:
    limiter = RateLimiter(rate_per_s=1.0, burst=1, max_clients=100)
    for i in range(1000):
        assert limiter.hit(f"10.0.{i // 256}.{i % 256}", 0.0) == 0
    assert len(limiter._buckets) <= 100
