from __future__ import annotations

from datetime import UTC, datetime, timedelta

from policyfacts import BRAND, CREATOR, NOW, facts
from seedtrail.links.policy import Account, Enforcement, MountFacts, Rule, decide, next_change


def test_closed_by_default_names_the_gap() -> None:
    d = decide(facts(), [], NOW)
    assert not d.allowed
    assert "no rule opens links for taobao × skincare × note_card" in d.summary()


def test_open_rule_allows_and_is_named() -> None:
    d = decide(facts(), [Rule(7, "skincare open", "open", category="skincare")], NOW)
    assert d.allowed
    assert d.rule_ids == [7]


def test_more_specific_rule_wins_and_closed_beats_open_at_same_level() -> None:
    general_open = Rule(1, "all open", "open")
    partner_closed = Rule(2, "taobao closed", "closed", partner_id=1)
    assert not decide(facts(), [general_open, partner_closed], NOW).allowed
    specific_open = Rule(3, "taobao skincare", "open", partner_id=1, category="skincare")
    d = decide(facts(), [general_open, partner_closed, specific_open], NOW)
    assert d.allowed and d.rule_ids == [3]
    same_level_closed = Rule(4, "taobao skincare shut", "closed", partner_id=1, category="skincare")
    d = decide(facts(), [specific_open, same_level_closed], NOW)
    assert not d.allowed and d.rule_ids == [4]


def test_date_range_edges_start_inclusive_end_exclusive() -> None:
    r = Rule(1, "festival", "open", starts_at=NOW, ends_at=NOW + timedelta(days=1))
    assert decide(facts(), [r], NOW).allowed
    assert not decide(facts(), [r], NOW - timedelta(microseconds=1)).allowed
    assert not decide(facts(), [r], NOW + timedelta(days=1)).allowed
    assert next_change([r], NOW) == NOW + timedelta(days=1)


def test_disabled_rules_and_other_placements_do_not_count() -> None:
    rules = [
        Rule(1, "off", "open", enabled=False),
        Rule(2, "comments", "open", placement="comment"),
    ]
    assert not decide(facts(), rules, NOW).allowed
    assert decide(facts(placement="comment"), rules, NOW).allowed


def test_min_followers_of_the_audience() -> None:
    r = Rule(1, "big creators", "open", min_followers=20_000)
    d = decide(facts(), [r], NOW)
    assert not d.allowed and "needs 20000 followers" in d.summary()
    rich = Account(2, "creator", 20_000, False, "active")
    assert decide(facts(audience=rich), [r], NOW).allowed


def test_kill_switch_enforcement_and_status_close_links() -> None:
    rules = [Rule(1, "open", "open")]
    assert not decide(facts(partner_links_enabled=False), rules, NOW).allowed
    revoked = Enforcement("revoke_link_privileges", action_id=31, case_id=7)
    banned = Account(2, "creator", 12_000, False, "active", (revoked,))
    d = decide(facts(audience=banned), rules, NOW)
    assert not d.allowed
    assert "revoke_link_privileges by action 31 in case 7" in d.summary()
    assert d.as_dict()["enforcement"] == [{"action_id": 31, "case_id": 7}]
    labelled = Account(2, "creator", 12_000, False, "active", (Enforcement("label", 32, 8),))
    assert decide(facts(audience=labelled), rules, NOW).allowed
    assert not decide(facts(placement="comment", comment_status="hidden"), rules, NOW).allowed
    assert decide(facts(placement="comment", comment_status="visible"), rules, NOW).allowed
    suspended_brand = Account(1, "brand", 1, True, "suspended")
    assert not decide(facts(offer_owner=suspended_brand), rules, NOW).allowed
    assert not decide(facts(note_status="removed"), rules, NOW).allowed
    assert not decide(facts(mount_status="disabled"), rules, NOW).allowed
    assert not decide(facts(expires_at=NOW), rules, NOW).allowed
    assert decide(facts(expires_at=NOW + timedelta(seconds=1)), rules, NOW).allowed


def test_brand_offer_on_creator_note_needs_collab() -> None:
    rules = [Rule(1, "open", "open")]
    d = decide(facts(has_collab=False), rules, NOW)
    assert not d.allowed and "needs a collab registration" in d.summary()
    own = facts(offer_owner=CREATOR, has_collab=False)
    assert decide(own, rules, NOW).allowed


def test_a_paid_collab_note_needs_an_ad_label() -> None:
    rules = [Rule(1, "open", "open")]
    d = decide(facts(ad_label=None), rules, NOW)
    assert not d.allowed
    failed = [c for c in d.checks if not c.passed]
    assert [c.check for c in failed] == ["ad_label"]
    assert failed[0].code == "policy.ad_label.missing"
    assert failed[0].params == {"brand_id": BRAND.id, "creator_id": CREATOR.id}
    assert "no ad label" in d.summary()
    labelled = decide(facts(ad_label="ad"), rules, NOW)
    assert labelled.allowed and "ad_label" in [c.check for c in labelled.checks]
    # not commercial (the creator's own offer; no collab): no label asked
    own = decide(facts(offer_owner=CREATOR, has_collab=False, ad_label=None), rules, NOW)
    assert own.allowed and "ad_label" not in [c.check for c in own.checks]


