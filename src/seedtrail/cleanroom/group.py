"""The prime-order group: the Ed25519 subgroup of order L, through libsodium (PyNaCl).

Ids are hashed (keyed HMAC) to 32 uniform bytes and mapped with Elligator 2
(``crypto_core_ed25519_from_uniform``), which always lands in the prime-order subgroup, never on
the twist or in the torsion part. Blinding multiplies by a secret scalar without clamping
(``crypto_scalarmult_ed25519_noclamp``); libsodium refuses points that are not canonical, have
small order or lie outside the main subgroup, so every point a party receives is checked by the
multiplication itself.

Points travel as one ``bytes`` blob of 32-byte encodings, which keeps process pools cheap.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable

from nacl import bindings as sodium
from nacl.exceptions import RuntimeError as SodiumError

from seedtrail.core.errors import InvalidInput
from seedtrail.messages import Msg

POINT_BYTES = 32
SCALAR_BYTES = 32


def new_scalar() -> bytes:
    """A fresh uniformly random non-zero scalar mod L (64 random bytes reduced)."""
    while True:
        scalar = sodium.crypto_core_ed25519_scalar_reduce(secrets.token_bytes(64))
        if any(scalar):
            return bytes(scalar)


def is_prime_order_point(point: bytes) -> bool:
    """True when ``point`` encodes an element of the prime-order subgroup other than identity."""
    return len(point) == POINT_BYTES and bool(sodium.crypto_core_ed25519_is_valid_point(point))


def keyed_hasher(secret: bytes, tag: bytes) -> Callable[[str], bytes]:
    """``value -> HMAC-SHA256(secret, tag || 0x00 || value)``, key schedule done once."""
    base = hmac.new(secret, tag + b"\x00", hashlib.sha256)

    def digest(value: str) -> bytes:
        h = base.copy()
        h.update(value.encode("utf-8"))
        return h.digest()

    return digest


def keyed_digest(secret: bytes, tag: bytes, value: str) -> bytes:
    """HMAC-SHA256 of a normalized id under the run secret, domain-separated by id type."""
    return keyed_hasher(secret, tag)(value)


def hash_to_point(digest: bytes) -> bytes:
    """Elligator 2 map of 32 uniform bytes onto the prime-order subgroup."""
    return bytes(sodium.crypto_core_ed25519_from_uniform(digest))


def blind(point: bytes, scalar: bytes) -> bytes:
    """``scalar * point``; raises :class:`InvalidInput` for a point outside the subgroup."""
    try:
        return bytes(sodium.crypto_scalarmult_ed25519_noclamp(scalar, point))
    except SodiumError as exc:
        raise InvalidInput(Msg("problem.invalid-input.token_point")) from exc


def blind_blob(points: bytes, scalar: bytes) -> bytes:
    """Blind every 32-byte point of ``points`` (validating each); returns the new blob."""
    if len(points) % POINT_BYTES:
        raise InvalidInput(Msg("problem.invalid-input.token_blob", {"n": len(points)}))
    out = bytearray()
    for i in range(0, len(points), POINT_BYTES):
        out += blind(points[i : i + POINT_BYTES], scalar)
    return bytes(out)
