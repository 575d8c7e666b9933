from __future__ import annotations

import numpy as np

from seedtrail.integrity.activity import Activity, signals


def _act(ts: list[float], note: list[int], cluster: list[int] | None = None) -> Activity:
    n = len(ts)
    return Activity(
        author=np.arange(n, dtype=np.int64),
        note=np.array(note, dtype=np.int64),
        ts=np.array(ts, dtype=np.float64),
        cluster=np.array(cluster or [-1] * n, dtype=np.int64),
        age_days=np.array([5.0] + [400.0] * (n - 1)),
        author_names=[str(i) for i in range(n)],
        note_names=[str(i) for i in range(max(note) + 1)],
    )


def test_burst_is_relative_to_the_notes_local_rate() -> None:
    quiet = [i * 3600.0 * 3 for i in range(8)]  # one comment every 3 hours
    pile = [100_000.0 + 60 * i for i in range(4)]  # four in four minutes
    act = _act(quiet + pile, [0] * 12)
    s = signals(act)
    assert not s.burst[:8].any()
    assert s.burst[8:].all()
    # busy all day long (a comment every 5 minutes for two days): busy, not a burst
    busy = _act([i * 300.0 for i in range(576)], [0] * 576)
    assert not signals(busy).burst[144:432].any()


def test_templated_needs_concentration() -> None:
    # cluster 0: six comments on two notes; cluster 1: six comments on six notes
    act = _act([0.0] * 12, [0, 0, 0, 1, 1, 1, 2, 3, 4, 5, 6, 7], [0] * 6 + [1] * 6)
    s = signals(act)
    assert s.templated[:6].all() and not s.templated[6:].any()


def test_young_accounts() -> None:
    act = _act([0.0, 1.0, 2.0], [0, 0, 0])
    assert signals(act).young.tolist() == [True, False, False]
    act.age_days[:] = np.nan
    assert not signals(act).young.any()
