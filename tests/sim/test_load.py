from __future__ import annotations

from sqlalchemy import func, select

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
