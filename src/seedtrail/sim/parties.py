"""Each party's own directory of people: the community's users and each shop's customers.

The community and each shop hold contact ids (a phone number, a device's advertising id) for the
same people independently, with the overlap and the mess of real directories:

* the community's directory holds every viewer; some registered without a phone, some phones are
  malformed (wrong length), many are written in ways normalization accepts (``+86``, spaces,
  dashes, full-width digits); iOS users who limit ad tracking report the all-zero IDFA;
* a shop's customers are a share of the viewers plus everyone who shopped there in the world,
  plus customers who are not community users at all; some customers changed phones since
  (the shop has the old number, sometimes a number the carrier has since given to someone else;
  half of them still use the same device), many orders carry no device id (web checkout), some
  numbers are masked (``138****5678``) or malformed, device ids come in either case.

Phone numbers are a bijection of a person's index (so they never collide, and a changed number is
a fresh one); devices are random 16-byte advertising ids. Everything is drawn from the
``parties`` random streams, so the other files of a world keep their bytes. The true pairs are
ground truth (``truth/identity_map``): for scoring the clean room, never an input.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from seedtrail.core.errors import SimError
from seedtrail.messages import Msg
from seedtrail.sim import schemas
from seedtrail.sim.population import Population
from seedtrail.sim.spec import PARTNERS, PartnerSpec
from seedtrail.sim.streams import stream

PHONE_PREFIXES = np.array(
    [*range(130, 140), 150, 151, 152, 153, *range(155, 160), *range(180, 190)]
)
SUFFIXES = 10**8
OLD_NUMBER_BASE = 50_000_000  # a changed number is the number of person index + this
ZERO_IDFA = "00000000-0000-0000-0000-000000000000"
IOS_SHARE = 0.45
LIMITED_TRACKING = 0.5  # iOS users who deny an app ad tracking: it reads the all-zero IDFA
CHANGED_PHONE = 0.08  # shop customers whose number at the shop is an old one
RECYCLED = 0.15  # of those, the old number now belongs to another community user
NEW_DEVICE = 0.5  # of those, the device changed too
SHOP_NO_DEVICE = 0.3
COMMUNITY_NO_DEVICE = 0.05
CASE_FLIP = 0.1

# phone styles; every style but the last three normalizes to the same E.164 number
PLAIN, PLUS86, SPACED, DASHED, CC86, FULLWIDTH, SHORT, LONG, MASKED, MISSING = range(10)
COMMUNITY_STYLES = {
    MISSING: 0.12,
    SHORT: 0.01,
    LONG: 0.005,
    PLUS86: 0.08,
    SPACED: 0.03,
    FULLWIDTH: 0.01,
}
SHOP_STYLES = {
    MISSING: 0.03,
    SHORT: 0.005,
    LONG: 0.005,
    MASKED: 0.01,
    DASHED: 0.05,
    CC86: 0.04,
    SPACED: 0.03,
    FULLWIDTH: 0.01,
}
_FULL = str.maketrans("0123456789", "０１２３４５６７８９")
_HEX_LOWER = np.frombuffer(b"0123456789abcdef", np.uint8)
_HEX_UPPER = np.frombuffer(b"0123456789ABCDEF", np.uint8)
_UUID_DIGITS = np.array([i for i in range(36) if i not in (8, 13, 18, 23)])


@dataclass(frozen=True)
class Contacts:
    """What every viewer really has: a phone number and a device."""

    seed: int
    ios: np.ndarray  # bool per viewer
    device: np.ndarray  # uint8 (viewers, 16)

    def phone(self, person: np.ndarray) -> np.ndarray:
        """The phone number (11 digits) of a person index; unique per index below 10**8.

        The last 8 digits are a 4-round Feistel permutation of the index (two 4-digit halves,
        random round functions), so neighbouring indexes get unrelated numbers."""
        rng = stream(self.seed, "parties", 0)
        rounds = rng.integers(0, 10_000, (4, 10_000))
        left, right = np.divmod(person.astype(np.int64) % SUFFIXES, 10_000)
        for table in rounds:
            left, right = right, (left + table[right]) % 10_000
        prefix = PHONE_PREFIXES[rng.integers(0, len(PHONE_PREFIXES), 10_000)[left]]
        number: np.ndarray = prefix * SUFFIXES + left * 10_000 + right
        return number


def contacts(pop: Population, seed: int) -> Contacts:
    if pop.n > OLD_NUMBER_BASE // 4:  # room for outsiders and old numbers below 10**8
        raise SimError(Msg("problem.sim-error.too_many_viewers", {"n": f"{pop.n:,}"}))
    rng = stream(seed, "parties", 1)
    ios = rng.random(pop.n) < IOS_SHARE
    device = rng.integers(0, 256, (pop.n, 16), dtype=np.uint8)
    return Contacts(seed, ios, device)


def _styled(rng: np.random.Generator, numbers: np.ndarray, styles: dict[int, float]) -> pa.Array:
    codes = np.array(list(styles), dtype=np.int64)
    picked = np.searchsorted(np.cumsum(list(styles.values())), rng.random(len(numbers)), "right")
    style = np.where(picked < len(codes), codes[np.minimum(picked, len(codes) - 1)], PLAIN)
    text = pc.cast(pa.array(numbers), pa.string()).to_numpy(zero_copy_only=False)
    for i in np.flatnonzero((style != PLAIN) & (style != MISSING)).tolist():
        text[i] = _format(text[i], int(style[i]), int(numbers[i]) % 10)
    return pa.array(text, pa.string(), mask=style == MISSING)


def _format(d: str, style: int, digit: int) -> str:
    if style == PLUS86:
        return "+86 " + d
    if style == SPACED:
        return f"{d[:3]} {d[3:7]} {d[7:]}"
    if style == DASHED:
        return f"+86-{d[:3]}-{d[3:7]}-{d[7:]}"
    if style == CC86:
        return "86" + d
    if style == FULLWIDTH:
        return d.translate(_FULL)
    if style == SHORT:
        return d[:-1]
    if style == LONG:
        return d + str(digit)
    return f"{d[:3]}****{d[7:]}"  # MASKED


def _uuids(raw: np.ndarray, upper: np.ndarray) -> pa.Array:
    """16 random bytes per row as a UUID string, upper- or lower-case per row."""
    n = len(raw)
    nibbles = np.empty((n, 32), np.uint8)
    nibbles[:, 0::2], nibbles[:, 1::2] = raw >> 4, raw & 15
    chars = np.where(upper[:, None], _HEX_UPPER[nibbles], _HEX_LOWER[nibbles])
    out = np.full((n, 36), ord("-"), np.uint8)
    out[:, _UUID_DIGITS] = chars
    offsets = np.arange(0, 36 * (n + 1), 36, dtype=np.int32)
    return pa.Array.from_buffers(
        pa.string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(out.tobytes())]
    )


def _devices(
    rng: np.random.Generator, raw: np.ndarray, ios: np.ndarray, missing: float, flip: float
) -> pa.Array:
    n = len(raw)
    upper = ios ^ (rng.random(n) < flip)  # iOS reports IDFAs upper-case, Android OAIDs lower
    text = _uuids(raw, upper)
    zero = ios & (rng.random(n) < LIMITED_TRACKING)
    text = pc.if_else(pa.array(zero), pa.scalar(ZERO_IDFA), text)
    absent = rng.random(n) < missing
    return pc.if_else(pa.array(absent), pa.scalar(None, pa.string()), text)


def community_users(pop: Population, people: Contacts) -> pa.Table:
    """The community's user directory: every viewer."""
    rng = stream(people.seed, "parties", 2)
    idx = np.arange(pop.n, dtype=np.int64)
    return pa.table(
        [
            pop.community.strings(idx),
            _styled(rng, people.phone(idx), COMMUNITY_STYLES),
            _devices(rng, people.device, people.ios, COMMUNITY_NO_DEVICE, 0.0),
        ],
        schema=schemas.COMMUNITY_USERS,
    )


