"""Opening water-army cases from ``seedtrail integrity campaigns``' file.

Campaigns (one line per campaign): ``{"accounts", "comments", "notes", "score", "evidence"}``,
optionally ``campaign`` (or ``id``) and ``time_span``. One case per campaign (subject
``campaign``, detector ``water_army``): its evidence carries the members, target notes, comments,
a timeline (from ``--texts``) and the detector's evidence (text, time, graph). Under it, one case
per member account (``parent_id``, the same group key) holding that member's comments: members'
cases stay out of the queue, take the campaign's group action and are each appealable.

Idempotent: a campaign's case is identified by the hash of its sorted accounts, comments and
notes, so importing a file again opens nothing new and takes no automatic action twice.
Severity: 50 or more accounts → critical, 10 or more → high, else medium (the detector's score is
shown, not used: scores are not calibrated across runs). Reach: the followers of the authors of
all target notes.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from seedtrail.core.errors import InvalidValue
from seedtrail.core.principals import Principal
from seedtrail.enforcement import autopolicy, cases, subjects
from seedtrail.enforcement.detection_files import (
    Report,
    integer,
    load_texts,
    take_auto,
    validated,
)
from seedtrail.messages import N_, Msg
from seedtrail.store.store import Store

TIMELINE_MAX = 500


def _check_campaign(obj: dict[str, object]) -> dict[str, object]:
    out = dict(obj)
    for key in ("accounts", "comments", "notes"):
        value = obj.get(key, [])
        if not isinstance(value, list):
            raise InvalidValue(Msg("invalid.line_ids", {"key": key}))
        out[key] = sorted({integer(v, f"{key} entry") for v in value})
    if not out["accounts"]:
        raise InvalidValue(Msg("invalid.line_accounts"))
    if obj.get("id") is None and obj.get("campaign") is not None:
        out["id"] = obj["campaign"]
    score = obj.get("score")
    if score is not None and not isinstance(score, int | float):
        raise InvalidValue(Msg("invalid.line_score"))
    if not isinstance(obj.get("evidence", {}), dict):
        raise InvalidValue(Msg("invalid.line_evidence"))
    return out


def campaign_severity(n_accounts: int) -> int:
    return 4 if n_accounts >= 50 else 3 if n_accounts >= 10 else 2


def import_campaigns(
    store: Store,
    actor: Principal,
    path: Path,
    *,
    texts: Path | None = None,
    auto: list[autopolicy.AutoRule] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Report:
    """One case per campaign (subject ``campaign``) and, under it, one case per member account
    (``parent_id``; kept out of the queue, acted on by the group action, appealed by the member).
    ``Report.opened`` counts campaign cases; members are counted in ``Report.members``."""
    cases.require_staff(actor, N_("staff.import_detections"))
    campaigns = [obj for _, obj in validated(path, _check_campaign)]
    joined = load_texts(texts, {c for camp in campaigns for c in camp["comments"]})
    report = Report(lines=len(campaigns))
    for camp in campaigns:
        _import_campaign(store, actor, camp, joined, auto, report)
        if progress:
            progress(1, len(campaigns))
    return report


def _import_campaign(
    store: Store,
    actor: Principal,
    camp: dict[str, Any],
    joined: dict[int, dict[str, object]],
    auto: list[autopolicy.AutoRule] | None,
    report: Report,
) -> None:
    """One campaign's case and its members' cases, in one transaction."""
    key = cases.evidence_hash({k: camp[k] for k in ("accounts", "comments", "notes")})
    full = _timeline(camp["comments"], joined)
    timeline = full[:TIMELINE_MAX]
    times = [e["ts"] for e in timeline if e["ts"] is not None]
    n, n_comments, n_notes = len(camp["accounts"]), len(camp["comments"]), len(camp["notes"])
    span = [min(times, key=_when), max(times, key=_when)] if times else camp.get("time_span")
    brief = {"key": key, "id": camp.get("id"), "account_count": n, "notes": camp["notes"],
             "comment_count": n_comments, "span": span}  # fmt: skip
    params = {"accounts": n, "comments": n_comments, "notes": n_notes, "score": camp.get("score")}
    with store.transaction() as conn:
        reach = subjects.note_audience(conn, camp["notes"])
        lead = cases.CaseSpec(
            subject_type="campaign",
            subject_id=int(key[:12], 16),
            detector="water_army",
            severity=campaign_severity(n),
            summary=(
                f"water-army campaign of {n} accounts, {n_comments} comments on {n_notes} "
                f"notes (score {camp.get('score')})"
            ),
            summary_code="water_army.campaign",
            summary_params=params,
            evidence={
                "campaign": {
                    **brief,
                    "score": camp.get("score"),
                    "accounts": camp["accounts"],
                    "comments": camp["comments"][:1000],
                    "timeline": timeline,
                },
                "detector": camp.get("evidence", {}),
            },
            identity={"campaign": key},
            reach=reach,
            group_key=key,
        )
        ((row, created),) = cases.open_many(conn, actor, [lead])
        report.case_ids.append(row["id"])
        report.opened += created
        report.existing += not created
        by_author = _by_author(full)
        specs = [
            cases.CaseSpec(
                subject_type="account",
                subject_id=account,
                detector="water_army",
                severity=campaign_severity(n),
                summary=f"account {account} is a member of campaign case {row['id']}",
                summary_code="water_army.member",
                summary_params={**params, "account": account, "campaign_case": row["id"]},
                evidence={
                    "campaign": {**brief, "case_id": row["id"]},
                    "member": {
                        "account_id": account,
                        "comments": by_author.get(account, [])[:100],
                    },
                },
                identity={"campaign": key},
                reach=reach,
                owner_id=account,
                group_key=key,
                parent_id=row["id"],
            )
            for account in camp["accounts"]
        ]
        for member, fresh in cases.open_many(conn, actor, specs):
            report.members += fresh
            if fresh:
                take_auto(conn, report, member, auto)


def _timeline(comments: list[int], joined: dict[int, dict[str, object]]) -> list[dict[str, object]]:
    """The campaign's comments in time order (those the scan's input names)."""
    return sorted(
        (
            {
                "ts": joined[c].get("ts"),
                "account": joined[c].get("author"),
                "note": joined[c].get("note_id"),
                "comment": c,
                "text": joined[c].get("text"),
            }
            for c in comments
            if c in joined
        ),
        key=lambda e: (_when(e["ts"]), e["comment"]),
    )


def _by_author(timeline: list[dict[str, object]]) -> dict[int, list[dict[str, object]]]:
    out: dict[int, list[dict[str, object]]] = {}
    for e in timeline:
        try:
            who = integer(e["account"], "author") if e["account"] is not None else None
        except ValueError:
            continue
        if who is not None:
            out.setdefault(who, []).append(e)
    return out


def _when(ts: Any) -> tuple[int, float, str]:
    """Sort key for times given as epoch numbers or ISO strings (numbers first, each in order)."""
    if isinstance(ts, int | float) and not isinstance(ts, bool):
        return (0, float(ts), "")
    return (1, 0.0, "" if ts is None else str(ts))
