"""Opening cases from detector output: the files ``seedtrail integrity scan`` and
``seedtrail integrity campaigns`` write.

Findings (one line per text): ``{"id", "labels", "findings": [{"kind", "value", "span"}]}``,
optionally ``subject`` (comment, note or account; default given by the caller), ``text``,
``author``, ``note_id``, ``ts`` and ``reach``. An id may carry its subject type as a prefix
(``note:42``, ``profile:7``, as the scan writes for a world); a direct message (``dm:9``, from
the opt-in source) opens a case on its sender (``author``). Lines without labels are skipped. The
scan's own input (``--texts``) fills in text, author, note and time for the ids flagged; a comment
in the store gives its own body; a flagged comment that is not in the store but whose note and
author are is adopted into it (``subjects.adopt_comments``), so every action a case offers works.
One case per label, holding the findings of that label (kinds
the table below does not know go with every label of the line).

Campaigns (one line per campaign): ``{"accounts", "comments", "notes", "score", "evidence"}``,
optionally ``campaign`` (or ``id``) and ``time_span``. One case per campaign (subject
``campaign``, detector ``water_army``): its evidence carries the members, target notes, comments,
a timeline (from ``--texts``) and the detector's evidence (text, time, graph). Under it, one case
per member account (``parent_id``, the same group key) holding that member's comments: members'
cases stay out of the queue, take the campaign's group action and are each appealable.

Idempotent: a case is identified by subject, detector and the hash of its findings (campaigns:
of the sorted accounts, comments and notes), so importing a file again opens nothing new and
takes no automatic action twice.

Severity rules (1 low, 2 medium, 3 high, 4 critical):

- diversion: a phone number, WeChat or QQ id → high; another shop's link, shop or QR → medium;
  only steering words → low;
- claim: high for a medical-beauty or health-food claim (the finding's value is
  ``category:term``) or a note in a regulated category (medical_beauty, health), else medium;
- soft_ad: medium; duplicate: low;
- water_army: 50 or more accounts → critical, 10 or more → high, else medium (the detector's
  score is shown, not used: scores are not calibrated across runs).

Reach (the queue's second key): an explicit ``reach`` on the line wins; otherwise accounts: their
followers; notes: their author's followers; comments: the followers of the author of the note
they sit under; campaign members: the followers of the authors of all target notes.

A file with any bad line is refused as a whole, with the line numbers, before anything is opened.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Set
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from seedtrail.core.errors import InvalidInput, InvalidValue
from seedtrail.core.principals import Principal
from seedtrail.enforcement import autopolicy, cases, subjects
from seedtrail.messages import N_, Msg
from seedtrail.store.store import Store

LABELS = ("diversion", "duplicate", "soft_ad", "claim")
KIND_LABEL = {
    **dict.fromkeys(("wechat", "qq", "phone", "link", "shop", "steer", "qr"), "diversion"),
    **dict.fromkeys(("claim", "medical", "absolute"), "claim"),
    **dict.fromkeys(("brand", "promo", "code", "discount", "coupon", "soft_ad"), "soft_ad"),
    **dict.fromkeys(("duplicate", "template", "cluster"), "duplicate"),
}
CONTACT = frozenset({"phone", "wechat", "qq"})
OFFSITE = frozenset({"link", "shop", "qr"})
REGULATED = frozenset({"medical_beauty", "health"})
REGULATED_CLAIMS = frozenset({"medical_beauty", "health_food"})
PREFIXES = {"account": "account", "profile": "account", "note": "note", "comment": "comment"}
BATCH = 500
MAX_ERRORS = 10
TIMELINE_MAX = 500


@dataclass
class Report:
    lines: int = 0
    unflagged: int = 0
    opened: int = 0
    existing: int = 0
    auto_actions: int = 0
    members: int = 0  # member cases opened under campaign cases
    skipped: list[str] = field(default_factory=list)
    case_ids: list[int] = field(default_factory=list)


def _json_lines(path: Path) -> Iterator[tuple[int, Any]]:
    try:
        fh = path.open(encoding="utf-8")
    except OSError as exc:
        raise InvalidInput(
            Msg("problem.invalid-input.unreadable", {"path": str(path), "error": exc.strerror})
        ) from None
    with fh:
        for no, raw in enumerate(fh, 1):
            if raw.strip():
                try:
                    yield no, json.loads(raw)
                except json.JSONDecodeError as exc:
                    yield no, InvalidValue(Msg("invalid.line_json", {"error": exc.msg}))


def _int(value: Any, what: str) -> int:
    if isinstance(value, bool):
        raise InvalidValue(Msg("invalid.integer_id", {"what": what}))
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    raise InvalidValue(Msg("invalid.integer_id_not", {"what": what, "value": repr(value)}))


def _validated(path: Path, check: Callable[[dict[str, object]], Any]) -> list[Any]:
    good: list[Any] = []
    errors: list[Msg] = []
    for no, obj in _json_lines(path):
        try:
            if isinstance(obj, InvalidValue):
                raise obj
            if not isinstance(obj, dict):
                raise InvalidValue(Msg("invalid.line_object"))
            good.append((no, check(obj)))
        except (ValueError, TypeError, KeyError) as exc:
            said = exc.msg if isinstance(exc, InvalidValue) else str(exc)
            where = {"file": path.name, "line": no, "error": said}
            errors.append(Msg("problem.invalid-input.line", where))
    if errors:
        shown = {"n": len(errors), "lines": errors[:MAX_ERRORS]}
        if len(errors) > MAX_ERRORS:
            more = len(errors) - MAX_ERRORS
            raise InvalidInput(Msg("problem.invalid-input.bad_lines_more", {**shown, "more": more}))
        raise InvalidInput(Msg("problem.invalid-input.bad_lines", shown))
    return good


def _check_finding_line(obj: dict[str, object], default_subject: str) -> dict[str, object] | None:
    """The line, checked; None for a line without labels."""
    if "id" not in obj:
        raise InvalidValue(Msg("invalid.line_id"))
    labels = obj.get("labels")
    if not isinstance(labels, list):
        raise InvalidValue(Msg("invalid.line_list", {"key": "labels"}))
    if not labels:
        return None
    bad = [x for x in labels if x not in LABELS]
    if bad:
        raise InvalidValue(
            Msg("invalid.line_labels", {"bad": str(bad), "allowed": ", ".join(LABELS)})
        )
    findings = obj.get("findings", [])
    if not isinstance(findings, list):
        raise InvalidValue(Msg("invalid.line_list", {"key": "findings"}))
    for i, f in enumerate(findings):
        span = f.get("span") if isinstance(f, dict) else None
        if (
            not isinstance(f, dict)
            or not isinstance(f.get("kind"), str)
            or not isinstance(span, list)
            or len(span) != 2
            or not all(isinstance(x, int) and x >= 0 for x in span)
            or span[0] > span[1]
        ):
            raise InvalidValue(Msg("invalid.line_finding", {"i": i}))
    subject, ident = obj.get("subject", default_subject), obj["id"]
    if isinstance(ident, str) and ":" in ident:
        prefix, _, ident = ident.partition(":")
        if prefix == "dm":  # a direct message: the case is about its sender
            if obj.get("author") is None:
                raise InvalidValue(Msg("invalid.line_dm"))
            obj = dict(obj, message_id=ident)
            ident = obj["author"]
            prefix = "account"
        if prefix not in PREFIXES:
            raise InvalidValue(
                Msg(
                    "invalid.line_prefix",
                    {"allowed": ", ".join(PREFIXES), "value": repr(prefix)},
                )
            )
        subject = PREFIXES[prefix]
    if subject not in subjects.SUBJECT_TYPES:
        raise InvalidValue(
            Msg("invalid.line_subject", {"allowed": ", ".join(subjects.SUBJECT_TYPES)})
        )
    out = dict(obj, id=_int(ident, "id"), subject=subject)
    for key in ("author", "note_id", "reach"):
        if obj.get(key) is not None:
            out[key] = _int(obj[key], key)
    return out


def _check_campaign(obj: dict[str, object]) -> dict[str, object]:
    out = dict(obj)
    for key in ("accounts", "comments", "notes"):
        value = obj.get(key, [])
        if not isinstance(value, list):
            raise InvalidValue(Msg("invalid.line_ids", {"key": key}))
        out[key] = sorted({_int(v, f"{key} entry") for v in value})
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


def load_texts(path: Path | None, ids: set[int]) -> dict[int, dict[str, object]]:
    """Text, author, note and time of the given ids from the scan's input file."""
    if path is None or not ids:
        return {}
    out: dict[int, dict[str, object]] = {}
    for no, obj in _json_lines(path):
        if not isinstance(obj, dict) or "id" not in obj:
            raise InvalidInput(
                Msg("problem.invalid-input.text_line", {"file": path.name, "line": no})
            )
        try:
            ident = _int(obj["id"], "id")
        except ValueError as exc:
            raise InvalidInput(
                Msg(
                    "problem.invalid-input.line",
                    {"file": path.name, "line": no, "error": getattr(exc, "msg", str(exc))},
                )
            ) from None
        if ident in ids:
            out[ident] = obj
    return out