def shop_customers(
    pop: Population, people: Contacts, partner: int, shopped: np.ndarray, first_outsider: int
) -> tuple[pa.Table, pa.Table]:
    """(customers, true identity pairs) of one shop. ``shopped``: viewers with any conversion
    there; outsiders (customers who are not viewers) get person indexes from ``first_outsider``."""
    spec: PartnerSpec = PARTNERS[partner]
    rng = stream(people.seed, "parties", 3 + partner)
    members = np.flatnonzero(shopped | (rng.random(pop.n) < spec.customer_share))
    m = len(members)
    changed = rng.random(m) < CHANGED_PHONE
    recycled = changed & (rng.random(m) < RECYCLED)
    person = np.where(changed, members + OLD_NUMBER_BASE, members)
    person = np.where(recycled, rng.integers(0, pop.n, m), person)
    device = people.device[members]
    new_device = changed & (rng.random(m) < NEW_DEVICE)
    device[new_device] = rng.integers(0, 256, (int(new_device.sum()), 16), dtype=np.uint8)
    k = round(m * spec.outsider_ratio)
    outsiders = np.arange(first_outsider, first_outsider + k, dtype=np.int64)
    keys = pop.shops[spec.slug].strings(np.concatenate([members, outsiders]))
    numbers = people.phone(np.concatenate([person, outsiders]))
    devices = np.concatenate([device, rng.integers(0, 256, (k, 16), dtype=np.uint8)])
    ios = np.concatenate([people.ios[members], rng.random(k) < IOS_SHARE])
    table = pa.table(
        [
            keys,
            _styled(rng, numbers, SHOP_STYLES),
            _devices(rng, devices, ios, SHOP_NO_DEVICE, CASE_FLIP),
        ],
        schema=schemas.SHOP_CUSTOMERS,
    )
    table = table.take(pa.array(rng.permutation(m + k)))
    truth = pa.table(
        [pop.community.strings(members), keys.slice(0, m), pa.array([spec.slug] * m)],
        schema=schemas.IDENTITY_MAP,
    )
    return table, truth


def all_shops(
    pop: Population, people: Contacts, shopped: np.ndarray
) -> Iterator[tuple[str, pa.Table, pa.Table]]:
    """(partner, customers, true pairs) per partner; ``shopped[p, viewer]`` as in
    :func:`shop_customers`."""
    first_outsider = pop.n
    for p, spec in enumerate(PARTNERS):
        customers, truth = shop_customers(pop, people, p, shopped[p], first_outsider)
        first_outsider += customers.num_rows - truth.num_rows
        yield spec.slug, customers, truth
