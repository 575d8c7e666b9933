from __future__ import annotations

import random

import pytest
from cleanroom_helpers import TORSION, Protocol, matched_rows, token_set

from seedtrail.cleanroom.group import is_prime_order_point
from seedtrail.cleanroom.identifiers import IdType
from seedtrail.cleanroom.matching import BlindResult, reblind_tokens
from seedtrail.cleanroom.runfiles import PartyKey, blob_array
from seedtrail.core.errors import InvalidInput

PHONE, DEVICE, ACCOUNT = IdType.PHONE, IdType.DEVICE, IdType.ACCOUNT


def phone(i: int) -> str:
    return f"139{i:08d}"


def test_intersection_is_exactly_the_shared_ids(protocol: Protocol) -> None:
    rng = random.Random(7)
    a = rng.sample(range(5000), 300)
    b = rng.sample(range(5000), 300)
    result, ra, rb = protocol.match({PHONE: [phone(i) for i in a]}, {PHONE: [phone(i) for i in b]})
    expected = {(a.index(i), b.index(i), "phone") for i in set(a) & set(b)}
    assert expected
    assert matched_rows(result, ra, rb) == expected


def test_each_person_matches_at_the_highest_priority_type(protocol: Protocol) -> None:
    a = {
        PHONE: [phone(0), phone(1), None, phone(3)],
        DEVICE: ["d0", "d1", "d2", "D3"],
        ACCOUNT: ["x0", None, "x2", "x3"],
    }
    b = {
        PHONE: [phone(0), None, phone(9), None],  # row 0 matches a0 by phone and device
        DEVICE: ["d0", "d1", "e2", "d3"],  # b1~a1 by device only; b3~a3 by device (case)
        ACCOUNT: [None, None, "x2", "x3"],  # b2~a2 by account; a3/b3 already matched by device
    }
    result, ra, rb = protocol.match(a, b)
    assert matched_rows(result, ra, rb) == {
        (0, 0, "phone"),
        (1, 1, "device_id"),
        (3, 3, "device_id"),
        (2, 2, "account_id"),
    }


def test_ambiguous_tokens_never_match(protocol: Protocol) -> None:
    result, ra, rb = protocol.match(
        {DEVICE: ["shared", "shared", "solo"]}, {DEVICE: ["shared", "solo"]}
    )
    assert matched_rows(result, ra, rb) == {(2, 1, "device_id")}


def test_keys_differ_per_run_and_tokens_are_unlinkable_across_runs() -> None:
    ids = {PHONE: [phone(i) for i in range(200)]}
    first, second = Protocol(), Protocol()
    assert first.ka.scalar != second.ka.scalar
    assert first.run.secret != second.run.secret
    t1, t2 = first.blind("a", ids), second.blind("a", ids)
    assert not token_set(t1.tokens) & token_set(t2.tokens)
    # Handles are a fresh permutation too, so row positions do not link runs either.
    assert t1.handles["handle"].to_pylist() != t2.handles["handle"].to_pylist()


def test_tokens_are_prime_order_points_and_files_hide_input_order(protocol: Protocol) -> None:
    result = protocol.blind("a", {PHONE: [phone(i) for i in range(100)], DEVICE: ["d"] * 100})
    assert all(is_prime_order_point(t) for t in token_set(result.tokens))
    handles = result.tokens["handle"].to_pylist()
    assert handles == sorted(handles)
    rows_in_file_order = [
        dict(zip(*[result.handles[c].to_pylist() for c in ("handle", "row")], strict=True))[h]
        for h in handles[::2]
    ]
    assert rows_in_file_order != sorted(rows_in_file_order)


def test_phones_never_appear_in_any_file(protocol: Protocol) -> None:
    result = protocol.blind("a", {PHONE: ["13800138000"]})
    raw = b"".join(str(v).encode() for v in result.tokens.to_pylist())
    assert b"13800138000" not in raw
    assert result.dropped == {"phone": 0}


def test_reblind_refuses_twisted_points_own_tokens_and_other_runs(protocol: Protocol) -> None:
    ra = protocol.blind("a", {PHONE: [phone(1), phone(2)]})
    with pytest.raises(InvalidInput, match="own tokens"):
        reblind_tokens(ra.tokens, ra.meta, protocol.ka, processes=1)
    stranger = PartyKey.new("another-run", "b")
    with pytest.raises(InvalidInput, match="run"):
        reblind_tokens(ra.tokens, ra.meta, stranger, processes=1)
    token = ra.tokens["token"].to_pylist()[0]
    from nacl import bindings as sodium

    bad = bytes(sodium.crypto_core_ed25519_add(token, TORSION))
    forged = ra.tokens.set_column(2, "token", blob_array(bad + token))
    with pytest.raises(InvalidInput, match="prime-order"):
        reblind_tokens(forged, ra.meta, protocol.kb, processes=1)


def test_unnormalizable_ids_are_counted_not_blinded(protocol: Protocol) -> None:
    result = protocol.blind("a", {PHONE: ["12", None, phone(5)]})
    assert result.kept == {"phone": 1}
    assert result.dropped == {"phone": 1}


def test_pool_and_serial_give_the_same_tokens(protocol: Protocol) -> None:
    from seedtrail.cleanroom.matching import blind_ids

    ids = [phone(i) for i in range(100)]
    serial = blind_ids({PHONE: ids}, protocol.run, protocol.ka, processes=1)
    pooled = blind_ids({PHONE: ids}, protocol.run, protocol.ka, processes=2, chunk=16)

    def by_row(result: BlindResult) -> dict[int, bytes]:
        rows = dict(zip(*(result.handles[c].to_pylist() for c in ("handle", "row")), strict=True))
        handles, tokens = (result.tokens[c].to_pylist() for c in ("handle", "token"))
        return {rows[h]: t for h, t in zip(handles, tokens, strict=True)}

    assert by_row(serial) == by_row(pooled)
    double, _ = reblind_tokens(pooled.tokens, pooled.meta, protocol.kb, processes=2, chunk=16)
    again, _ = reblind_tokens(serial.tokens, serial.meta, protocol.kb, processes=1)
    assert by_row(BlindResult(double, pooled.handles, pooled.meta)) == by_row(
        BlindResult(again, serial.handles, serial.meta)
    )
