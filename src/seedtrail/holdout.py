"""Who is in the holdout: the viewers a community never shows boosted impressions, so that lift
can be measured against them.

Assignment is a keyed hash of the viewer's key, the same everywhere it is computed: the
community's boost server (or ``GET /holdout/{user_key}``), the simulator, and the report, which
recomputes it for every viewer it sees. ``share`` is the fraction held out, ``salt`` the
community's experiment key (change it to re-draw the holdout).
"""

from __future__ import annotations

import hashlib

_SCALE = float(1 << 64)


def unit(user_key: str, salt: str) -> float:
    """A uniform number in [0, 1) per (salt, user key)."""
    digest = hashlib.blake2b(user_key.encode(), digest_size=8, key=salt.encode()[:64]).digest()
    return int.from_bytes(digest, "big") / _SCALE


def in_holdout(user_key: str, share: float, salt: str) -> bool:
    return unit(user_key, salt) < share
