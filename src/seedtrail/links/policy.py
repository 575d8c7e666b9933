"""The link policy, as a pure function: given everything about a mount, allow or deny, and say
which rules and checks decided it.

Rules open or close links over partner × category × placement × a date range. Among the enabled
rules that match and are in force, the most specific ones (most of partner, category, placement
set) decide; at equal specificity a closing rule beats an opening one. No matching rule means
closed. An opening rule may require a minimum follower count of the account whose audience sees
the link (the note's author, or the profile's owner). Eligibility checks apply on top: the
partner's kill switch, account status, active enforcement actions (a ban or revoked link
privileges, named with their action and case), verified enterprise for profile cards, a collab
registration when a brand's offer sits on a creator's note, note, comment and offer status, and
the mount's own status and expiry. The same function decides at mount time and at every redirect.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

#: Enforcement actions on an account that close its links (see seedtrail.enforcement.actions).
BLOCKING_ENFORCEMENTS = frozenset({"ban", "revoke_link_privileges"})
#: Note statuses that close the note's links, with the reason the decision gives (docs/links.md).
NOTE_CLOSED = {
    "throttled": " (限流: distribution cut, links closed until the throttle is lifted)",
    "removed": " (its links close)",
}


@dataclass(frozen=True)
class Rule:
    id: int
    name: str
    effect: str
    partner_id: int | None = None
    category: str | None = None
    placement: str | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    min_followers: int = 0
    enabled: bool = True

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Rule:
        return cls(**{k: row[k] for k in cls.__dataclass_fields__})

    def matches(self, partner_id: int, category: str, placement: str) -> bool:
        return (
            self.enabled
            and self.partner_id in (None, partner_id)
            and self.category in (None, category)
            and self.placement in (None, placement)
        )

    def in_force(self, now: datetime) -> bool:
        return (self.starts_at is None or self.starts_at <= now) and (
            self.ends_at is None or now < self.ends_at
        )

    @property
    def specificity(self) -> int:
        return sum(x is not None for x in (self.partner_id, self.category, self.placement))


@dataclass(frozen=True)
class Enforcement:
    """An active enforcement action on an account: what, which action row, which case."""

    action: str
    action_id: int
    case_id: int


@dataclass(frozen=True)
class Account:
    id: int
    kind: str
    follower_count: int
    verified: bool
    status: str
    enforcements: tuple[Enforcement, ...] = ()


@dataclass(frozen=True)
class MountFacts:
    """Everything the policy looks at. ``audience`` is the account whose note or profile carries
    the link; ``offer_owner`` owns the offer; ``has_collab`` says whether a collab registration
    links them on this note."""

    placement: str
    partner_id: int
    partner_slug: str
    partner_links_enabled: bool
    category: str
    audience: Account
    offer_owner: Account
    offer_active: bool = True
    note_status: str | None = None
    comment_status: str | None = None
    has_collab: bool = False
    mount_status: str = "active"
    expires_at: datetime | None = None


@dataclass(frozen=True)
class Check:
    check: str
    passed: bool
    message: str
    rule_id: int | None = None
    action_id: int | None = None
    case_id: int | None = None


@dataclass(frozen=True)
class Decision:
    allowed: bool
    checks: tuple[Check, ...] = field(default_factory=tuple)

    @property
    def deciding(self) -> tuple[Check, ...]:
        """The checks that decided: the failed ones when denied, all when allowed."""
        failed = tuple(c for c in self.checks if not c.passed)
        return failed if failed else self.checks

    @property
    def rule_ids(self) -> list[int]:
        return [c.rule_id for c in self.deciding if c.rule_id is not None]

    @property
    def enforcement(self) -> list[dict[str, int]]:
        """The enforcement actions (and their cases) among the deciding checks."""
        return [
            {"action_id": c.action_id, "case_id": c.case_id}
            for c in self.deciding
            if c.action_id is not None and c.case_id is not None
        ]

    def summary(self) -> str:
        verdict = "allowed" if self.allowed else "denied"
        return f"{verdict}: " + "; ".join(c.message for c in self.deciding)

    def as_dict(self) -> dict[str, Any]:
        return {
            "allowed": self.allowed,
            "summary": self.summary(),
            "rule_ids": self.rule_ids,
            "enforcement": self.enforcement,
            "checks": [c.__dict__ for c in self.checks],
        }


def next_change(rules: list[Rule], now: datetime) -> datetime | None:
    """The next moment some rule starts or ends; a cached decision is good until then."""
    edges = [t for r in rules for t in (r.starts_at, r.ends_at) if t is not None and t > now]
    return min(edges, default=None)


def _rule_checks(facts: MountFacts, rules: list[Rule], now: datetime) -> list[Check]:
    live = [
        r
        for r in rules
        if r.matches(facts.partner_id, facts.category, facts.placement) and r.in_force(now)
    ]
    where = f"{facts.partner_slug} × {facts.category} × {facts.placement}"
    if not live:
        return [Check("rule", False, f"no rule opens links for {where} now (closed by default)")]
    top = max(r.specificity for r in live)
    deciding = sorted((r for r in live if r.specificity == top), key=lambda r: r.id)
    closed = [r for r in deciding if r.effect == "closed"]
    if closed:
        return [
            Check("rule", False, f"rule {r.id} '{r.name}' closes links for {where}", r.id)
            for r in closed
        ]
    followers = facts.audience.follower_count
    admitting = [r for r in deciding if followers >= r.min_followers]
    if not admitting:
        r = min(deciding, key=lambda r: r.min_followers)
        return [
            Check(
                "rule",
                False,
                f"rule {r.id} '{r.name}' needs {r.min_followers} followers,"
                f" account {facts.audience.id} has {followers}",
                r.id,
            )
        ]
    r = admitting[0]
    return [Check("rule", True, f"rule {r.id} '{r.name}' opens links for {where}", r.id)]


def _eligibility(facts: MountFacts, now: datetime) -> list[Check]:
    out = [
        Check(
            "kill_switch",
            facts.partner_links_enabled,
            f"partner {facts.partner_slug} links are "
            + ("enabled" if facts.partner_links_enabled else "switched off (kill switch)"),
        ),
        Check(
            "offer",
            facts.offer_active,
            "offer is active" if facts.offer_active else "offer is inactive",
        ),
    ]
    for role, acct in (("audience", facts.audience), ("offer owner", facts.offer_owner)):
        ok = acct.status == "active"
        out.append(
            Check(
                "account",
                ok,
                f"account {acct.id} ({role}) is " + ("in good standing" if ok else acct.status),
            )
        )
        blocking = [e for e in acct.enforcements if e.action in BLOCKING_ENFORCEMENTS]
        out.extend(
            Check(
                "enforcement",
                False,
                f"account {acct.id} ({role}): {e.action} by action {e.action_id} in case "
                f"{e.case_id}",
                action_id=e.action_id,
                case_id=e.case_id,
            )
            for e in blocking
        )
        if not blocking:
            out.append(
                Check("enforcement", True, f"account {acct.id} ({role}) has no blocking action")
            )
    if facts.placement == "profile_card":
        a = facts.audience
        ok = a.kind in ("enterprise", "brand") and a.verified
        out.append(
            Check(
                "verified_enterprise",
                ok,
                f"profile cards need a verified enterprise account; account {a.id} is "
                + ("one" if ok else f"{'verified' if a.verified else 'unverified'} {a.kind}"),
            )
        )
    if facts.note_status is not None:
        ok = facts.note_status == "normal"
        why = NOTE_CLOSED.get(facts.note_status, "")
        out.append(Check("note", ok, f"note is {facts.note_status}{why}"))
    if facts.comment_status is not None:
        ok = facts.comment_status == "visible"
        out.append(Check("comment", ok, f"comment is {facts.comment_status}"))
    brand_on_creator = (
        facts.placement != "profile_card"
        and facts.offer_owner.id != facts.audience.id
        and facts.offer_owner.kind in ("brand", "enterprise")
        and facts.audience.kind == "creator"
    )
    if brand_on_creator:
        out.append(
            Check(
                "collab",
                facts.has_collab,
                f"brand {facts.offer_owner.id}'s offer on creator {facts.audience.id}'s "
                "note "
                + (
                    "has a collab registration"
                    if facts.has_collab
                    else "needs a collab registration"
                ),
            )
        )
    out.append(Check("mount", facts.mount_status == "active", f"link is {facts.mount_status}"))
    if facts.expires_at is not None:
        ok = now < facts.expires_at
        out.append(
            Check(
                "expiry",
                ok,
                f"link {'expires' if ok else 'expired'} at {facts.expires_at.isoformat()}",
            )
        )
    return out


def decide(facts: MountFacts, rules: list[Rule], now: datetime) -> Decision:
    checks = _rule_checks(facts, rules, now) + _eligibility(facts, now)
    return Decision(all(c.passed for c in checks), tuple(checks))
