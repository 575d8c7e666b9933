"""The link policy's decisions checked in full: every check's name, result and English text, and
the edges of each rule (which rules and checks apply, in what order, with which words)."""

from __future__ import annotations

from datetime import timedelta

from policyfacts import CREATOR, NOW, facts
from seedtrail.links.policy import Account, Enforcement, Rule, decide, next_change


def test_an_allowed_decision_states_every_check_in_order() -> None:
    rule = Rule(7, "skincare open", "open", category="skincare")
    d = decide(facts(expires_at=NOW + timedelta(days=1)), [rule], NOW)
    assert d.allowed and d.rule_ids == [7] and d.enforcement == []
    assert d.deciding == d.checks  # allowed: every check decided
    assert d.summary() == (
        "allowed: rule 7 'skincare open' opens links for taobao × skincare × note_card; "
        "partner taobao links are enabled; offer is active; "
        "account 2 (audience) is in good standing; account 2 (audience) has no blocking action; "
        "account 1 (offer owner) is in good standing; "
        "account 1 (offer owner) has no blocking action; note is normal; "
        "brand 1's offer on creator 2's note has a collab registration; "
        "the note is labelled 赞助 (sponsored); link is active; "
        "link expires at 2025-03-02T12:00:00+00:00"
    )
    body = d.as_dict()
    assert body["summary"] == d.summary() and body["summary_msg"]["code"] == "policy.allowed"
    assert [c["check"] for c in body["checks"]] == [c.check for c in d.checks]
    assert body["checks"][0]["rule_id"] == 7 and body["checks"][0]["passed"] is True


def test_a_denied_decision_names_only_the_failed_checks() -> None:
    ban = Enforcement("ban", action_id=5, case_id=9)
    audience = Account(2, "creator", 12_000, False, "suspended", (ban,))
    owner = Account(1, "brand", 50_000, True, "banned")
    d = decide(
        facts(
            audience=audience,
            offer_owner=owner,
            partner_links_enabled=False,
            offer_active=False,
            note_status="hidden",
            has_collab=False,
            mount_status="disabled",
            expires_at=NOW,
        ),
        [Rule(3, "closed here", "closed", partner_id=1)],
        NOW,
    )
    assert not d.allowed and d.rule_ids == [3]
    assert d.enforcement == [{"action_id": 5, "case_id": 9}]
    assert d.summary() == (
        "denied: rule 3 'closed here' closes links for taobao × skincare × note_card; "
        "partner taobao links are switched off (kill switch); offer is inactive; "
        "account 2 (audience) is suspended; "
        "account 2 (audience): ban by action 5 in case 9; account 1 (offer owner) is banned; "
        "note is hidden; brand 1's offer on creator 2's note needs a collab registration; "
        "link is disabled; link expired at 2025-03-01T12:00:00+00:00"
    )
    assert [(c.check, c.passed) for c in d.checks] == [
        ("rule", False),
        ("kill_switch", False),
        ("offer", False),
        ("account", False),
        ("enforcement", False),
        ("account", False),
        ("enforcement", True),  # the owner has no blocking action
        ("note", False),
        ("collab", False),
        ("mount", False),
        ("expiry", False),
    ]
    assert d.as_dict()["rule_ids"] == [3] and d.as_dict()["checks"][4]["passed"] is False


def test_a_refused_rule_check_is_a_failed_rule_check() -> None:
    """The JSON keeps each check's name and a boolean ``passed``: a closed default, a closing
    rule and a follower bar all fail the ``rule`` check."""
    for rules in (
        [],
        [Rule(1, "shut", "closed")],
        [Rule(2, "big", "open", min_followers=10**6)],
        [Rule(3, "open", "open")],
    ):
        d = decide(facts(), rules, NOW)
        rule = d.as_dict()["checks"][0]
        assert (rule["check"], rule["passed"]) == ("rule", bool(rules and rules[0].id == 3))
        assert d.as_dict()["rule_ids"] == [r.id for r in rules]


def test_every_closing_rule_at_the_top_level_is_named() -> None:
    rules = [
        Rule(5, "shut b", "closed", partner_id=1),
        Rule(4, "shut a", "closed", category="skincare"),
        Rule(6, "open", "open", placement="note_card"),
        Rule(1, "broad shut", "closed"),
    ]
    d = decide(facts(), rules, NOW)
    assert not d.allowed and d.rule_ids == [4, 5]


def test_the_lowest_follower_bar_is_named_and_the_lowest_id_of_those_passed_opens() -> None:
    rules = [
        Rule(9, "huge", "open", min_followers=90_000),
        Rule(8, "big", "open", min_followers=30_000),
        Rule(10, "bigger", "open", min_followers=40_000),
    ]
    d = decide(facts(), rules, NOW)
    assert not d.allowed and d.rule_ids == [8]
    assert d.summary() == "denied: rule 8 'big' needs 30000 followers, account 2 has 12000"
    star = Account(2, "creator", 50_000, False, "active")
    assert decide(facts(audience=star), rules, NOW).rule_ids == [8]
    assert decide(facts(audience=star), [*rules, Rule(2, "any", "open")], NOW).rule_ids == [2]


