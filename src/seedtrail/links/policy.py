"""The link policy, as a pure function: given everything about a mount, allow or deny, and say
which rules and checks decided it.

Rules open or close links over partner × category × placement × a date range. Among the enabled
rules that match and are in force, the most specific ones (most of partner, category, placement
set) decide; at equal specificity a closing rule beats an opening one. No matching rule means
closed. An opening rule may require a minimum follower count of the account whose audience sees
the link (the note's author, or the profile's owner). Eligibility checks apply on top: the
partner's kill switch, account status, active enforcement actions (a ban or revoked link
privileges, named with their action and case), verified enterprise for profile cards and search
cards (搜索品专), a live room's session window (直播间: from its start to its expiry), a collab
registration when a brand's offer sits on a creator's note, a visible ad label (广告 / 赞助) on a
note that is paid for (under such a collab, or boosted by an active campaign), note, comment and
offer status, and
the mount's own status and expiry. The same function decides at mount time and at every redirect.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypedDict

from seedtrail.messages import N_, Msg, MsgJSON, term
from seedtrail.store.repo import Row

#: Enforcement actions on an account that close its links (see seedtrail.enforcement.actions).
BLOCKING_ENFORCEMENTS = frozenset({"ban", "revoke_link_privileges"})
#: Note statuses that close the note's links, with the key of the reason the decision gives
#: (docs/links.md).
NOTE_CLOSED = {
    "throttled": N_("policy.note.throttled"),
    "removed": N_("policy.note.removed"),
}
#: Words the checks' messages take as parameters (keys of the catalogues, see messages.term).
TERMS = (
    *(N_("state.active"), N_("state.suspended"), N_("state.banned"), N_("state.normal")),
    *(N_("state.throttled"), N_("state.removed"), N_("state.visible"), N_("state.hidden")),
    *(N_("state.disabled"), N_("kind.creator"), N_("kind.brand"), N_("kind.enterprise")),
    *(N_("state.pending"), N_("state.revoked"), N_("state.inactive")),
    N_("kind.buyer"),
    *(N_("enforcement.ban"), N_("enforcement.revoke_link_privileges")),
    *(N_("role.audience"), N_("role.offer_owner")),
    *(N_("ad.ad"), N_("ad.sponsored")),
)


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
    def from_row(cls, row: Row) -> Rule:
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
    ad_label: str | None = None  # the note's disclosure (广告 ``ad`` / 赞助 ``sponsored``)
    starts_at: datetime | None = None  # a live room's session start
    boosted: bool = False  # the note is in an active campaign (paid distribution, 投流)
    partner_name: str = ""  # how the kill switch's check names the partner (else its slug)


@dataclass(frozen=True)
class Check:
    """One check of a decision: ``message`` in English for logs, ``code`` and ``params`` for
    rendering it in a reader's language (seedtrail.messages)."""

    check: str
    passed: bool
    message: str
    rule_id: int | None = None
    action_id: int | None = None
    case_id: int | None = None
    code: str = ""
    params: Mapping[str, object] = field(default_factory=dict, hash=False)

    @classmethod
    def of(cls, check: str, passed: bool, msg: Msg, **ids: int | None) -> Check:
        plain = msg.as_dict()
        return cls(check, passed, msg.english, **ids, code=plain["code"], params=plain["params"])

    @property
    def msg(self) -> Msg:
        return Msg(self.code, self.params)


class EnforcementRef(TypedDict):
    """An enforcement action that decided, and the case it was taken in."""

    action_id: int
    case_id: int


