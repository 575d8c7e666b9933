"""Gap detection that works at low volume: how many events a partner should have sent each hour,
from its own history, and a scan for windows that fall too far short.

Expected events in hour *h* = ``r * clicks[h]`` (events carrying a click id per click that
reached the shop, over the history) + the hour-of-week mean of the other events (shrunk towards
the hour-of-day mean where the history is short), times the share of events old enough to have
arrived by the as-of time (the partner's own delay distribution). Counts over a window of *L*
hours are negative binomial around that sum, with the over-dispersion estimated from the
history in blocks of *L* hours. A window is flagged when its lower tail probability is below
``alpha / tests``, where ``tests`` is the number of (start, length) windows in 30 days: about
``alpha`` false alarms per partner per 30 days, however quiet the partner is.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from seedtrail.intake.series import HOUR_US, Series

LENGTHS = (1, 2, 3, 6, 12, 24, 48)
#: the first hours of a partner's data are not judged by its event counts: they have no hour-of-day
#: history yet (the click-echo test, which needs 20 clicks of history, still runs)
WARMUP_HOURS = 24
#: a gap is a near silence: at most this share of the expected events (or echoes). A milder
#: shortfall over days is as likely a drop in demand as in delivery, and is not flagged.
GAP_SHARE = 0.2
HOURS_30D = 30 * 24


@dataclass(frozen=True)
class Window:
    lo: int  # first hour cell
    hi: int  # one past the last
    observed: float
    expected: float
    p: float


def threshold(alpha: float, lengths: Sequence[int] = LENGTHS) -> float:
    """The per-window tail probability that keeps false alarms near ``alpha`` per 30 days."""
    return alpha / (HOURS_30D * len(lengths))


def arrived_share(s: Series, ages_h: np.ndarray) -> np.ndarray:
    """Share of a partner's events that have arrived ``age`` hours after their own time: the
    empirical delay distribution of its events old enough to have all arrived (a week)."""
    old = s.delay_hour < s.hours - 7 * 24
    delays = np.sort(s.delays_s[old] if old.sum() >= 50 else s.delays_s)
    if len(delays) == 0:
        return np.ones_like(ages_h, dtype=np.float64)
    return np.searchsorted(delays, ages_h * 3600.0, side="right") / len(delays)


def _profile(values: np.ndarray, s: Series, use: np.ndarray, shrink: float = 2.0) -> np.ndarray:
    """Per hour: the hour-of-week mean of ``values`` over the ``use`` hours, shrunk towards the
    hour-of-day mean (weight ``shrink`` hours) where the week has few of them."""
    hour_abs = (s.start_us // HOUR_US + np.arange(s.hours)).astype(np.int64)
    how = (hour_abs + 72) % 168  # 1970-01-01 was a Thursday: 0 = Monday 00:00 UTC
    hod = hour_abs % 24
    v, u = values.astype(np.float64), use.astype(np.float64)
    how_sum = np.bincount(how, weights=v * u, minlength=168)
    how_n = np.bincount(how, weights=u, minlength=168)
    hod_sum = np.bincount(hod, weights=v * u, minlength=24)
    hod_n = np.bincount(hod, weights=u, minlength=24)
    overall = (v * u).sum() / max(u.sum(), 1.0)
    hod_mean = (hod_sum + overall) / (hod_n + 1.0)
    mean_how = (how_sum + shrink * hod_mean[np.arange(168) % 24]) / (how_n + shrink)
    return np.asarray(mean_how[how], dtype=np.float64)


def arrived_by(s: Series, as_of_us: int) -> np.ndarray:
    """Per hour, the share of its events expected to have arrived by ``as_of_us``."""
    mids = s.start_us + (np.arange(s.hours) + 0.5) * HOUR_US
    return arrived_share(s, np.maximum((as_of_us - mids) / HOUR_US, 0.0))


def expected(s: Series, use: np.ndarray, arrived: np.ndarray) -> np.ndarray:
    """Expected events per hour (see the module's docstring); ``use`` marks the hours the
    history is learnt from (not flagged, not still arriving)."""
    sent = s.clicks.astype(np.float64)
    if (sent * use).sum() > 0:
        r = (s.clicked * use).sum() / (sent * use).sum()
        clicked = r * sent
    else:
        clicked = _profile(s.clicked, s, use)
    other = _profile(s.events - s.clicked, s, use)
    return np.asarray((clicked + other) * arrived, dtype=np.float64)


def _sums(x: np.ndarray, length: int) -> np.ndarray:
    c = np.concatenate([[0.0], np.cumsum(x, dtype=np.float64)])
    return np.asarray(c[length:] - c[:-length], dtype=np.float64)


def dispersions(obs: np.ndarray, mu: np.ndarray, use: np.ndarray) -> dict[int, float]:
    """:func:`dispersion` per window length; a length with too short a history to estimate
    it takes the largest estimate of the shorter ones (never the optimism of a Poisson)."""
    out: dict[int, float] = {}
    largest = 0.0
    for n in LENGTHS:
        got = dispersion(obs, mu, use, n)
        if got is not None:
            largest = max(largest, got)
        out[n] = largest if got is None else got
    return out


def dispersion(obs: np.ndarray, mu: np.ndarray, use: np.ndarray, length: int) -> float | None:
    """``1/k`` of a negative binomial (var = m + m²/k) for sums over ``length`` hours, by the
    method of moments over non-overlapping blocks of the ``use`` hours; 0 is Poisson; None
    when fewer than five blocks can say."""
    n = len(obs) // length * length
    if n == 0:
        return None
    o = obs[:n].reshape(-1, length).sum(1)
    m = mu[:n].reshape(-1, length).sum(1)
    ok = use[:n].reshape(-1, length).all(1) & (m > 0)
    if ok.sum() < 5:
        return None
    o, m = o[ok], m[ok]
    return float(np.clip(((o - m) ** 2 - o).sum() / (m**2).sum(), 0.0, 1.0))


def lower_tail(observed: np.ndarray, mean: np.ndarray, inv_k: float) -> np.ndarray:
    """P(X <= observed) for X negative binomial with ``mean`` and 1/size ``inv_k``."""
    mean = np.maximum(mean, 1e-12)
    if inv_k <= 1e-9:
        return np.asarray(stats.poisson.cdf(observed, mean), dtype=np.float64)
    size = 1.0 / inv_k
    return np.asarray(stats.nbinom.cdf(observed, size, size / (size + mean)), dtype=np.float64)


def scan(
    obs: np.ndarray,
    tail: Callable[[int, np.ndarray, np.ndarray], np.ndarray],
    weight: np.ndarray,
    cutoff: float,
    lengths: Sequence[int] = LENGTHS,
    warmup: int = 0,
) -> list[Window]:
    """Windows of every length whose tail probability (``tail(length, lo, hi)``) is below
    ``cutoff``; overlapping ones give way to the most significant, touching ones merge."""
    found: list[Window] = []
    for length in lengths:
        if length > len(obs):
            break
        p = tail(length, _sums(obs, length), _sums(weight, length))
        for lo in np.flatnonzero(p < cutoff):
            if lo < warmup:
                continue
            found.append(
                Window(
                    int(lo),
                    int(lo) + length,
                    float(obs[lo : lo + length].sum()),
                    float(weight[lo : lo + length].sum()),
                    float(p[lo]),
                )
            )
    picked: list[Window] = []
    for w in sorted(found, key=lambda w: (w.p, w.lo, w.hi)):
        if all(w.hi <= o.lo or w.lo >= o.hi for o in picked):
            picked.append(w)
    return merge(sorted(picked, key=lambda w: w.lo))


def merge(windows: list[Window]) -> list[Window]:
    """Touching or overlapping windows (sorted by start) as one; its figures are sums."""
    out: list[Window] = []
    for w in windows:
        if out and out[-1].hi >= w.lo:
            last = out[-1]
            out[-1] = Window(
                last.lo,
                max(last.hi, w.hi),
                last.observed + w.observed,
                last.expected + w.expected,
                min(last.p, w.p),
            )
        else:
            out.append(w)
    return out


def echo_expected(s: Series, use: np.ndarray, arrived: np.ndarray) -> np.ndarray:
    """Expected echoed clicks per hour: clicks x the partner's echo rate over the history x the
    share arrived; zeros when the history has too few clicks to learn the rate from."""
    sent = (s.clicks * use).sum()
    if sent < 20:
        return np.zeros(s.hours)
    rate = float((s.echoed * use).sum()) / float(sent)
    return np.asarray(s.clicks * rate * arrived, dtype=np.float64)


@dataclass
class Gaps:
    windows: list[Window]
    expected: np.ndarray  # events per hour
    echoes: np.ndarray  # echoed clicks per hour


def find_gaps(s: Series, as_of_us: int, alpha: float) -> Gaps:
    """Windows with far fewer events than expected, or far fewer clicks echoed by an event than
    the partner's echo rate predicts (each test at ``alpha / 2``). Two passes: the second learns
    the history without the first pass's gaps."""
    arrived = arrived_by(s, as_of_us)
    settled = arrived >= 0.95
    use = settled.copy()
    obs = s.events.astype(np.float64)
    echoed, sent = s.echoed.astype(np.float64), s.clicks.astype(np.float64)
    cutoff = threshold(alpha / 2)
    out = Gaps([], np.zeros(s.hours), np.zeros(s.hours))
    for _ in range(2):
        mu = expected(s, use, arrived)
        inv = dispersions(obs, mu, use)

        def by_count(
            length: int, o: np.ndarray, m: np.ndarray, inv: dict[int, float] = inv
        ) -> np.ndarray:
            p = lower_tail(o, m, inv[length])
            return np.asarray(np.where(o <= GAP_SHARE * m, p, 1.0), dtype=np.float64)

        echo = echo_expected(s, use, arrived)

        def by_echo(length: int, o: np.ndarray, e: np.ndarray) -> np.ndarray:
            n = _sums(sent, length)
            q = np.clip(e / np.maximum(n, 1.0), 0.0, 1.0)
            return np.asarray(np.where(n > 0, stats.binom.cdf(o, n, q), 1.0), dtype=np.float64)

        found = scan(obs, by_count, mu, cutoff, warmup=WARMUP_HOURS)
        if echo.any():
            found += scan(echoed, by_echo, echo, cutoff)
        out = Gaps(merge(sorted(found, key=lambda w: (w.lo, w.hi))), mu, echo)
        use = settled.copy()
        for g in out.windows:
            use[g.lo : g.hi] = False
    return out
