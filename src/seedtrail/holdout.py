"""Who is in the lift holdout: a keyed hash of the community's user key, reproducible anywhere.

A community user is in the holdout (never shown boosted impressions) when ``unit(key, salt) <
share``, where ``unit`` is BLAKE2b of the key's UTF-8 bytes, keyed with the salt's UTF-8 bytes,
8-byte digest read big-endian, its top 53 bits divided by 2**53: uniform in [0, 1) and
independent of everything else about the user. The boost server, the simulator and the report
compute the same answer from the key alone, with no stored list; a new salt draws a new
holdout, a larger share keeps everyone already in it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import numpy as np
import pyarrow as pa

from seedtrail.core.errors import InvalidInput
from seedtrail.messages import Msg

DEFAULT_SHARE = 0.1
DEFAULT_SALT = "seedtrail-holdout"
MAX_SALT_BYTES = 64  # BLAKE2b's longest key


def check(share: float, salt: str) -> bytes:
    """The salt as the hash key; a clear error for a share outside [0, 1) or a bad salt."""
    if not 0 <= share < 1:
        raise InvalidInput(Msg("problem.invalid-input.holdout_share", {"value": share}))
    key = salt.encode("utf-8")
    if not 0 < len(key) <= MAX_SALT_BYTES:
        raise InvalidInput(Msg("problem.invalid-input.holdout_salt", {"max": MAX_SALT_BYTES}))
    return key


def _unit(user_key: str, key: bytes) -> float:
    digest = hashlib.blake2b(user_key.encode("utf-8"), key=key, digest_size=8).digest()
    return (int.from_bytes(digest, "big") >> 11) / float(1 << 53)


def unit(user_key: str, salt: str) -> float:
    """The user's uniform number in [0, 1) for this salt."""
    return _unit(user_key, check(0.0, salt))


def in_holdout(user_key: str, share: float, salt: str) -> bool:
    return _unit(user_key, check(share, salt)) < share


def units(
    user_keys: pa.Array | pa.ChunkedArray | np.ndarray | Iterable[str], salt: str
) -> np.ndarray:
    """:func:`unit` of every key (an Arrow string array, a numpy array or any iterable)."""
    key = check(0.0, salt)
    if isinstance(user_keys, pa.Array | pa.ChunkedArray):
        if user_keys.null_count:
            raise InvalidInput(Msg("problem.invalid-input.null_keys", {"n": user_keys.null_count}))
        user_keys = user_keys.to_pylist()
    blake2b = hashlib.blake2b
    digests = b"".join(
        [blake2b(str(k).encode(), key=key, digest_size=8).digest() for k in user_keys]
    )
    return (np.frombuffer(digests, dtype=">u8") >> np.uint64(11)).astype(np.float64) / float(
        1 << 53
    )


def holdout_mask(
    user_keys: pa.Array | pa.ChunkedArray | np.ndarray | Iterable[str], share: float, salt: str
) -> np.ndarray:
    """:func:`in_holdout` of every key, as a boolean array."""
    check(share, salt)
    return units(user_keys, salt) < share
