from __future__ import annotations

from sqlalchemy import func, select

from factories import OPERATOR
from seedtrail.sim.load import load_world
from seedtrail.sim.runner import Summary
from seedtrail.store import schema as db
from seedtrail.store.store import Store


def test_load_world_into_the_store(store: Store, world: Summary) -> None:
    counts = load_world(store, world.out, world.seed)
    with store.read() as conn:
        for name, key in (
            ("accounts", "entities/accounts"),
            ("notes", "entities/notes"),
            ("offers", "entities/offers"),
            ("link_mounts", "entities/link_mounts"),
            ("campaign_spend", "entities/campaign_spend"),
        ):
            table = db.metadata.tables[name]
            n = conn.execute(select(func.count()).select_from(table)).scalar_one()
            assert n == counts[name] == world.rows[key]
        kinds = set(conn.execute(select(db.accounts.c.kind).distinct()).scalars())
        assert kinds <= set(db.ACCOUNT_KINDS)


def test_the_worlds_links_are_mounted_through_the_policy(store: Store, world: Summary) -> None:
    counts = load_world(store, world.out, world.seed)
    assert counts["policy_rules"] > 0
    with store.read() as conn:
        decisions = conn.execute(
            select(func.count())
            .select_from(db.audit_log)
            .where(db.audit_log.c.action == "mount.decision")
        ).scalar_one()
        rules = conn.execute(select(func.count()).select_from(db.policy_rules)).scalar_one()
    # every world mount was decided (and audited) by the policy; those allowed exist
    assert decisions == world.rows["entities/link_mounts"]
    assert counts["link_mounts"] + counts["link_mounts denied"] == decisions
    assert rules == counts["policy_rules"]


def test_the_worlds_taps_replay_through_the_redirects_decisions(
    store: Store, world: Summary
) -> None:
    import pyarrow.parquet as pq

    from seedtrail.links import clickstats

    taps = pq.read_table(world.out / "events" / "clicks.parquet").to_pylist()
    counts = load_world(store, world.out, world.seed)
    assert 0 < counts["clicks"] <= len(taps) == world.rows["events/clicks"]
    with store.read() as conn:
        logged = conn.execute(
            select(db.clicks.c.click_id, db.clicks.c.mount_id, db.clicks.c.code, db.clicks.c.ts_us)
        ).all()
        codes = dict(conn.execute(select(db.link_mounts.c.id, db.link_mounts.c.code)).all())
        stats = clickstats.per_mount(conn, OPERATOR)
    assert {r.click_id for r in logged} <= {t["click_id"] for t in taps}
    assert all(codes[r.mount_id] == r.code for r in logged)  # each on the link it names
    assert sum(m["counted"] for m in stats.values()) == counts["clicks counted"] > 0
    assert counts["clicks on closed links (410)"] == 0  # the world's links are open


def test_a_tap_on_a_killed_partners_link_is_logged_but_never_counted(
    store: Store, world: Summary
) -> None:
    """A kill switch in force when the taps replay: each tap answers 410 and counts nowhere."""
    from seedtrail.links import clickstats, partners
    from seedtrail.sim.links import mount_world_links, replay_taps
    from seedtrail.sim.load import load_entities

    counts = load_entities(store, world.out)
    assert counts["accounts"] > 0
    mounted = mount_world_links(store, world.out)
    with store.transaction() as conn:
        for pid in conn.execute(select(db.partners.c.id)).scalars():
            partners.set_links_enabled(conn, OPERATOR, pid, False, "test: all links closed")
    replayed = replay_taps(store, world.out, mounted.codes)
    assert replayed.logged == replayed.unavailable > 0 and replayed.counted == 0
    with store.read() as conn:
        stats = clickstats.per_mount(conn, OPERATOR)
        outcomes = set(conn.execute(select(db.clicks.c.outcome).distinct()).scalars())
    assert sum(m["counted"] for m in stats.values()) == 0
    assert sum(m["clicks"] for m in stats.values()) == replayed.logged
    assert outcomes == {"unavailable"}
