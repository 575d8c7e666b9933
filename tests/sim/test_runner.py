"""The generated world: determinism, schemas, realism, faults, bad actors and ground truth."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from seedtrail.holdout import in_holdout
from seedtrail.sim import schemas
from seedtrail.sim.runner import Summary, generate
from seedtrail.sim.spec import load_spec
from seedtrail.sim.text.diversion import FAMILIES

FILE_SCHEMAS = {
    "events/front": schemas.FRONT_EVENTS,
    "events/clicks": schemas.CLICKS,
    "events/comments": schemas.COMMENTS,
    "conversions/tmall": schemas.CONVERSIONS,
    "conversions/jd": schemas.CONVERSIONS,
    "conversions/miniapp": schemas.CONVERSIONS,
    "truth/identity_map": schemas.IDENTITY_MAP,
    "parties/community/users": schemas.COMMUNITY_USERS,
    "parties/shops/tmall/customers": schemas.SHOP_CUSTOMERS,
    "parties/shops/jd/customers": schemas.SHOP_CUSTOMERS,
    "parties/shops/miniapp/customers": schemas.SHOP_CUSTOMERS,
    "entities/accounts": schemas.ACCOUNTS,
    "entities/notes": schemas.NOTES,
    "entities/offers": schemas.OFFERS,
    "entities/link_mounts": schemas.LINK_MOUNTS,
    "entities/campaigns": schemas.CAMPAIGNS,
    "entities/campaign_spend": schemas.CAMPAIGN_SPEND,
    "entities/collab_registrations": schemas.COLLAB_REGISTRATIONS,
    "truth/conversions": schemas.TRUTH_CONVERSIONS,
    "truth/viewers": schemas.TRUTH_VIEWERS,
    "truth/bad_items": schemas.TRUTH_BAD_ITEMS,
    "truth/bad_actors": schemas.TRUTH_BAD_ACTORS,
    "truth/backhaul_faults": schemas.TRUTH_FAULTS,
}


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def test_same_seed_same_bytes_and_different_seed_differs(tmp_path: Path) -> None:
    spec = load_spec("tiny").with_days(4)
    generate(spec, 5, tmp_path / "a")
    generate(spec, 5, tmp_path / "b")
    generate(spec, 6, tmp_path / "c")
    a, b, c = _files(tmp_path / "a"), _files(tmp_path / "b"), _files(tmp_path / "c")
    assert len(a) >= 20
    assert a == b
    assert a["events/front.parquet"] != c["events/front.parquet"]


@pytest.mark.parametrize("name", sorted(FILE_SCHEMAS))
def test_file_schemas(world: Summary, name: str) -> None:
    schema = pq.read_schema(world.out / f"{name}.parquet")
    assert schema.remove_metadata().equals(FILE_SCHEMAS[name])
    assert world.rows[name] > 0


def test_front_kinds_and_funnel_shape(db: duckdb.DuckDBPyConnection) -> None:
    counts = dict(db.execute("SELECT kind, count(*) FROM events_front GROUP BY 1").fetchall())
    assert set(counts) == set(schemas.FRONT_KINDS)
    assert counts["impression"] > counts["read"] > counts["like"] > counts["click"] > 0
    assert counts["search_view"] > 0 and counts["live_view"] > 0
    bad = db.execute(
        "SELECT count(*) FROM events_front WHERE (kind = 'read') != (dwell_ms IS NOT NULL)"
        " OR (kind = 'click') != (click_id IS NOT NULL)"
        " OR (kind IN ('click', 'search_view', 'live_view')) != (placement IS NOT NULL)"
        # only the views and taps of a search card or a live room come without a note
        " OR (note_id IS NULL) != (placement IN ('search_card', 'live_room'))"
        " OR (kind = 'search_view') AND placement != 'search_card'"
        " OR (kind = 'live_view') AND placement != 'live_room'"
    ).fetchone()
    assert bad == (0,)


def test_search_and_live_taps_are_on_their_links_and_live_ones_while_live(
    db: duckdb.DuckDBPyConnection,
) -> None:
    """A tap on a search card is a click on the brand's search-card link; one in a live room a
    click on the session's link between its start and its end."""
    rows = db.execute(
        "SELECT c.placement, count(*), count(*) FILTER (WHERE m.placement = c.placement"
        " AND c.note_id IS NULL AND (c.placement = 'search_card' OR c.ts >= m.starts_at"
        " AND c.ts < m.expires_at)) FROM events_clicks c JOIN entities_link_mounts m"
        " USING (mount_id) WHERE c.placement IN ('search_card', 'live_room') GROUP BY 1"
    ).fetchall()
    assert {p for p, _, _ in rows} == {"search_card", "live_room"}
    assert all(n == ok > 0 for _, n, ok in rows), rows
    front = dict(
        db.execute(
            "SELECT placement, count(*) FROM events_front WHERE kind = 'click'"
            " AND note_id IS NULL GROUP BY 1"
        ).fetchall()
    )
    assert front == {p: n for p, n, _ in rows}, "the app logs each tap too"