def _highlight(text: str, findings: list[dict[str, Any]]) -> str:
    """The text with each finding's span wrapped in ⟦ ⟧."""
    out, pos = [], 0
    for f in sorted(findings, key=lambda f: f["span"][0]):
        a, b = f["span"]
        if a < pos or b > len(text):
            continue
        out += [text[pos:a], "⟦", text[a:b], "⟧"]
        pos = b
    out.append(text[pos:])
    return "".join(out)


def finding_severity(
    label: str, kinds: set[str], category: str | None, claims: Set[str] = frozenset()
) -> int:
    """``claims``: the categories named by claim findings (``medical_beauty:祛斑``)."""
    if label == "diversion":
        return 3 if kinds & CONTACT else 2 if kinds & OFFSITE else 1
    if label == "claim":
        return 3 if category in REGULATED or claims & REGULATED_CLAIMS else 2
    return 2 if label == "soft_ad" else 1


def campaign_severity(n_accounts: int) -> int:
    return 4 if n_accounts >= 50 else 3 if n_accounts >= 10 else 2


def _finding_cases(
    line: dict[str, Any], texts: dict[int, dict[str, Any]], stored_text: str | None
) -> Iterator[dict[str, Any]]:
    extra = texts.get(line["id"], {})
    text = line.get("text", extra.get("text", stored_text))
    note_id = line.get("note_id", extra.get("note_id"))
    author = line.get("author", extra.get("author"))
    for label in line["labels"]:
        mine = [
            f
            for f in line.get("findings", [])
            if KIND_LABEL.get(f["kind"], label) == label  # unknown kinds go with every label
        ]
        evidence: dict[str, object] = {
            "label": label,
            "findings": [
                {
                    "kind": f["kind"],
                    "value": f.get("value"),
                    "span": f["span"],
                    **({"excerpt": text[f["span"][0] : f["span"][1]]} if text else {}),
                }
                for f in mine
            ],
        }
        if text:
            evidence["text"] = text
            evidence["highlighted"] = _highlight(text, mine)
        pairs = (
            ("note_id", note_id),
            ("author", author),
            ("ts", extra.get("ts")),
            ("message_id", line.get("message_id")),
        )
        for key, value in pairs:
            if value is not None:
                evidence[key] = value
        identity = sorted((f["kind"], str(f.get("value")), tuple(f["span"])) for f in mine)
        shown = ", ".join(f"{f['kind']} {f.get('value')}" for f in mine[:5]) or "no detail"
        yield {
            "subject_type": line["subject"],
            "subject_id": line["id"],
            "detector": label,
            "evidence": evidence,
            "identity": {"findings": identity},
            "summary": f"{label} in {line['subject']} {line['id']}: {shown}",
            "summary_params": {
                "label": label,
                "subject": line["subject"],
                "id": line["id"],
                "findings": [[f["kind"], str(f.get("value"))] for f in mine[:5]],
            },
            "kinds": {f["kind"] for f in mine},
            "claims": {str(f.get("value")).partition(":")[0] for f in mine if f["kind"] == "claim"},
            "note_id": note_id,
            "owner_id": _int(author, "author") if author is not None else None,
            "reach": line.get("reach"),
        }


