"""A world's links go in as a community's would: through the link policy.

``seedtrail sim --load`` (and the demo) first opens the world's shop categories with policy rules,
created by an operator principal like any rule (audited), then mounts each of the world's links as
the account that placed it (a brand on its own profile or on a note under a collab registration,
a creator on her own note), so every mount is decided and audited by the same policy as the API's.
A denied mount is not created; the taps the world recorded on it answer 410 when replayed.
A live room's link is valid only while its session is live, so it is decided at the moment the
world placed it (the session's start, ``as_of`` in its audit entry) and each tap on it at the
tap's own time: the same policy, on the replay's clock (docs/links.md, "Replaying history").

The world's taps (``events/clicks.parquet``) are then replayed through the redirect's decisions
(:mod:`seedtrail.links.taps`) against the live link table (:class:`~seedtrail.links.resolver.
Resolver`): a tap on a closed or killed link is logged with outcome ``unavailable`` and never
counts; a repeat within the duplicate window is flagged. The click ids are the world's (its shops
echo them), as if the redirect had issued them; a tap the world made through a boosted note
passes its campaign as the community's app would (``c``), checked as the redirect checks it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
from sqlalchemy import insert, select

from seedtrail.community import funding, notes
from seedtrail.contracts import ACCOUNT_PLACEMENTS
from seedtrail.core import principals, resources
from seedtrail.core.errors import SimError
from seedtrail.links import mounts, rules
from seedtrail.links.clicklog import COLUMNS
from seedtrail.links.resolver import Resolver
from seedtrail.links.taps import Repeats, campaign, click_row, destination
from seedtrail.messages import Msg
from seedtrail.sim.spec import read_manifest
from seedtrail.store import schema as db
from seedtrail.store.store import Store

LOADER = principals.Principal(id=0, name="sim load", role="operator")
ROLE: dict[str, db.Role] = {
    "brand": "brand", "enterprise": "brand", "creator": "creator", "buyer": "creator",
}  # fmt: skip


@dataclass
class Mounted:
    codes: dict[int, str] = field(default_factory=dict)  # the world's mount id -> code
    denied: dict[int, str] = field(default_factory=dict)  # the world's mount id -> why
    rules: int = 0


def world_rows(path: Path) -> list[dict[str, Any]]:
    """The rows of one of a world's Parquet files (a clear error when it is missing)."""
    if not path.exists():
        raise SimError(Msg("problem.sim-error.not_a_world", {"path": str(path)}))
    rows: list[dict[str, object]] = pq.read_table(path).to_pylist()
    return rows


def open_categories(store: Store, world_dir: Path) -> int:
    """One opening rule per category of the world's offers (the community's decision to let
    links into those categories), from the day the world's ``policy`` history opened it if it
    did (:func:`seedtrail.sim.responses.open_from`); returns how many were created."""
    cats = sorted({r["category"] for r in world_rows(world_dir / "entities" / "offers.parquet")})
    manifest = read_manifest(world_dir)
    opened = {p["category"]: p["from"] for p in manifest.get("policy", []) if p["effect"] == "open"}
    with store.transaction() as conn:
        for cat in cats:
            day = opened.get(cat)
            rule = rules.RuleIn(
                name=f"{cat}: links open (world)"
                if day is None
                else f"{cat}: links open from {day}",
                effect="open",
                category=cat,
                starts_at=None if day is None else datetime.fromisoformat(day).replace(tzinfo=UTC),
            )
            resources.create(conn, rules.RESOURCE, LOADER, rule)
    return len(cats)


def _actor(kinds: dict[int, str], account_id: int) -> principals.Principal:
    role = ROLE.get(kinds.get(account_id, ""), "creator")
    return principals.Principal(id=0, name=f"sim{account_id}", role=role, account_id=account_id)


def _request(conn: Any, row: dict[str, Any], authors: dict[int, int]) -> dict[str, Any]:
    """The API request that places the world's mount ``row``."""
    req: dict[str, object] = {"placement": row["placement"], "offer_id": row["offer_id"]}
    if row["placement"] in ACCOUNT_PLACEMENTS:  # a profile or search card, a live room: its own
        req["account_id"] = row["account_id"]
        if row.get("starts_at") is not None:  # a live room's session
            req["starts_at"], req["expires_at"] = row["starts_at"], row["expires_at"]
    elif row["placement"] == "note_card":
        req["note_id"] = row["note_id"]
    else:  # a link in the comment area: the note's author pins a comment that carries it
        author = authors[row["note_id"]]
        comment = resources.create(
            conn,
            notes.COMMENTS,
            principals.Principal(id=0, name=f"sim{author}", role="creator", account_id=author),
            notes.CommentIn(note_id=row["note_id"], body="🔗 好物链接 / shop link"),
        )
        req["comment_id"] = comment["id"]
    return req


