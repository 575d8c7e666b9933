"""Co-funded boosts over a simulated world and its published report: the brand names a
marketplace and the platform as co-funders; each funder's spend is its share of the campaign's,
the brand pays the rest, and a marketplace sees only its own share and the return of its own
conversions on it."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

import reportworld
from factories import auth
from seedtrail.core import principals
from seedtrail.core.settings import Settings
from seedtrail.store import audit
from seedtrail.store.schema import campaign_spend, campaigns, partners
from seedtrail.store.store import Store


@pytest.fixture
def setup(
    store: Store, settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    shop = reportworld.published_shop_rows(store, settings, tmp_path_factory)
    mine = max(
        (r for r in shop
         if r["model"] == "position_based" and r["dimension"] == "campaign" and r["key"] != "none"),
        key=lambda r: r["people"],
    )  # fmt: skip
    assert mine["people"] >= settings.cleanroom_k
    cid = int(mine["key"])
    with store.transaction() as conn:
        brand, spend = conn.execute(
            select(campaigns.c.brand_id, func.sum(campaign_spend.c.amount))
            .join(campaign_spend, campaign_spend.c.campaign_id == campaigns.c.id)
            .where(campaigns.c.id == cid)
            .group_by(campaigns.c.brand_id)
        ).first()  # type: ignore[misc]
        slugs = dict(conn.execute(select(partners.c.slug, partners.c.id)).all())
        rival = next(s for s in sorted(slugs) if s != mine["partner"])
        keys = {}
        for name, role, extra in (
            ("brand", "brand", {"account_id": brand}),
            ("shop", "partner", {"partner_id": slugs[mine["partner"]]}),
            ("rival", "partner", {"partner_id": slugs[rival]}),
            ("op", "operator", {}),
        ):
            _, keys[name] = principals.create(conn, name=name, role=role, **extra)
    return {
        "campaign": cid, "spend": float(spend), "row": mine, "keys": keys,
        "partner_id": slugs[mine["partner"]], "slug": mine["partner"], "rival": rival,
    }  # fmt: skip


def _call(client: TestClient, s: dict[str, Any], who: str, method: str, path: str, **kw: Any):
    return client.request(method, path, headers=auth(s["keys"][who]), **kw)


def test_each_funder_pays_its_share_and_reads_its_own_return(
    client: TestClient, setup: dict[str, Any], store: Store
) -> None:
    s, c = setup, setup["campaign"]
    body = {"funders": [
        {"funder": "marketplace", "partner_id": s["partner_id"], "share": 0.3},
        {"funder": "platform", "share": 0.1},
    ]}  # fmt: skip
    r = _call(client, s, "brand", "PUT", f"/campaigns/{c}/funders", json=body)
    assert r.status_code == 200, r.text
    assert [f["share"] for f in r.json()["funders"]] == pytest.approx([0.6, 0.3, 0.1])
    with store.read() as conn:
        entry = audit.entries(conn, object_type="campaign", object_id=str(c))[0]
    assert entry["action"] == "campaign.funders" and len(entry["after"]["funders"]) == 3

    got = _call(client, s, "brand", "GET", f"/campaigns/{c}/funders").json()
    assert got["spend"] == pytest.approx(s["spend"])
    by = {(f["funder"], f.get("partner")): f for f in got["funders"]}
    assert by[("brand", None)]["spend"] == pytest.approx(0.6 * s["spend"])
    assert sum(f["spend"] for f in got["funders"]) == pytest.approx(s["spend"])
    gmv = got["gmv_scaled"]
    assert gmv is not None and gmv > 0
    for f in got["funders"]:  # ROAS on each funder's own spend
        assert f["roas"] == pytest.approx(gmv / f["spend"])

    shop = _call(client, s, "shop", "GET", f"/shop/{s['slug']}/funding").json()
    [mine] = shop["campaigns"]
    assert mine["campaign_id"] == c and mine["share"] == pytest.approx(0.3)
    assert mine["spend"] == pytest.approx(0.3 * s["spend"])
    assert mine["gmv_scaled"] == pytest.approx(s["row"]["gmv_scaled"])  # its own sales only
    assert mine["gmv_scaled"] < gmv
    assert mine["roas"] == pytest.approx(s["row"]["gmv_scaled"] / (0.3 * s["spend"]))
    rival = _call(client, s, "rival", "GET", f"/shop/{s['rival']}/funding").json()
    assert rival["campaigns"] == []
    assert _call(client, s, "rival", "GET", f"/shop/{s['slug']}/funding").status_code == 403


@pytest.mark.parametrize(
    ("who", "funders", "status"),
    [
        (
            "brand",
            [{"funder": "platform", "share": 0.6}, {"funder": "platform", "share": 0.1}],
            422,
        ),
        (
            "brand",
            [
                {"funder": "platform", "share": 0.7},
                {"funder": "marketplace", "partner_id": 1, "share": 0.3},
            ],
            422,
        ),
        ("brand", [{"funder": "marketplace", "share": 0.2}], 422),
        ("brand", [{"funder": "platform", "share": 1.0}], 422),
        ("brand", [{"funder": "marketplace", "partner_id": 99999, "share": 0.2}], 422),
        ("shop", [{"funder": "platform", "share": 0.2}], 403),
        ("brand", "not a list", 422),
    ],
)
def test_bad_funding_is_a_clear_problem(
    client: TestClient, setup: dict[str, Any], who: str, funders: Any, status: int
) -> None:
    r = _call(client, setup, who, "PUT", f"/campaigns/{setup['campaign']}/funders",
              json={"funders": funders})  # fmt: skip
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
