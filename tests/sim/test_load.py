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


def test_the_worlds_link_taps_go_into_the_click_log(store: Store, world: Summary) -> None:
    import pyarrow.parquet as pq

    from seedtrail.links import clickstats
    from seedtrail.sim.load import load_clicks

    load_world(store, world.out, world.seed)
    taps = pq.read_table(world.out / "events" / "clicks.parquet").to_pylist()
    assert load_clicks(store, world.out) == len(taps) == world.rows["events/clicks"] > 0
    with store.read() as conn:
        logged = conn.execute(
            select(db.clicks.c.click_id, db.clicks.c.mount_id, db.clicks.c.code, db.clicks.c.ts_us)
        ).all()
        codes = dict(conn.execute(select(db.link_mounts.c.id, db.link_mounts.c.code)).all())
    assert {r.click_id for r in logged} == {t["click_id"] for t in taps}
    assert all(codes[r.mount_id] == r.code for r in logged)  # each on the link it names
    first = min(taps, key=lambda t: t["ts"])
    assert min(r.ts_us for r in logged) == int(first["ts"].timestamp() * 1_000_000)
    with store.read() as conn:  # the dashboard's counts: every tap counted, none a bot
        stats = clickstats.per_mount(conn, OPERATOR)
    assert sum(m["counted"] for m in stats.values()) == len(taps)
