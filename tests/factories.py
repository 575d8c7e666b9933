"""Builds small worlds for tests through the same functions the API uses."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from seedtrail.community import accounts, campaigns, collabs, notes
from seedtrail.core import principals, resources
from seedtrail.core.principals import Principal
from seedtrail.links import mounts, offers, partners, rules
from seedtrail.links.clicklog import COLUMNS, ClickLog
from seedtrail.links.segment import ClickSegment
from seedtrail.store.schema import clicks
from seedtrail.store.store import Store

OPERATOR = Principal(id=0, name="test", role="operator")


def make(store: Store, res: resources.Resource, **values: Any) -> dict[str, Any]:
    with store.transaction() as conn:
        return resources.create(conn, res, OPERATOR, res.create_model.model_validate(values))


@dataclass
class World:
    """A brand, a creator with a note, a marketplace partner with an app, a mini program, an
    offer of the brand's, a collab, a campaign of the brand's, and an open rule."""

    store: Store
    ids: dict[str, int] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)

    def mount(self, **values: Any) -> dict[str, Any]:
        values.setdefault("placement", "note_card")
        values.setdefault("offer_id", self.ids["offer"])
        values.setdefault("note_id", self.ids["note"])
        with self.store.transaction() as conn:
            result = mounts.create(conn, OPERATOR, mounts.MountIn.model_validate(values))
        return mounts.raise_if_denied(result)


def build_world(store: Store, *, open_rule: bool = True) -> World:
    w = World(store)
    w.ids["brand"] = make(
        store,
        accounts.RESOURCE,
        handle="brand",
        display_name="花西子",
        kind="brand",
        verified=True,
        follower_count=50_000,
    )["id"]
    w.ids["creator"] = make(
        store,
        accounts.RESOURCE,
        handle="creator",
        display_name="小红",
        kind="creator",
        follower_count=12_000,
    )["id"]
    w.ids["other_creator"] = make(
        store,
        accounts.RESOURCE,
        handle="creator2",
        display_name="小绿",
        kind="creator",
        follower_count=800,
    )["id"]
    w.ids["note"] = make(
        store, notes.NOTES, author_id=w.ids["creator"], title="夏日防晒测评", category="skincare"
    )["id"]
    w.ids["other_note"] = make(
        store,
        notes.NOTES,
        author_id=w.ids["other_creator"],
        title="我的通勤穿搭",
        category="fashion",
    )["id"]
    w.ids["partner"] = make(
        store,
        partners.RESOURCE,
        slug="taobao",
        name="淘宝",
        kind="marketplace",
        allowed_hosts=["item.taobao.com", "*.tmall.com"],
        web_url_template="https://item.taobao.com/item.htm?id={item_id}",
        app_url_template="taobao://item.taobao.com/item.htm?id={item_id}",
    )["id"]
    w.ids["webshop"] = make(
        store,
        partners.RESOURCE,
        slug="shop",
        name="Shop",
        kind="web_shop",
        allowed_hosts=["shop.example.com"],
        web_url_template="https://shop.example.com/p/{item_id}",
    )["id"]
    w.ids["mini"] = make(
        store,
        partners.RESOURCE,
        slug="jd-mini",
        name="京东小程序",
        kind="mini_program",
        allowed_hosts=["item.jd.com"],
        web_url_template="https://item.jd.com/{item_id}.html",
        mini_program_app_id="wx0123456789abcdef",
        mini_program_path_template="pages/item/index?sku={item_id}",
    )["id"]
    w.ids["offer"] = make(
        store,
        offers.RESOURCE,
        partner_id=w.ids["partner"],
        owner_id=w.ids["brand"],
        item_id="6000123",
        title="防晒霜",
        price="129.00",
        category="skincare",
    )["id"]
    w.ids["web_offer"] = make(
        store,
        offers.RESOURCE,
        partner_id=w.ids["webshop"],
        owner_id=w.ids["creator"],
        item_id="42",
        title="自家小店",
        price="59.90",
        category="skincare",
    )["id"]
    w.ids["mini_offer"] = make(
        store,
        offers.RESOURCE,
        partner_id=w.ids["mini"],
        owner_id=w.ids["brand"],
        item_id="100200",
        title="面霜",
        price="299.00",
        category="skincare",
    )["id"]
    w.ids["collab"] = make(
        store,
        collabs.RESOURCE,
        brand_id=w.ids["brand"],
        creator_id=w.ids["creator"],
        note_id=w.ids["note"],
    )["id"]
    with store.transaction() as conn:  # the creator accepts: only then does the collab count
        creator = Principal(id=0, name="test", role="creator", account_id=w.ids["creator"])
        collabs.accept(conn, creator, w.ids["collab"])
    w.ids["campaign"] = make(
        store,
        campaigns.RESOURCE,
        brand_id=w.ids["brand"],
        name="夏日防晒种草",
        starts_on="2025-06-01",
    )["id"]
    if open_rule:
        w.ids["rule"] = make(
            store, rules.RESOURCE, name="open skincare", effect="open", category="skincare"
        )["id"]
    with store.transaction() as conn:
        for role, extra in (
            ("operator", {}),
            ("moderator", {}),
            ("brand", {"account_id": w.ids["brand"]}),
            ("creator", {"account_id": w.ids["creator"]}),
            ("partner", {"partner_id": w.ids["partner"]}),
        ):
            _, w.keys[role] = principals.create(conn, name=role, role=role, **extra)
        _, w.keys["other_creator"] = principals.create(
            conn, name="other", role="creator", account_id=w.ids["other_creator"]
        )
        _, w.keys["other_partner"] = principals.create(
            conn, name="op", role="partner", partner_id=w.ids["webshop"]
        )
    return w


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def campaign_cases(conn: Any, members: Sequence[int], key: str) -> list[int]:
    """One water-army case per member account, tied by ``group_key`` (as the detector import
    opens them); returns the case ids in member order."""
    from seedtrail.enforcement import cases

    specs = [
        cases.CaseSpec(
            subject_type="account",
            subject_id=a,
            detector="water_army",
            severity=2,
            summary=f"campaign member {a}",
            evidence={"member": a},
            group_key=key,
        )
        for a in members
    ]
    return [int(row["id"]) for row, _ in cases.open_many(conn, OPERATOR, specs)]


def click(i: int) -> tuple[object, ...]:
    """A click log row (:data:`COLUMNS` order) with distinct ids and mixed flags."""
    values: dict[str, object] = {
        "click_id": f"click-{i:04d}",
        "ts_us": 1_800_000_000_000_000 + i,
        "mount_id": 7,
        "code": "AbCd1234",
        "note_id": 11,
        "comment_id": None,
        "profile_account_id": None,
        "placement": "note_card",
        "partner_id": 3,
        "offer_id": 5,
        "viewer_key": f"viewer-{i}",
        "method": "GET",
        "ua_class": "mobile",
        "referrer_host": "例子.cn",
        "outcome": "redirect",
        "is_bot": i % 3 == 0,
        "is_duplicate": i % 2 == 0,
        "campaign_id": 9 if i % 4 == 1 else None,
    }
    assert tuple(values) == COLUMNS
    return tuple(values.values())


def await_clicks(store: Store, n: int, timeout_s: float = 20.0) -> None:
    """Wait until the serving process's mover has copied ``n`` clicks from its click segment
    into the store (as a deployment's sealer finds them), then require exactly ``n``."""
    deadline = time.monotonic() + timeout_s
    while True:
        with store.read() as conn:
            got = conn.execute(select(func.count()).select_from(clicks)).scalar_one()
        if got >= n or time.monotonic() > deadline:
            assert got == n, f"{got} clicks in the store, expected {n}"
            return
        time.sleep(0.1)


def write_all(log: ClickLog | ClickSegment, items: list[tuple[object, ...]]) -> None:
    """Write ``items`` through a click log of their own, then stop it (a segment's writer is
    then dead, as after a server's stop)."""

    async def run() -> None:
        log.start(asyncio.get_running_loop())
        try:
            await asyncio.gather(*(log.write(c) for c in items))
        finally:
            log.stop()

    asyncio.run(run())


def write_jsonl(path: Path, rows: list[Any]) -> Path:
    """``rows`` as a JSON-lines file (UTF-8, one object a line)."""
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    return path