def mount_world_links(store: Store, world_dir: Path) -> Mounted:
    """Mount each of the world's links through the policy, as the account that placed it."""
    ent = world_dir / "entities"
    out = Mounted(rules=open_categories(store, world_dir))
    with store.transaction() as conn:
        kinds = dict(conn.execute(select(db.accounts.c.id, db.accounts.c.kind)).all())
        authors = dict(conn.execute(select(db.notes.c.id, db.notes.c.author_id)).all())
        for row in world_rows(ent / "link_mounts.parquet"):
            req = _request(conn, row, authors)
            # a link with a time window (a live room's session) is decided at the moment the
            # world placed it, as the policy decided it then; every other link as of now
            as_of = row["created_at"] if row.get("starts_at") is not None else None
            actor = _actor(kinds, row["account_id"])
            result = mounts.create(conn, actor, mounts.MountIn(**req), as_of=as_of)
            if result["mount"] is None:
                out.denied[row["mount_id"]] = str(result["decision"]["summary"])
            else:
                out.codes[row["mount_id"]] = str(result["mount"]["code"])
    return out


def fund_campaigns(store: Store, world_dir: Path) -> int:
    """Each campaign's co-funders (a marketplace's share, the platform's subsidy), named by the
    campaign's brand as through ``PUT /campaigns/{id}/funders`` (checked and audited); returns
    how many. A world written before co-funding has none."""
    path = world_dir / "entities" / "campaign_funders.parquet"
    if not path.exists():
        return 0
    rows = world_rows(path)
    with store.transaction() as conn:
        slugs = dict(conn.execute(select(db.partners.c.slug, db.partners.c.id)).all())
        brands = dict(conn.execute(select(db.campaigns.c.id, db.campaigns.c.brand_id)).all())
        by_campaign: dict[int, list[funding.FunderIn]] = {}
        for r in rows:
            partner = slugs[r["partner"]] if r["partner"] is not None else None
            funder = funding.FunderIn(funder=r["funder"], partner_id=partner, share=r["share"])
            by_campaign.setdefault(r["campaign_id"], []).append(funder)
        for cid, funders in by_campaign.items():
            brand = principals.Principal(
                id=0, name=f"sim{brands[cid]}", role="brand", account_id=brands[cid]
            )
            funding.set_funders(conn, brand, cid, funding.FundingIn(funders=funders))
    return len(rows)


@dataclass
class Replayed:
    taps: int = 0
    logged: int = 0
    counted: int = 0
    unavailable: int = 0
    repeats: int = 0
    not_mounted: int = 0
    with_campaign: int = 0
    campaigns_dropped: Counter[str] = field(default_factory=Counter)


def replay_taps(
    store: Store, world_dir: Path, codes: dict[int, str], *, duplicate_window_s: float = 60.0
) -> Replayed:
    """Log the world's taps as the redirect would have (see the module docstring)."""
    resolver = Resolver(store, refresh_s=3600.0)
    repeats = Repeats(duplicate_window_s)
    out = Replayed()
    rows: list[dict[str, object]] = []
    taps = pq.read_table(world_dir / "events" / "clicks.parquet").sort_by("ts").to_pylist()
    for tap in taps:
        out.taps += 1
        code = codes.get(tap["mount_id"])
        link = resolver.lookup(code) if code else None
        if link is not None and link.placement == "live_room":  # its session decides: then
            link = resolver.at(link.code, tap["ts"])
        if link is None:  # the world's link was never mounted: no code, nothing to log
            out.not_mounted += 1
            continue
        now = tap["ts"].timestamp()
        outcome, _ = destination(link, tap["click_id"], "st_click")
        viewer = str(tap["user_key"])[:64]
        repeat = repeats.seen(viewer, link.mount_id, now)
        row = click_row(
            link,
            click_id=str(tap["click_id"])[:32],
            ts_us=int(now * 1_000_000),
            viewer=viewer,
            method="GET",
            ua_class="mobile",
            referrer_host=None,
            outcome=outcome,
            is_bot=False,
            is_repeat=repeat,
            campaign_id=campaign(link, tap.get("campaign_id"), out.campaigns_dropped),
        )
        rows.append(dict(zip(COLUMNS, row, strict=True)))
        out.unavailable += outcome == "unavailable"
        out.repeats += repeat
        out.with_campaign += row[-1] is not None
        out.counted += outcome != "unavailable" and not repeat
    with store.transaction() as conn:
        for i in range(0, len(rows), 5_000):
            conn.execute(insert(db.clicks), rows[i : i + 5_000])
    out.logged = len(rows)
    return out
