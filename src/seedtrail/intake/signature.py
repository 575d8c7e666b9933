"""Postback signatures: ``Seedtrail-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>`` over
``"<t>.<raw body>"``, under any active secret of the partner (two during a rotation)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence

from seedtrail.errors import Unauthorized

HEADER = "Seedtrail-Signature"
TOLERANCE_S = 300
_MAX_T_DIGITS = 12  # unix seconds until the year 33658; more is garbage, not a time


def sign(secret: bytes, body: bytes, t: int) -> str:
    """The header value a partner sends (also used by tests and the benchmark)."""
    mac = hmac.new(secret, str(t).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def _parse(header: str) -> tuple[int, list[str]]:
    t: int | None = None
    macs: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isascii() and value.isdigit() and len(value) <= _MAX_T_DIGITS:
            t = int(value)
        elif key == "v1" and value:
            macs.append(value)
    if t is None or not macs:
        raise Unauthorized(f"{HEADER} header must look like t=<unix seconds>,v1=<hex>")
    return t, macs


def verify(
    header: str | None,
    body: bytes,
    secrets: Sequence[bytes],
    now: float,
    tolerance_s: int = TOLERANCE_S,
) -> None:
    """Raise :class:`Unauthorized` unless ``header`` signs ``body`` under one of ``secrets``
    within ``tolerance_s`` of ``now``. Every candidate is compared in constant time."""
    if not header:
        raise Unauthorized(f"missing {HEADER} header")
    t, macs = _parse(header)
    if abs(now - t) > tolerance_s:
        raise Unauthorized(
            f"{HEADER} timestamp is outside the {tolerance_s} s tolerance (replay or clock skew)"
        )
    signed = str(t).encode() + b"." + body
    ok = False
    for secret in secrets:
        expected = hmac.new(secret, signed, hashlib.sha256).hexdigest()
        for mac in macs:
            ok |= hmac.compare_digest(expected, mac)
    if not ok:
        raise Unauthorized(f"{HEADER} does not match the body under any active partner secret")
