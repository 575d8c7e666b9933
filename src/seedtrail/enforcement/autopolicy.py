"""Optional automatic actions on newly opened cases, by rules in a TOML file.

Each ``[[rule]]`` names a detector and subject type, optionally the finding kinds that must be
present, a minimum severity and, for notes, ``unless_registered`` (the rule skips a note a
collab registration covers when the case opens), the actions to take, and why. The packaged
rules throttle unregistered soft ads (限流: distribution cut, links closed; appealable).

An automatic action is an ordinary action taken by the principal ``moderator:auto-policy#0``
with the rule's name recorded on it and in the audit log, and its reason reads
``automatic: rule '<name>': <why>``; it is reversible on appeal like any other. An action that
needs the subject in the store (``hide``, ``throttle``, ``remove``, ``ban``) is skipped, and the
skip audited, when the subject is not there. The packaged rules
(``seedtrail/enforcement/data/auto.toml``) are used by ``seedtrail cases import --auto``;
``--auto-policy FILE`` uses your own.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select

from seedtrail.core.errors import ConfigError
from seedtrail.core.principals import Principal
from seedtrail.enforcement import actions, subjects
from seedtrail.messages import Msg
from seedtrail.store import audit
from seedtrail.store.repo import Row
from seedtrail.store.schema import collab_registrations

AUTO = Principal(id=0, name="auto-policy", role="moderator")
_KEYS = frozenset(
    {
        "name",
        "detector",
        "subject",
        "actions",
        "why",
        "finding_kinds",
        "min_severity",
        "unless_registered",
    }
)


@dataclass(frozen=True)
class AutoRule:
    name: str
    detector: str
    subject: str
    actions: tuple[str, ...]
    why: str
    finding_kinds: frozenset[str] = frozenset()
    min_severity: int = 1
    unless_registered: bool = False  # notes: skip when a collab registration covers the note

    def matches(self, case: Row) -> bool:
        if case["detector"] != self.detector or case["subject_type"] != self.subject:
            return False
        if case["severity"] < self.min_severity:
            return False
        if not self.finding_kinds:
            return True
        kinds = {f.get("kind") for f in case["evidence"].get("findings", [])}
        return bool(kinds & self.finding_kinds)


def load(path: Path | None = None) -> list[AutoRule]:
    where = str(path) if path else "packaged auto.toml"
    try:
        if path is None:
            text = resources.files("seedtrail.enforcement").joinpath("data", "auto.toml")
            data = tomllib.loads(text.read_text(encoding="utf-8"))
        else:
            with path.open("rb") as fh:
                data = tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(Msg("problem.config-error.auto_missing", {"where": where})) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            Msg("problem.config-error.auto_toml", {"where": where, "error": str(exc)})
        ) from None
    raw = data.get("rule", [])
    if not isinstance(raw, list):
        raise ConfigError(Msg("problem.config-error.auto_rules", {"where": where}))
    return [_rule(r, i, where) for i, r in enumerate(raw, 1)]


def _rule(r: Any, i: int, where: str) -> AutoRule:
    at = Msg("problem.config-error.auto_at", {"where": where, "i": i})
    if not isinstance(r, dict):
        raise ConfigError(Msg("problem.config-error.auto_table", {"at": at}))
    missing = [k for k in ("name", "detector", "subject", "actions", "why") if k not in r]
    if missing:
        raise ConfigError(
            Msg("problem.config-error.auto_missing_keys", {"at": at, "keys": ", ".join(missing)})
        )
    unknown = set(r) - _KEYS
    if unknown:
        raise ConfigError(
            Msg("problem.config-error.auto_unknown", {"at": at, "keys": ", ".join(sorted(unknown))})
        )
    subject = r["subject"]
    if subject not in subjects.SUBJECT_TYPES:
        raise ConfigError(
            Msg(
                "problem.config-error.auto_subject",
                {"at": at, "allowed": ", ".join(subjects.SUBJECT_TYPES)},
            )
        )
    acts = r["actions"]
    if not isinstance(acts, list) or not acts:
        raise ConfigError(Msg("problem.config-error.auto_actions", {"at": at}))
    for a in acts:
        if (a, subject) not in actions.EFFECTS:
            allowed = ", ".join(actions.allowed_for(subject))
            raise ConfigError(
                Msg(
                    "problem.config-error.auto_action",
                    {"at": at, "action": repr(a), "subject": subject, "allowed": allowed},
                )
            )
    unless = r.get("unless_registered", False)
    if not isinstance(unless, bool) or (unless and subject != "note"):
        raise ConfigError(Msg("problem.config-error.auto_unless", {"at": at}))
    sev = r.get("min_severity", 1)
    if not isinstance(sev, int) or not 1 <= sev <= 4:
        raise ConfigError(Msg("problem.config-error.auto_severity", {"at": at}))
    return AutoRule(
        name=str(r["name"]),
        detector=str(r["detector"]),
        subject=subject,
        actions=tuple(acts),
        why=str(r["why"]),
        finding_kinds=frozenset(r.get("finding_kinds", [])),
        min_severity=sev,
        unless_registered=unless,
    )


def apply(conn: Connection, rules: list[AutoRule], case: Row) -> tuple[list[Row], list[str]]:
    """Apply every matching rule to a newly opened case; returns (actions taken, skips)."""
    taken: list[Row] = []
    skipped: list[str] = []
    in_store: bool | None = None
    for rule in rules:
        if not rule.matches(case):
            continue
        if rule.unless_registered and _registered(conn, int(case["subject_id"])):
            why = f"rule '{rule.name}' skipped: note {case['subject_id']} has a collab registration"
            audit.record(
                conn,
                actor=AUTO.label,
                action="enforcement.auto_skip",
                object_type="case",
                object_id=case["id"],
                detail={"rule": rule.name, "reason": why},
            )
            skipped.append(f"case {case['id']}: {why}")
            continue
        for name in rule.actions:
            if name != "label":
                if in_store is None:
                    sub = subjects.load(conn, case["subject_type"], case["subject_id"])
                    in_store = sub.in_store
                if not in_store:
                    why = (
                        f"rule '{rule.name}': {name} skipped, {case['subject_type']} "
                        f"{case['subject_id']} is not in the store"
                    )
                    audit.record(
                        conn,
                        actor=AUTO.label,
                        action="enforcement.auto_skip",
                        object_type="case",
                        object_id=case["id"],
                        detail={"rule": rule.name, "action": name, "reason": why},
                    )
                    skipped.append(f"case {case['id']}: {why}")
                    continue
            reason = f"automatic: rule '{rule.name}': {rule.why}"
            taken.append(actions.take(conn, AUTO, case["id"], name, reason, rule=rule.name))
    return taken, skipped


def _registered(conn: Connection, note_id: int) -> bool:
    """Whether an active collab registration (蒲公英-style) covers the note now."""
    if not subjects.in_range([note_id]):
        return False
    query = select(collab_registrations.c.id).where(
        collab_registrations.c.note_id == note_id, collab_registrations.c.status == "active"
    )
    return conn.execute(query.limit(1)).first() is not None
