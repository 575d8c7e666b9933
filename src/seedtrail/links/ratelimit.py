"""A token bucket per client address for the redirect."""

from __future__ import annotations

import math


class RateLimiter:
    def __init__(self, rate_per_s: float, burst: int, max_clients: int = 200_000) -> None:
        self.rate = rate_per_s
        self.burst = float(burst)
        self.max_clients = max_clients
        self._buckets: dict[str, tuple[float, float]] = {}

    def hit(self, client: str, now: float) -> int:
        """0 if allowed, else the seconds to wait (for Retry-After). On the redirect's hot path:
        one dictionary read and one write."""
        buckets = self._buckets
        held = buckets.get(client)
        if held is None:
            if len(buckets) >= self.max_clients:
                buckets.clear()  # bounded memory under an address flood
            tokens = self.burst
        else:
            tokens = held[0] + (now - held[1]) * self.rate
            if tokens > self.burst:
                tokens = self.burst
        if tokens >= 1.0:
            buckets[client] = (tokens - 1.0, now)
            return 0
        buckets[client] = (tokens, now)
        return max(1, math.ceil((1.0 - tokens) / self.rate))
