"""Link policy rules as store objects: changes are audited (before/after) and apply live."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, Field
from sqlalchemy import ColumnElement, Connection, false, select

from seedtrail.contracts import Placement
from seedtrail.core.errors import InvalidInput
from seedtrail.core.principals import Principal
from seedtrail.core.resources import Resource
from seedtrail.links.policy import Rule
from seedtrail.messages import Msg
from seedtrail.store.schema import PLACEMENTS, policy_rules
from seedtrail.store.types import Count, Id


class RuleIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    effect: Literal["open", "closed"]
    partner_id: Id | None = None
    category: str | None = Field(default=None, max_length=32)
    placement: Placement | None = None
    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None
    min_followers: Count = 0
    enabled: bool = True


class RulePatch(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    effect: Literal["open", "closed"] | None = None
    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None
    min_followers: Count | None = None
    enabled: bool | None = None


def _dates(v: dict[str, Any]) -> None:
    if v.get("starts_at") and v.get("ends_at") and v["ends_at"] <= v["starts_at"]:
        raise InvalidInput(Msg("problem.invalid-input.ends_before_starts"))
    if v.get("placement") not in (None, *PLACEMENTS):
        raise InvalidInput(Msg("problem.invalid-input.placement", {"allowed": str(PLACEMENTS)}))


def _prepare(conn: Connection, actor: Principal, v: dict[str, object]) -> dict[str, object]:
    _dates(v)
    return v


def _check(
    conn: Connection, actor: Principal, before: dict[str, object], v: dict[str, object]
) -> dict[str, object]:
    _dates({**before, **v})
    return v


def _scope(actor: Principal) -> ColumnElement[bool] | None:
    return false()


RESOURCE = Resource(
    name="rules",
    noun="policy_rule",
    table=policy_rules,
    create_model=RuleIn,
    update_model=RulePatch,
    read_roles=frozenset({"operator", "moderator"}),
    create_roles=frozenset({"operator"}),
    update_roles=frozenset({"operator"}),
    scope=_scope,
    prepare=_prepare,
    check_update=_check,
    policy_on_create=True,
    policy_fields=frozenset(RulePatch.model_fields),
    filters=("partner_id", "category", "placement", "effect", "enabled"),
    terms={"effect": "effect", "placement": "placement"},
)


def load_rules(conn: Connection) -> list[Rule]:
    rows = conn.execute(select(policy_rules).where(policy_rules.c.enabled.is_(True))).mappings()
    return [Rule.from_row(dict(r)) for r in rows]
