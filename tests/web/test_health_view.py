"""The dashboard's health page: an operator holds and releases a partner's figures there (the
same audited call as the API); other roles get no button and a 403."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from factories import auth, build_world
from seedtrail.store.store import Store


def _sign_in(client: TestClient, key: str) -> str:
    r = client.post("/ui/signin", data={"key": key, "next": "/ui/health"}, follow_redirects=False)
    assert r.status_code == 303
    page = client.get("/ui/health", headers={"accept-language": "en"}).text
    return page.split('name="csrf" content="')[1].split('"')[0]


def test_an_operator_holds_and_releases_a_partner_from_the_health_page(
    client: TestClient, store: Store
) -> None:
    w = build_world(store)
    token = _sign_in(client, w.keys["operator"])
    pid = w.ids["partner"]
    r = client.post(
        f"/ui/health/partners/{pid}/hold",
        data={"reason": "orders missing since 9:00", "csrf": token},
        follow_redirects=False,
    )
    assert r.status_code == 303
    page = client.get("/ui/health", headers={"accept-language": "en"}).text
    assert "orders missing since 9:00" in page and f"/health/partners/{pid}/release" in page
    held = client.get("/holds", headers=auth(w.keys["operator"])).json()
    assert [h["partner_id"] for h in held] == [pid]
    r = client.post(
        f"/ui/health/partners/{pid}/release", data={"reason": "backfilled", "csrf": token}
    )
    assert r.status_code == 200  # followed to the page
    assert client.get("/holds", headers=auth(w.keys["operator"])).json() == []


def test_a_moderator_sees_no_hold_button_and_may_not_hold(client: TestClient, store: Store) -> None:
    w = build_world(store)
    token = _sign_in(client, w.keys["moderator"])
    page = client.get("/ui/health").text
    assert "/hold" not in page
    r = client.post(
        f"/ui/health/partners/{w.ids['partner']}/hold", data={"reason": "mine", "csrf": token}
    )
    assert r.status_code == 403
    assert client.get("/holds", headers=auth(w.keys["operator"])).json() == []


def test_the_window_and_the_sample_rate_read_as_on_other_pages(
    client: TestClient, store: Store
) -> None:
    """Times in the page's language (they were ISO text, ``2026-12-04T05:00``) and the
    declared sample rate as a percentage (it read ``1.0`` here, ``1`` on the policy page)."""
    w = build_world(store)
    _sign_in(client, w.keys["operator"])
    page = client.get("/ui/health", headers={"accept-language": "en"}).text
    line = page.split("declared sample rate ")[1].split("</p>")[0]
    assert line.startswith("100% · ")
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d", line)
    assert re.search(r"[A-Z][a-z]{2} \d{1,2}, \d{4}", line)
    zh = client.get("/ui/health", headers={"accept-language": "zh-CN"}).text
    assert "声明采样率 100% · " in zh and "年" in zh.split("声明采样率")[1].split("</p>")[0]
    policy = client.get("/ui/operator", headers={"accept-language": "en"}).text
    assert re.findall(r'<td[^>]*data-col="declared_sample_rate"[^>]*>([^<]*)<', policy)[0] == "100%"
    audit_times = re.findall(
        r'<tr data-action="[^"]*"><td class="num">\d+</td><td>([^<]*)<', policy
    )
    assert audit_times and all(re.match(r"[A-Z][a-z]{2} \d{1,2}, \d{4}", a) for a in audit_times)


def test_an_end_too_early_for_the_window_is_a_422_page(client: TestClient, store: Store) -> None:
    """``?end=0001-01-01`` made the window start before year 1: an OverflowError, a 500 page."""
    w = build_world(store)
    _sign_in(client, w.keys["operator"])
    for lang, says in (
        ("en", "can end on 0001-01-08 at the earliest"),
        ("zh-CN", "最早只能结束于 0001-01-08"),
    ):
        for end in ("0001-01-01", "0001-01-07T23:00"):
            r = client.get(f"/ui/health?end={end}", headers={"accept-language": lang})
            assert r.status_code == 422 and says in r.text, (end, r.text[:300])
    assert client.get("/ui/health?end=0001-01-08&hours=168").status_code == 200
    assert client.get("/ui/health?end=9999-12-31T23:59:59").status_code == 200


def test_a_partner_with_nothing_to_judge_is_no_data_not_ok(
    client: TestClient, store: Store
) -> None:
    """No click sent and nothing back: the badge read a green "ok" beside "no clicks were
    sent". It is a neutral "no data" now, in both languages, as the API's status says."""
    w = build_world(store)
    _sign_in(client, w.keys["operator"])
    want = client.get("/partners/taobao/health", headers=auth(w.keys["operator"])).json()
    assert want["status"] == "no_data"
    for lang, word in (("zh-CN", "无数据"), ("en", "no data")):
        page = client.get("/ui/health", headers={"accept-language": lang}).text
        assert 'data-partner="taobao" data-status="no_data"' in page
        badges = re.findall(r'<span class="badge ([a-z_]+)">([^<]*)</span>', page)
        assert len(badges) == 3 and set(badges) == {("no_data", word)}


def test_the_reason_fields_say_what_the_reason_is_for_in_a_few_words(
    client: TestClient, store: Store
) -> None:
    """The hold reason's placeholder ("Reason (audited, shown with the withheld figures)") was
    cut off in its field: it is short now, the field wider (class ``reason``), and a release
    asks why it is released."""
    w = build_world(store)
    token = _sign_in(client, w.keys["operator"])
    pid = w.ids["partner"]
    client.post(f"/ui/health/partners/{pid}/hold", data={"reason": "late orders", "csrf": token})
    for lang, hold, release in (
        ("zh-CN", "暂停原因（记入审计，在报告中展示）", "恢复原因（记入审计）"),
        ("en", "Why hold? (audited, shown in reports)", "Why release? (audited)"),
    ):
        page = client.get("/ui/health", headers={"accept-language": lang}).text
        fields = re.findall(r'<input class="reason" name="reason"[^>]* placeholder="([^"]*)"', page)
        assert sorted(fields) == sorted([hold, hold, release])