def test_next_change_is_the_earliest_edge_after_now() -> None:
    day = timedelta(days=1)
    rules = [
        Rule(1, "on now", "open", starts_at=NOW, ends_at=NOW + 3 * day),
        Rule(2, "later", "open", starts_at=NOW + 2 * day),
        Rule(3, "past", "open", starts_at=NOW - 2 * day, ends_at=NOW - day),
    ]
    assert next_change(rules, NOW) == NOW + 2 * day  # NOW itself is not after now
    assert next_change(rules, NOW + 2 * day) == NOW + 3 * day
    assert next_change(rules, NOW + 3 * day) is None
    assert next_change([], NOW) is None


def test_rule_from_a_row_takes_its_fields_and_ignores_the_rest() -> None:
    row = {
        "id": 4, "name": "n", "effect": "open", "partner_id": None, "category": "skincare",
        "placement": "comment", "starts_at": None, "ends_at": NOW, "min_followers": 10,
        "enabled": False, "created_at": NOW, "note": "extra",
    }  # fmt: skip
    assert Rule.from_row(row) == Rule(
        4, "n", "open", None, "skincare", "comment", None, NOW, 10, False
    )


def test_which_mounts_are_a_brands_paid_link_on_a_creators_note() -> None:
    rules = [Rule(1, "open", "open")]

    def checks(**kw: object) -> list[str]:
        return [c.check for c in decide(facts(has_collab=False, **kw), rules, NOW).checks]

    assert "collab" in checks()
    enterprise = Account(5, "enterprise", 10, True, "active")
    assert "collab" in checks(offer_owner=enterprise)
    assert "collab" not in checks(offer_owner=Account(6, "creator", 10, False, "active"))
    assert "collab" not in checks(audience=Account(7, "brand", 10, True, "active"))
    assert "collab" not in checks(placement="profile_card", note_status=None)


def test_a_boosted_note_needs_a_label_once() -> None:
    rules = [Rule(1, "open", "open")]
    own = dict(offer_owner=CREATOR, has_collab=False)
    d = decide(facts(**own, boosted=True, ad_label=None), rules, NOW)
    assert not d.allowed and d.summary() == (
        "denied: the note is boosted (paid distribution) but carries no ad label (广告 / 赞助): "
        "label the note first"
    )
    labelled = decide(facts(**own, boosted=True, ad_label="ad"), rules, NOW)
    assert labelled.allowed
    assert [c.message for c in labelled.checks if c.check == "ad_label"] == [
        "the note is labelled 广告 (ad)"
    ]
    missing = [c for c in d.checks if c.check == "ad_label"]
    assert [c.passed for c in missing] == [False]
    unlabelled = decide(facts(ad_label=None), rules, NOW).as_dict()["checks"]
    assert [(c["check"], c["passed"]) for c in unlabelled if c["check"] == "ad_label"] == [
        ("ad_label", False)
    ]
    # a collab flag on a mount that is not a brand's paid link does not excuse a boosted note
    flagged = decide(facts(**{**own, "has_collab": True}, boosted=True, ad_label=None), rules, NOW)
    assert [c.code for c in flagged.checks if not c.passed] == ["policy.ad_label.boosted_missing"]
    collab = decide(facts(boosted=True, ad_label="ad"), rules, NOW)
    assert [c.check for c in collab.checks].count("ad_label") == 1 and collab.allowed


def test_profile_card_refusals_say_whether_the_account_is_verified() -> None:
    rules = [Rule(1, "open", "open")]

    def refusal(audience: Account) -> tuple[str, str]:
        d = decide(facts(placement="profile_card", audience=audience, note_status=None), rules, NOW)
        return next((c.code, c.message) for c in d.checks if c.check == "verified_enterprise")

    need = "profile cards need a verified enterprise account; account 3 is"
    assert refusal(Account(3, "creator", 10, True, "active")) == (
        "policy.verified.no",
        f"{need} verified creator",
    )
    assert refusal(Account(3, "brand", 10, False, "active")) == (
        "policy.verified.unverified",
        f"{need} unverified brand",
    )
    assert refusal(Account(3, "enterprise", 10, True, "active")) == (
        "policy.verified.ok",
        f"{need} one",
    )


def test_a_comment_link_follows_the_comments_status() -> None:
    rules = [Rule(1, "open", "open")]
    for status, allowed in (("visible", True), ("hidden", False)):
        d = decide(facts(placement="comment", comment_status=status), rules, NOW)
        assert d.allowed is allowed
        assert [c.message for c in d.checks if c.check == "comment"] == [f"comment is {status}"]


def test_a_live_room_opens_at_its_start_and_not_without_one() -> None:
    rules = [Rule(1, "open", "open")]
    room = dict(placement="live_room", offer_owner=CREATOR, note_status=None)
    live = decide(facts(**room, starts_at=NOW), rules, NOW)
    assert live.allowed
    assert [c.message for c in live.checks if c.check == "live_session"] == [
        "the live session started at 2025-03-01T12:00:00+00:00"
    ]
    soon = decide(facts(**room, starts_at=NOW + timedelta(minutes=1)), rules, NOW)
    assert soon.summary() == (
        "denied: the live session starts at 2025-03-01T12:01:00+00:00: its links open then"
    )
    d = decide(facts(**room), rules, NOW)
    assert not d.allowed
    assert d.summary() == "denied: the live session starts at ?: its links open then"
