"""The crackdown flow at scale: scan comments, notes and profiles, find campaigns, open one case
per campaign (its members under it), one group action over a campaign of 10,000 accounts, and the
moderator queue paging with a million open cases. Time and peak memory per stage.

    python bench/crackdown.py --scale 0.1          # 1M comments, 100k notes, 100k profiles
    python bench/crackdown.py --skip-scan --url postgresql+psycopg://postgres@host/empty_db
    flock /work/heavy.lock nice -n 10 python bench/crackdown.py   # 10M / 1M / 1M (the articles)

The texts come from bench/integrity.py's generator (organic comments from the simulator's text
model, obfuscated diversion, scripted water-army campaigns); notes reuse organic texts as bodies;
profiles are the simulator's creator bios with 0.5% carrying an obfuscated contact. The store is
SQLite (a file in a temporary directory) unless ``--url`` names an empty database (its tables are
dropped at the end). Baselines, measured in the same run, per stage:

- scan: one normalization pass over every text (the per-text floor);
- open cases: a plain insert of the same number of case rows (no identity check, no audit);
- group action: one ``UPDATE accounts SET status = 'banned'`` over the members (no per-member
  action, audit, reversibility or appeal);
- queue: ``SELECT id FROM cases LIMIT 100`` (no order, no filter).

Target (issue 15): a queue page under 500 ms with 1M open cases. Deep pages are read both ways in
the same run: the old offset (what the queue did before cursors; the API now stops offsets at
10,000) and the cursor of the page before (checked to return the same rows).
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import Connection, insert, select, text, update

sys.path.insert(0, str(Path(__file__).parent))
from integrity import build
from seedtrail.core.principals import Principal
from seedtrail.enforcement import campaign_intake, cases, groups, queue
from seedtrail.integrity.campaigns import find_campaigns
from seedtrail.integrity.normalize import Normalizer
from seedtrail.integrity.scan import Scanner
from seedtrail.integrity.sources import Item, profile_item
from seedtrail.sim.text import diversion
from seedtrail.sim.world import CREATOR_BIOS
from seedtrail.store import migrate, paging
from seedtrail.store.db import make_engine
from seedtrail.store.schema import accounts, audit_log, metadata
from seedtrail.store.schema import cases as cases_table
from seedtrail.store.store import Store
from seedtrail.store.types import utcnow

ACTOR = Principal(id=0, name="bench", role="operator")
MOD = Principal(id=1, name="bench-mod", role="moderator")


def _peak_gb() -> str:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024**2
    return f"peak RSS so far: main {own:.2f} GB, largest worker {kids:.2f} GB"


def _cpu() -> str:
    """CPU seconds so far (user + system) of this process and of its finished workers: on a
    shared machine the wall time says more about the load than about the code."""
    own, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    main, workers = own.ru_utime + own.ru_stime, kids.ru_utime + kids.ru_stime
    return f"CPU so far: main {main:,.0f} s, workers {workers:,.0f} s"


def _line(stage: str, seconds: float, n: int, unit: str, base: float | None) -> None:
    rate = n / seconds if seconds > 0 else float("inf")
    ratio = f"{seconds / base:7.2f}x baseline time" if base else ""
    print(f"{stage:<46} {seconds:9.3f} s {rate:12,.0f} {unit}/s {ratio}  {_peak_gb()}; {_cpu()}",
          flush=True)  # fmt: skip


def _other_texts(n_notes: int, n_profiles: int, seed: int) -> list[list[Item]]:
    """Notes (organic bodies with a title) and profiles (bios, 0.5% with a contact)."""
    from seedtrail.sim.text.comments import organic_comments

    rng = np.random.default_rng(seed + 1)
    bodies = organic_comments(rng, rng.integers(0, 8, n_notes)).to_pylist()
    batches: list[list[Item]] = []
    for s in range(0, n_notes, 50_000):
        batches.append(
            [
                Item(f"note:{s + i}", f"好物分享\n{b}", str(s + i), str(s + i), None, None, "note")
                for i, b in enumerate(bodies[s : s + 50_000])
            ]
        )
    bad = set(rng.choice(n_profiles, max(1, n_profiles // 200), replace=False).tolist())
    for s in range(0, n_profiles, 50_000):
        chunk = []
        for i in range(s, min(n_profiles, s + 50_000)):
            bio = CREATOR_BIOS[i % len(CREATOR_BIOS)].format(city="上海", h=165, y=95, n=3)
            if i in bad:
                bio += (
                    " " + diversion.make(rng, diversion.FAMILIES[i % len(diversion.FAMILIES)]).text
                )
            chunk.append(profile_item(i, f"用户{i}", bio, None))
        batches.append(chunk)
    return batches


def _baseline(data: Any, others: list[list[Item]], every: int) -> float:
    """Seconds one normalization pass over every text takes, timed on every ``every``-th batch
    (texts are generated in shuffled order, so batches are alike) and scaled to all texts."""
    norm = Normalizer()
    timed = seen = 0
    took = 0.0
    chunks = [*data.texts(), *([it.text for it in b] for b in others)]
    for k, texts in enumerate(chunks):
        seen += len(texts)
        if k % every:
            continue
        t = time.perf_counter()
        for s in texts:
            norm(s)
        took += time.perf_counter() - t
        timed += len(texts)
    return took * seen / max(1, timed)


def _progress(total: int) -> Callable[[str, int], None]:
    """Scanner progress as one rich line per million texts (and at the end of each stage)."""
    from rich.console import Console

    console = Console(highlight=False, markup=False, width=160)
    start = time.perf_counter()
    done = [0, 0]

    def report(stage: str, n: int) -> None:
        done[0] += n
        if stage == "scan" and done[0] - done[1] < 1_000_000 and done[0] < total:
            return
        done[1] = done[0]
        took = time.perf_counter() - start
        what = f"{done[0]:,}/{total:,} texts" if stage == "scan" else "clusters found"
        console.print(f"  {stage}: {what}, {took:,.0f} s, {done[0] / took:,.0f}/s; {_peak_gb()}")
        sys.stdout.flush()

    return report


def scan_stage(args: argparse.Namespace) -> tuple[object, int]:
    n = int(10_000_000 * args.scale)
    n_acc = max(1000, int(1_000_000 * args.scale))
    n_side = max(1000, int(1_000_000 * args.scale))
    t = time.perf_counter()
    data, _ = build(n, n_acc, max(1, int(20 * args.scale)), args.seed)
    others = _other_texts(n_side, n_side, args.seed)
    print(f"data: {len(data):,} comments, {n_side:,} notes, {n_side:,} profiles, {n_acc:,} "
          f"accounts ({time.perf_counter() - t:.0f} s to build)", flush=True)  # fmt: skip
    total = len(data) + 2 * n_side
    base = _baseline(data, others, args.baseline_every)
    _line(f"baseline: one normalization pass (every {args.baseline_every}. batch, scaled)",
          base, total, "texts", None)  # fmt: skip

    n_comments = len(data)
    source = [data]  # the generated columns, dropped once scanned (the scan keeps its own)
    del data

    def batches():  # type: ignore[no-untyped-def]
        yield from source.pop().batches()
        while others:
            yield others.pop(0)

    t = time.perf_counter()
    res = Scanner().run(batches(), progress=_progress(total), workers=args.workers)
    _line(f"scan comments+notes+profiles ({args.workers} workers)",
          time.perf_counter() - t, total, "texts", base)  # fmt: skip
    counts: dict[str, int] = {}
    rows = set(res.findings)
    if res.clusters is not None:
        rows.update(np.flatnonzero(res.clusters.label >= 0).tolist())
    for i in sorted(rows):  # a text with no finding and in no cluster has no label
        kind = res.cols.kind(i)
        for lab in res.labels(i):
            counts[f"{kind}:{lab}"] = counts.get(f"{kind}:{lab}", 0) + 1
    print(f"labels {dict(sorted(counts.items()))}", flush=True)
    t = time.perf_counter()
    found = find_campaigns(res.activity())
    _line("find campaigns", time.perf_counter() - t, n_comments, "comments", None)
    print(f"campaigns found: {len(found)}", flush=True)
    return found, total


def store_stage(args: argparse.Namespace, tmp: Path) -> None:
    store = Store(make_engine(args.url or f"sqlite:///{tmp / 'crackdown.db'}"))
    migrate.upgrade(store.engine)
    try:
        _store_stages(args, store, tmp)
    finally:
        if args.url:
            metadata.drop_all(store.engine)
            with store.engine.begin() as conn:
                conn.execute(text("DROP TABLE alembic_version"))
        store.dispose()


def _store_stages(args: argparse.Namespace, store: Store, tmp: Path) -> None:
    now = utcnow()
    size = args.campaign_size
    with store.transaction() as conn:  # the campaign's accounts and one note they target
        conn.execute(
            insert(accounts),
            [{"id": a, "handle": f"wa{a}", "display_name": f"水军{a}", "kind": "creator",
              "follower_count": 10, "verified": False, "status": "active",
              "created_at": now, "updated_at": now} for a in range(1, size + 1)],
        )  # fmt: skip
    camp = tmp / "campaign.jsonl"
    line = {"campaign": 1, "accounts": list(range(1, size + 1)), "notes": [], "score": 0.9,
            "comments": list(range(1, 2 * size + 1))}  # fmt: skip
    camp.write_text(json.dumps(line) + "\n", "utf-8")

    t = time.perf_counter()
    with store.transaction() as conn:
        conn.execute(
            insert(cases_table),
            [{"subject_type": "account", "subject_id": a, "detector": "baseline", "severity": 4,
              "reach": 0, "summary": "x", "evidence": {}, "evidence_hash": "b",
              "status": "dismissed", "opened_by": "bench", "created_at": now,
              "updated_at": now} for a in range(1, size + 2)],
        )  # fmt: skip
    base_open = time.perf_counter() - t
    _line("baseline: plain insert of the case rows", base_open, size + 1, "cases", None)
    t = time.perf_counter()
    report = campaign_intake.import_campaigns(store, ACTOR, camp)
    _line(f"open cases: 1 campaign case + {report.members:,} members",
          time.perf_counter() - t, report.members + 1, "cases", base_open)  # fmt: skip

    key = None
    with store.read() as conn:
        key = cases.repo.get(conn, report.case_ids[0])["group_key"]
    t = time.perf_counter()
    with store.transaction() as conn:
        conn.execute(update(accounts).where(accounts.c.id <= size).values(status="banned"))
        conn.execute(update(accounts).values(status="active"))
    base_group = time.perf_counter() - t
    _line("baseline: one UPDATE over the members", base_group, size, "accounts", None)
    t = time.perf_counter()
    with store.transaction() as conn:
        done = groups.take(conn, MOD, key, "ban", "coordinated water-army comments")
    _line(f"group action: ban {len(done['taken']):,} members",
          time.perf_counter() - t, size, "accounts", base_group)  # fmt: skip
    with store.read() as conn:
        banned = conn.execute(
            select(text("count(*)")).select_from(accounts).where(accounts.c.status == "banned")
        ).scalar()
        audited = conn.execute(select(text("count(*)")).select_from(audit_log)).scalar()
    print(f"banned accounts {banned:,}; audit entries {audited:,}", flush=True)
    queue_stage(store, args.queue_cases)


def queue_stage(store: Store, n: int) -> None:
    rng = np.random.default_rng(3)
    now = utcnow()
    t = time.perf_counter()
    sev = rng.integers(1, 5, n).tolist()
    reach = rng.integers(0, 1_000_000, n).tolist()
    with store.transaction() as conn:
        for s in range(0, n, 50_000):
            conn.execute(
                insert(cases_table),
                [{"subject_type": "comment", "subject_id": 10_000_000 + i, "detector": "diversion",
                  "severity": sev[i], "reach": reach[i], "summary": f"diversion in comment {i}",
                  "summary_code": "finding", "summary_params": {"label": "diversion"},
                  "evidence": {"text": "加我薇信"}, "evidence_hash": "q", "status": "open",
                  "opened_by": "bench", "created_at": now, "updated_at": now}
                 for i in range(s, min(n, s + 50_000))],
            )  # fmt: skip
    print(f"queue: {n:,} open cases inserted in {time.perf_counter() - t:.0f} s", flush=True)
    if store.engine.dialect.name == "postgresql":  # what autovacuum does after a bulk load
        with store.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE cases"))
    with store.read() as conn:
        t = time.perf_counter()
        conn.execute(text("SELECT id FROM cases LIMIT 100")).all()
        base = time.perf_counter() - t
        _line("baseline: SELECT id FROM cases LIMIT 100", base, 100, "rows", None)
        for label, filters, offset, sev_min in (
            ("queue page 1 (all open)", {"status": "open"}, 0, None),
            ("queue page 101 (offset 10,000)", {"status": "open"}, 10_000, None),
            ("queue page 1, min severity 3", {"status": "open"}, 0, 3),
            ("queue page 1, no filter", {}, 0, None),
            ("queue page 101, no filter", {}, 10_000, None),
            ("queue page 1, no filter, min severity 3", {}, 0, 3),
            ("queue page 1, a detector with no case", {"detector": "claims"}, 0, None),
            ("queue page 1, campaign cases only", {"subject_type": "campaign"}, 0, None),
        ):
            t = time.perf_counter()
            rows = queue.rows(conn, MOD, filters, min_severity=sev_min, limit=100, offset=offset)
            _verdict(label, time.perf_counter() - t, len(rows), base)
        for filters in ({}, {"status": "open"}):
            deep_pages(conn, filters, min(500_000, n - 100), base)


def _verdict(label: str, took: float, rows: int, base: float) -> None:
    _line(label, took, rows, "rows", base)
    verdict = "meets" if took < 0.5 else "MISSES"
    print(f"    {took * 1000:.0f} ms: {verdict} the 500 ms target", flush=True)


def deep_pages(conn: Connection, filters: dict[str, Any], depth: int, base: float) -> None:
    """A page ``depth`` cases deep: the old way (an offset, which the API now refuses past
    10,000) against the cursor of the page before it; then 20 pages followed by their cursors."""
    name = ",".join(f"{k}={v}" for k, v in filters.items()) or "no filter"
    old = (
        select(*[c for c in cases_table.c if c.name != "evidence"])
        .where(
            cases_table.c.parent_id.is_(None), *(cases_table.c[k] == v for k, v in filters.items())
        )
        .order_by(cases_table.c.severity.desc(), cases_table.c.reach.desc(), cases_table.c.id)
    )
    t = time.perf_counter()
    before = conn.execute(old.limit(100).offset(depth - 100)).mappings().all()
    _verdict(f"old: offset {depth:,}, {name}", time.perf_counter() - t, len(before), base)
    last = before[-1]
    given = {**filters, "min_severity": None, "group_key": None}
    key = [last["severity"], last["reach"], last["id"]]
    cursor = paging.encode(queue.LISTING, given, depth, key)
    t = time.perf_counter()
    page = queue.page(conn, MOD, filters, limit=100, cursor=cursor)
    _verdict(f"cursor: page at {depth:,}, {name}", time.perf_counter() - t, len(page.rows), base)
    same = conn.execute(old.limit(100).offset(depth)).mappings().all()
    assert [r["id"] for r in page.rows] == [r["id"] for r in same], "cursor page differs"
    t = time.perf_counter()
    pages = 0
    while page.next and pages < 20:
        page = queue.page(conn, MOD, filters, limit=100, cursor=page.next)
        pages += 1
    took = (time.perf_counter() - t) / max(1, pages)
    _verdict(f"cursor: {pages} next pages from there, per page", took, 100, base)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument(
        "--scale", type=float, default=1.0, help="1.0 = 10M comments, 1M notes, 1M profiles"
    )
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument(
        "--baseline-every", type=int, default=10, help="time the baseline on every n-th batch"
    )
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--campaign-size", type=int, default=10_000)
    ap.add_argument("--queue-cases", type=int, default=1_000_000)
    ap.add_argument("--skip-scan", action="store_true", help="only the store stages")
    ap.add_argument("--skip-store", action="store_true", help="only the scan stages")
    ap.add_argument("--url", help="an empty database for the store stages (default: SQLite file)")
    args = ap.parse_args()
    t = time.perf_counter()
    if not args.skip_scan:
        scan_stage(args)
    if not args.skip_store:
        with tempfile.TemporaryDirectory() as tmp:
            store_stage(args, Path(tmp))
    print(f"total {time.perf_counter() - t:.0f} s; {_peak_gb()}", flush=True)


if __name__ == "__main__":
    main()
