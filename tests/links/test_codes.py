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


def test_pooled_click_ids_are_distinct_across_refills_and_carry_the_time() -> None:
    ids = codes.ClickIds(batch=8)  # a refill every 8 ids
    before = codes.new_click_id()[:7]
    made = [ids() for _ in range(1000)]
    after = codes.new_click_id()[:7]
    assert len(set(made)) == 1000
    assert all(codes.CLICK_ID_RE.match(i) and len(i) == 23 for i in made)
    assert all(before <= i[:7] <= after for i in made)
    assert [i[:7] for i in made] == sorted(i[:7] for i in made)
    assert all(len(base64.urlsafe_b64decode(i[7:])) == 12 for i in made)


def test_a_click_id_for_a_given_time_carries_that_times_prefix() -> None:
    ids = codes.ClickIds()
    at = 1_800_000_000.1234  # seconds, as the redirect's clock gives them
    made = ids(at)
    assert made[:7] == codes.time_prefix(1_800_000_000_123) and codes.CLICK_ID_RE.match(made)
    assert ids(at + 0.001)[:7] == codes.time_prefix(1_800_000_000_124)
    assert ids(at) != made  # the same millisecond, a fresh random part


def test_a_forked_child_does_not_reuse_its_parents_pool() -> None:
    import os

    ids = codes.ClickIds()
    ids()  # the pool is filled; 511 ids left in it
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its next ids, to the parent
        os.close(read)
        os.write(write, "".join(ids() for _ in range(10)).encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as fh:
        child = fh.read().decode()
    os.waitpid(pid, 0)
    parent = "".join(ids() for _ in range(10))
    assert {child[k : k + 23][7:] for k in range(0, 230, 23)}.isdisjoint(
        parent[k : k + 23][7:] for k in range(0, 230, 23)
    )
