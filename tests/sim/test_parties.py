"""The parties' directories: what the community and each shop hold, and how they overlap."""

from __future__ import annotations

import duckdb
import pytest

from seedtrail.cleanroom.identifiers import normalize_device, normalize_phone
from seedtrail.sim.parties import ZERO_IDFA
from seedtrail.sim.spec import PARTNERS

SLUGS = [p.slug for p in PARTNERS]


def test_community_directory_holds_every_viewer(db: duckdb.DuckDBPyConnection) -> None:
    rows, viewers, missing = db.execute(
        "SELECT count(*), (SELECT count(*) FROM truth_viewers), "
        "count(*) FILTER (WHERE user_key NOT IN (SELECT community_key FROM truth_viewers)) "
        "FROM parties_community_users"
    ).fetchone()
    assert rows == viewers and missing == 0


@pytest.mark.parametrize("slug", SLUGS)
def test_every_shop_key_seen_in_conversions_is_a_customer(
    db: duckdb.DuckDBPyConnection, slug: str
) -> None:
    customers = f"parties_shops_{slug}_customers"
    unknown, keys = db.execute(
        "SELECT count(*) FILTER (WHERE shop_user_key NOT IN "
        f"(SELECT shop_user_key FROM {customers})),"
        " count(DISTINCT shop_user_key) FROM truth_conversions WHERE partner = ?",
        [slug],
    ).fetchone()
    assert keys > 0 and unknown == 0
    dup = db.execute(f"SELECT count(*) - count(DISTINCT shop_user_key) FROM {customers}").fetchone()
    assert dup == (0,)


@pytest.mark.parametrize("slug", SLUGS)
def test_overlap_is_partial_on_both_sides(db: duckdb.DuckDBPyConnection, slug: str) -> None:
    customers = f"parties_shops_{slug}_customers"
    viewers, pairs, rows = db.execute(
        "SELECT (SELECT count(*) FROM parties_community_users), "
        f"(SELECT count(*) FROM truth_identity_map WHERE partner = '{slug}'), "
        f"(SELECT count(*) FROM {customers})"
    ).fetchone()
    assert 0.05 * viewers < pairs < 0.8 * viewers  # not every viewer is a customer
    if slug == "ownshop":  # the community's own shop: every customer is a community user
        assert pairs == rows
    else:
        assert pairs < rows  # and not every customer is a community user
    strays = db.execute(
        f"SELECT count(*) FROM truth_identity_map i LEFT JOIN {customers} c "
        "ON c.shop_user_key = i.shop_key WHERE i.partner = ? AND c.shop_user_key IS NULL",
        [slug],
    ).fetchone()
    assert strays == (0,)


def test_no_party_file_holds_the_other_partys_keys(db: duckdb.DuckDBPyConnection) -> None:
    community = db.execute(
        "SELECT count(*) FROM parties_community_users WHERE user_key NOT LIKE 'cv\\_%' ESCAPE '\\'"
    ).fetchone()
    assert community == (0,)
    for slug, spec in zip(SLUGS, PARTNERS, strict=True):
        if spec.kind == "own_shop":  # the community's own shop knows its buyers by their keys
            strangers = db.execute(
                f"SELECT count(*) FROM parties_shops_{slug}_customers WHERE shop_user_key "
                "NOT IN (SELECT user_key FROM parties_community_users)"
            ).fetchone()
            assert strangers == (0,)
            continue
        foreign = db.execute(
            f"SELECT count(*) FROM parties_shops_{slug}_customers "
            f"WHERE shop_user_key NOT LIKE '{spec.key_prefix}\\_%' ESCAPE '\\' "
            "OR shop_user_key IN (SELECT user_key FROM parties_community_users)"
        ).fetchone()
        assert foreign == (0,)


def test_contact_ids_are_messy_the_way_real_directories_are(
    db: duckdb.DuckDBPyConnection,
) -> None:
    users = db.execute("SELECT phone, device_id FROM parties_community_users").fetchall()
    phones = [p for p, _ in users if p is not None]
    assert 0.8 < len(phones) / len(users) < 0.95  # some registered without a phone
    normalized = [normalize_phone(p) for p in phones]
    bad = sum(n is None for n in normalized) / len(phones)
    assert 0.003 < bad < 0.05  # a few malformed, every variant of a good one accepted
    assert any(p.startswith("+86 ") for p in phones)
    assert any(not p.isascii() for p in phones)  # full-width digits
    devices = [d for _, d in users if d is not None]
    assert 0.1 < devices.count(ZERO_IDFA) / len(devices) < 0.4
    shop = db.execute("SELECT phone, device_id FROM parties_shops_tmall_customers").fetchall()
    assert any(p and "****" in p for p, _ in shop)
    assert 0.2 < sum(d is None for _, d in shop) / len(shop) < 0.4
    assert all(normalize_device(d) for _, d in shop if d)


def test_true_pairs_mostly_share_a_contact_id(db: duckdb.DuckDBPyConnection) -> None:
    """Most true pairs agree on a normalized phone; the rest changed phones or lack one."""
    rows = db.execute(
        "SELECT u.phone, c.phone, lower(u.device_id), lower(c.device_id) "
        "FROM truth_identity_map i "
        "JOIN parties_community_users u ON u.user_key = i.community_key "
        "JOIN parties_shops_jd_customers c ON c.shop_user_key = i.shop_key "
        "WHERE i.partner = 'jd'"
    ).fetchall()
    both = [(normalize_phone(a), normalize_phone(b)) for a, b, _, _ in rows if a and b]
    comparable = [(a, b) for a, b in both if a and b]
    same = sum(a == b for a, b in comparable) / len(comparable)
    assert 0.85 < same < 0.97  # ~8% changed phones

    def same_phone(a: str | None, b: str | None) -> bool:
        na, nb = normalize_phone(a or ""), normalize_phone(b or "")
        return na is not None and na == nb

    phone_or_device = sum(
        same_phone(a, b) or (d is not None and d == e and d != ZERO_IDFA.lower())
        for a, b, d, e in rows
    ) / len(rows)
    assert 0.7 < phone_or_device < 0.98
