"""The demo's world: a simulated community run through seedtrail end to end.

One call builds what the dashboard shows, by the path a real community runs on its own data: a
`seedtrail sim` world (creators, brands, viewers, shops, boosts, bad actors) is loaded into the
store, its links mounted through the link policy and its taps replayed through the redirect's
decisions; the community posts its events and the shops their back-link events through intake
(the community's own shop records its orders natively, with the buyer's community user key);
the sealer moves both, and the redirect's clicks, into the lake; the community and each external
shop match their customers in the clean room on blinded contact ids; the attribution report for
every model is built from the store, the lake and those matches (published for the API), then the
clean room's per-person rows and the integrity detectors' cases.

The world's ground truth is never read here: it is for `seedtrail report score --world` only.
Each step is the same library call a user's command makes (`seedtrail sim --load`, `import`,
`lake seal`, `cleanroom match`, `report build`, `cleanroom rows`, `cases import`).
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb

from seedtrail.attribution.dialect import literal
from seedtrail.core.settings import Settings
from seedtrail.messages import N_
from seedtrail.store.store import Store

Say = Callable[[str], None]
#: The category whose links the demo community opened half-way through its world's days (its
#: policy history, as the articles' communities reopened links category by category): the
#: operator's policy impact page measures what that opening did.
OPENED = "outdoor"


@dataclass
class WorldSummary:
    world_dir: Path
    seed: int
    scale: str
    events: int = 0
    loaded: dict[str, int] = field(default_factory=dict)
    clicks: int = 0
    backhaul: dict[str, dict[str, int]] = field(default_factory=dict)
    sealed: int = 0
    report_run: str = ""
    primary_model: str = ""
    cleanroom_rows: int = 0
    cases: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    brand_id: int | None = None
    creator_id: int | None = None
    partner_id: int | None = None
    detail: dict[str, Any] = field(default_factory=dict)


def build(
    settings: Settings, store: Store, say: Say, *, scale: str = "demo", seed: int = 7
) -> WorldSummary:
    out = WorldSummary(settings.data_dir / "world", seed, scale)
    _run(out, say, [(N_("demo.step.simulate"), lambda: _simulate(out))])
    deliver(settings, store, out, say)
    _run(
        out,
        say,
        [
            (N_("demo.step.attribution"), lambda: _attribute(settings, store, out)),
            (N_("demo.step.cleanroom"), lambda: _cleanroom(settings, store, out)),
            (N_("demo.step.integrity"), lambda: _integrity(settings, store, out)),
            (N_("demo.step.three_party"), lambda: _three_party(settings, store, out)),
            (N_("demo.step.pick"), lambda: _pick(out)),
        ],
    )
    return out


def deliver(settings: Settings, store: Store, out: WorldSummary, say: Say) -> None:
    """A simulated world's data into a deployment, as a community and its shops would bring
    their own: links and taps, community events, shops' events, the sealed lake, the clean
    room's matches (everything a report needs; ``out.world_dir`` must hold the world)."""
    _run(
        out,
        say,
        [
            (N_("demo.step.load"), lambda: _load(store, out)),
            (N_("demo.step.community"), lambda: _community(store, out)),
            (N_("demo.step.backhaul"), lambda: _backhaul(store, out)),
            (N_("demo.step.seal"), lambda: _seal(settings, store, out)),
            (N_("demo.step.match"), lambda: _match(settings, out)),
        ],
    )


def _run(out: WorldSummary, say: Say, steps: list[tuple[str, Callable[[], None]]]) -> None:
    """Each step in turn, timed; ``say`` is given the step's key (``demo.step.*``)."""
    for label, step in steps:
        say(label)
        t0 = time.monotonic()
        step()
        out.seconds[label] = round(time.monotonic() - t0, 1)


