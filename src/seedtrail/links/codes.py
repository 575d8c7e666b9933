"""Link codes (short, unguessable) and click ids (96 random bits after a time prefix, URL-safe).

A click id starts with the click's millisecond time in 7 characters of the URL-safe alphabet in
ASCII order, so ids sort by time: the click log's unique index then grows at its end instead of
touching a random page per click (half the log's write cost). The 16 characters after it are
random (96 bits), so ids stay unguessable.
"""

from __future__ import annotations

import base64
import os
import re
import secrets
import string
import time
import weakref

CODE_ALPHABET = string.ascii_letters + string.digits
CODE_LENGTH = 8  # 62**8 ≈ 2.2e14 codes: guessing one at the rate limit takes centuries
CODE_RE = re.compile(r"^[A-Za-z0-9]{1,8}$")
CLICK_ID_RE = re.compile(r"^[A-Za-z0-9_-]{22,23}$")  # 22: ids issued before the time prefix
#: The URL-safe base64 alphabet in ASCII order: a fixed-width string over it sorts like its value.
ORDERED_ALPHABET = "".join(sorted(string.ascii_letters + string.digits + "-_"))
_TIME_CHARS = 7  # 42 bits of milliseconds: good until 2109


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def time_prefix(ms: int) -> str:
    """``ms`` in 7 characters of :data:`ORDERED_ALPHABET` (fixed width, so they sort by time)."""
    prefix = []
    for _ in range(_TIME_CHARS):
        ms, digit = divmod(ms, 64)
        prefix.append(ORDERED_ALPHABET[digit])
    return "".join(reversed(prefix))


def new_click_id(now_ms: int | None = None) -> str:
    """23 URL-safe characters: the time in ms (7, sortable), then 96 random bits (16)."""
    ms = time.time_ns() // 1_000_000 if now_ms is None else now_ms
    return time_prefix(ms) + secrets.token_urlsafe(12)


class ClickIds:
    """:func:`new_click_id` for the redirect's hot path: the random part comes from a pool of
    ``os.urandom`` bytes read ``batch`` ids at a time (one system call and one base64 encoding per
    batch instead of per click; 12 bytes encode to exactly 16 characters, so each id takes 16
    fresh characters), and the time prefix is computed once per millisecond. A forked child
    drops the pool it inherited, so parent and child never hand out the same random part."""

    def __init__(self, batch: int = 512) -> None:
        self.batch = batch
        self._pool = ""
        self._pos = 0
        self._ms = -1
        self._prefix = ""
        ref = weakref.ref(self)
        os.register_at_fork(after_in_child=lambda: _drop_pool(ref))

    def __call__(self, now: float | None = None) -> str:
        """A fresh click id for the time ``now`` (unix seconds; default: the clock)."""
        ms = time.time_ns() // 1_000_000 if now is None else int(now * 1000)
        if ms != self._ms:
            self._ms, self._prefix = ms, time_prefix(ms)
        pos = self._pos
        if pos >= len(self._pool):
            self._pool = base64.urlsafe_b64encode(os.urandom(12 * self.batch)).decode()
            pos = 0
        self._pos = pos + 16
        return self._prefix + self._pool[pos : pos + 16]


def _drop_pool(ref: weakref.ref[ClickIds]) -> None:
    ids = ref()
    if ids is not None:
        ids._pool, ids._pos = "", 0
