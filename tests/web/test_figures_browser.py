"""One definition per figure, checked in a real browser: every campaign page a brand (and the
operator) can open shows the figures the attribution API gives, names instead of ids, intervals
around their estimates, funnel steps never above 100% of a step they are not nested in, and a
lift only with enough data (MDE and power beside it)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from dashboard_site import SimSite, sign_in_with

pytestmark = pytest.mark.browser

# an id rendered as a number: digits with thousands separators, or a bare run of digits
_ID_LIKE = re.compile(r"^#?\d{1,3}(,\d{3})+$|^\d+$")


def _num(text: str) -> float:
    return float(re.sub(r"[^0-9.\-]", "", text))


def _interval(text: str) -> tuple[float, float]:
    """The bounds of the first ``[low, high]`` in a shown text (thousands separators allowed)."""
    found = re.search(r"\[([^\]]*)\]", text)
    assert found, text
    lo, hi = found.group(1).split(", ")
    return _num(lo), _num(hi)


def _check_campaign(page: Any, api: Any, cid: int) -> None:
    want = api.get(f"/attribution/campaigns/{cid}").json()
    funnel = want["funnel"]
    if funnel is None:  # withheld by the clean room: the page says so and shows no figures
        assert page.locator("#report-figures").count() == 0
        return
    # counted clicks: the header, the funnel step and the API agree
    header = page.text_content("[data-figure=clicks]") or ""
    assert int(_num(header)) == funnel["clicks"]
    steps = page.locator("#funnel .step").evaluate_all("els => els.map(e => e.dataset.value)")
    assert funnel["clicks"] in [float(s) for s in steps if s]
    # GMV and purchases: the value, and a shown interval that holds it
    for name, digits in (("gmv", 2), ("purchases", 1)):
        dd = page.locator(f"[data-figure={name}]")
        assert float(dd.get_attribute("data-value") or "nan") == pytest.approx(
            funnel[name]["scaled"]
        )
        lo, hi = funnel[name]["ci95"]
        assert lo <= funnel[name]["scaled"] <= hi
        assert lo >= 0  # non-negative figures, non-negative bounds
        shown_lo, shown_hi = _interval(dd.locator("small").text_content() or "")
        shown = round(funnel[name]["scaled"], digits)
        assert shown_lo <= shown <= shown_hi
    # each interval states its method, as the registry describes it
    methods = page.get_attribute("#interval-methods", "data-methods") or ""
    assert methods.split() == [funnel["purchases"]["method"], funnel["gmv"]["method"]]
    registry = api.get("/attribution/metrics").json()["interval_methods"]
    hint = page.text_content("#interval-methods") or ""
    for key in methods.split():
        assert registry[key]["zh-CN"] in hint
    # funnel rates: a share only when nested, never above 100%
    for title in page.locator("#funnel .step title").all_text_contents():
        for pct in re.findall(r"([0-9.,]+)%", title):
            assert float(pct.replace(",", "")) <= 100.0, title
    # the models side by side: each shown interval contains its shown estimate
    for row in page.locator("#table-models tbody tr").all():
        for col in ("purchases", "gmv"):
            value = row.locator(f"td[data-col={col}]").text_content() or ""
            ci = row.locator(f"td[data-col={col}_ci]").text_content() or ""
            if "[" in ci:
                lo_s, hi_s = _interval(ci)
                assert lo_s <= _num(value) <= hi_s, (col, value, ci)
    # names, never ids: notes by title, creators by handle
    titles = page.locator("#table-credit td[data-col=title]").all_text_contents()
    assert set(titles) <= {n["title"] for n in want["notes"]}
    handles = page.locator("#table-creators td[data-col=key]").all_text_contents()
    assert set(handles) <= {f"@{n['author_handle']}" for n in want["notes"]}
    for cell in (
        titles + handles + page.locator("#table-notes td[data-col=title]").all_text_contents()
    ):
        assert not _ID_LIKE.match(cell.strip()), cell
    # lift: a number only with enough data; MDE and power always beside it
    lift = api.get(f"/attribution/campaigns/{cid}/lift").json()["lift"]
    if lift is None:
        return
    shown_lift = page.locator("[data-figure=incremental-purchases]")
    if lift["enough_data"]:
        assert float(shown_lift.get_attribute("data-value") or "nan") == pytest.approx(
            lift["purchases"]["incremental"]
        )
    else:
        assert shown_lift.count() == 0 and page.locator("#lift-not-enough").is_visible()
    mde = page.text_content("[data-figure=mde]") or ""
    assert (mde.strip() == "—") == (lift["mde"] is None)
    if lift["mde"] is not None:
        assert _num(mde) == pytest.approx(lift["mde"] * 100, abs=0.05)
    advice = lift["holdout_advice"]  # beside the lift: the holdout this campaign would need
    shown_advice = page.locator("#holdout-advice")
    assert float(shown_advice.get_attribute("data-current") or "nan") == advice["current_share"]
    needed = shown_advice.get_attribute("data-needed") or ""
    assert (needed == "") == (advice["holdout_share_needed"] is None)
    power = page.text_content("[data-figure=power]") or ""
    if lift["power"] is not None:
        assert _num(power.split("%")[0]) == pytest.approx(lift["power"] * 100, abs=0.5)


@pytest.mark.parametrize("role", ["brand", "operator"])
def test_every_campaign_page_agrees_with_the_api(
    browser: Any, sim_site: SimSite, role: str
) -> None:
    api = sim_site.api(role)
    page = sign_in_with(browser, sim_site.url, sim_site.keys[role])
    page.goto(f"{sim_site.url}/ui/brand")
    links = page.locator("#table-campaigns a[href^='/ui/brand/campaigns/']")
    hrefs = links.evaluate_all("as => as.map(a => a.getAttribute('href'))")
    ids = sorted(int(h.rsplit("/", 1)[1]) for h in hrefs)
    assert ids and set(ids) <= {c["id"] for c in api.get("/campaigns").json()}
    brands = page.locator("#table-campaigns td[data-col=brand]").all_text_contents()
    assert brands and all(b.startswith("@") for b in brands)  # the brand by handle, not id
    for cid in ids:
        page.goto(f"{sim_site.url}/ui/brand/campaigns/{cid}")
        _check_campaign(page, api, cid)
    page.context.close()


def test_creator_page_names_notes_and_offers(browser: Any, site: Any) -> None:
    from dashboard_site import sign_in

    api = site.api("creator")
    titles = {n["id"]: n["title"] for n in api.get("/notes", params={"limit": 1000}).json()}
    page = sign_in(browser, site, "creator")
    notes = page.locator("#table-mounts td[data-col=note]").all_text_contents()
    offers = page.locator("#table-mounts td[data-col=offer]").all_text_contents()
    assert notes and offers
    assert set(notes) - {"—"} <= set(titles.values())
    for cell in notes + offers:
        assert not _ID_LIKE.match(cell.strip().lstrip("#")), cell
    ids = page.locator("#table-mounts td[data-col=id]").all_text_contents()
    assert all("," not in i for i in ids)  # an id is never shown with thousands separators
    page.context.close()
