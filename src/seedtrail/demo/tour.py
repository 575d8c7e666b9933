"""The demo: a small community with partners, offers, notes and links, under a live policy, and
the redirect exercised as a user's phone would — all on embedded defaults."""

from __future__ import annotations

from collections.abc import Callable
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
from seedtrail.messages import N_, render, term, translate
from seedtrail.store import migrate
from seedtrail.store.schema import clicks
from seedtrail.store.schema import partners as partners_table
from seedtrail.store.store import Store

DEMO = principals.Principal(id=0, name="demo", role="operator")
#: A text in the tour's language: a key and its fields.
Say = Callable[..., str]
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
    lang: str = "en"  # the language the tour is printed in
    note_id: int | None = None  # the tour's note: its public page is where a person taps
    #: where ``seedtrail serve`` on these settings answers (the demo serves there next)
    dashboard: str = "http://127.0.0.1:8000"

    def t(self, key: str, /, **fields: object) -> str:
        return translate(self.lang, key, **fields)


#: The demo world's integrity counts (``WorldSummary.cases``), by the key of their label.
CASE_KEYS = {
    "texts scanned": N_("demo.case.texts_scanned"),
    "texts flagged": N_("demo.case.texts_flagged"),
    "campaigns found": N_("demo.case.campaigns_found"),
    "cases opened": N_("demo.case.cases_opened"),
    "member cases": N_("demo.case.member_cases"),
}
#: The links the tour taps, by the key of their label.
TAPS = (N_("demo.tap.taobao"), N_("demo.tap.jd"), N_("demo.tap.web"))


def _make(conn: Any, res: resources.Resource, **values: Any) -> int:
    return int(resources.create(conn, res, DEMO, res.create_model.model_validate(values))["id"])


@dataclass(frozen=True)
class _Ref:
    """The id of a row created earlier in :data:`_SEED`."""

    key: str


