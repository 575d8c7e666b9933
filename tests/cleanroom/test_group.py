from __future__ import annotations

import os

import pytest
from cleanroom_helpers import TORSION
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from nacl import bindings as sodium

from seedtrail.cleanroom.group import (
    blind,
    blind_blob,
    hash_to_point,
    is_prime_order_point,
    keyed_digest,
    keyed_hasher,
    new_scalar,
)
from seedtrail.core.errors import InvalidInput


@settings(max_examples=50, deadline=None)
@given(st.binary(min_size=32, max_size=32))
def test_elligator_points_are_in_the_prime_order_subgroup(digest: bytes) -> None:
    assume(_not_a_torsion_preimage(digest))
    assert is_prime_order_point(hash_to_point(digest))


@settings(max_examples=30, deadline=None)
@given(st.binary(min_size=32, max_size=32))
def test_blinding_commutes_and_stays_in_the_subgroup(digest: bytes) -> None:
    assume(_not_a_torsion_preimage(digest))
    a, b = new_scalar(), new_scalar()
    p = hash_to_point(digest)
    ab = blind(blind(p, a), b)
    assert ab == blind(blind(p, b), a)
    assert is_prime_order_point(ab)
    assert blind(p, a) != p


def test_points_off_the_subgroup_are_refused() -> None:
    p = hash_to_point(os.urandom(32))
    off = bytes(sodium.crypto_core_ed25519_add(p, TORSION))
    assert not is_prime_order_point(off)
    with pytest.raises(InvalidInput, match="prime-order"):
        blind(off, new_scalar())
    with pytest.raises(InvalidInput):
        blind_blob(p + off, new_scalar())
    with pytest.raises(InvalidInput, match="multiple of 32"):
        blind_blob(p[:31], new_scalar())


def test_scalars_are_fresh_and_reduced() -> None:
    scalars = {new_scalar() for _ in range(50)}
    assert len(scalars) == 50
    for s in scalars:
        assert bytes(sodium.crypto_core_ed25519_scalar_reduce(s + bytes(32))) == s


def test_keyed_digest_depends_on_secret_and_type() -> None:
    s1, s2 = os.urandom(32), os.urandom(32)
    assert keyed_digest(s1, b"phone", "+8613800000000") != keyed_digest(
        s2, b"phone", "+8613800000000"
    )
    assert keyed_digest(s1, b"phone", "x") != keyed_digest(s1, b"account_id", "x")
    assert keyed_hasher(s1, b"phone")("+8613800000000") == keyed_digest(
        s1, b"phone", "+8613800000000"
    )


def _not_a_torsion_preimage(digest: bytes) -> bool:
    # Elligator sends r = 0 (the sign bit is ignored) to the identity; an HMAC never yields it.
    return any(digest[:31]) or bool(digest[31] & 0x7F)


def test_the_zero_digest_is_refused_when_blinded() -> None:
    with pytest.raises(InvalidInput):
        blind(hash_to_point(bytes(32)), new_scalar())
