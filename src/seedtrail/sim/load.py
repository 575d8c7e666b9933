"""Load a generated world's entities into the OLTP store (ids kept as in the Parquet files).

Accounts, notes, partners, offers, link mounts, collab registrations, campaigns, campaign notes
and daily spend go in, in one transaction, with batched Core inserts against
``seedtrail.store.schema``. Viewers, events, comments and the ground truth stay in Parquet.
Water-army and diverter accounts load as ordinary creators: the store must not know who is bad.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
from sqlalchemy import Table, insert, select

from seedtrail.errors import SimError
from seedtrail.store import schema as db
from seedtrail.store.store import Store

BATCH = 5_000
_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
PARTNER_LINKS: dict[str, dict[str, Any]] = {
    "tmall": {
        "allowed_hosts": ["detail.tmall.com"],
        "web_url_template": "https://detail.tmall.com/item.htm?id={item_id}",
        "app_url_template": "tmall://page.tm/itemDetail?id={item_id}",
    },
    "jd": {
        "allowed_hosts": ["item.jd.com"],
        "web_url_template": "https://item.jd.com/{item_id}.html",
    },
    "miniapp": {
        "allowed_hosts": ["m.brand.example.com"],
        "web_url_template": "https://m.brand.example.com/item/{item_id}",
        "mini_program_app_id": "wx5eed7a11c0ffee00",
        "mini_program_path_template": "pages/item/index?id={item_id}",
    },
}
_LINK_DEFAULTS: dict[str, Any] = {
    "web_url_template": None,
    "app_url_template": None,
    "mini_program_app_id": None,
    "mini_program_path_template": None,
}


def _rows(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        raise SimError(f"{path} is missing: is this a directory written by `seedtrail sim`?")
    return pq.read_table(path).to_pylist()


def _code(seed: int, mount_id: int) -> str:
    n = int.from_bytes(hashlib.sha256(f"{seed}:{mount_id}".encode()).digest()[:8], "big")
    return "".join(_ALPHABET[(n >> (6 * i)) % 62] for i in range(8))


def _batches(rows: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    for i in range(0, len(rows), BATCH):
        yield rows[i : i + BATCH]


def load_world(store: Store, world_dir: Path, seed: int) -> dict[str, int]:
    ent = world_dir / "entities"
    start = min(r["published_at"] for r in _rows(ent / "notes.parquet"))
    stamp = {"created_at": start, "updated_at": start}
    plan: list[tuple[Table, list[dict[str, Any]]]] = []
    plan.append(
        (
            db.accounts,
            [
                {
                    "id": r["account_id"],
                    "handle": f"sim{r['account_id']}",
                    "display_name": r["display_name"],
                    "bio": r.get("bio"),
                    "kind": r["kind"] if r["kind"] in db.ACCOUNT_KINDS else "creator",
                    "follower_count": r["followers"],
                    "verified": r["kind"] in ("brand", "enterprise"),
                    "status": "active",
                    "created_at": r["created_at"],
                    "updated_at": r["created_at"],
                }
                for r in _rows(ent / "accounts.parquet")
            ],
        )
    )
    plan.append(
        (
            db.notes,
            [
                {
                    "id": r["note_id"],
                    "author_id": r["author_id"],
                    "title": r["title"][:200],
                    "body": r["body"],
                    "category": r["category"],
                    "published_at": r["published_at"],
                    "status": "normal",
                    "created_at": r["published_at"],
                    "updated_at": r["published_at"],
                }
                for r in _rows(ent / "notes.parquet")
            ],
        )
    )
    partner_rows = _rows(ent / "partners.parquet")
    partner_id = {r["partner"]: i for i, r in enumerate(partner_rows, start=1)}
    plan.append(
        (
            db.partners,
            [
                {
                    "id": partner_id[r["partner"]],
                    "slug": r["partner"],
                    "name": r["name"],
                    "kind": r["kind"],
                    "declared_sample_rate": r["declared_sample_rate"],
                    "links_enabled": True,
                    **_LINK_DEFAULTS,
                    **PARTNER_LINKS.get(r["partner"], {"allowed_hosts": ["shop.example.com"]}),
                    **stamp,
                }
                for r in partner_rows
            ],
        )
    )
    plan.append(
        (
            db.offers,
            [
                {
                    "id": r["offer_id"],
                    "partner_id": partner_id[r["partner"]],
                    "owner_id": r["brand_id"],
                    "item_id": r["item_id"],
                    "title": r["title"],
                    "price": round(r["price"], 2),
                    "currency": r["currency"],
                    "category": r["category"],
                    "status": "active",
                    **stamp,
                }
                for r in _rows(ent / "offers.parquet")
            ],
        )
    )
    plan.append(
        (
            db.link_mounts,
            [
                {
                    "id": r["mount_id"],
                    "code": _code(seed, r["mount_id"]),
                    "placement": r["placement"],
                    "note_id": r["note_id"],
                    "account_id": r["account_id"] if r["placement"] == "profile_card" else None,
                    "offer_id": r["offer_id"],
                    "mounted_by": r["account_id"],
                    "status": "active",
                    "created_at": r["created_at"],
                    "updated_at": r["created_at"],
                }
                for r in _rows(ent / "link_mounts.parquet")
            ],
        )
    )
    plan.append(
        (
            db.collab_registrations,
            [
                {
                    "id": r["registration_id"],
                    "brand_id": r["brand_id"],
                    "creator_id": r["creator_id"],
                    "note_id": r["note_id"],
                    "status": "active",
                    "created_at": r["registered_at"],
                    "updated_at": r["registered_at"],
                }
                for r in _rows(ent / "collab_registrations.parquet")
            ],
        )
    )
    plan.append(
        (
            db.campaigns,
            [
                {
                    "id": r["campaign_id"],
                    "brand_id": r["brand_id"],
                    "name": r["name"],
                    "starts_on": r["starts_at"].date(),
                    "ends_on": (r["ends_at"] - timedelta(days=1)).date(),
                    "status": "active",
                    **stamp,
                }
                for r in _rows(ent / "campaigns.parquet")
            ],
        )
    )
    plan.append((db.campaign_notes, _rows(ent / "campaign_notes.parquet")))
    plan.append(
        (
            db.campaign_spend,
            [
                {
                    "campaign_id": r["campaign_id"],
                    "note_id": r["note_id"],
                    "day": r["day"],
                    "amount": r["spend"],
                }
                for r in _rows(ent / "campaign_spend.parquet")
            ],
        )
    )
    counts: dict[str, int] = {}
    with store.transaction() as conn:
        for table, rows in plan:
            for batch in _batches(rows):
                conn.execute(insert(table), batch)
            counts[table.name] = len(rows)
    return counts


def load_clicks(store: Store, world_dir: Path) -> int:
    """The world's link taps (``events/clicks.parquet``) into the click log, as the redirect
    would have logged them (run :func:`load_world` first: the links must be in the store), so the
    dashboard's counted clicks and the backhaul health's clicks-sent figures have a history.
    Clicks on links the store does not hold are skipped; returns how many were written."""
    with store.read() as conn:
        partner_ids = dict(conn.execute(select(db.partners.c.slug, db.partners.c.id)).all())
        codes = dict(conn.execute(select(db.link_mounts.c.id, db.link_mounts.c.code)).all())
    rows = [
        {
            "click_id": str(r["click_id"])[:32],
            "ts_us": int(r["ts"].timestamp() * 1_000_000),
            "mount_id": int(r["mount_id"]),
            "code": codes[r["mount_id"]],
            "note_id": r["note_id"],
            "placement": r["placement"],
            "partner_id": partner_ids[r["partner"]],
            "offer_id": int(r["offer_id"]),
            "viewer_key": str(r["user_key"])[:64],
            "method": "GET",
            "ua_class": "mobile",
            "outcome": "redirect",
            "is_bot": False,
            "is_duplicate": False,
        }
        for r in _rows(world_dir / "events" / "clicks.parquet")
        if r["mount_id"] in codes and r["partner"] in partner_ids
    ]
    with store.transaction() as conn:
        for batch in _batches(rows):
            conn.execute(insert(db.clicks), batch)
    return len(rows)