def import_findings(
    store: Store,
    actor: Principal,
    path: Path,
    *,
    subject: str = "comment",
    texts: Path | None = None,
    auto: list[autopolicy.AutoRule] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Report:
    if subject not in subjects.SUBJECT_TYPES:
        raise InvalidInput(
            Msg(
                "problem.invalid-input.option_one_of",
                {"option": "--subject", "allowed": ", ".join(subjects.SUBJECT_TYPES)},
            )
        )
    cases.require_staff(actor, N_("staff.import_detections"))
    checked = [obj for _, obj in _validated(path, lambda o: _check_finding_line(o, subject))]
    lines = [ln for ln in checked if ln is not None]
    joined = load_texts(texts, {ln["id"] for ln in lines})
    report = Report(lines=len(checked), unflagged=len(checked) - len(lines))
    for start in range(0, len(lines), BATCH):
        batch = lines[start : start + BATCH]
        with store.transaction() as conn:
            subjects.adopt_comments(conn, actor.label, _comment_rows(batch, joined))
            bodies = subjects.comment_bodies(
                conn,
                [
                    ln["id"]
                    for ln in batch
                    if ln["subject"] == "comment" and "text" not in ln and ln["id"] not in joined
                ],
            )
            raw = [
                spec for ln in batch for spec in _finding_cases(ln, joined, bodies.get(ln["id"]))
            ]
            note_ids = [
                r["subject_id"] if r["subject_type"] == "note" else r["note_id"]
                for r in raw
                if r["subject_type"] == "note" or r["note_id"] is not None
            ]
            notes_known = subjects.note_facts(conn, [_int(n, "note_id") for n in note_ids])
            specs = []
            for r in raw:
                note = r["subject_id"] if r["subject_type"] == "note" else r["note_id"]
                audience, category = (
                    notes_known.get(_int(note, "note_id"), (None, None))
                    if (note is not None)
                    else (None, None)
                )
                reach = r["reach"]
                if reach is None and r["subject_type"] == "comment":
                    reach = audience
                specs.append(
                    cases.CaseSpec(
                        subject_type=r["subject_type"],
                        subject_id=r["subject_id"],
                        detector=r["detector"],
                        severity=finding_severity(r["detector"], r["kinds"], category, r["claims"]),
                        summary=r["summary"],
                        summary_code="finding",
                        summary_params=r["summary_params"],
                        evidence=r["evidence"],
                        identity=r["identity"],
                        reach=reach,
                        owner_id=r["owner_id"],
                    )
                )
            for row, created in cases.open_many(conn, actor, specs):
                _tally(conn, report, row, created, auto)
        if progress:
            progress(len(batch), len(lines))
    return report


def _comment_rows(
    batch: list[dict[str, Any]], texts: dict[int, dict[str, Any]]
) -> list[dict[str, object]]:
    """The flagged comments with what adopting them into the store needs (line, then texts)."""
    out = []
    for ln in batch:
        if ln["subject"] != "comment":
            continue
        extra = texts.get(ln["id"], {})
        row = {k: ln.get(k, extra.get(k)) for k in ("note_id", "author", "text", "ts")}
        out.append({"id": ln["id"], **row})
    return out


def _tally(conn: Any, report: Report, row: dict[str, Any], created: bool, auto: Any) -> None:
    report.case_ids.append(row["id"])
    if not created:
        report.existing += 1
        return
    report.opened += 1
    if auto:
        taken, skipped = autopolicy.apply(conn, auto, row)
        report.auto_actions += len(taken)
        report.skipped += skipped


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
    campaigns = [obj for _, obj in _validated(path, _check_campaign)]
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
            if fresh and auto:
                taken, skipped = autopolicy.apply(conn, auto, member)
                report.auto_actions += len(taken)
                report.skipped += skipped


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
            who = _int(e["account"], "author") if e["account"] is not None else None
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
