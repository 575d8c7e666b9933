"""Postback signatures, unit by unit: the header format, the time window, secret rotation."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from seedtrail.core.errors import Unauthorized
from seedtrail.intake.signature import HEADER, TOLERANCE_S, sign, verify

OLD, NEW = b"old-secret", b"new-secret"
BODY = b'{"event":"purchase","gmv":"99.00"}'
NOW = 1_800_000_000


def mac(secret: bytes, t: int, body: bytes = BODY) -> str:
    return hmac.new(secret, f"{t}.".encode() + body, hashlib.sha256).hexdigest()


def test_sign_is_hmac_sha256_over_time_dot_body() -> None:
    assert sign(NEW, BODY, NOW) == f"t={NOW},v1={mac(NEW, NOW)}"
    assert HEADER == "Seedtrail-Signature" and TOLERANCE_S == 300


def test_either_active_secret_verifies_during_a_rotation() -> None:
    for secret in (OLD, NEW):
        verify(sign(secret, BODY, NOW), BODY, [OLD, NEW], NOW)
    # a header may carry several v1 values; one matching is enough
    verify(f"t={NOW},v1={'0' * 64},v1={mac(NEW, NOW)}", BODY, [NEW], NOW)
    # spaces around parts, and fields this version does not know, are ignored
    verify(f" t={NOW} , v1={mac(NEW, NOW)} , v2=7 , x=9", BODY, [NEW], NOW)


@pytest.mark.parametrize(
    "header",
    [
        f"v1={'a' * 64}",  # no time
        f"t=soon,v1={'a' * 64}",  # a time that is not a number
        f"t=-5,v1={'a' * 64}",
        f"t={NOW}",  # no signature
        f"t={NOW},v1=",
        f"t={NOW},x={'a' * 64}",  # a signature under an unknown name is no signature
        "garbage",
    ],
)
def test_malformed_headers_say_what_the_header_must_look_like(header: str) -> None:
    with pytest.raises(Unauthorized, match=r"^Seedtrail-Signature header must look like t=<unix"):
        verify(header, BODY, [NEW], NOW)


@pytest.mark.parametrize("header", [None, ""])
def test_a_missing_header_is_named(header: str | None) -> None:
    with pytest.raises(Unauthorized, match=r"^missing Seedtrail-Signature header$"):
        verify(header, BODY, [NEW], NOW)


def test_the_time_window_is_inclusive_and_symmetric() -> None:
    for skew in (-TOLERANCE_S, TOLERANCE_S, 0):
        verify(sign(NEW, BODY, NOW + skew), BODY, [NEW], NOW)
    for skew in (-TOLERANCE_S - 1, TOLERANCE_S + 1):
        with pytest.raises(Unauthorized, match=r"outside the 300 s tolerance \(replay or clock"):
            verify(sign(NEW, BODY, NOW + skew), BODY, [NEW], NOW)
    verify(sign(NEW, BODY, NOW - 50), BODY, [NEW], NOW, tolerance_s=50)
    with pytest.raises(Unauthorized, match="outside the 49 s tolerance"):
        verify(sign(NEW, BODY, NOW - 50), BODY, [NEW], NOW, tolerance_s=49)


@pytest.mark.parametrize(
    "header,body,secrets",
    [
        (sign(NEW, BODY, NOW), BODY + b" ", [NEW]),  # body changed
        (f"t={NOW},v1={mac(NEW, NOW - 1)}", BODY, [NEW]),  # time changed: t is signed too
        (sign(b"retired", BODY, NOW), BODY, [OLD, NEW]),  # a secret no longer active
        (sign(NEW, BODY, NOW), BODY, []),  # no active secret at all
        (f"t={NOW},v1={mac(NEW, NOW).upper()}", BODY, [NEW]),  # hex is lower case
        (f"t={NOW},v1={mac(NEW, NOW)}=", BODY, [NEW]),  # a value is everything after "="
    ],
)
def test_a_signature_that_does_not_match_is_refused(
    header: str, body: bytes, secrets: list[bytes]
) -> None:
    with pytest.raises(
        Unauthorized,
        match=r"^Seedtrail-Signature does not match the body under any active partner secret$",
    ):
        verify(header, body, secrets, NOW)
