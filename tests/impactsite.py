"""A deployment with policy changes in its audit log, for the policy impact routes and page: a
copy of :func:`reportworld.deployment_dir` with a rule closing a category from inside the data,
a kill switch after it, and a key per role."""

from __future__ import annotations

import shutil
from dataclasses import dataclass

import pytest
from sqlalchemy import select

import reportworld
from seedtrail.core import principals
from seedtrail.core.settings import Settings, load_settings
from seedtrail.store import audit
from seedtrail.store.schema import accounts, offers, partners
from seedtrail.store.store import Store

ROLES = ("brand", "creator", "moderator", "partner")


@dataclass
class ImpactSite:
    settings: Settings
    keys: dict[str, str]
    rule_entry: int  # a rule closing a category from inside the data
    late_entry: int  # a kill switch after the data
    category: str


def build(tmp_path_factory: pytest.TempPathFactory) -> ImpactSite:
    data = tmp_path_factory.mktemp("impact") / "data"
    shutil.copytree(reportworld.deployment_dir(tmp_path_factory), data)
    settings = load_settings(data_dir=data)
    store = Store.from_settings(settings)
    keys: dict[str, str] = {}
    with store.transaction() as conn:
        cats = sorted({c for c in conn.execute(select(offers.c.category)).scalars() if c})
        rule = audit.record(
            conn,
            actor="operator:test",
            action="policy_rule.create",
            object_type="policy_rule",
            object_id=1,
            after={"category": cats[0], "effect": "closed", "starts_at": "2025-03-06T00:00:00Z"},
        )
        partner = conn.execute(select(partners.c.id).order_by(partners.c.id)).scalars().first()
        late = audit.record(
            conn,
            actor="operator:test",
            action="partner.kill_switch",
            object_type="partner",
            object_id=partner,
            after={"links_enabled": False},
        )
        kinds = dict(conn.execute(select(accounts.c.kind, accounts.c.id)).all())
        who = {
            "brand": {"account_id": kinds.get("brand") or kinds.get("enterprise")},
            "creator": {"account_id": kinds["creator"]},
            "partner": {"partner_id": partner},
        }
        for role in ("operator", *ROLES):
            _, keys[role] = principals.create(
                conn, name=f"t {role}", role=role, **who.get(role, {})
            )
    store.dispose()
    return ImpactSite(settings, keys, rule, late, cats[0])
