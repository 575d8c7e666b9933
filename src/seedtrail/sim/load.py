"""Load a generated world's entities into the OLTP store (ids kept as in the Parquet files).

Accounts, notes, partners, offers, collab registrations, campaigns, campaign notes and daily
spend go in, in one transaction, with batched Core inserts against ``seedtrail.store.schema``.
The world's links then go in through the link policy, and its taps through the redirect's
decisions (:mod:`seedtrail.sim.links`). Viewers, events, comments and the ground truth stay
in Parquet.
Water-army and diverter accounts load as ordinary creators: the store must not know who is bad.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Table, insert

from seedtrail.sim.links import (
    Mounted,
    Replayed,
    fund_campaigns,
    mount_world_links,
    replay_taps,
    world_rows,
)
from seedtrail.sim.ownshop import BUYER_COMMISSION
from seedtrail.store import schema as db
from seedtrail.store.store import Store

BATCH = 5_000
PARTNER_LINKS: dict[str, dict[str, object]] = {
    "tmall": {
        "allowed_hosts": ["detail.tmall.com", "page.tm"],  # page.tm: the app's deep-link host
        "web_url_template": "https://detail.tmall.com/item.htm?id={item_id}",
        "app_url_template": "tmall://page.tm/itemDetail?id={item_id}",
    },
    "jd": {
        "allowed_hosts": ["item.jd.com"],
        "web_url_template": "https://item.jd.com/{item_id}.html",
    },
    "ownshop": {  # the community's own shop: its item pages live on the community's own host
        "allowed_hosts": ["shop.seedtrail.example"],
        "web_url_template": "https://shop.seedtrail.example/item/{item_id}",
    },
    "miniapp": {
        "allowed_hosts": ["m.brand.example.com"],
        "web_url_template": "https://m.brand.example.com/item/{item_id}",
        "mini_program_app_id": "wx5eed7a11c0ffee00",
        "mini_program_path_template": "pages/item/index?id={item_id}",
    },
}
_LINK_DEFAULTS: dict[str, object] = {
    "web_url_template": None,
    "app_url_template": None,
    "mini_program_app_id": None,
    "mini_program_path_template": None,
}


def _batches(rows: list[dict[str, object]]) -> Iterator[list[dict[str, object]]]:
    for i in range(0, len(rows), BATCH):
        yield rows[i : i + BATCH]


def load_world(store: Store, world_dir: Path, seed: int) -> dict[str, int]:
    """Everything :func:`load_entities` loads, then the world's links through the policy and its
    taps through the redirect's decisions; returns the counts of each. ``seed`` is the world's
    (kept for callers; the links' codes are drawn by the store like any mount's)."""
    counts = load_entities(store, world_dir)
    counts["campaign_funders"] = fund_campaigns(store, world_dir)
    mounted = mount_world_links(store, world_dir)
    counts["policy_rules"] = mounted.rules
    counts["link_mounts"] = len(mounted.codes)
    counts["link_mounts denied"] = len(mounted.denied)
    taps = load_taps(store, world_dir, mounted)
    counts["clicks"] = taps.logged
    counts["clicks counted"] = taps.counted
    counts["clicks on closed links (410)"] = taps.unavailable
    counts["clicks through a campaign"] = taps.with_campaign
    return counts


Convert = Callable[[dict[str, object], "_Context"], dict[str, object]]


class _Context:
    """What more than one table's rows need: the first note's time (stamps of rows the world
    has no time for) and the partners' store ids."""

    def __init__(self, ent: Path) -> None:
        start = min(r["published_at"] for r in world_rows(ent / "notes.parquet"))
        self.stamp = _stamp(start)
        partners = world_rows(ent / "partners.parquet")
        self.partner_id = {r["partner"]: i for i, r in enumerate(partners, start=1)}
        #: collab notes, which carry the 赞助 label (what accepting the collab does)
        self.labelled = {r["note_id"] for r in world_rows(ent / "collab_registrations.parquet")}
        #: boosted notes, which carry the 广告 label (what adding a note to a campaign does)
        self.boosted = {r["note_id"] for r in world_rows(ent / "campaign_notes.parquet")}


def _stamp(at: Any) -> dict[str, object]:
    """A row created at ``at`` and not changed since (the world has no later edits)."""
    return {"created_at": at, "updated_at": at}


