"""The dashboard in a real browser (Chromium via Playwright) against ``seedtrail serve``: sign in
per role, walk each view's main path, compare what is shown with the API, both languages."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from decimal import Decimal
from typing import Any

import pytest
from dashboard_site import SimSite, Site, shot, sign_in, sign_in_with

from seedtrail.web import tables

pytestmark = pytest.mark.browser


def _figure(page: Any, name: str) -> str:
    return str(page.text_content(f"[data-figure={name}]")).strip()


def test_sign_in_lands_each_role_on_its_view_and_hides_the_rest(browser: Any, site: Site) -> None:
    homes = {
        "operator": "/ui/operator",
        "brand": "/ui/brand",
        "creator": "/ui/creator",
        "moderator": "/ui/moderator",
        "partner": "/ui/health",
    }
    for role, home in homes.items():
        page = sign_in(browser, site, role)
        assert page.url.endswith(home), (role, page.url)
        assert site.world.keys[role] not in page.url
        cookies = page.context.cookies()
        assert all(site.world.keys[role] not in c["value"] for c in cookies)
        assert page.get_attribute(".who", "data-role") == role
        page.context.close()
    # A creator is refused the operator's view exactly as the API refuses it the rules.
    page = sign_in(browser, site, "creator")
    nav = page.locator("header nav a").all_text_contents()
    assert "链接策略" not in nav
    page.goto(site.url + "/ui/operator")
    assert page.get_attribute(".error-page", "data-status") == "403"
    assert site.api("creator").get("/rules").status_code == 403
    page.context.close()


def test_bad_key_says_what_to_do(browser: Any, site: Site) -> None:
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    page.goto(site.url + "/ui/signin")
    page.fill("input[name=key]", "st_not_a_real_key")
    page.click("form[action='/ui/signin'] button[type=submit]")
    assert "invalid or revoked" in page.text_content("[role=alert]")
    context.close()


def test_operator_previews_and_uses_the_kill_switch(browser: Any, site: Site) -> None:
    w = site.world
    api = site.api("operator")
    page = sign_in(browser, site, "operator")
    rows = page.locator("#table-rules tbody tr")
    assert rows.count() == len(api.get("/rules").json())
    shot(page, "operator-zh")
    # Preview disabling the open rule: the page shows what POST /policy/preview computes.
    page.select_option("#preview-form select[name=rule_id]", str(w.ids["rule"]))
    page.select_option("#preview-form select[name=enabled]", "false")
    page.click("#preview-form button[type=submit]")
    expected = api.post("/policy/preview", json={"rule_id": w.ids["rule"], "enabled": False}).json()
    assert expected["closes"], "the open rule carries the mounted links"
    assert int(_figure(page, "closes")) == len(expected["closes"])
    assert int(_figure(page, "checked")) == expected["checked"]
    shown = set(page.locator("#table-closes td[data-col=code]").all_text_contents())
    assert shown == {c["code"] for c in expected["closes"]}
    shot(page, "operator-preview")
    assert api.get(f"/rules/{w.ids['rule']}").json()["enabled"] is True  # a preview changes nothing
    # Close the marketplace's links, then reopen them; both land in the audit log.
    page.goto(site.url + "/ui/operator")
    page.on("dialog", lambda d: d.accept())
    form = page.locator(".switch[data-partner=taobao] form")
    form.locator("input[name=reason]").fill("故障演练 drill")
    form.locator("button").click()
    page.wait_for_load_state()
    assert page.locator(".notice").is_visible()
    assert api.get(f"/partners/{w.ids['partner']}").json()["links_enabled"] is False
    assert page.locator("#table-audit tr[data-action='partner.kill_switch']").count() >= 1
    assert "故障演练 drill" in page.text_content("#table-audit")
    form = page.locator(".switch[data-partner=taobao] form")
    form.locator("input[name=reason]").fill("演练结束")
    form.locator("button").click()
    page.wait_for_load_state()
    assert api.get(f"/partners/{w.ids['partner']}").json()["links_enabled"] is True
    page.context.close()


def test_moderator_sees_rules_but_no_kill_switch(browser: Any, site: Site) -> None:
    page = sign_in(browser, site, "moderator", locale="en-US")
    page.goto(site.url + "/ui/operator")
    assert page.locator("#table-rules tbody tr").count() >= 1
    assert page.locator(".switch form").count() == 0  # only operators may switch
    page.context.close()


def test_moderator_works_a_case_and_an_operator_decides_the_appeal(
    browser: Any, site: Site
) -> None:
    w = site.world
    mod = site.api("moderator")
    page = sign_in(browser, site, "moderator")
    # The queue is the API's, in the API's order: severity, then reach.
    api_ids = [c["id"] for c in mod.get("/cases").json()]
    shown = [int(x) for x in page.locator("#table-cases td[data-col=id]").all_text_contents()]
    assert shown == api_ids
    assert page.locator("#table-cases [data-severity]").first.get_attribute("data-severity") == "3"
    shot(page, "moderator-queue-zh")
    # The water-army campaign is one case: its graph holds every member and target note, by name.
    assert page.locator("#table-cases td[data-col=subject_label]").count() == len(api_ids)
    page.goto(f"{site.url}/ui/moderator/cases/{w.ids['campaign_case']}")
    assert page.locator("#campaign-graph .node[data-kind=account]").count() == 3
    assert page.locator("#campaign-graph .node[data-kind=note]").count() == 2
    assert page.locator("#table-timeline tbody tr").count() == 3
    assert page.locator("#table-members tbody tr").count() == 3
    assert "@wa0" in str(page.text_content("#table-members"))  # handles, not ids
    assert "水军团伙" in str(page.text_content("p.lead"))  # the summary in the page's language
    shot(page, "moderator-campaign-zh")
    # The diversion case: the WeChat id is highlighted; hide the comment.
    page.goto(f"{site.url}/ui/moderator/cases/{w.ids['diversion_case']}")
    assert page.text_content(".evidence-text mark[data-kind=wechat]") == "wx_abc123"
    page.on("dialog", lambda d: d.accept())
    page.select_option("#act-form select[name=action]", "hide")
    page.fill("#act-form input[name=reason]", "站外导流 off-platform diversion")
    page.click("#act-form button")
    page.wait_for_load_state()
    case = mod.get(f"/cases/{w.ids['diversion_case']}").json()
    assert case["status"] == "actioned" and case["actions"][0]["action"] == "hide"
    assert page.locator("#table-actions tr[data-action=hide]").count() == 1
    shot(page, "moderator-case-zh")
    page.context.close()
    # The comment's author finds the case among their own and appeals in the browser.
    page = sign_in(browser, site, "other_creator")
    mine = site.api("other_creator").get("/cases").json()
    shown = [int(x) for x in page.locator("#own-cases td[data-col=id]").all_text_contents()]
    assert sorted(shown) == sorted(c["id"] for c in mine) and w.ids["diversion_case"] in shown
    page.click(f"#own-cases a[href='/ui/moderator/cases/{w.ids['diversion_case']}']")
    page.fill("#file-appeal-form input[name=statement]", "这是我自己的小号，不是导流")
    page.click("#file-appeal-form button")
    page.wait_for_load_state()
    assert mod.get(f"/cases/{w.ids['diversion_case']}").json()["status"] == "appealed"
    page.context.close()
    # An operator overturns it.
    page = sign_in(browser, site, "operator", locale="en-US")
    page.goto(f"{site.url}/ui/moderator/cases/{w.ids['diversion_case']}")
    page.select_option("#appeal-form select[name=outcome]", "overturned")
    page.fill("#appeal-form input[name=reason]", "own second account")
    page.click("#appeal-form button")
    page.wait_for_load_state()
    assert page.get_attribute("[data-outcome]", "data-outcome") == "overturned"
    case = mod.get(f"/cases/{w.ids['diversion_case']}").json()
    assert case["status"] == "overturned" and case["actions"][0]["reversed_at"]
    shot(page, "moderator-appeal-en")
    # ... and labels every member of the water-army campaign in one go, from its one case.
    page.goto(f"{site.url}/ui/moderator/cases/{w.ids['campaign_case']}")
    assert "Water-army campaign" in str(page.text_content("p.lead"))
    assert "(3)" in str(page.text_content("#group-act-form label"))
    page.on("dialog", lambda d: d.accept())
    page.select_option("#group-act-form select[name=action]", "label")
    page.fill("#group-act-form input[name=reason]", "coordinated water-army comments")
    page.click("#group-act-form button")
    page.wait_for_load_state()
    assert page.locator("p.notice").count() >= 1
    members = mod.get("/cases", params={"parent_id": w.ids["campaign_case"]}).json()
    assert len(members) == 3
    for member in members:
        detail = mod.get(f"/cases/{member['id']}").json()
        assert [a["action"] for a in detail["actions"]] == ["label"]
    assert mod.get(f"/cases/{w.ids['campaign_case']}").json()["status"] == "actioned"
    page.context.close()


def test_creator_sees_own_links_and_counted_clicks(browser: Any, site: Site) -> None:
    api = site.api("creator")
    page = sign_in(browser, site, "creator")
    counted = api.get("/clicks", params={"counted_only": "true", "limit": 1000}).json()
    every = api.get("/clicks", params={"limit": 1000}).json()
    assert len(every) > len(counted) >= 7  # the preview bot is logged, not counted
    assert _figure(page, "clicks") == str(len(counted))
    mounts = api.get("/mounts").json()
    assert int(_figure(page, "mounts")) == len(mounts)
    per_mount = Counter(c["mount_id"] for c in counted)
    # Sort the mounts by counted clicks (ascending, then back) and compare each with the API.
    page.locator("#table-mounts th[data-col=counted] a").click()
    page.wait_for_load_state()
    ids = [int(v) for v in page.locator("#table-mounts td[data-col=id]").all_text_contents()]
    values = [
        int(v) for v in page.locator("#table-mounts td[data-col=counted]").all_text_contents()
    ]
    assert values == [per_mount[i] for i in ids]
    assert values == sorted(values, reverse=page.url.endswith("desc"))
    assert page.locator("svg.chart.line circle").count() >= 1
    shot(page, "creator-zh")
    page.context.close()


def test_brand_campaign_matches_the_api_and_exports_csv(browser: Any, site: Site) -> None:
    w = site.world
    api = site.api("brand")
    page = sign_in(browser, site, "brand")
    assert page.locator("#table-campaigns tbody tr").count() == len(api.get("/campaigns").json())
    page.click(f"a[href='/ui/brand/campaigns/{w.ids['campaign']}']")
    page.wait_for_load_state()
    spend = sum(
        Decimal(r["amount"]) for r in api.get(f"/campaigns/{w.ids['campaign']}/spend").json()
    )
    assert Decimal(page.get_attribute("[data-figure=spend]", "data-value") or "nan") == spend
    assert _figure(page, "spend") == f"¥{spend:,.2f}"  # Babel's CNY in zh-CN
    assert page.locator("#attribution .empty-state").is_visible()
    shot(page, "brand-campaign-zh")
    with page.expect_download() as dl:
        page.click("a[download]")
    text = dl.value.path().read_text(encoding="utf-8-sig")
    assert text.splitlines()[0] == "campaign_id,note_id,note_title,spend"
    assert sum(Decimal(line.rsplit(",", 1)[1]) for line in text.splitlines()[1:]) == spend
    page.context.close()


def test_partner_sees_only_its_own_health_as_the_api_reports_it(browser: Any, site: Site) -> None:
    page = sign_in(browser, site, "partner", locale="en-US")
    shown = page.locator(".partner-health").evaluate_all("els => els.map(e => e.dataset.partner)")
    assert shown == ["taobao"]
    want = site.api("partner").get("/partners/taobao/health").json()
    assert site.api("partner").get("/partners/shop/health").status_code == 403
    box = page.locator(".partner-health[data-partner=taobao]")
    assert box.get_attribute("data-status") == want["status"] != "ok"  # 40% complete
    for reason in want["reasons"]:
        assert reason in box.locator(".reasons").text_content()

    def series(name: str) -> list[float]:
        points = box.locator(f"g.series[data-series='{name}'] circle")
        return [float(v) for v in points.evaluate_all("cs => cs.map(c => c.dataset.value)")]

    assert series("Clicks sent") == [h["clicks"] for h in want["hours"]]
    assert series("Clicks echoed by an event") == [h["visits"] for h in want["hours"]]
    # The seeded hour (30 clicks sent, 12 echoed). Other tests on this site tap links now; once
    # the clock crosses an hour those taps fall inside the window too, so only that hour is pinned.
    (seeded,) = [i for i, h in enumerate(want["hours"]) if h["visits"]]
    assert series("Clicks sent")[seeded] == 30 and series("Clicks echoed by an event")[seeded] == 12
    complete = [h["completeness"] * 100 for h in want["hours"] if h["completeness"] is not None]
    assert series("Clicks echoed") == pytest.approx(complete)
    assert 40.0 in series("Clicks echoed")
    shot(page, "health-en")
    page.context.close()


#: each reason field's placeholder width and the room its field has for text, in pixels
_PLACEHOLDER_FIT = """els => els.map(el => {
    const s = getComputedStyle(el), c = document.createElement("canvas").getContext("2d");
    c.font = s.font;
    const room = el.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight);
    return [c.measureText(el.placeholder).width, room];
})"""


def test_a_quiet_partner_reads_no_data_and_reason_fields_fit(browser: Any, site: Site) -> None:
    """A partner nothing was sent to (the web shop) had a green "ok" badge beside "no clicks
    were sent": it reads a neutral "no data", as the API's status; the hold reason's
    placeholder was cut off in its field, in both languages."""
    want = site.api("operator").get("/partners/shop/health").json()
    assert want["status"] == "no_data"
    for locale, word in (("zh-CN", "无数据"), ("en-US", "no data")):
        page = sign_in(browser, site, "operator", locale=locale)
        page.goto(site.url + "/ui/health")
        box = page.locator(".partner-health[data-partner=shop]")
        assert box.get_attribute("data-status") == "no_data"
        badge = box.locator(".badge")
        assert badge.get_attribute("class") == "badge no_data" and badge.text_content() == word
        green = "rgb(198, 246, 213)"  # .badge.ok
        assert badge.evaluate("b => getComputedStyle(b).backgroundColor") != green
        fits = page.locator("input.reason").evaluate_all(_PLACEHOLDER_FIT)
        assert fits and all(width <= room for width, room in fits), fits
        shot(page, f"health-no-data-{locale}")
        page.context.close()


def test_languages_accept_language_default_and_switch(browser: Any, site: Site) -> None:
    page = sign_in(browser, site, "operator", locale="en-US")
    assert page.text_content("h1") == "Link policy and audit"
    assert page.get_attribute("html", "lang") == "en"
    shot(page, "operator-en")
    page.click("a[lang=zh-CN]")
    page.wait_for_load_state()
    assert page.text_content("h1") == "链接策略与审计"
    assert page.url.endswith("/ui/operator")
    page.goto(site.url + "/ui/brand")
    assert page.get_attribute("html", "lang") == "zh-CN"  # the choice sticks
    page.click("a[lang=en]")
    assert page.text_content("h1") == "Campaigns"
    page.context.close()


def test_brand_reads_the_attribution_report_as_the_api_gives_it(
    browser: Any, sim_site: SimSite
) -> None:
    api = sim_site.api("brand")
    cid = sim_site.campaign
    page = sign_in_with(browser, sim_site.url, sim_site.keys["brand"])
    context = page.context
    page.click(f"a[href='/ui/brand/campaigns/{cid}']")
    page.wait_for_load_state()
    for model in ("position_based", "last_click"):
        if model == "last_click":  # the model switch submits itself (a little JavaScript)
            page.select_option("#model-form select[name=model]", model)
            page.wait_for_url(f"**model={model}")
        want = api.get(f"/attribution/campaigns/{cid}", params={"model": model}).json()
        assert want["run"]["model"] == model and want["funnel"] is not None
        gmv = float(page.get_attribute("[data-figure=gmv]", "data-value") or "nan")
        assert gmv == pytest.approx(want["funnel"]["gmv"]["scaled"])
        steps = page.locator("#funnel .step").evaluate_all("els => els.map(e => e.dataset.value)")
        assert float(steps[3]) == want["funnel"]["clicks"]
        assert float(steps[7]) == pytest.approx(want["funnel"]["purchases"]["scaled"])
        shown = page.locator("#table-credit td[data-col=title]").all_text_contents()
        keys = [n["title"] for n in want["notes"]]  # notes by title, not id
        assert keys and shown  # a report with notes shows them (an empty table fails here)
        assert len(shown) == len(set(shown)) == min(len(keys), tables.PER_PAGE)
        assert set(shown) <= set(keys)
        days = api.get(f"/attribution/campaigns/{cid}/daily", params={"model": model}).json()
        _check_daily(page, days)
    models = api.get(f"/attribution/campaigns/{cid}/models").json()["models"]
    # the report's two models and the one calibrated by lift
    assert page.locator("#table-models tbody tr").count() == len(models) == 3
    assert "calibrated" in {m["model"] for m in models}
    lift = api.get(f"/attribution/campaigns/{cid}/lift").json()["lift"]
    assert lift is not None  # the tiny world's campaigns all have a holdout
    if lift["enough_data"]:
        shown_lift = page.get_attribute("[data-figure=incremental-purchases]", "data-value")
        assert float(shown_lift or "nan") == pytest.approx(lift["purchases"]["incremental"])
    else:  # below the stated minimum the page says so and shows no lift
        assert page.locator("#lift-not-enough").is_visible()
        assert page.locator("[data-figure=incremental-purchases]").count() == 0
    # one definition of counted clicks: the header says what the funnel says
    funnel = api.get(f"/attribution/campaigns/{cid}").json()["funnel"]
    assert _figure(page, "clicks").replace(",", "") == str(funnel["clicks"])
    # no funnel step is shown as a share above 100%
    for title in page.locator("#funnel .step title").all_text_contents():
        for pct in re.findall(r"([0-9.,]+)%", title):
            assert float(pct.replace(",", "")) <= 100.0, title
    shot(page, "brand-report-zh")
    with page.expect_download() as dl:  # the export carries the chosen model's figures
        page.click("a[download]")
    rows = list(csv.reader(io.StringIO(dl.value.path().read_text(encoding="utf-8-sig"))))
    head = rows[0]
    assert head[:5] == ["campaign_id", "note_id", "note_title", "spend", "model"]
    gmv = {r[1]: r[head.index("gmv")] for r in rows[1:]}
    want = api.get(f"/attribution/campaigns/{cid}", params={"model": "last_click"}).json()
    for n in want["notes"]:
        assert float(gmv[n["key"]]) == pytest.approx(n["gmv"]["scaled"])
    page.click("a[lang=en]")
    assert page.text_content("#attribution h2") == "Attribution: funnel, GMV and ROAS"
    shot(page, "brand-report-en")
    context.close()
    # an operator reads every day (no clean-room k): the charts hold the API's series
    page = sign_in_with(browser, sim_site.url, sim_site.keys["operator"])
    context = page.context
    page.goto(f"{sim_site.url}/ui/brand/campaigns/{cid}")
    days = sim_site.api("operator").get(f"/attribution/campaigns/{cid}/daily").json()
    assert len(days["days"]) > 1 and days["days_other"] is None
    _check_daily(page, days)
    page.locator("#daily").scroll_into_view_if_needed()
    shot(page, "brand-daily-zh")
    context.close()


def _check_daily(page: Any, days: dict[str, Any]) -> None:
    """The page shows the days the API released, and says how many it summed."""
    if not days["days"]:  # every day under k: the clean room sums them all, the page says so
        assert days["days_other"]["rows"] > 0
        assert page.locator("#days-other").count() == 1
        assert page.locator("#gmv-per-day").count() == 0
        return
    dots = page.locator("#gmv-per-day g.series").first.locator("circle")
    drawn = dots.evaluate_all("els => els.map(e => [e.dataset.x, Number(e.dataset.value)])")
    assert drawn == [[d["key"], pytest.approx(d["gmv"]["scaled"])] for d in days["days"]]
    running = page.locator("#roas-over-time g.series").nth(1).locator("circle")
    shown = running.evaluate_all("els => els.map(e => [e.dataset.x, Number(e.dataset.value)])")
    want = [
        [d["key"], pytest.approx(d["cumulative"]["roas"])]
        for d in days["days"]
        if d["cumulative"]["roas"] is not None
    ]
    assert shown == want
    assert (page.locator("#days-other").count() == 1) == (days["days_other"] is not None)
