"""The operator's policy impact page (no browser): past changes, a change's table and curves as
the API reports them, a change stated by hand, kept simulations; other roles get a 403 page."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

import impactsite
from factories import auth
from impactsite import ROLES, ImpactSite
from seedtrail.api.app import create_app
from seedtrail.impact import studies
from seedtrail.store.store import Store

EN = {"accept-language": "en"}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ImpactSite, TestClient]]:
    s = impactsite.build(tmp_path_factory)
    store = Store.from_settings(s.settings)
    with TestClient(create_app(s.settings, store=store)) as client:
        yield s, client
    store.dispose()


def _as(client: TestClient, key: str) -> TestClient:
    client.cookies.clear()
    r = client.post("/ui/signin", data={"key": key, "next": "/ui/"}, follow_redirects=False)
    assert r.status_code == 303
    return client


def _attrs(html: str, tag: str, attr: str) -> list[str]:
    return re.findall(rf"<{tag}[^>]* {attr}=\"([^\"]*)\"", html)


def test_the_operator_lists_changes_and_reads_one_as_the_api_does(
    site: tuple[ImpactSite, TestClient],
) -> None:
    s, client = site
    _as(client, s.keys["operator"])
    page = client.get("/ui/operator/impact", headers=EN)
    assert page.status_code == 200
    assert 'href="/ui/operator/impact"' in page.text  # in the navigation
    assert f"/ui/operator/impact/changes/{s.rule_entry}" in page.text
    assert f"/ui/operator/impact/changes/{s.late_entry}" not in page.text
    assert "not inside the data" in page.text  # the late change says why
    zh = client.get("/ui/operator/impact", headers={"accept-language": "zh-CN"}).text
    assert "策略影响" in zh and "not inside" not in zh
    report = client.get(f"/ui/operator/impact/changes/{s.rule_entry}", headers=EN).text
    want = client.get(
        f"/policy/changes/{s.rule_entry}/impact", headers=auth(s.keys["operator"])
    ).json()
    shown = [float(v) for v in _attrs(report, "tr", "data-effect")]
    assert shown == pytest.approx([r["effect"] for r in want["rows"]])
    lows = [float(v) for v in _attrs(report, "tr", "data-low")]
    assert lows == pytest.approx([r["low"] for r in want["rows"]])
    for outcome, curve in want["curves"].items():
        part = report.split(f'class="impact-curve" data-outcome="{outcome}"')[1]
        part = part.split("</figure>")[0]
        assert part.count('data-series="') == 2
        dots = [float(v) for v in _attrs(part, "circle", "data-value")]
        assert dots == pytest.approx(curve["treated"] + curve["counterfactual"])
    stated = client.get(
        "/ui/operator/impact/stated",
        params={"at": "2025-03-06", "treated": s.category, "dimension": "category"},
        headers=EN,
    ).text
    assert [float(v) for v in _attrs(stated, "tr", "data-effect")] == pytest.approx(shown)


def test_a_change_over_partners_names_them(site: tuple[ImpactSite, TestClient]) -> None:
    """Partners touched by a change, and those it is compared with, were listed by slug
    (``partner jd, tmall``); they read by name now, as everywhere else on the dashboard."""
    s, client = site
    _as(client, s.keys["operator"])
    listed = client.get("/partners", headers=auth(s.keys["operator"])).json()
    names = {p["slug"]: p["name"] for p in listed}
    touched = sorted(names)[:2]
    page = client.get(
        "/ui/operator/impact/stated",
        params={"at": "2025-03-06", "treated": ",".join(touched), "dimension": "partner"},
        headers=EN,
    ).text
    lead = page.split('id="change">')[1].split("</p>")[0]
    assert all(names[slug] in lead and slug not in lead for slug in touched), lead
    units = re.findall(r'<tr data-outcome="[^"]*"[^>]*>\s*<td>[^<]*</td>\s*<td>([^<]*)</td>', page)
    assert {names[slug] for slug in touched} <= set(units)
    assert not set(units) & set(touched)


def test_bad_input_and_missing_studies_are_pages_not_errors(
    site: tuple[ImpactSite, TestClient],
) -> None:
    s, client = site
    _as(client, s.keys["operator"])
    for path, status in [
        ("/ui/operator/impact/stated?at=March&treated=x", 422),
        ("/ui/operator/impact/stated?at=2030-01-01&treated=x", 422),
        (f"/ui/operator/impact/stated?at=2025-03-06&treated={s.category}&level=7", 422),
        (f"/ui/operator/impact/changes/{s.late_entry}", 422),
        ("/ui/operator/impact/changes/99999999", 404),
        ("/ui/operator/impact/studies/0123456789ab", 404),
        ("/ui/operator/impact/studies/..secret_key", 404),
    ]:
        r = client.get(path, headers=EN)
        assert r.status_code == status, (path, r.status_code)
        assert "Traceback" not in r.text and "<h1>" in r.text


def test_stating_nothing_is_the_form(site: tuple[ImpactSite, TestClient]) -> None:
    s, client = site
    _as(client, s.keys["operator"])
    r = client.get("/ui/operator/impact/stated", headers=EN, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/ui/operator/impact"


def test_a_kept_study_is_listed_and_shown(site: tuple[ImpactSite, TestClient]) -> None:
    s, client = site
    rows = [
        {"figure": "clicks", "scope": "all", "without": 10.0, "with": 6.0, "difference": -4.0,
         "low": -6.5, "high": -1.5},
        {"figure": "shop_gmv", "scope": "category:beauty", "without": 300.0, "with": 280.0,
         "difference": -20.0, "low": None, "high": None},
    ]  # fmt: skip
    study = studies.save(
        s.settings.data_dir,
        {"change": "close category=beauty from day 15", "stated": "close category=beauty "
         "from=day15", "world_spec": "scale=tiny", "seeds": [1, 2], "level": 0.9,
         "own_shop": False, "rows": rows, "responses": []},
        actor="cli:test",
    )  # fmt: skip
    _as(client, s.keys["operator"])
    listing = client.get("/policy/changes", headers=auth(s.keys["operator"])).json()["proposed"]
    assert [p["id"] for p in listing] == [study["id"]] and "rows" not in listing[0]
    assert (
        client.get(f"/policy/studies/{study['id']}", headers=auth(s.keys["operator"])).json()[
            "rows"
        ]
        == rows
    )
    page = client.get("/ui/operator/impact", headers=EN).text
    assert f"/ui/operator/impact/studies/{study['id']}" in page
    shown = client.get(f"/ui/operator/impact/studies/{study['id']}", headers=EN).text
    assert [float(v) for v in _attrs(shown, "tr", "data-difference")] == [-4.0, -20.0]
    gmv_row = shown.split('data-scope="category:beauty"')[1].split("</tr>")[0]
    assert gmv_row.rstrip().endswith("—</td>")  # one seed's worth of pairs: no interval
    assert "no own shop" in shown


@pytest.mark.parametrize("role", ROLES)
def test_other_roles_get_a_403_page_and_no_menu_entry(
    site: tuple[ImpactSite, TestClient], role: str
) -> None:
    s, client = site
    _as(client, s.keys[role])
    home = client.get("/ui/", headers=EN)
    assert "/ui/operator/impact" not in home.text
    for path in ("/ui/operator/impact", f"/ui/operator/impact/changes/{s.rule_entry}"):
        assert client.get(path, headers=EN).status_code == 403
