"""The demo: a small community with partners, offers, notes and links, under a live policy, and
the redirect exercised as a user's phone would — all on embedded defaults."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select

from seedtrail.api.app import create_app
from seedtrail.community import accounts, collabs, notes
from seedtrail.core import principals, resources
from seedtrail.core.settings import Settings
from seedtrail.demo import world as demo_world
from seedtrail.demo.world import WorldSummary
from seedtrail.links import clickstats, mounts, offers, partners, rules
from seedtrail.store import migrate
from seedtrail.store.schema import clicks
from seedtrail.store.schema import partners as partners_table
from seedtrail.store.store import Store

DEMO = principals.Principal(id=0, name="demo", role="operator")
PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148 MicroMessenger"


@dataclass
class DemoReport:
    data_dir: Path
    codes: dict[str, str] = field(default_factory=dict)
    outcomes: list[tuple[str, str, int, str]] = field(default_factory=list)
    clicks_logged: int = 0
    counted: int = 0
    keys: dict[str, str] = field(default_factory=dict)
    world: WorldSummary | None = None
    note_id: int | None = None  # the tour's note: its public page is where a person taps


def _make(conn: Any, res: resources.Resource, **values: Any) -> int:
    return int(resources.create(conn, res, DEMO, res.create_model.model_validate(values))["id"])


@dataclass(frozen=True)
class _Ref:
    """The id of a row created earlier in :data:`_SEED`."""

    key: str


#: The demo's hand-made community, created in this order; a :class:`_Ref` is an earlier row's id.
_SEED: tuple[tuple[str, resources.Resource, dict[str, Any]], ...] = (
    ("brand", accounts.RESOURCE, {"handle": "florasis", "display_name": "花西子", "kind": "brand",
                                  "verified": True, "follower_count": 820_000}),
    ("creator", accounts.RESOURCE, {"handle": "xiaohong", "display_name": "小红同学",
                                    "kind": "creator", "follower_count": 36_000}),
    ("note", notes.NOTES, {"author_id": _Ref("creator"),
                           "title": "夏日通勤妆｜持妆一整天的散粉测评", "category": "beauty",
                           "body": "油皮亲测，早八到晚六不脱妆。"}),
    ("taobao", partners.RESOURCE, {
        "slug": "taobao", "name": "淘宝", "kind": "marketplace",
        "allowed_hosts": ["item.taobao.com"],
        "web_url_template": "https://item.taobao.com/item.htm?id={item_id}",
        "app_url_template": "taobao://item.taobao.com/item.htm?id={item_id}",
        "declared_sample_rate": 0.5}),
    ("jdmini", partners.RESOURCE, {
        "slug": "jd-mini", "name": "京东购物小程序", "kind": "mini_program",
        "allowed_hosts": ["item.jd.com"],
        "web_url_template": "https://item.jd.com/{item_id}.html",
        "mini_program_app_id": "wx91d27dbf599dff74",
        "mini_program_path_template": "pages/item/detail/detail?sku={item_id}"}),
    ("shop", partners.RESOURCE, {"slug": "brand-shop", "name": "花西子官网", "kind": "web_shop",
                                 "allowed_hosts": ["shop.florasis.example"]}),
    ("offer_tb", offers.RESOURCE, {"partner_id": _Ref("taobao"), "owner_id": _Ref("brand"),
                                   "item_id": "680012345678", "title": "花西子 蜜粉 散粉 定妆",
                                   "price": "149.00", "category": "beauty"}),
    ("offer_jd", offers.RESOURCE, {"partner_id": _Ref("jdmini"), "owner_id": _Ref("brand"),
                                   "item_id": "100012043978", "title": "花西子 空气蜜粉",
                                   "price": "159.00", "category": "beauty"}),
    ("offer_web", offers.RESOURCE, {"partner_id": _Ref("shop"), "owner_id": _Ref("brand"),
                                    "url": "https://shop.florasis.example/p/1",
                                    "title": "官网礼盒", "price": "399.00", "category": "beauty"}),
    ("collab", collabs.RESOURCE, {"brand_id": _Ref("brand"), "creator_id": _Ref("creator"),
                                  "note_id": _Ref("note")}),
    ("rule", rules.RESOURCE, {"name": "美妆类目开放外链 (618)", "effect": "open",
                              "category": "beauty"}),
)  # fmt: skip


def _seed(store: Store) -> dict[str, int]:
    ids: dict[str, int] = {}
    with store.transaction() as conn:
        for key, res, values in _SEED:
            resolved = {k: ids[v.key] if isinstance(v, _Ref) else v for k, v in values.items()}
            ids[key] = _make(conn, res, **resolved)
            if key == "collab":  # the creator consents, as she would in the app
                creator = principals.Principal(
                    id=0, name="demo", role="creator", account_id=ids["creator"]
                )
                collabs.accept(conn, creator, ids[key])
    return ids


def _mount(store: Store, **values: Any) -> str:
    with store.transaction() as conn:
        result = mounts.create(conn, DEMO, mounts.MountIn.model_validate(values))
    return str(mounts.raise_if_denied(result)["code"])


def run(settings: Settings, console: Console, *, world_scale: str | None = None) -> DemoReport:
    """The redirect tour; with ``world_scale`` (the CLI's default: ``demo``) first a simulated
    community run end to end (:mod:`seedtrail.demo.world`), whose accounts the keys sign in as."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    store = Store.from_settings(settings)
    migrate.upgrade(store.engine)
    report = DemoReport(settings.data_dir)
    console.rule("[bold]seedtrail demo[/]")
    if world_scale:
        with console.status("building the demo world") as status:

            def say(step: str) -> None:
                console.log(step)
                status.update(step)

            report.world = demo_world.build(settings, store, say, scale=world_scale)
        _print_world(console, report.world)
        _print_three_party(console, report.world)
    ids = _seed(store)
    report.note_id = ids["note"]
    console.print(
        "created a brand, a creator and her note, three shops (淘宝 app, 京东 mini "
        "program, a web shop), offers, a collab registration and an open rule"
    )
    report.codes["淘宝 app (note card)"] = _mount(
        store, placement="note_card", offer_id=ids["offer_tb"], note_id=ids["note"]
    )
    report.codes["京东 mini program (note card)"] = _mount(
        store, placement="note_card", offer_id=ids["offer_jd"], note_id=ids["note"]
    )
    report.codes["web shop (profile card)"] = _mount(
        store, placement="profile_card", offer_id=ids["offer_web"], account_id=ids["brand"]
    )
    _tour(settings, store, report, ids)
    _sign_in_keys(store, report, ids)
    _print(console, report)
    store.dispose()
    return report


def _tour(settings: Settings, store: Store, report: DemoReport, ids: dict[str, int]) -> None:
    """Tap each link as a phone would, then again as a duplicate and as a link-preview bot, and
    once more after the operator's kill switch; count what the click log kept."""
    with TestClient(create_app(settings, store=store)) as client:

        def tap(label: str, code: str, ua: str = PHONE, viewer: str = "demo-viewer-1") -> None:
            r = client.get(
                f"/r/{code}",
                headers={"user-agent": ua, "x-seedtrail-viewer": viewer},
                follow_redirects=False,
            )
            report.outcomes.append((label, code, r.status_code, r.headers.get("location", "")))

        for label, code in report.codes.items():
            tap(label, code)
        tap("same viewer again (duplicate)", report.codes["web shop (profile card)"])
        tap(
            "link-preview bot",
            report.codes["web shop (profile card)"],
            ua="facebookexternalhit/1.1",
            viewer="bot-viewer-1",
        )
        with store.transaction() as conn:
            partners.set_links_enabled(
                conn, DEMO, ids["taobao"], False, "demo: operator closes 淘宝 links"
            )
        tap(
            "淘宝 after the kill switch",
            report.codes["淘宝 app (note card)"],
            viewer="demo-viewer-2",
        )
    with store.read() as conn:
        report.clicks_logged = int(
            conn.execute(select(func.count()).select_from(clicks)).scalar_one()
        )
        report.counted = int(
            conn.execute(
                select(func.count()).select_from(clicks).where(clickstats.counted())
            ).scalar_one()
        )


def _sign_in_keys(store: Store, report: DemoReport, ids: dict[str, int]) -> None:
    """Dashboard sign-in keys, shown once like `keys create`."""
    world = report.world
    with store.transaction() as conn:
        signers: list[tuple[str, dict[str, Any]]] = [
            ("operator", {}),
            ("brand", {"account_id": world.brand_id if world else ids["brand"]}),
            ("creator", {"account_id": world.creator_id if world else ids["creator"]}),
        ]
        if world is not None:
            shop = conn.execute(select(partners_table.c.id).order_by(partners_table.c.id)).scalar()
            signers += [("moderator", {}), ("partner", {"partner_id": shop})]
        for role, who in signers:
            _, report.keys[role] = principals.create(conn, name=f"demo {role}", role=role, **who)


def _print_world(console: Console, world: WorldSummary) -> None:
    table = Table("step", "seconds", title=f"the demo world ({world.scale}, seed {world.seed})")
    for step, seconds in world.seconds.items():
        table.add_row(step, f"{seconds:.1f}")
    console.print(table)
    delivered = sum(v["stored"] for v in world.backhaul.values())
    repeats = sum(v["duplicates"] for v in world.backhaul.values())
    console.print(
        f"{world.events:,} community events simulated ({world.clicks:,} link taps in the click "
        f"log); shops delivered {delivered:,} back-link "
        f"events ({repeats:,} repeats dropped), {world.sealed:,} sealed into the lake; "
        f"attribution report {world.report_run} published ({world.primary_model} first); "
        f"{world.cleanroom_rows:,} clean-room rows; integrity: "
        + ", ".join(f"{k} {v:,}" for k, v in world.cases.items())
    )
    opened = world.detail.get("opened")
    if opened:
        console.print(
            f"policy history: {opened['category']} links opened on {opened['from']} "
            f"({opened['taps_closed']:,} taps before it never happened); what that did: "
            "the operator's policy impact page (/ui/operator/impact) or `seedtrail policy impact "
            f"--at {opened['from']} --treated {opened['category']}`"
        )


def _print_three_party(console: Console, world: WorldSummary) -> None:
    """The demo's placement, funder, item and own-shop figures (``demo.threeparty``)."""
    fig = world.detail.get("three_party")
    if not fig:
        return
    places = Table("placement", "links", "card views", "counted clicks", title="placements")
    for where, p in fig["placements"].items():
        places.add_row(where, f"{p['links']:,}", f"{p['views']:,}", f"{p['clicks']:,}")
    console.print(places)
    table = Table(
        "funder", "campaigns", "spend (CNY)", "ROAS on its spend", title="co-funded boosts"
    )
    for who, f in fig["funders"].items():
        roas = "—" if f["roas"] is None else f"{f['roas']:.2f}"
        table.add_row(who, str(f["campaigns"]), f"{f['spend']:,.2f}", roas)
    console.print(table)
    items = fig["items"]
    top = "; ".join(f"{t['item']} ROAS {t['roas']:.2f} (GMV {t['gmv']:,.2f} / spend "
                    f"{t['spend']:,.2f})" for t in items["top_roas"])  # fmt: skip
    console.print(
        f"items ({fig['model']}): {items['items']} with touches, {items['with_gmv']} with GMV, "
        f"{items['with_roas']} with boost spend; best: {top or 'none'}"
    )
    own = fig["own_shop"]
    for slug in own["partners"]:
        o = own[slug]
        console.print(
            f"own shop {slug}: {o['clicks']:,} counted clicks, {o['purchases']:.1f} purchases, "
            f"GMV {o['gmv']:,.2f} (scaled, {fig['model']})"
        )
    table = Table("buyer", "counted clicks", "orders", "net GMV", "commission due",
                  title="buyers' commission statements")  # fmt: skip
    for b in own["buyers"]:
        table.add_row(b["buyer"], str(b["clicks"]), str(b["orders"]), f"{b['net_gmv']:,.2f}",
                      f"{b['commission_due']:,.2f}")  # fmt: skip
    console.print(table)


def _print(console: Console, report: DemoReport) -> None:
    table = Table("tap", "code", "status", "goes to", title="the redirect at work")
    for label, code, status, location in report.outcomes:
        table.add_row(label, code, str(status), location or "(neutral 'link unavailable' page)")
    console.print(table)
    console.print(
        f"clicks logged durably: {report.clicks_logged} "
        f"(counted: {report.counted}; bots and repeats are kept but flagged)"
    )
    console.print(
        f"data: {report.data_dir.resolve()} · next: "
        f"`seedtrail --data-dir {report.data_dir} serve`, then open the dashboard at "
        "http://127.0.0.1:8000/ui/ (API docs at /docs) · `seedtrail audit` shows every decision"
    )
    console.print(
        f"tap through as a reader: the note's page http://127.0.0.1:8000/ui/n/{report.note_id} "
        "(no key: a link card → the app's interstitial or the WeChat consent page → the shop; "
        "the tap then shows in `seedtrail clicks` and the dashboard)"
    )
    keys = Table("role", "API key (shown once)", title="dashboard sign-in / 看板登录")
    for role, key in report.keys.items():
        keys.add_row(role, key)
    console.print(keys)
