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
        """0 if allowed, else the seconds to wait (for Retry-After)."""
        tokens, last = self._buckets.get(client, (self.burst, now))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        if tokens >= 1.0:
            self._store(client, tokens - 1.0, now)
            return 0
        self._store(client, tokens, now)
        return max(1, math.ceil((1.0 - tokens) / self.rate))

    def _store(self, client: str, tokens: float, now: float) -> None:
        if len(self._buckets) >= self.max_clients and client not in self._buckets:
            self._buckets.clear()  # bounded memory under an address flood
        self._buckets[client] = (tokens, now)
