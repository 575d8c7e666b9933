"""The dashboard site for browser tests: a seeded SQLite world served by ``seedtrail serve``
(granian) on localhost, and Debian's Chromium driven by Playwright (never a downloaded browser).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, insert, select

from factories import OPERATOR, World, build_world, make
from seedtrail.community import accounts, campaigns, collabs, notes
from seedtrail.core import principals
from seedtrail.core.principals import Principal
from seedtrail.enforcement import campaign_intake, intake
from seedtrail.intake import health
from seedtrail.intake.importer import import_file
from seedtrail.intake.inbox import Inbox
from seedtrail.store import migrate
from seedtrail.store.db import make_engine
from seedtrail.store.schema import campaigns as campaigns_table
from seedtrail.store.schema import clicks as clicks_table
from seedtrail.store.schema import link_mounts
from seedtrail.store.schema import offers as offers_table
from seedtrail.store.schema import partners as partners_table
from seedtrail.store.store import Store

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148"


@dataclass
class Site:
    url: str
    world: World
    codes: dict[str, str]

    def api(self, role: str) -> Api:
        return Api(self.url, self.world.keys[role])


@dataclass
class Api:
    """One-shot API calls with a role's key (each call opens and closes its connection)."""

    url: str
    key: str

    def _call(self, method: str, path: str, **kw: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.key}"}
        with httpx.Client(base_url=self.url, headers=headers) as c:
            return c.request(method, path, **kw)

    def get(self, path: str, **kw: Any) -> httpx.Response:
        return self._call("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> httpx.Response:
        return self._call("POST", path, **kw)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _seed(store: Store, data: Path) -> tuple[World, dict[str, str]]:
    w = build_world(store)
    codes = {"note": w.mount()["code"]}
    codes["mini"] = w.mount(placement="note_card", offer_id=w.ids["mini_offer"])["code"]
    c = make(
        store, campaigns.RESOURCE, brand_id=w.ids["brand"], name="夏日防晒", starts_on="2026-06-01"
    )
    w.ids["campaign"] = c["id"]
    # the brand boosts the other creator's note too, under a collab she accepted
    other = make(
        store,
        collabs.RESOURCE,
        brand_id=w.ids["brand"],
        creator_id=w.ids["other_creator"],
        note_id=w.ids["other_note"],
    )["id"]
    with store.transaction() as conn:
        creator = Principal(id=0, name="test", role="creator", account_id=w.ids["other_creator"])
        collabs.accept(conn, creator, other)
    with store.transaction() as conn:
        campaigns.add_notes(conn, OPERATOR, c["id"], [w.ids["note"], w.ids["other_note"]])
        for day, note, amount in (
            (date(2026, 6, 1), w.ids["note"], "120.50"),
            (date(2026, 6, 2), w.ids["note"], "80.00"),
            (date(2026, 6, 2), w.ids["other_note"], "30.25"),
        ):
            campaigns.set_spend(
                conn,
                OPERATOR,
                c["id"],
                campaigns.SpendIn(note_id=note, day=day, amount=amount),  # type: ignore[arg-type]
            )
    _seed_cases(store, w)
    _seed_backhaul(store, w, data)
    _seed_study(data)
    return w, codes


def _seed_backhaul(store: Store, w: World, data: Path) -> None:
    """Two hours ago: 30 counted clicks sent to taobao, 12 store visits sent back (a shop
    delivering 40% of what it should), imported as ``seedtrail import`` does."""
    hour = health.window_end() - timedelta(hours=2)
    base_us = int(hour.timestamp() * 1e6)
    with store.read() as conn:
        code = conn.execute(select(link_mounts.c.code, link_mounts.c.id)).first()
    assert code is not None
    rows = [
        {
            "click_id": f"kseed{i:04d}",
            "ts_us": base_us + i * 60_000_000,
            "mount_id": code.id,
            "code": code.code,
            "note_id": w.ids["note"],
            "placement": "note_card",
            "partner_id": w.ids["partner"],
            "offer_id": w.ids["offer"],
            "viewer_key": f"v{i}",
            "method": "GET",
            "ua_class": "mobile",
            "outcome": "redirect",
            "is_bot": False,
            "is_duplicate": False,
        }
        for i in range(30)
    ]
    with store.transaction() as conn:
        conn.execute(insert(clicks_table), rows)
    events = data / "visits.jsonl"
    with events.open("w") as fh:
        for i in range(12):
            ts = (hour + timedelta(minutes=i * 2)).isoformat()
            ev = {"event_id": f"v{i}", "kind": "store_visit", "ts": ts, "sample_rate": 1.0}
            fh.write(json.dumps({**ev, "click_id": f"kseed{i:04d}"}) + "\n")
    report = import_file(Inbox(store.engine), events, "back", "taobao", declared_rate=1.0)
    assert report.stored == 12, report.errors


def _seed_study(data: Path) -> None:
    """A kept simulation of a proposed change, as ``policy impact --save`` keeps one (its rows
    from a tiny world with and without closing beauty links: two seeds' paired figures)."""
    from seedtrail.impact import studies
    from seedtrail.impact.simulated import paired_row

    pairs = {("clicks", "all"): [(21.0, 17.0), (19.0, 16.0)],
             ("shop_gmv", "category:beauty"): [(314.4, 260.2), (290.0, 251.5)]}  # fmt: skip
    rows = [paired_row(key, p, 0.9) for key, p in pairs.items()]
    result = {
        "change": "close category=beauty from day 15",
        "world": {"scale": "tiny"},
        "seeds": [1, 2],
        "level": 0.9,
        "own_shop": False,
        "responses": [],
        "rows": rows,
        "world_spec": "scale=tiny,seed=1,runs=2",
        "stated": "close category=beauty from=day15",
    }
    studies.save(data, result, actor="cli:dashboard")


DIVERSION = "姐妹们别在这买，加我薇信 wx_abc123 拿内部价"


def _seed_cases(store: Store, w: World) -> None:
    """A diversion finding on a comment (with its text and spans) and a water-army campaign of
    three accounts on two notes, opened as the detector import opens them."""
    comment = make(
        store,
        notes.COMMENTS,
        note_id=w.ids["note"],
        author_id=w.ids["other_creator"],
        body=DIVERSION,
    )
    w.ids["comment"] = comment["id"]
    start = DIVERSION.index("wx_")
    members = [w.ids["other_creator"]] + [
        make(store, accounts.RESOURCE, handle=f"wa{i}", display_name=f"水军{i}", kind="creator")[
            "id"
        ]
        for i in range(2)
    ]
    w.ids.update({f"member{i}": a for i, a in enumerate(members)})
    target = [w.ids["note"], w.ids["other_note"]]
    texts = [
        {
            "id": 100 + i,
            "ts": f"2026-06-0{i + 1}T10:00:00+00:00",
            "author": a,
            "note_id": target[i % 2],
            "text": "绝绝子！已下单",
        }
        for i, a in enumerate(members)
    ]
    finding = {
        "id": comment["id"],
        "labels": ["diversion"],
        "text": DIVERSION,
        "findings": [{"kind": "wechat", "value": "wx_abc123", "span": [start, start + 9]}],
    }
    campaign = {"accounts": members, "notes": target, "comments": [100, 101, 102], "score": 0.9}
    with tempfile.TemporaryDirectory() as tmp:
        files = {}
        for name, lines in (("f", [finding]), ("c", [campaign]), ("t", texts)):
            files[name] = Path(tmp) / f"{name}.jsonl"
            files[name].write_text("".join(json.dumps(x) + "\n" for x in lines), "utf-8")
        found = intake.import_findings(store, OPERATOR, files["f"])
        w.ids["diversion_case"] = found.case_ids[0]
        camp = campaign_intake.import_campaigns(store, OPERATOR, files["c"], texts=files["t"])
        w.ids["campaign_case"] = camp.case_ids[0]


@contextmanager
def serve(data: Path) -> Iterator[str]:
    """``seedtrail serve`` on ``data`` at a free local port; yields its base URL."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEEDTRAIL_") or "TEST" in k}
    env.update(
        PYTHONPATH=os.pathsep.join(p for p in sys.path if p),
        SEEDTRAIL_REDIRECT_RATE_PER_S="10000",
        SEEDTRAIL_REDIRECT_RATE_BURST="10000",
    )
    log = (data / "server.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "seedtrail", "--data-dir", str(data), "serve", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.05)
        else:
            raise RuntimeError("server did not start: " + (data / "server.log").read_text())
        yield url
    finally:
        os.killpg(proc.pid, 15)
        proc.wait(timeout=10)
        log.close()


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    data = tmp_path_factory.mktemp("dashboard")
    store = Store(make_engine(f"sqlite:///{data / 'seedtrail.db'}"))
    migrate.upgrade(store.engine)
    world, codes = _seed(store, data)
    store.dispose()
    with serve(data) as url:
        # Real clicks through the redirect: 5 people on the note's link, 2 on the other one,
        # and one link-preview bot (logged, not counted).
        for code, n in ((codes["note"], 5), (codes["mini"], 2)):
            for _ in range(n):
                httpx.get(f"{url}/r/{code}", headers={"User-Agent": PHONE})
        httpx.get(f"{url}/r/{codes['note']}", headers={"User-Agent": "Slackbot-LinkExpanding"})
        yield Site(url, world, codes)


#: No buyers: their notes draw readers from the brands' notes, and the brand and shop pages' tests
#: need rows that reach k people; buyers are covered by the commission site and the demo world.
SIM_SCALE = {"base": "tiny", "name": "dashboard", "viewers": 3000, "days": 20, "buyers": 0}


@dataclass
class SimSite:
    url: str
    keys: dict[str, str]
    campaign: int

    def api(self, role: str) -> Api:
        return Api(self.url, self.keys[role])


@pytest.fixture(scope="session")
def sim_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimSite]:
    """A tiny simulated world loaded into the store, with a published attribution report of
    two models (``seedtrail sim``, ``sim load``, ``report build`` through their functions)."""
    from seedtrail.attribution import runs
    from seedtrail.attribution.report import ReportSpec, build
    from seedtrail.community import funding
    from seedtrail.sim.load import load_world
    from seedtrail.sim.runner import generate
    from seedtrail.sim.spec import spec_from_mapping

    world_dir = tmp_path_factory.mktemp("sim-world")
    generate(spec_from_mapping(SIM_SCALE), 3, world_dir)
    data = tmp_path_factory.mktemp("sim-dashboard")
    store = Store(make_engine(f"sqlite:///{data / 'seedtrail.db'}"))
    migrate.upgrade(store.engine)
    load_world(store, world_dir, 3)
    report = build(world_dir, ReportSpec(models=("last_click", "position_based")))
    runs.publish(data, report.write(runs.run_dir(data, report.meta["run_id"])))
    with store.transaction() as conn:
        brand, campaign = conn.execute(
            select(campaigns_table.c.brand_id, campaigns_table.c.id).order_by(campaigns_table.c.id)
        ).first()  # type: ignore[misc]
        shop = conn.execute(  # the partner with the most offers: a shop key's own page
            select(partners_table.c.id)
            .join(offers_table, offers_table.c.partner_id == partners_table.c.id)
            .group_by(partners_table.c.id)
            .order_by(func.count().desc(), partners_table.c.id)
        ).scalar()
        keys = {}
        for role, extra in (
            ("brand", {"account_id": brand}),
            ("partner", {"partner_id": shop}),
            ("operator", {}),  # last: ``who`` below is the operator
        ):
            who, keys[role] = principals.create(conn, name=role, role=role, **extra)
        # the shop co-funds the first campaign's boost (a quarter of its spend)
        share = funding.FunderIn(funder="marketplace", partner_id=shop, share=0.25)
        funding.set_funders(conn, who, int(campaign), funding.FundingIn(funders=[share]))
    store.dispose()
    with serve(data) as url:
        yield SimSite(url, keys, int(campaign))


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Chromium, for one module's tests. Not for the session: Playwright's sync API runs its
    event loop on the main thread while it is open, so every later test on the same worker that
    calls ``asyncio.run`` would fail (and CPython 3.11's AST checks trip over its greenlets)."""
    if not Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is None:
        pytest.skip(f"{CHROMIUM} is missing: apt-get install -y chromium (scripts/test does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


def sign_in(browser: Any, site: Site, role: str, *, locale: str = "zh-CN") -> Any:
    """A fresh browser context signed in as ``role`` through the sign-in form."""
    return sign_in_with(browser, site.url, site.world.keys[role], locale=locale)


def sign_in_with(browser: Any, url: str, key: str, *, locale: str = "zh-CN") -> Any:
    """A fresh browser context on the server at ``url``, signed in with ``key`` through the
    sign-in form."""
    context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(url + "/ui/")
    page.fill("input[name=key]", key)
    page.click("form[action='/ui/signin'] button[type=submit]")
    page.wait_for_load_state()
    return page


def shot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"dashboard-{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
