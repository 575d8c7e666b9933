"""Enforcement on the demo world: its labelled water-army campaigns and unregistered promotions,
written as the integrity detectors write them, open cases with readable evidence; revoking the
promoters' link privileges closes exactly their live links (the redirect's reason naming the
action and case), and overturning on appeal reopens exactly those."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from sqlalchemy import or_, select

from factories import OPERATOR, make
from seedtrail.enforcement import actions, appeals, campaign_intake, cases, intake, queue
from seedtrail.links import rules
from seedtrail.links.resolver import Resolver
from seedtrail.sim.load import load_world
from seedtrail.sim.runner import Summary, generate
from seedtrail.sim.spec import spec_from_mapping
from seedtrail.store.schema import link_mounts, notes, offers
from seedtrail.store.store import Store


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Summary:
    spec = {"base": "tiny", "name": "enforcement", "viewers": 3000, "days": 30}
    return generate(spec_from_mapping(spec), 11, tmp_path_factory.mktemp("world"))


def detector_files(world: Summary, out: Path) -> tuple[Path, Path, Path]:
    """The truth, in the shape of `integrity campaigns` / `integrity scan` output."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    base = Path(world.out)

    def rows(sql: str) -> list[tuple[object, ...]]:
        return con.execute(sql.replace("$", str(base))).fetchall()

    camp = rows(
        "SELECT a.wa_campaign_id, list(DISTINCT a.account_id ORDER BY a.account_id), "
        "any_value(a.target_note_ids) FROM '$/truth/bad_actors.parquet' a "
        "WHERE a.kind = 'water_army' GROUP BY 1 ORDER BY 1"
    )
    items = rows(
        "SELECT wa_campaign_id, list(item_id ORDER BY item_id) FROM '$/truth/bad_items.parquet' "
        "WHERE kind = 'water_army_comment' GROUP BY 1"
    )
    by_camp = dict(items)
    campaigns = out / "campaigns.jsonl"
    with campaigns.open("w", encoding="utf-8") as fh:
        for cid, accounts, notes in camp:
            line = {
                "id": cid,
                "accounts": accounts,
                "notes": notes,
                "comments": by_camp.get(cid, []),
                "score": 1.0,
                "evidence": {"source": "truth"},
            }
            fh.write(json.dumps(line) + "\n")
    texts = out / "comments.jsonl"
    with texts.open("w", encoding="utf-8") as fh:
        for cid, note, author, text, ts in rows(
            "SELECT comment_id, note_id, author, text, CAST(ts AS VARCHAR) "
            "FROM '$/events/comments.parquet'"
        ):
            line = {"id": cid, "note_id": note, "author": author, "text": text, "ts": ts}
            fh.write(json.dumps(line, ensure_ascii=False) + "\n")
    findings = out / "findings.jsonl"
    with findings.open("w", encoding="utf-8") as fh:
        for (note,) in rows(
            "SELECT item_id FROM '$/truth/bad_items.parquet' WHERE kind = 'unregistered_promo'"
        ):
            line = {
                "id": note,
                "subject": "note",
                "labels": ["soft_ad"],
                "findings": [{"kind": "promo", "value": "unregistered", "span": [0, 0]}],
            }
            fh.write(json.dumps(line) + "\n")
    return campaigns, texts, findings


def live(store: Store, reasons: dict[str, str] | None = None) -> dict[str, bool]:
    resolver = Resolver(store, 0.0)
    with store.read() as conn:
        codes = list(
            conn.execute(link_mounts.select().with_only_columns(link_mounts.c.code)).scalars()
        )
    out = {}
    for code in codes:
        link = resolver.lookup(code)
        assert link is not None
        out[code] = link.allowed
        if reasons is not None:
            reasons[code] = link.reason
    return out


def test_demo_world_cases_close_and_reopen_links(
    store: Store, world: Summary, tmp_path: Path
) -> None:
    load_world(store, Path(world.out), world.seed)
    make(store, rules.RESOURCE, name="all open", effect="open")
    campaigns, texts, findings = detector_files(world, tmp_path)
    before = live(store)

    camp = campaign_intake.import_campaigns(store, OPERATOR, campaigns, texts=texts)
    assert camp.opened == camp.lines > 0 and camp.members > camp.opened
    with store.read() as conn:
        queued = queue.rows(conn, OPERATOR, {"detector": "water_army"}, limit=1000)
        first = cases.detail(conn, OPERATOR, queued[0]["id"])
        members = queue.rows(conn, OPERATOR, {"parent_id": first["id"]}, limit=1000)
        member = cases.detail(conn, OPERATOR, members[0]["id"])
    # one case per campaign in the queue; its members under it
    assert {c["subject_type"] for c in queued} == {"campaign"} and len(queued) == camp.lines
    assert len({c["group_key"] for c in queued}) == camp.lines
    timeline = first["evidence"]["campaign"]["timeline"]
    assert timeline and all(e["text"] for e in timeline)
    assert len(first["evidence"]["campaign"]["accounts"]) == len(members)
    assert member["evidence"]["member"]["comments"]  # the member's own scripted comments
    assert member["evidence"]["campaign"]["case_id"] == first["id"]

    ads = intake.import_findings(store, OPERATOR, findings, subject="note")
    assert ads.opened > 0
    with store.transaction() as conn:
        owners = sorted({cases.repo.get(conn, c)["owner_account_id"] for c in ads.case_ids})
        revoked = []
        for owner in owners:
            body = cases.CaseIn(subject_type="account", subject_id=owner, summary="repeat soft ads")
            case = cases.open_manual(conn, OPERATOR, body)
            revoked.append(actions.take(conn, OPERATOR, case["id"], "revoke_link_privileges", "x"))
        touching = set(
            conn.execute(
                select(link_mounts.c.code)
                .select_from(
                    link_mounts.outerjoin(notes, notes.c.id == link_mounts.c.note_id).join(offers)
                )
                .where(
                    or_(
                        notes.c.author_id.in_(owners),
                        link_mounts.c.account_id.in_(owners),
                        offers.c.owner_id.in_(owners),
                    )
                )
            ).scalars()
        )
    reasons: dict[str, str] = {}
    after = live(store, reasons)
    closed = {code for code in before if before[code] and not after[code]}
    assert closed == {c for c in touching if before[c]} and closed  # exactly those, and some
    named = {f"by action {a['id']} in case {a['case_id']}" for a in revoked}
    assert all(any(n in reasons[c] for n in named) for c in closed)
    with store.transaction() as conn:
        for a in revoked:
            appeal = appeals.file(conn, OPERATOR, a["case_id"], "已补登记合作")
            appeals.decide(conn, OPERATOR, appeal["id"], "overturned", "collab registered late")
    assert live(store) == before