class DecisionJSON(TypedDict):
    """A policy decision as the API returns it, the CLI prints it and the audit log keeps it."""

    allowed: bool
    summary: str  # in English; summary_msg renders it in a reader's language
    summary_msg: MsgJSON
    rule_ids: list[int]
    enforcement: list[EnforcementRef]
    checks: list[dict[str, object]]  # each Check's fields


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
    def enforcement(self) -> list[EnforcementRef]:
        """The enforcement actions (and their cases) among the deciding checks."""
        return [
            {"action_id": c.action_id, "case_id": c.case_id}
            for c in self.deciding
            if c.action_id is not None and c.case_id is not None
        ]

    def summary_msg(self) -> Msg:
        code = N_("policy.allowed") if self.allowed else N_("policy.denied")
        return Msg(code, {"reasons": [c.msg for c in self.deciding]})

    def summary(self) -> str:
        return self.summary_msg().english

    def as_dict(self) -> DecisionJSON:
        return {
            "allowed": self.allowed,
            "summary": self.summary(),
            "summary_msg": self.summary_msg().as_dict(),
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
        return [Check.of("rule", False, Msg("policy.rule.none", {"where": where}))]
    top = max(r.specificity for r in live)
    deciding = sorted((r for r in live if r.specificity == top), key=lambda r: r.id)
    closed = [r for r in deciding if r.effect == "closed"]
    if closed:
        return [
            Check.of(
                "rule", False, _rule_msg(N_("policy.rule.closes"), r, where=where), rule_id=r.id
            )
            for r in closed
        ]
    followers = facts.audience.follower_count
    admitting = [r for r in deciding if followers >= r.min_followers]
    if not admitting:
        r = min(deciding, key=lambda r: r.min_followers)
        followers_msg = _rule_msg(
            N_("policy.rule.followers"),
            r,
            min_followers=r.min_followers,
            account_id=facts.audience.id,
            followers=followers,
        )
        return [Check.of("rule", False, followers_msg, rule_id=r.id)]
    r = admitting[0]
    return [
        Check.of("rule", True, _rule_msg(N_("policy.rule.opens"), r, where=where), rule_id=r.id)
    ]


def _rule_msg(code: str, rule: Rule, **params: object) -> Msg:
    return Msg(code, {"rule_id": rule.id, "name": rule.name, **params})


def _accounts(facts: MountFacts) -> list[Check]:
    """The audience's and the offer owner's status, and any enforcement that blocks links."""
    out: list[Check] = []
    for role, acct in (("audience", facts.audience), ("offer_owner", facts.offer_owner)):
        ok = acct.status == "active"
        who = {"account_id": acct.id, "role": term("role", role)}
        state = {"status": term("state", acct.status)}
        out.append(
            Check.of(
                "account",
                ok,
                Msg("policy.account.ok", who) if ok else Msg("policy.account.bad", who | state),
            )
        )
        blocking = [e for e in acct.enforcements if e.action in BLOCKING_ENFORCEMENTS]
        out.extend(
            Check.of(
                "enforcement",
                False,
                Msg(
                    "policy.enforcement.blocking",
                    who
                    | {
                        "action": term("enforcement", e.action),
                        "action_id": e.action_id,
                        "case_id": e.case_id,
                    },
                ),
                action_id=e.action_id,
                case_id=e.case_id,
            )
            for e in blocking
        )
        if not blocking:
            out.append(Check.of("enforcement", True, Msg("policy.enforcement.none", who)))
    return out


def _eligibility(facts: MountFacts, now: datetime) -> list[Check]:
    enabled = facts.partner_links_enabled
    offer = N_("policy.offer.active") if facts.offer_active else N_("policy.offer.inactive")
    switch = N_("policy.kill_switch.on") if enabled else N_("policy.kill_switch.off")
    out = [
        Check.of(
            "kill_switch",
            enabled,
            Msg(switch, {"partner": facts.partner_name or facts.partner_slug}),
        ),
        Check.of("offer", facts.offer_active, Msg(offer)),
    ]
    out.extend(_accounts(facts))
    if facts.placement == "live_room":
        out.append(_live(facts.starts_at, now))
    if facts.placement in ("profile_card", "search_card"):
        a = facts.audience
        ok = a.kind in ("enterprise", "brand") and a.verified
        code = N_("policy.verified.ok") if ok else N_("policy.verified.no")
        code = code if ok or a.verified else N_("policy.verified.unverified")
        out.append(
            Check.of(
                "verified_enterprise",
                ok,
                Msg(code, {"account_id": a.id, "kind": term("kind", a.kind)}),
            )
        )
    if facts.note_status is not None:
        ok = facts.note_status == "normal"
        code = NOTE_CLOSED.get(facts.note_status, N_("policy.note"))
        out.append(Check.of("note", ok, Msg(code, {"status": term("state", facts.note_status)})))
    if facts.comment_status is not None:
        ok = facts.comment_status == "visible"
        status = term("state", facts.comment_status)
        out.append(Check.of("comment", ok, Msg("policy.comment", {"status": status})))
    brand_on_creator = (
        facts.placement != "profile_card"
        and facts.offer_owner.id != facts.audience.id
        and facts.offer_owner.kind in ("brand", "enterprise")
        and facts.audience.kind == "creator"
    )
    if brand_on_creator:
        ids = {"brand_id": facts.offer_owner.id, "creator_id": facts.audience.id}
        code = N_("policy.collab.ok") if facts.has_collab else N_("policy.collab.missing")
        out.append(Check.of("collab", facts.has_collab, Msg(code, ids)))
        if facts.has_collab:  # a paid collab is an ad: its links need a visible label
            out.append(_ad_label(facts.ad_label, ids))
    if facts.boosted and not (brand_on_creator and facts.has_collab):
        out.append(_boosted_label(facts.ad_label))
    mount_ok = facts.mount_status == "active"
    out.append(
        Check.of(
            "mount", mount_ok, Msg("policy.mount", {"status": term("state", facts.mount_status)})
        )
    )
    if facts.expires_at is not None:
        ok = now < facts.expires_at
        code = N_("policy.expiry.ok") if ok else N_("policy.expiry.past")
        out.append(Check.of("expiry", ok, Msg(code, {"at": facts.expires_at.isoformat()})))
    return out


def _ad_label(label: str | None, ids: dict[str, int]) -> Check:
    """A commercial note (a brand's offer on a creator's note under a paid collab) carries an
    ad label (China's Internet Advertising Measures, 2023: content with purchase links is
    marked 广告)."""
    if label is None:
        return Check.of("ad_label", False, Msg("policy.ad_label.missing", ids))
    return Check.of("ad_label", True, Msg("policy.ad_label.ok", {"label": term("ad", label)}))


def _boosted_label(label: str | None) -> Check:
    """A boosted note is paid distribution, an ad by the same measures: links on it need the
    note's 广告 / 赞助 label too, whoever wrote it."""
    if label is None:
        return Check.of("ad_label", False, Msg("policy.ad_label.boosted_missing"))
    return Check.of("ad_label", True, Msg("policy.ad_label.ok", {"label": term("ad", label)}))


def _live(starts_at: datetime | None, now: datetime) -> Check:
    """A live room's link opens when its session starts (the expiry check closes it at the end)."""
    live = starts_at is not None and starts_at <= now
    code = N_("policy.live.on") if live else N_("policy.live.not_started")
    at = starts_at.isoformat() if starts_at is not None else "?"
    return Check.of("live_session", live, Msg(code, {"at": at}))


def decide(facts: MountFacts, rules: list[Rule], now: datetime) -> Decision:
    checks = _rule_checks(facts, rules, now) + _eligibility(facts, now)
    return Decision(all(c.passed for c in checks), tuple(checks))
