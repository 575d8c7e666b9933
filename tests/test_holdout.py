"""The holdout rule: a keyed hash of the user key, the same everywhere it is computed."""

from __future__ import annotations

import hashlib

import numpy as np
import pyarrow as pa
import pytest

from seedtrail.core.errors import InvalidInput
from seedtrail.holdout import holdout_mask, in_holdout, unit, units

KEYS = [f"cv_{i * 7919}" for i in range(20_000)]


def test_unit_is_the_documented_hash() -> None:
    """BLAKE2b keyed with the salt, 8 bytes big-endian, top 53 bits over 2**53: a deployment
    can compute it in any language from the docstring."""
    for key, salt in (("cv_123", "seedtrail-holdout"), ("用户", "盐"), ("x", "s" * 64)):
        digest = hashlib.blake2b(key.encode(), key=salt.encode(), digest_size=8).digest()
        assert unit(key, salt) == int(digest.hex(), 16) // 2**11 / 2**53


def test_share_of_users_in_the_holdout_is_the_setting() -> None:
    for share in (0.05, 0.1, 0.5):
        got = holdout_mask(KEYS, share, "s").mean()
        sd = (share * (1 - share) / len(KEYS)) ** 0.5
        assert abs(got - share) < 4 * sd
    assert not holdout_mask(KEYS, 0.0, "s").any()


def test_a_larger_share_keeps_everyone_and_a_new_salt_draws_anew() -> None:
    small, large = holdout_mask(KEYS, 0.1, "s"), holdout_mask(KEYS, 0.2, "s")
    assert (large | ~small).all() and large.sum() > small.sum()
    other = holdout_mask(KEYS, 0.1, "t")
    overlap = (small & other).sum() / small.sum()
    assert overlap < 0.2  # independent draws overlap by about the share


def test_vectorized_equals_the_scalar_rule() -> None:
    scalar = np.array([in_holdout(k, 0.1, "s") for k in KEYS[:2000]])
    for given in (KEYS[:2000], np.array(KEYS[:2000], dtype=object), pa.array(KEYS[:2000])):
        assert (holdout_mask(given, 0.1, "s") == scalar).all()
    chunked = pa.chunked_array([KEYS[:1000], KEYS[1000:2000]])
    assert (holdout_mask(chunked, 0.1, "s") == scalar).all()
    assert len(units([], "s")) == 0


@pytest.mark.parametrize(
    ("share", "salt", "message"),
    [(1.0, "s", "share"), (-0.1, "s", "share"), (0.1, "", "salt"), (0.1, "盐" * 22, "salt")],
)
def test_bad_share_or_salt_is_refused(share: float, salt: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        in_holdout("cv_1", share, salt)
    with pytest.raises(InvalidInput, match=message):
        holdout_mask(["cv_1"], share, salt)


def test_null_keys_are_refused() -> None:
    with pytest.raises(InvalidInput, match="null"):
        units(pa.array(["cv_1", None]), "s")