def test_profile_cards_need_verified_enterprise() -> None:
    rules = [Rule(1, "open", "open")]
    assert decide(
        facts(placement="profile_card", audience=BRAND, note_status=None), rules, NOW
    ).allowed
    unverified = Account(1, "enterprise", 10, False, "active")
    d = decide(
        facts(
            placement="profile_card", audience=unverified, offer_owner=unverified, note_status=None
        ),
        rules,
        NOW,
    )
    assert not d.allowed and "verified enterprise" in d.summary()
    d = decide(
        facts(placement="profile_card", audience=CREATOR, offer_owner=CREATOR, note_status=None),
        rules,
        NOW,
    )
    assert not d.allowed


def test_decision_lists_every_check() -> None:
    d = decide(facts(), [Rule(1, "open", "open")], NOW)
    names = {c.check for c in d.checks}
    assert {"rule", "kill_switch", "account", "enforcement", "note", "collab", "mount"} <= names
    assert d.as_dict()["allowed"] is True


def test_the_note_statuses_docs_links_md_names_are_exactly_those_that_close_links() -> None:
    """docs/links.md's ``status`` row lists the note statuses that close a note's links; the
    policy closes exactly those (and says why)."""
    import re
    from pathlib import Path

    from seedtrail.store.schema import NOTE_STATUSES

    doc = (Path(__file__).parents[2] / "docs" / "links.md").read_text("utf-8")
    row = next(line for line in doc.splitlines() if line.startswith("| status |"))
    named = set(re.findall(r"the note is ([a-z ]+?),", row)[0].replace(" or ", " ").split())
    opened = Rule(1, "all open", "open")
    closing = {s for s in NOTE_STATUSES if not decide(facts(note_status=s), [opened], NOW).allowed}
    assert named == closing == {"removed", "throttled"}
    throttled = decide(facts(note_status="throttled"), [opened], NOW)
    assert "note is throttled (限流" in throttled.summary()


def test_a_decision_reads_in_each_language_from_its_codes() -> None:
    import re

    from seedtrail import messages
    from seedtrail.links.policy import Account, Enforcement, Rule, decide

    audience = Account(1, "creator", 10, False, "suspended")
    owner = Account(2, "brand", 10, True, "active", (Enforcement("ban", 5, 7),))
    facts = MountFacts(
        "profile_card", 1, "taobao", False, "beauty", audience, owner,
        offer_active=False, note_status="removed", comment_status="hidden",
        mount_status="disabled", expires_at=datetime(2020, 1, 1, tzinfo=UTC),
    )  # fmt: skip
    d = decide(facts, [Rule(1, "美妆开放", "open", min_followers=100)], datetime.now(UTC))
    zh = messages.render("zh-CN", d.summary_msg())
    assert zh.startswith("拒绝：规则 1「美妆开放」要求至少 100 名粉丝")
    assert "账号 2（商品所有者）：案件 7 中的处置 5（封禁）" in zh
    assert not re.search(r"[a-z]{3,} [a-z]{3,}", zh), zh
    assert messages.render("en", d.summary_msg()) == d.summary()
    assert d.summary().startswith(
        "denied: rule 1 '美妆开放' needs 100 followers, account 1 has 10;"
    )
    assert all(c["code"] and c["message"] for c in d.as_dict()["checks"])


def test_search_cards_need_a_verified_brand_and_live_rooms_their_session() -> None:
    rules = [Rule(1, "open", "open")]
    card = dict(audience=BRAND, offer_owner=BRAND, note_status=None, has_collab=False)
    assert decide(facts(placement="search_card", **card), rules, NOW).allowed
    unverified = Account(3, "brand", 10, False, "active")
    d = decide(facts(placement="search_card", **{**card, "audience": unverified}), rules, NOW)
    assert not d.allowed and [c.check for c in d.checks if not c.passed] == ["verified_enterprise"]
    room = dict(placement="live_room", audience=CREATOR, offer_owner=CREATOR, note_status=None)
    live = facts(**room, starts_at=NOW - timedelta(hours=1), expires_at=NOW + timedelta(hours=1))
    assert decide(live, rules, NOW).allowed
    soon = facts(**room, starts_at=NOW + timedelta(hours=1), expires_at=NOW + timedelta(hours=2))
    d = decide(soon, rules, NOW)
    assert not d.allowed and "starts at" in d.summary()
    assert [c.check for c in d.checks if not c.passed] == ["live_session"]
    over = facts(**room, starts_at=NOW - timedelta(hours=2), expires_at=NOW - timedelta(hours=1))
    assert [c.check for c in decide(over, rules, NOW).checks if not c.passed] == ["expiry"]
    # a rule may open or close one placement alone
    closed = [Rule(1, "open", "open"), Rule(2, "no live", "closed", placement="live_room")]
    assert not decide(live, closed, NOW).allowed
    assert decide(facts(placement="search_card", **card), closed, NOW).allowed
