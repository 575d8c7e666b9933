from __future__ import annotations

import pytest

from factories import OPERATOR, build_world, make
from seedtrail import messages
from seedtrail.core.errors import Forbidden, InvalidInput
from seedtrail.core.principals import Principal
from seedtrail.links import preview, rules
from seedtrail.store.store import Store


def test_disabling_the_only_open_rule_would_close_its_links(store: Store) -> None:
    w = build_world(store)
    m1 = w.mount()
    m2 = w.mount(offer_id=w.ids["mini_offer"])
    with store.read() as conn:
        p = preview.run(
            conn, OPERATOR, preview.Change(rule_id=w.ids["rule"], rule_patch={"enabled": False})
        )
    assert (p.checked, p.open_now, p.opens) == (2, 2, 0)
    assert {c["mount_id"] for c in p.closes} == {m1["id"], m2["id"]}
    assert all("closed by default" in c["reason"] for c in p.closes)
    with store.read() as conn:
        assert rules.load_rules(conn)[0].enabled  # nothing was written


def test_a_follower_minimum_closes_only_small_audiences(store: Store) -> None:
    w = build_world(store)
    w.mount()  # on the creator's note: 12,000 followers
    with store.read() as conn:
        low = preview.run(
            conn,
            OPERATOR,
            preview.Change(rule_id=w.ids["rule"], rule_patch={"min_followers": 10_000}),
        )
        high = preview.run(
            conn,
            OPERATOR,
            preview.Change(rule_id=w.ids["rule"], rule_patch={"min_followers": 20_000}),
        )
    assert len(low.closes) == 0 and len(high.closes) == 1
    assert "needs 20000 followers" in high.closes[0]["reason"]


def test_the_kill_switch_preview_touches_only_that_partner(store: Store) -> None:
    w = build_world(store)
    taobao = w.mount()
    w.mount(offer_id=w.ids["mini_offer"])
    with store.read() as conn:
        p = preview.run(
            conn, OPERATOR, preview.Change(partner_id=w.ids["partner"], links_enabled=False)
        )
    assert p.checked == 1 and [c["mount_id"] for c in p.closes] == [taobao["id"]]
    # the partner by its name, in the change and in each closed link's reason (its slug before)
    assert p.describe == "kill switch: close all links of partner 淘宝"
    assert "partner 淘宝 links are switched off" in p.closes[0]["reason"]
    assert "伙伴 淘宝 的链接已被总开关关闭" in messages.render("zh-CN", p.closes[0]["reason_msg"])


def test_a_more_specific_closing_rule_can_be_previewed_open(store: Store) -> None:
    w = build_world(store)
    w.mount()
    closer = make(
        store,
        rules.RESOURCE,
        name="close taobao skincare",
        effect="closed",
        partner_id=w.ids["partner"],
        category="skincare",
        enabled=False,
    )
    with store.read() as conn:
        p = preview.run(
            conn, OPERATOR, preview.Change(rule_id=closer["id"], rule_patch={"enabled": True})
        )
    assert len(p.closes) == 1 and f"rule {closer['id']}" in p.closes[0]["reason"]


def test_who_may_preview_and_what(store: Store) -> None:
    w = build_world(store)
    brand = Principal(id=9, name="b", role="brand", account_id=w.ids["brand"])
    with store.read() as conn:
        with pytest.raises(Forbidden):
            preview.run(conn, brand, preview.Change(partner_id=w.ids["partner"]))
        with pytest.raises(InvalidInput, match="enabled, effect or min_followers"):
            preview.run(conn, OPERATOR, preview.Change(rule_id=w.ids["rule"]))
        with pytest.raises(InvalidInput, match="not"):
            preview.run(
                conn, OPERATOR, preview.Change(rule_id=w.ids["rule"], rule_patch={"category": "x"})
            )
        with pytest.raises(InvalidInput, match="rule_id or a partner_id"):
            preview.run(conn, OPERATOR, preview.Change())


def test_a_mount_whose_comment_is_gone_is_listed_apart(store: Store) -> None:
    from sqlalchemy import update

    from seedtrail.store.schema import link_mounts

    w = build_world(store)
    m = w.mount()
    with store.transaction() as conn:  # as a loaded world can hold: a comment mount, no comment
        conn.execute(
            update(link_mounts)
            .where(link_mounts.c.id == m["id"])
            .values(placement="comment", comment_id=None)
        )
    with store.read() as conn:
        p = preview.run(conn, OPERATOR, preview.Change(partner_id=w.ids["partner"]))
    assert p.checked == 0 and p.closes == []
    assert [u["mount_id"] for u in p.unresolved] == [m["id"]]