def _simulate(out: WorldSummary) -> None:
    from seedtrail.sim.responses import ResponseParams, open_from
    from seedtrail.sim.runner import generate
    from seedtrail.sim.spec import load_spec

    out.world_dir.mkdir(parents=True, exist_ok=True)
    spec = load_spec(out.scale)
    summary = generate(spec, out.seed, out.world_dir, None)
    out.events = summary.events
    # the community's own policy history: one category's links opened half-way through
    first_day = spec.days // 2
    opened = open_from(out.world_dir, OPENED, first_day, ResponseParams(), out.seed)
    day = date.fromisoformat(spec.start) + timedelta(days=first_day)
    out.detail["opened"] = {"category": OPENED, "from": day.isoformat(), **opened}
    out.events = _count_events(out.world_dir)


def _count_events(world: Path) -> int:
    """The world's events and shops' conversions as written (after its policy history)."""
    import pyarrow.parquet as pq

    files = [*(world / "events").glob("*.parquet"), *(world / "conversions").rglob("*.parquet")]
    return sum(pq.read_metadata(f).num_rows for f in files)


def _load(store: Store, out: WorldSummary) -> None:
    from seedtrail.sim.load import load_world

    out.loaded = load_world(store, out.world_dir, out.seed)
    out.clicks = out.loaded["clicks"]


def _community(store: Store, out: WorldSummary) -> None:
    """The community's app log, as the community would post it: its own events only (taps are
    the redirect's, already in the click log)."""
    from seedtrail.contracts import COMMUNITY_KINDS
    from seedtrail.intake.events import COMMUNITY
    from seedtrail.intake.importer import import_file
    from seedtrail.intake.inbox import Inbox

    kinds = ", ".join(literal(k) for k in COMMUNITY_KINDS)
    front = literal(str(out.world_dir / "events" / "front.parquet"))
    with tempfile.TemporaryDirectory(prefix="seedtrail-demo-") as tmp:
        path = Path(tmp) / "community-events.parquet"
        duckdb.connect().execute(
            f"COPY (SELECT * FROM read_parquet({front}) WHERE kind IN ({kinds})) "  # noqa: S608
            f"TO {literal(str(path))} (FORMAT PARQUET)"
        )
        report = import_file(Inbox(store.engine), path, "front", COMMUNITY)
    out.detail["community events"] = {"stored": report.stored, "rejected": report.rejected}


def _backhaul(store: Store, out: WorldSummary) -> None:
    from seedtrail.intake.directory import PartnerDirectory
    from seedtrail.intake.importer import import_file
    from seedtrail.intake.inbox import Inbox

    inbox = Inbox(store.engine)
    directory = PartnerDirectory(store)
    for path in sorted((out.world_dir / "conversions").glob("*.parquet")):
        entry = directory.get(path.stem)
        if entry.kind == "own_shop":  # the community's own shop records its orders natively
            out.backhaul[entry.slug] = _own_shop(inbox, entry, path)
            out.detail.setdefault("native", []).append(entry.slug)
            continue
        report = import_file(
            inbox, path, "back", entry.slug, declared_rate=entry.declared_sample_rate
        )
        out.backhaul[entry.slug] = {
            "read": report.read,
            "stored": report.stored,
            "duplicates": report.duplicates,
            "rejected": report.rejected,
        }