def test_follower_counts_are_heavy_tailed(db: duckdb.DuckDBPyConnection) -> None:
    top, median, mx = db.execute(
        "WITH c AS (SELECT followers, row_number() OVER (ORDER BY followers DESC) r,"
        " count(*) OVER () n FROM entities_accounts WHERE kind = 'creator')"
        " SELECT sum(followers) FILTER (WHERE r <= n / 20) / sum(followers),"
        " median(followers), max(followers) FROM c"
    ).fetchone()
    assert top > 0.3  # the top 5% of creators hold more than 30% of all followers
    assert mx > 100 * median


def test_purchase_delays_mostly_within_15_days(db: duckdb.DuckDBPyConnection) -> None:
    within, later, n = db.execute(
        "SELECT avg((ts - exposure_ts <= INTERVAL 15 DAY)::INT),"
        " count(*) FILTER (WHERE ts - exposure_ts > INTERVAL 15 DAY), count(*)"
        " FROM truth_conversions WHERE kind = 'purchase' AND caused"
    ).fetchone()
    assert n > 200
    assert 0.85 < within < 1.0 and later > 0
    spread = db.execute(
        "SELECT count(DISTINCT date_diff('day', exposure_ts, ts)) FROM truth_conversions"
        " WHERE kind = 'purchase' AND caused"
    ).fetchone()
    assert spread[0] >= 8  # spread over many days, not one fixed lag


def test_baseline_demand_includes_never_exposed_buyers(db: duckdb.DuckDBPyConnection) -> None:
    never = db.execute(
        "SELECT count(*) FROM truth_conversions t WHERE kind = 'purchase' AND NOT caused"
        " AND community_key NOT IN (SELECT user_key FROM events_front)"
    ).fetchone()[0]
    assert never > 0


def test_observed_sample_rates(db: duckdb.DuckDBPyConnection) -> None:
    rows = db.execute(
        "SELECT partner, avg((delivery = 'delivered')::INT), count(*) FROM truth_conversions"
        " WHERE delivery IN ('delivered', 'sampled_out') GROUP BY 1"
    ).fetchall()
    rates = {p: r for p, r, _ in rows}
    assert 0.35 < rates["tmall"] < 0.65
    assert rates["jd"] == 1.0 and rates["miniapp"] == 1.0
    declared = dict(
        db.execute("SELECT DISTINCT partner, sample_rate FROM conversions_tmall").fetchall()
    )
    assert declared == {"tmall": 0.5}


