"""Postback signatures, in either of two forms (docs/intake.md):

- seedtrail's own: ``Seedtrail-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>`` over
  ``"<t>.<raw body>"``, the HMAC key being the whole secret string;
- Standard Webhooks (https://www.standardwebhooks.com/), so shops can sign with existing
  libraries: ``webhook-id``, ``webhook-timestamp`` and ``webhook-signature: v1,<base64> ...``
  over ``"<id>.<timestamp>.<raw body>"``; ``v1`` is HMAC-SHA256 under the base64 key after a
  ``whsec_`` secret's prefix, ``v1a`` an Ed25519 signature checked against a registered
  ``whpk_`` public key. Several signatures may be sent at once (key rotation).

Any active key of the partner (two during a rotation) may match; HMACs are compared in constant
time, and a public key is never used as an HMAC key."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Callable, Mapping, Sequence

from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey

from seedtrail.core.errors import Unauthorized
from seedtrail.messages import Msg

HEADER = "Seedtrail-Signature"
WEBHOOK_ID = "webhook-id"
WEBHOOK_TIMESTAMP = "webhook-timestamp"
WEBHOOK_SIGNATURE = "webhook-signature"
SECRET_PREFIX = b"whsec_"
PUBLIC_KEY_PREFIX = b"whpk_"
TOLERANCE_S = 300
_MAX_T_DIGITS = 12  # unix seconds until the year 33658; more is garbage, not a time
_MAX_ID = 256


def sign(secret: bytes, body: bytes, t: int) -> str:
    """The header value a partner sends (also used by tests and the benchmark)."""
    mac = hmac.new(secret, str(t).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def _timestamp(value: str, header: str) -> int:
    if value.isascii() and value.isdigit() and len(value) <= _MAX_T_DIGITS:
        return int(value)
    raise Unauthorized(Msg("problem.unauthorized.timestamp", {"header": header}))


def _fresh(t: int, now: float, tolerance_s: int, header: str) -> None:
    if abs(now - t) > tolerance_s:
        raise Unauthorized(
            Msg("problem.unauthorized.stale", {"header": header, "seconds": tolerance_s})
        )


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
        raise Unauthorized(Msg("problem.unauthorized.signature_form", {"header": HEADER}))
    return t, macs


def _hmac_keys(secrets: Sequence[bytes]) -> list[bytes]:
    return [s for s in secrets if not s.startswith(PUBLIC_KEY_PREFIX)]


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
        raise Unauthorized(Msg("problem.unauthorized.no_signature", {"header": HEADER}))
    t, macs = _parse(header)
    _fresh(t, now, tolerance_s, HEADER)
    signed = str(t).encode() + b"." + body
    ok = False
    for secret in _hmac_keys(secrets):
        expected = hmac.new(secret, signed, hashlib.sha256).hexdigest()
        for mac in macs:
            ok |= hmac.compare_digest(expected, mac)
    if not ok:
        raise Unauthorized(Msg("problem.unauthorized.signature_mismatch", {"header": HEADER}))


def _b64(value: bytes) -> bytes | None:
    """The key bytes after a prefix, decoded as the ``standardwebhooks`` library decodes them."""
    try:
        return base64.b64decode(value + b"==") or None
    except (binascii.Error, ValueError):
        return None


def _hmac_ok(secret: bytes, signed: bytes, raw: bytes) -> bool:
    return hmac.compare_digest(hmac.new(secret, signed, hashlib.sha256).digest(), raw)


def _ed25519_ok(public: bytes, signed: bytes, raw: bytes) -> bool:
    if len(public) != 32 or len(raw) != 64:
        return False
    try:
        VerifyKey(public).verify(signed, raw)
    except (BadSignatureError, ValueError):
        return False
    return True


#: Standard Webhooks signature versions: the prefix of the keys each is checked under (a key of
#: the other kind never is) and the check on the decoded key.
_SCHEMES: dict[str, tuple[bytes, Callable[[bytes, bytes, bytes], bool]]] = {
    "v1": (SECRET_PREFIX, _hmac_ok),
    "v1a": (PUBLIC_KEY_PREFIX, _ed25519_ok),
}


def _matches(version: str, raw: bytes, signed: bytes, key: bytes) -> bool:
    scheme = _SCHEMES.get(version)
    if scheme is None or not key.startswith(scheme[0]):
        return False
    decoded = _b64(key[len(scheme[0]) :])
    return decoded is not None and scheme[1](decoded, signed, raw)


def verify_standard(
    headers: Mapping[str, str],
    body: bytes,
    keys: Sequence[bytes],
    now: float,
    tolerance_s: int = TOLERANCE_S,
) -> str:
    """Check a Standard Webhooks signature; returns the ``webhook-id`` (the idempotency key)."""
    msg_id = headers.get(WEBHOOK_ID) or ""
    stamp = headers.get(WEBHOOK_TIMESTAMP) or ""
    signatures = headers.get(WEBHOOK_SIGNATURE) or ""
    if not (msg_id and stamp and signatures):
        names = {"id": WEBHOOK_ID, "timestamp": WEBHOOK_TIMESTAMP, "signature": WEBHOOK_SIGNATURE}
        raise Unauthorized(Msg("problem.unauthorized.webhook_headers", names))
    if len(msg_id) > _MAX_ID or not msg_id.isascii() or "." in msg_id:
        raise Unauthorized(
            Msg("problem.unauthorized.webhook_id", {"header": WEBHOOK_ID, "max": _MAX_ID})
        )
    _fresh(_timestamp(stamp, WEBHOOK_TIMESTAMP), now, tolerance_s, WEBHOOK_TIMESTAMP)
    signed = f"{msg_id}.{stamp}.".encode() + body
    ok = False
    for part in signatures.split():
        version, _, value = part.partition(",")
        try:
            raw = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            continue
        for key in keys:
            ok |= _matches(version, raw, signed, key)
    if not ok:
        raise Unauthorized(
            Msg("problem.unauthorized.webhook_mismatch", {"header": WEBHOOK_SIGNATURE})
        )
    return msg_id


def verify_request(
    headers: Mapping[str, str],
    body: bytes,
    keys: Sequence[bytes],
    now: float,
    tolerance_s: int = TOLERANCE_S,
) -> str | None:
    """Either form, whichever the request carries (Standard Webhooks when its signature header
    is present); returns the webhook id, if any."""
    if headers.get(WEBHOOK_SIGNATURE) is not None:
        return verify_standard(headers, body, keys, now, tolerance_s)
    verify(headers.get(HEADER), body, keys, now, tolerance_s)
    return None
