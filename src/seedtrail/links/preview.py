"""What a policy change would close, before it is made.

Given a change to one rule (enable/disable, effect, follower minimum) or a partner's kill switch,
every active mount the change could touch is decided twice by the same :func:`decide` the redirect
uses: under the policy as it is and as it would be. The mounts allowed now and denied after are
the ones the change would close; each comes with the reason the policy would give. Mounts whose
facts cannot be gathered (their note or comment is gone) are listed apart as unresolved.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import Connection, select

from seedtrail.core import resources
from seedtrail.core.errors import Forbidden, InvalidInput
from seedtrail.core.principals import Principal
from seedtrail.links import mounts, partners, rules
from seedtrail.links.lookup import Prefetched
from seedtrail.links.policy import Rule, decide
from seedtrail.messages import Msg, term
from seedtrail.store.schema import link_mounts, offers, policy_rules
from seedtrail.store.types import utcnow

PATCHABLE = frozenset({"enabled", "effect", "min_followers"})


@dataclass(frozen=True)
class Change:
    rule_id: int | None = None
    rule_patch: dict[str, Any] = field(default_factory=dict)
    partner_id: int | None = None
    links_enabled: bool | None = None


@dataclass
class Preview:
    describe: str
    describe_msg: Msg
    checked: int = 0
    open_now: int = 0
    opens: int = 0
    closes: list[dict[str, Any]] = field(default_factory=list)
    unresolved: list[dict[str, object]] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "change": self.describe,
            "change_msg": self.describe_msg.as_dict(),
            "checked": self.checked,
            "open_now": self.open_now,
            "opens": self.opens,
            "closes": self.closes,
            "unresolved": self.unresolved,
        }


def _unresolved(mount: dict[str, object], exc: InvalidInput) -> dict[str, object]:
    reason = exc.msg.as_dict() if exc.msg else exc.detail
    return {
        "mount_id": mount["id"],
        "code": mount["code"],
        "reason": exc.detail,
        "reason_msg": reason,
    }


def _unpatchable(unknown: set[str]) -> InvalidInput:
    fields = {"allowed": str(sorted(PATCHABLE)), "fields": str(sorted(unknown))}
    return InvalidInput(Msg("problem.invalid-input.preview_fields", fields))


def run(conn: Connection, actor: Principal, change: Change) -> Preview:
    """Dry-run ``change`` for anyone who may read the rules; nothing is written."""
    if actor.role not in rules.RESOURCE.read_roles:
        raise Forbidden(Msg("problem.forbidden.preview", {"role": term("role", actor.role)}))
    all_rules = [Rule.from_row(dict(r)) for r in conn.execute(select(policy_rules)).mappings()]
    after_rules = all_rules
    kill_partner: int | None = None
    q = (
        select(link_mounts)
        .join(offers, offers.c.id == link_mounts.c.offer_id)
        .where(link_mounts.c.status == "active")
        .order_by(link_mounts.c.id)
    )
    if change.rule_id is not None:
        row = resources.get(conn, rules.RESOURCE, actor, change.rule_id)
        unknown = set(change.rule_patch) - PATCHABLE
        if unknown:
            raise _unpatchable(unknown)
        if not change.rule_patch:
            raise InvalidInput(Msg("problem.invalid-input.preview_empty"))
        rule = Rule.from_row(row)
        new = replace(rule, **change.rule_patch)
        after_rules = [new if r.id == rule.id else r for r in all_rules]
        for col, value in (
            (offers.c.partner_id, rule.partner_id),
            (offers.c.category, rule.category),
            (link_mounts.c.placement, rule.placement),
        ):
            if value is not None:
                q = q.where(col == value)
        patch = ", ".join(f"{k}={v}" for k, v in sorted(change.rule_patch.items()))
        describe = Msg("preview.rule", {"rule_id": rule.id, "name": rule.name, "patch": patch})
    elif change.partner_id is not None:
        p = resources.get(conn, partners.RESOURCE, actor, change.partner_id)
        kill_partner = p["id"]
        q = q.where(offers.c.partner_id == kill_partner)
        describe = Msg("preview.kill_switch", {"partner": p["name"]})
    else:
        raise InvalidInput(Msg("problem.invalid-input.preview_target"))
    now = utcnow()
    out = Preview(describe.english, describe)
    candidates = [dict(m) for m in conn.execute(q).mappings()]
    look = Prefetched(conn, candidates)
    for m in candidates:
        try:
            ctx = mounts.gather_row(conn, m, lookup=look)
        except InvalidInput as exc:  # e.g. its comment is gone: the redirect cannot serve it
            out.unresolved.append(_unresolved(m, exc))
            continue
        before = decide(ctx.facts, all_rules, now)
        facts = ctx.facts
        if kill_partner is not None:
            facts = replace(facts, partner_links_enabled=False)
        after = decide(facts, after_rules, now)
        out.checked += 1
        out.open_now += before.allowed
        if before.allowed and not after.allowed:
            out.closes.append(
                {
                    "mount_id": m["id"],
                    "code": m["code"],
                    "placement": m["placement"],
                    "note_id": m["note_id"],
                    "reason": after.summary(),
                    "reason_msg": after.summary_msg().as_dict(),
                }
            )
        elif after.allowed and not before.allowed:
            out.opens += 1
    return out
