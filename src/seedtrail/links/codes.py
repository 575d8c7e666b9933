"""Link codes (short, unguessable) and click ids (96 random bits after a time prefix, URL-safe).

A click id starts with the click's millisecond time in 7 characters of the URL-safe alphabet in
ASCII order, so ids sort by time: the click log's unique index then grows at its end instead of
touching a random page per click (half the log's write cost). The 16 characters after it are
random (96 bits), so ids stay unguessable.
"""

from __future__ import annotations

import re
import secrets
import string
import time

CODE_ALPHABET = string.ascii_letters + string.digits
CODE_LENGTH = 8  # 62**8 ≈ 2.2e14 codes: guessing one at the rate limit takes centuries
CODE_RE = re.compile(r"^[A-Za-z0-9]{1,8}$")
CLICK_ID_RE = re.compile(r"^[A-Za-z0-9_-]{22,23}$")  # 22: ids issued before the time prefix
#: The URL-safe base64 alphabet in ASCII order: a fixed-width string over it sorts like its value.
ORDERED_ALPHABET = "".join(sorted(string.ascii_letters + string.digits + "-_"))
_TIME_CHARS = 7  # 42 bits of milliseconds: good until 2109


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def new_click_id(now_ms: int | None = None) -> str:
    """23 URL-safe characters: the time in ms (7, sortable), then 96 random bits (16)."""
    ms = time.time_ns() // 1_000_000 if now_ms is None else now_ms
    prefix = []
    for _ in range(_TIME_CHARS):
        ms, digit = divmod(ms, 64)
        prefix.append(ORDERED_ALPHABET[digit])
    return "".join(reversed(prefix)) + secrets.token_urlsafe(12)
