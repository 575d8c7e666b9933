"""Campaign on taps: the community's app passes a boosted note's campaign with the tap
(``/r/{code}?c=ID``); the redirect keeps it when the link's note is in that campaign (else the
click is kept and the campaign dropped, for a counted reason), the click log and the sealed click
touch carry it, and the campaign's report rows credit the click. The brand's campaign page says
the same number of counted clicks as the report's funnel."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from factories import auth, await_clicks
from seedtrail.api.app import SeedtrailApp, create_app
from seedtrail.attribution import runs
from seedtrail.attribution.deployment import from_settings
from seedtrail.attribution.report import ReportSpec, build_from
from seedtrail.core import principals
from seedtrail.core.settings import Settings, load_settings
from seedtrail.intake.sealer import seal
from seedtrail.lake.layout import Lake
from seedtrail.store.schema import clicks
from seedtrail.store.store import Store

PHONE_UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148 MicroMessenger"


@pytest.fixture
def site(tmp_path: Path, store: Store) -> Iterator[tuple[Settings, TestClient, SeedtrailApp, str]]:
    settings = load_settings(
        data_dir=tmp_path,
        redirect_rate_per_s=1000.0,
        redirect_rate_burst=1000,
        policy_refresh_s=0.0,
    )
    with store.transaction() as conn:
        _, key = principals.create(conn, name="ops", role="operator")
    app = create_app(settings, store=store)
    with TestClient(app) as client:
        yield settings, client, app, key


def _post(client: TestClient, key: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    r = client.post(path, json=body, headers=auth(key))
    assert r.status_code in (200, 201), r.text
    out: dict[str, Any] = r.json()
    return out


def _tap(client: TestClient, code: str, viewer: str, campaign: str | None) -> None:
    query = f"?c={campaign}" if campaign is not None else ""
    r = client.get(
        f"/r/{code}{query}",
        headers={"user-agent": PHONE_UA, "x-seedtrail-viewer": viewer},
        follow_redirects=False,
    )
    assert r.status_code == 302, r.text  # a bad campaign never costs the click


def test_a_boosted_tap_is_a_campaign_click_in_the_report(
    site: tuple[Settings, TestClient, SeedtrailApp, str], store: Store, tmp_path: Path
) -> None:
    settings, client, app, key = site
    brand = _post(
        client, key, "/accounts",
        {"handle": "florasis", "display_name": "花西子", "kind": "brand", "verified": True},
    )  # fmt: skip
    notes = [
        _post(client, key, "/notes", {"author_id": brand["id"], "title": t, "category": "beauty"})
        for t in ("散粉测评", "口红")
    ]
    shop = _post(
        client, key, "/partners",
        {"slug": "shop", "name": "花西子", "kind": "web_shop", "allowed_hosts": ["shop.example"]},
    )  # fmt: skip
    offer = _post(
        client, key, "/offers",
        {"partner_id": shop["id"], "owner_id": brand["id"], "url": "https://shop.example/p/1",
         "title": "散粉", "price": "100.00", "category": "beauty"},
    )  # fmt: skip
    _post(client, key, "/rules", {"name": "beauty open", "effect": "open", "category": "beauty"})
    m1, m2 = (
        _post(
            client, key, "/mounts",
            {"placement": "note_card", "offer_id": offer["id"], "note_id": n["id"]},
        )["code"]
        for n in notes
    )  # fmt: skip
    camp = _post(
        client, key, "/campaigns",
        {"brand_id": brand["id"], "name": "双11 散粉", "starts_on": "2020-01-01"},
    )  # fmt: skip
    cid = camp["id"]
    r = client.post(
        f"/campaigns/{cid}/notes", json={"note_ids": [notes[0]["id"]]}, headers=auth(key)
    )
    assert r.status_code in (200, 201), r.text

    _tap(client, m1, "alice-0001", str(cid))  # boosted: kept
    _tap(client, m1, "bob-0001", None)  # organic: no campaign
    _tap(client, m1, "carol-0001", "99999")  # not a campaign of this link's note: dropped
    _tap(client, m2, "dave-0001", str(cid))  # note 2 is not in the campaign: dropped
    _tap(client, m1, "erin-0001", "1;DROP")  # malformed: dropped
    assert app.redirect.campaigns_dropped == {"not_this_link": 2, "malformed": 1}
    await_clicks(store, 5)  # the serving process's mover copies its click segment
    with store.read() as conn:
        logged = dict(conn.execute(select(clicks.c.viewer_key, clicks.c.campaign_id)).all())
    assert logged == {
        "alice-0001": cid, "bob-0001": None, "carol-0001": None, "dave-0001": None,
        "erin-0001": None,
    }  # fmt: skip

    seal(store, Lake(settings.effective_lake_url), tmp_path / "locks")
    report = build_from(
        from_settings(settings, store), ReportSpec(models=("last_touch",), primary="last_touch")
    )
    out = report.write(runs.run_dir(settings.data_dir, report.meta["run_id"]))
    runs.publish(settings.data_dir, out)
    funnel = {(r["dimension"], r["key"]): r for r in report.tables["funnel"].to_pylist()}
    assert funnel[("campaign", str(cid))]["clicks"] == 1  # alice's boosted tap only
    assert funnel[("note", str(notes[0]["id"]))]["clicks"] == 4

    # the campaign page's header says what the report's funnel says (one definition)
    api = client.get(f"/attribution/campaigns/{cid}", headers=auth(key)).json()
    assert api["funnel"]["clicks"] == 1
    signin = {"key": key, "next": f"/ui/brand/campaigns/{cid}"}
    assert client.post("/ui/signin", data=signin, follow_redirects=False).status_code == 303
    page = client.get(f"/ui/brand/campaigns/{cid}", headers={"accept-language": "en"}).text
    shown = re.search(r'data-figure="clicks"[^>]*>([^<]*)<', page)
    assert shown is not None and shown.group(1).strip() == "1"
