"""Link codes and click ids."""

from __future__ import annotations

import base64

from seedtrail.links import codes


def test_click_ids_sort_by_time_and_carry_96_random_bits() -> None:
    times = [0, 1, 63, 64, 1_700_000_000_000, 1_700_000_000_001, 4_000_000_000_000]
    ids = [codes.new_click_id(t) for t in times]
    assert ids == sorted(ids)
    assert all(codes.CLICK_ID_RE.match(i) and len(i) == 23 for i in ids)
    # same millisecond: the prefix is equal, the 16 random characters differ
    same = {codes.new_click_id(1_700_000_000_000) for _ in range(1000)}
    assert len(same) == 1000
    assert {i[:7] for i in same} == {ids[4][:7]}
    tail = same.pop()[7:]
    assert len(base64.urlsafe_b64decode(tail)) * 8 == 96


def test_ordered_alphabet_is_the_url_safe_alphabet_in_ascii_order() -> None:
    alphabet = codes.ORDERED_ALPHABET
    assert len(alphabet) == 64 and list(alphabet) == sorted(alphabet)
    assert set(alphabet) == set(base64.urlsafe_b64encode(bytes(range(256))).decode()) - {"="}


def test_codes_are_short_and_distinct() -> None:
    made = {codes.new_code() for _ in range(2000)}
    assert len(made) == 2000
    assert all(codes.CODE_RE.match(c) and len(c) == 8 for c in made)