#: The demo's hand-made community, created in this order; a :class:`_Ref` is an earlier row's id.
_SEED: tuple[tuple[str, resources.Resource, dict[str, object]], ...] = (
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


def run(
    settings: Settings, console: Console, *, world_scale: str | None = None, lang: str = "en"
) -> DemoReport:
    """The redirect tour; with ``world_scale`` (the CLI's default: ``demo``) first a simulated
    community run end to end (:mod:`seedtrail.demo.world`), whose accounts the keys sign in as.
    Printed in ``lang`` (the CLI passes the terminal's language)."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    store = Store.from_settings(settings)
    migrate.upgrade(store.engine)
    report = DemoReport(settings.data_dir, lang=lang, dashboard=f"http://127.0.0.1:{settings.port}")
    title = report.t("demo.title")
    console.rule(f"[bold]{title}[/]")
    if world_scale:
        with console.status(report.t("demo.building")) as status:

            def say(step: str) -> None:
                console.log(report.t(step))
                status.update(report.t(step))

            report.world = demo_world.build(settings, store, say, scale=world_scale)
        _print_world(console, report.world, report.t)
        _print_three_party(console, report.world, report.t)
    ids = _seed(store)
    report.note_id = ids["note"]
    console.print(report.t("demo.created"))
    report.codes["demo.tap.taobao"] = _mount(
        store, placement="note_card", offer_id=ids["offer_tb"], note_id=ids["note"]
    )
    report.codes["demo.tap.jd"] = _mount(
        store, placement="note_card", offer_id=ids["offer_jd"], note_id=ids["note"]
    )
    report.codes["demo.tap.web"] = _mount(
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
        tap(N_("demo.tap.duplicate"), report.codes["demo.tap.web"])
        tap(
            N_("demo.tap.bot"),
            report.codes["demo.tap.web"],
            ua="facebookexternalhit/1.1",
            viewer="bot-viewer-1",
        )
        with store.transaction() as conn:
            partners.set_links_enabled(
                conn, DEMO, ids["taobao"], False, "demo: operator closes 淘宝 links"
            )
        tap(
            N_("demo.tap.killed"),
            report.codes["demo.tap.taobao"],
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


def _print_world(console: Console, world: WorldSummary, t: Say) -> None:
    table = Table(
        t("demo.col.step"),
        t("demo.col.seconds"),
        title=t("demo.world_title", scale=world.scale, seed=world.seed),
    )
    for step, seconds in world.seconds.items():
        table.add_row(t(step), f"{seconds:.1f}")
    console.print(table)
    delivered = sum(v["stored"] for v in world.backhaul.values())
    repeats = sum(v["duplicates"] for v in world.backhaul.values())
    figures = {"events": world.events, "clicks": world.clicks, "delivered": delivered,
               "repeats": repeats, "sealed": world.sealed,
               "rows": world.cleanroom_rows}  # fmt: skip
    console.print(
        t(
            "demo.world_summary",
            **{k: f"{v:,}" for k, v in figures.items()},
            run=world.report_run,
            model=world.primary_model,
            cases=", ".join(f"{t(CASE_KEYS.get(k, k))} {v:,}" for k, v in world.cases.items()),
        )
    )
    opened = world.detail.get("opened")
    if opened:
        console.print(
            t(
                "demo.policy_history",
                category=opened["category"],
                at=opened["from"],
                taps=f"{opened['taps_closed']:,}",
            )
        )


def _print_three_party(console: Console, world: WorldSummary, t: Say) -> None:
    """The demo's placement, funder, item and own-shop figures (``demo.threeparty``)."""
    fig = world.detail.get("three_party")
    if not fig:
        return
    places = Table(t("demo.col.placement"), t("demo.col.links"), t("demo.col.card_views"),
                   t("demo.col.counted_clicks"), title=t("demo.placements_title"))  # fmt: skip
    for where, p in fig["placements"].items():
        places.add_row(where, f"{p['links']:,}", f"{p['views']:,}", f"{p['clicks']:,}")
    console.print(places)
    table = Table(t("demo.col.funder"), t("demo.col.campaigns"), t("demo.col.spend"),
                  t("demo.col.roas"), title=t("demo.funders_title"))  # fmt: skip
    for who, f in fig["funders"].items():
        roas = "—" if f["roas"] is None else f"{f['roas']:.2f}"
        table.add_row(who, str(f["campaigns"]), f"{f['spend']:,.2f}", roas)
    console.print(table)
    items = fig["items"]
    top = "; ".join(
        t("demo.item_top", item=i["item"], roas=f"{i['roas']:.2f}", gmv=f"{i['gmv']:,.2f}",
          spend=f"{i['spend']:,.2f}")
        for i in items["top_roas"]
    )  # fmt: skip
    console.print(
        t("demo.items", model=fig["model"], items=items["items"], with_gmv=items["with_gmv"],
          with_roas=items["with_roas"], top=top or t("demo.none"))
    )  # fmt: skip
    own = fig["own_shop"]
    for slug in own["partners"]:
        o = own[slug]
        console.print(
            t("demo.own_shop", slug=slug, clicks=f"{o['clicks']:,}",
              purchases=f"{o['purchases']:.1f}", gmv=f"{o['gmv']:,.2f}", model=fig["model"])
        )  # fmt: skip
    table = Table(t("demo.col.buyer"), t("demo.col.counted_clicks"), t("demo.col.orders"),
                  t("demo.col.net_gmv"), t("demo.col.commission_due"),
                  title=t("demo.buyers_title"))  # fmt: skip
    for b in own["buyers"]:
        table.add_row(b["buyer"], str(b["clicks"]), str(b["orders"]), f"{b['net_gmv']:,.2f}",
                      f"{b['commission_due']:,.2f}")  # fmt: skip
    console.print(table)


def _print(console: Console, report: DemoReport) -> None:
    t = report.t
    table = Table(t("demo.col.tap"), t("demo.col.code"), t("demo.col.status"),
                  t("demo.col.goes_to"), title=t("demo.redirect_title"))  # fmt: skip
    for label, code, status, location in report.outcomes:
        table.add_row(t(label), code, str(status), location or t("demo.neutral"))
    console.print(table)
    console.print(t("demo.clicks", logged=report.clicks_logged, counted=report.counted))
    console.print(
        t(
            "demo.next",
            path=str(report.data_dir.resolve()),
            dir=str(report.data_dir),
            base=report.dashboard,
        )
    )
    console.print(t("demo.note_page", note=str(report.note_id), base=report.dashboard))
    keys = Table(t("demo.col.role"), t("demo.col.key"), title=t("demo.keys_title"))
    for role, key in report.keys.items():
        keys.add_row(render(report.lang, term("role", role)), key)
    console.print(keys)