def test_faults_late_duplicates_and_gap(db: duckdb.DuckDBPyConnection) -> None:
    for partner in ("tmall", "jd", "miniapp"):
        late, dups = db.execute(
            f"SELECT count(*) FILTER (WHERE received_at - ts > INTERVAL 2 HOUR),"
            f" count(*) - count(DISTINCT event_id) FROM conversions_{partner}"
        ).fetchone()
        assert late > 0 and dups > 0, partner
    window = (
        "(SELECT starts_at AS s, ends_at AS e FROM truth_backhaul_faults"
        " WHERE kind = 'gap' AND partner = 'jd')"
    )
    hours = db.execute(f"SELECT epoch(e - s) / 3600 FROM {window}").fetchone()[0]
    assert hours >= 4
    inside = db.execute(
        f"SELECT count(*) FROM conversions_jd, {window} w"
        " WHERE received_at >= s AND received_at < e"
    ).fetchone()
    others = db.execute(
        f"SELECT count(*) FROM conversions_miniapp, {window} w"
        " WHERE received_at >= s - INTERVAL 12 HOUR AND received_at < e + INTERVAL 12 HOUR"
    ).fetchone()
    assert inside == (0,) and others[0] > 0
    lost = db.execute("SELECT count(*) FROM truth_conversions WHERE delivery = 'lost_in_gap'")
    assert lost.fetchone()[0] > 0


def _normalize(text: str) -> str:
    out = []
    for ch in unicodedata.normalize("NFKC", text):
        digit = unicodedata.digit(ch, None)
        out.append(str(digit) if digit is not None else ch)
    cn = str.maketrans("零〇幺一两二三四五六七八九", "0011223456789")
    return "".join(out).translate(cn).lower()


def test_diversion_families_present_and_contacts_recoverable(
    db: duckdb.DuckDBPyConnection,
) -> None:
    rows = db.execute(
        "SELECT b.family, b.contact_kind, b.contact_value, c.text FROM truth_bad_items b"
        " JOIN events_comments c ON c.comment_id = b.item_id"
        " WHERE b.kind = 'diversion_comment'"
    ).fetchall()
    assert {r[0] for r in rows} == set(FAMILIES)
    for family, kind, value, text in rows:
        assert re.fullmatch(r"1[3-9]\d{9}" if kind == "phone" else r"[a-z]+_?\d+", value)
        if family == "plain":
            assert value in text
        elif family != "homophone":
            assert value not in text  # actually obfuscated
        assert value in re.sub(r"[^0-9a-z_]", "", _normalize(text)), (family, text)
    profiles = db.execute(
        "SELECT count(*) FROM truth_bad_items b JOIN entities_accounts a"
        " ON a.account_id = b.item_id WHERE b.kind = 'diversion_profile'"
        " AND a.bio != '' AND a.kind = 'diverter'"
    ).fetchone()[0]
    assert profiles > 0


def test_water_army_targets_bursts_and_camouflage(db: duckdb.DuckDBPyConnection) -> None:
    off_target = db.execute(
        "SELECT count(*) FROM truth_bad_items b JOIN events_comments c ON c.comment_id = b.item_id"
        " JOIN truth_bad_actors a ON a.account_id = b.account_id"
        " WHERE b.kind = 'water_army_comment' AND NOT list_contains(a.target_note_ids, c.note_id)"
    ).fetchone()
    assert off_target == (0,)
    per_campaign = db.execute(
        "SELECT wa_campaign_id, count(DISTINCT account_id), count(*) FROM truth_bad_items"
        " WHERE kind = 'water_army_comment' GROUP BY 1"
    ).fetchall()
    assert len(per_campaign) >= 2 and all(n >= 5 for _, n, _ in per_campaign)
    camo = db.execute("SELECT count(*) FROM truth_bad_items WHERE kind = 'camouflage_comment'")
    assert camo.fetchone()[0] > 0
    # scripted: few distinct skeletons, but lightly varied texts
    texts = [
        t
        for (t,) in db.execute(
            "SELECT c.text FROM truth_bad_items b JOIN events_comments c"
            " ON c.comment_id = b.item_id WHERE b.kind = 'water_army_comment'"
        ).fetchall()
    ]
    assert len(set(texts)) > len(texts) / 4


def test_bad_notes_labelled(db: duckdb.DuckDBPyConnection) -> None:
    kinds = dict(
        db.execute(
            "SELECT kind, count(*) FROM truth_bad_items WHERE item_type = 'note' GROUP BY 1"
        ).fetchall()
    )
    assert kinds.get("unregistered_promo", 0) > 0 and kinds.get("medical_claim", 0) > 0
    registered = db.execute(
        "SELECT count(*) FROM truth_bad_items b JOIN entities_collab_registrations r"
        " ON r.note_id = b.item_id WHERE b.kind = 'unregistered_promo'"
    ).fetchone()
    assert registered == (0,)