def _own_shop(inbox: Any, entry: Any, path: Path) -> dict[str, int]:
    """The own shop's order system records its history as ``POST /partners/{slug}/orders`` does
    (:mod:`seedtrail.intake.ownshop`): each event with its buyer's community user key, no
    signature, every order; replayed with the times it was recorded (``received_at``)."""
    import pyarrow.parquet as pq

    from seedtrail.intake.ownshop import check_orders, require_own_shop

    require_own_shop(entry)
    dropped = ("partner", "sample_rate", "shop_user_key")
    got = {"read": 0, "stored": 0, "duplicates": 0, "rejected": 0}
    for batch in pq.ParquetFile(path).iter_batches(batch_size=10_000):
        orders = [
            {"user_key": r["shop_user_key"],
             **{k: v for k, v in r.items() if v is not None and k not in dropped}}
            for r in batch.to_pylist()
        ]  # fmt: skip
        checked = check_orders(orders, entry.slug, time.time_ns() // 1000, keep_received=True)
        receipt = inbox.put_now(checked.rows)
        got["read"] += len(orders)
        got["stored"] += receipt.stored
        got["duplicates"] += receipt.duplicates
        got["rejected"] += len(checked.rejected)
    return got


def _seal(settings: Settings, store: Store, out: WorldSummary) -> None:
    from seedtrail.intake.sealer import seal
    from seedtrail.lake.layout import Lake

    report = seal(store, Lake(settings.effective_lake_url), settings.data_dir / "locks")
    out.sealed = report.written


def _match(settings: Settings, out: WorldSummary) -> None:
    """Each shop and the community run their sides of the clean room's matching on their own
    contact lists (blind, re-blind), and the joiner intersects: the only identity map."""
    from seedtrail.attribution.deployment import CLEANROOM_DIR
    from seedtrail.cleanroom.identity import IdColumns, match

    root = settings.data_dir / CLEANROOM_DIR
    parties = out.world_dir / "parties"
    users = parties / "community" / "users.parquet"
    rates: dict[str, object] = {}
    native = out.detail.get("native", [])  # the own shop knows its buyers: nothing to match
    for shop in sorted(p for p in (parties / "shops").iterdir() if p.name not in native):
        rates[shop.name] = match(
            users,
            shop / "customers.parquet",
            shop.name,
            root,
            community_ids=IdColumns("user_key"),
            shop_ids=IdColumns("shop_user_key"),
            threshold=settings.cleanroom_match_threshold,
            processes=settings.cleanroom_workers,
        )
    out.detail["matching"] = rates


def _deployment(settings: Settings, store: Store) -> Any:
    from seedtrail.attribution.deployment import from_settings

    return from_settings(settings, store)


def _attribute(settings: Settings, store: Store, out: WorldSummary) -> None:
    from seedtrail.attribution import runs
    from seedtrail.attribution.report import ReportSpec, build_from

    report = build_from(_deployment(settings, store), ReportSpec())
    target = runs.run_dir(settings.data_dir, report.meta["run_id"])
    report.write(target)
    runs.publish(settings.data_dir, target)
    out.report_run = str(report.meta["run_id"])
    out.primary_model = str(report.meta["primary_model"])
    out.detail["lift"] = report.meta.get("lift", [])
    out.detail["inputs"] = report.meta.get("inputs", {})


def _cleanroom(settings: Settings, store: Store, out: WorldSummary) -> None:
    from seedtrail.attribution import world
    from seedtrail.attribution.engines.duckdb import DuckDBEngine
    from seedtrail.attribution.report import ReportSpec
    from seedtrail.cleanroom.rows import RowSources, build_rows, save_rows

    spec = ReportSpec()
    with tempfile.TemporaryDirectory(prefix="seedtrail-demo-") as tmp:
        con = duckdb.connect()
        _deployment(settings, store).register(con)
        inputs = world.engine_inputs(con, Path(tmp))
        credits = Path(tmp) / "credits.parquet"
        with DuckDBEngine() as engine:
            engine.run(spec.attribution(out.primary_model or spec.primary), inputs)
            engine.write_outputs(credits)
        files = {
            "notes": "SELECT note_id, author_id FROM d_notes",
            "campaign_notes": "SELECT * FROM w_campaign_notes",
            "holdout": "SELECT community_key, holdout FROM w_viewers",
        }
        for name, sql in files.items():
            con.execute(f"COPY ({sql}) TO {literal(str(Path(tmp) / name))} (FORMAT PARQUET)")
        sources = RowSources(
            touches=inputs.touches if isinstance(inputs.touches, Path) else inputs.touches[0],
            credits=credits,
            notes=Path(tmp) / "notes",
            campaign_notes=Path(tmp) / "campaign_notes",
            holdout=Path(tmp) / "holdout",
        )
        rows = build_rows(sources, con)
        save_rows(rows, settings.data_dir)
        out.cleanroom_rows = rows.num_rows


def _integrity(settings: Settings, store: Store, out: WorldSummary) -> None:
    """`integrity scan` and `integrity campaigns` over the world, then `cases import`."""
    from seedtrail.core.principals import Principal
    from seedtrail.enforcement import campaign_intake, intake
    from seedtrail.integrity.campaigns import CampaignParams, find_campaigns
    from seedtrail.integrity.scan import Scanner
    from seedtrail.integrity.sources import read_world, world_brands

    folder = settings.data_dir / "integrity"
    folder.mkdir(parents=True, exist_ok=True)
    texts = folder / "comments.jsonl"  # the scan's input, kept for the cases' evidence
    comments = literal(str(out.world_dir / "events" / "comments.parquet"))
    duckdb.connect().execute(
        "COPY (SELECT comment_id AS id, text, author, note_id, epoch(ts) AS ts FROM "  # noqa: S608
        f"read_parquet({comments})) TO {literal(str(texts))} (FORMAT JSON)"
    )
    brands, registered = world_brands(out.world_dir)
    result = Scanner(brands=brands, registered=registered).run(read_world(out.world_dir), None)
    findings = folder / "findings.jsonl"
    flagged = 0
    with findings.open("w", encoding="utf-8") as fh:
        for record in result.records():
            if record["labels"]:
                fh.write(json.dumps(record, ensure_ascii=False) + "\n")
                flagged += 1
    found = find_campaigns(result.activity(), CampaignParams())
    campaigns = folder / "campaigns.jsonl"
    with campaigns.open("w", encoding="utf-8") as fh:
        for n, camp in enumerate(found, 1):
            line = {"campaign": n, **camp.to_json(result.activity_ids)}
            fh.write(json.dumps(line, ensure_ascii=False) + "\n")
    demo = Principal(id=0, name="demo", role="operator")
    by_text = intake.import_findings(store, demo, findings, texts=texts)
    by_campaign = campaign_intake.import_campaigns(store, demo, campaigns, texts=texts)
    # the keys are the labels of demo.tour.CASE_KEYS
    out.cases = {
        "texts scanned": len(result),
        "texts flagged": flagged,
        "campaigns found": len(found),
        "cases opened": by_text.opened + by_campaign.opened,
        "member cases": by_campaign.members,
    }


def _three_party(settings: Settings, store: Store, out: WorldSummary) -> None:
    from seedtrail.demo.threeparty import figures

    out.detail["three_party"] = figures(settings, store)


def _pick(out: WorldSummary) -> None:
    """The brand with the most boost spend and the creator with the most boosted notes: the
    accounts the demo's brand and creator keys sign in as."""
    ent = out.world_dir / "entities"
    con = duckdb.connect()
    brand = con.execute(
        "SELECT c.brand_id FROM read_parquet(?) s JOIN read_parquet(?) c USING (campaign_id) "
        "GROUP BY c.brand_id ORDER BY SUM(s.spend) DESC, c.brand_id LIMIT 1",
        [str(ent / "campaign_spend.parquet"), str(ent / "campaigns.parquet")],
    ).fetchone()
    creator = con.execute(  # a creator whose notes a campaign boosts (brands post notes too)
        "SELECT n.author_id FROM read_parquet(?) n JOIN read_parquet(?) a "
        "ON a.account_id = n.author_id AND a.kind = 'creator' "
        "LEFT JOIN read_parquet(?) cn USING (note_id) "
        "GROUP BY n.author_id ORDER BY COUNT(cn.campaign_id) DESC, COUNT(*) DESC, n.author_id "
        "LIMIT 1",
        [
            str(ent / "notes.parquet"),
            str(ent / "accounts.parquet"),
            str(ent / "campaign_notes.parquet"),
        ],
    ).fetchone()
    out.brand_id = int(brand[0]) if brand else None
    out.creator_id = int(creator[0]) if creator else None
    out.detail["partners"] = json.loads((out.world_dir / "manifest.json").read_text("utf-8")).get(
        "partners"
    )