def _account(r: dict[str, object], _: _Context) -> dict[str, object]:
    return {
        "id": r["account_id"],
        "handle": f"sim{r['account_id']}",
        "display_name": r["display_name"],
        "bio": r.get("bio"),
        "kind": r["kind"] if r["kind"] in db.ACCOUNT_KINDS else "creator",
        "follower_count": r["followers"],
        "verified": r["kind"] in ("brand", "enterprise"),
        "status": "active",
        "commission_rate": BUYER_COMMISSION if r["kind"] == "buyer" else None,
        **_stamp(r["created_at"]),
    }


def _note(r: dict[str, Any], c: _Context) -> dict[str, Any]:
    return {
        "id": r["note_id"],
        "author_id": r["author_id"],
        "title": r["title"][:200],
        "body": r["body"],
        "category": r["category"],
        "published_at": r["published_at"],
        "status": "normal",
        "ad_label": _label(r["note_id"], c),
        **_stamp(r["published_at"]),
    }


def _label(note_id: int, c: _Context) -> str | None:
    if note_id in c.labelled:
        return "sponsored"
    return "ad" if note_id in c.boosted else None


def _partner(r: dict[str, Any], c: _Context) -> dict[str, Any]:
    return {
        "id": c.partner_id[r["partner"]],
        "slug": r["partner"],
        "name": r["name"],
        "kind": r["kind"],
        "declared_sample_rate": r["declared_sample_rate"],
        "links_enabled": True,
        **_LINK_DEFAULTS,
        **PARTNER_LINKS.get(r["partner"], {"allowed_hosts": ["shop.example.com"]}),
        **c.stamp,
    }


def _offer(r: dict[str, Any], c: _Context) -> dict[str, Any]:
    return {
        "id": r["offer_id"],
        "partner_id": c.partner_id[r["partner"]],
        "owner_id": r["brand_id"],
        "item_id": r["item_id"],
        "title": r["title"],
        "price": round(r["price"], 2),
        "currency": r["currency"],
        "category": r["category"],
        "status": "active",
        **c.stamp,
    }


def _collab(r: dict[str, object], _: _Context) -> dict[str, object]:
    return {
        "id": r["registration_id"],
        "brand_id": r["brand_id"],
        "creator_id": r["creator_id"],
        "note_id": r["note_id"],
        "status": "active",  # the world's creators accepted these
        "accepted_at": r["registered_at"],
        "accepted_by": f"creator:sim#{r['creator_id']}",
        **_stamp(r["registered_at"]),
    }


def _campaign(r: dict[str, Any], c: _Context) -> dict[str, Any]:
    return {
        "id": r["campaign_id"],
        "brand_id": r["brand_id"],
        "name": r["name"],
        "starts_on": r["starts_at"].date(),
        "ends_on": (r["ends_at"] - timedelta(days=1)).date(),
        "status": "active",
        **c.stamp,
    }


def _spend(r: dict[str, object], _: _Context) -> dict[str, object]:
    return {"campaign_id": r["campaign_id"], "note_id": r["note_id"], "day": r["day"],
            "amount": r["spend"]}  # fmt: skip


def _as_is(r: dict[str, object], _: _Context) -> dict[str, object]:
    return r


#: Store table <- world file, row by row, in insertion order (foreign keys first).
TABLES: tuple[tuple[Table, str, Convert], ...] = (
    (db.accounts, "accounts", _account),
    (db.notes, "notes", _note),
    (db.partners, "partners", _partner),
    (db.offers, "offers", _offer),
    (db.collab_registrations, "collab_registrations", _collab),
    (db.campaigns, "campaigns", _campaign),
    (db.campaign_notes, "campaign_notes", _as_is),
    (db.campaign_spend, "campaign_spend", _spend),
)


def load_entities(store: Store, world_dir: Path) -> dict[str, int]:
    """Accounts, notes, partners, offers, collab registrations, campaigns and spend."""
    ent = world_dir / "entities"
    context = _Context(ent)
    plan = [
        (table, [convert(r, context) for r in world_rows(ent / f"{name}.parquet")])
        for table, name, convert in TABLES
    ]
    counts: dict[str, int] = {}
    with store.transaction() as conn:
        for table, rows in plan:
            for batch in _batches(rows):
                conn.execute(insert(table), batch)
            counts[table.name] = len(rows)
    return counts


def load_taps(store: Store, world_dir: Path, mounted: Mounted) -> Replayed:
    """The world's link taps replayed through the redirect's decisions into the click log
    (:func:`seedtrail.sim.links.replay_taps`), so counted clicks, backhaul health and the
    click touches of attribution have a history."""
    return replay_taps(store, world_dir, mounted.codes)