def test_organic_comments_have_numbers_but_no_contacts(db: duckdb.DuckDBPyConnection) -> None:
    texts = [
        t
        for (t,) in db.execute(
            "SELECT text FROM events_comments WHERE comment_id NOT IN"
            " (SELECT item_id FROM truth_bad_items WHERE item_type = 'comment')"
        ).fetchall()
    ]
    with_digits = [t for t in texts if re.search(r"\d", t)]
    assert 0.15 < len(with_digits) / len(texts) < 0.6
    assert len(set(texts)) > 0.5 * len(texts)
    assert not [t for t in texts if re.search(r"(?<!\d)1[3-9]\d{9}(?!\d)", t)]


def test_holdout_never_boosted(db: duckdb.DuckDBPyConnection) -> None:
    boosted_holdout = db.execute(
        "SELECT count(*) FROM events_front f JOIN truth_viewers v ON v.community_key = f.user_key"
        " WHERE f.boosted AND v.holdout"
    ).fetchone()
    assert boosted_holdout == (0,)
    holdout_seen = db.execute(
        "SELECT count(*) FROM events_front f JOIN truth_viewers v ON v.community_key = f.user_key"
        " WHERE v.holdout"
    ).fetchone()[0]
    assert holdout_seen > 0
    boosted = db.execute("SELECT count(*) FROM events_front WHERE boosted").fetchone()[0]
    assert boosted > 0


def test_holdout_is_the_rule_a_deployment_applies(
    world: Summary, db: duckdb.DuckDBPyConnection
) -> None:
    manifest = json.loads((world.out / "manifest.json").read_text())
    share, salt = manifest["holdout"]["share"], manifest["holdout"]["salt"]
    assert (share, salt) == (world.spec.holdout_share, world.spec.holdout_salt)
    rows = db.execute("SELECT community_key, holdout FROM truth_viewers").fetchall()
    assert len(rows) == world.spec.viewers
    assert all(h == in_holdout(k, share, salt) for k, h in rows)
    assert 0.05 < sum(h for _, h in rows) / len(rows) < 0.15


def test_spend_matches_boosted_impressions(db: duckdb.DuckDBPyConnection) -> None:
    spend_imps = db.execute(
        "SELECT sum(boosted_impressions) FROM entities_campaign_spend"
    ).fetchone()
    front = db.execute(
        "SELECT count(*) FROM events_front WHERE boosted AND kind = 'impression'"
    ).fetchone()
    assert spend_imps == front


def test_caused_purchases_follow_a_real_exposure(db: duckdb.DuckDBPyConnection) -> None:
    total, ok = db.execute(
        "SELECT count(*), count(f.event_id) FROM truth_conversions t"
        " LEFT JOIN events_front f ON f.event_id = t.exposure_event_id"
        " AND f.user_key = t.community_key AND f.note_id = t.note_id AND f.ts < t.ts"
        " AND f.ts = t.exposure_ts"
        " WHERE t.kind = 'purchase' AND t.caused"
    ).fetchone()
    assert total > 0 and ok == total
    mapped = db.execute(
        "SELECT count(*) FROM truth_conversions t JOIN truth_identity_map m"
        " ON m.shop_key = t.shop_user_key AND m.partner = t.partner"
        " WHERE m.community_key != t.community_key"
    ).fetchone()
    assert mapped == (0,)
    distinct = db.execute(
        "SELECT count(DISTINCT shop_key) = count(*) FROM truth_identity_map"
    ).fetchone()
    assert distinct == (True,)


def test_delivered_events_come_from_the_truth(db: duckdb.DuckDBPyConnection) -> None:
    for partner in ("tmall", "jd", "miniapp"):
        orphans = db.execute(
            f"SELECT count(*) FROM conversions_{partner} c LEFT JOIN truth_conversions t"
            f" USING (event_id) WHERE t.event_id IS NULL OR t.ts != c.ts"
        ).fetchone()
        assert orphans == (0,)
