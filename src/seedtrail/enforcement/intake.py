"""Opening cases from the findings ``seedtrail integrity scan`` writes (campaigns, the file
``seedtrail integrity campaigns`` writes: :mod:`seedtrail.enforcement.campaign_intake`).

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

Idempotent: a case is identified by subject, detector and the hash of its findings, so importing
a file again opens nothing new and takes no automatic action twice.

Severity rules (1 low, 2 medium, 3 high, 4 critical):

- diversion: a phone number, WeChat or QQ id → high; another shop's link, shop or QR → medium;
  only steering words → low;
- claim: high for a medical-beauty or health-food claim (the finding's value is
  ``category:term``) or a note in a regulated category (medical_beauty, health), else medium;
- soft_ad: medium; duplicate: low.

Reach (the queue's second key): an explicit ``reach`` on the line wins; otherwise accounts: their
followers; notes: their author's followers; comments: the followers of the author of the note
they sit under.

A file with any bad line is refused as a whole, with the line numbers, before anything is opened.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Set
from pathlib import Path
from typing import Any

from seedtrail.core.errors import InvalidValue, one_of
from seedtrail.core.principals import Principal
from seedtrail.enforcement import autopolicy, cases, subjects
from seedtrail.enforcement.detection_files import Report, integer, load_texts, tally, validated
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
    out = dict(obj, id=integer(ident, "id"), subject=subject)
    for key in ("author", "note_id", "reach"):
        if obj.get(key) is not None:
            out[key] = integer(obj[key], key)
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
            "owner_id": integer(author, "author") if author is not None else None,
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
    one_of("--subject", subject, subjects.SUBJECT_TYPES)
    cases.require_staff(actor, N_("staff.import_detections"))
    checked = [obj for _, obj in validated(path, lambda o: _check_finding_line(o, subject))]
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
            notes_known = subjects.note_facts(conn, [integer(n, "note_id") for n in note_ids])
            specs = []
            for r in raw:
                note = r["subject_id"] if r["subject_type"] == "note" else r["note_id"]
                audience, category = (
                    notes_known.get(integer(note, "note_id"), (None, None))
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
                tally(conn, report, row, created, auto)
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
