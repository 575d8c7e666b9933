from __future__ import annotations

import pytest
from cleanroom_helpers import Protocol, matched_rows

from seedtrail.cleanroom.identifiers import IdType
from seedtrail.cleanroom.join import check_pair, match_report
from seedtrail.cleanroom.runfiles import TokenMeta
from seedtrail.core.errors import InvalidInput

PHONE, DEVICE = IdType.PHONE, IdType.DEVICE


def phone(i: int) -> str:
    return f"139{i:08d}"


def test_probing_a_small_subgroup_reveals_nothing(protocol: Protocol) -> None:
    """Attack: party a submits only a few suspects to learn which are b's customers."""
    customers = {PHONE: [phone(i) for i in range(500)]}
    suspects = {PHONE: [phone(3), phone(9999), phone(4)]}
    result, _, _ = protocol.match(suspects, customers, threshold=100)
    assert result.report["matched_people"] is None
    assert result.report["a_match_rate"] is None
    assert all(t["matched_people"] is None for t in result.report["by_id_type"])
    assert result.matches.num_rows == 0  # the joiner keeps no pairs either


def test_probing_one_id_type_is_hidden_by_complementary_suppression(protocol: Protocol) -> None:
    """Attack: pad with many phone matches, probe one target through its device id."""
    n = 150
    a = {PHONE: [phone(i) for i in range(n)] + [None], DEVICE: [None] * n + ["target"]}
    b = {PHONE: [phone(i) for i in range(n)] + [None], DEVICE: [None] * n + ["target"]}
    result, ra, rb = protocol.match(a, b, threshold=100)
    assert len(matched_rows(result, ra, rb)) == n + 1
    by_type = {t["id_type"]: t["matched_people"] for t in result.report["by_id_type"]}
    assert by_type == {"phone": None, "device_id": None, "account_id": 0}  # no accounts given
    assert result.report["matched_people"] == n + 1  # the total alone does not single anyone out


def test_counts_at_or_over_the_threshold_are_shown(protocol: Protocol) -> None:
    a = {PHONE: [phone(i) for i in range(300)], DEVICE: [f"d{i}" for i in range(300)]}
    b = {
        PHONE: [phone(i) if i < 150 else None for i in range(300)],
        DEVICE: [f"d{i}" for i in range(300)],
    }
    result, _, _ = protocol.match(a, b, threshold=100)
    report = result.report
    assert report["matched_people"] == 300
    assert report["a_match_rate"] == 1.0
    by_type = {t["id_type"]: t for t in report["by_id_type"]}
    assert by_type["phone"]["matched_people"] == 150
    assert by_type["device_id"]["matched_people"] == 150
    assert by_type["account_id"]["matched_people"] == 0  # neither side supplied accounts
    assert by_type["phone"]["a_ids"] == 300
    assert by_type["phone"]["b_ids"] == 150


@pytest.mark.parametrize(
    ("per_type", "hidden"),
    [
        ({"phone": 500, "device_id": 200, "account_id": 300}, set()),  # all pass
        ({"phone": 5, "device_id": 20, "account_id": 30}, {"phone", "device_id", "account_id"}),
        ({"phone": 500, "device_id": 3, "account_id": 300}, {"device_id", "account_id"}),  # mix
        ({"phone": 500, "device_id": 60, "account_id": 70}, {"device_id", "account_id"}),
    ],
)
def test_threshold_fixtures(per_type: dict[str, int], hidden: set[str]) -> None:
    total = sum(per_type.values())
    ids = {"a": dict.fromkeys(per_type, 1000), "b": dict.fromkeys(per_type, 1000)}
    report = match_report(per_type, ids, {"a": 1000, "b": 1000}, total, 100)
    shown = {t["id_type"] for t in report["by_id_type"] if t["matched_people"] is not None}
    assert shown == set(per_type) - hidden
    if hidden and total >= 100:
        assert total - sum(per_type[t] for t in shown) >= 100


def test_join_refuses_mixed_runs_and_parties() -> None:
    with pytest.raises(InvalidInput, match="runs"):
        check_pair(TokenMeta("r1", "a", "double"), TokenMeta("r2", "b", "double"))
    with pytest.raises(InvalidInput, match="party a"):
        check_pair(TokenMeta("r1", "a", "double"), TokenMeta("r1", "a", "double"))


def test_noise_blurs_the_padding_attack(protocol: Protocol) -> None:
    """Attack: pad a probe with 150 known members and read the total exactly. With noise on,
    the same inputs give different totals, so 150 vs 151 is no longer a clean read."""
    from seedtrail.cleanroom.join import join_tokens
    from seedtrail.cleanroom.matching import reblind_tokens

    a = {PHONE: [phone(i) for i in range(151)]}
    b = {PHONE: [phone(i) for i in range(151)]}
    ra, rb = protocol.blind("a", a), protocol.blind("b", b)
    da, _ = reblind_tokens(ra.tokens, ra.meta, protocol.kb, processes=1)
    db, _ = reblind_tokens(rb.tokens, rb.meta, protocol.ka, processes=1)
    totals = {
        join_tokens(da, db, threshold=100, noise_epsilon=0.5).report["matched_people"]
        for _ in range(15)
    }
    assert len(totals) > 3
    noisy = join_tokens(da, db, threshold=100, noise_epsilon=0.5).report
    assert noisy["noise_epsilon"] == 0.5
    by_type = {t["id_type"]: t["matched_people"] for t in noisy["by_id_type"]}
    assert by_type["device_id"] == 0  # no one supplied device ids: a public zero, not noised
    with pytest.raises(InvalidInput, match="noise epsilon"):
        join_tokens(da, db, threshold=100, noise_epsilon=0.0)
