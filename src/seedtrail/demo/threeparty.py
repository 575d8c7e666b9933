"""The demo's three-party figures: what a brand, a marketplace and the community's own shop each
see of the demo world, read back from the deployment (store, published report, lake) the way the
API reads them; never from the world's truth.

* **placements**: per placement, the link mounts the policy let in, the views of the cards the
  community sent (``search_view``, ``live_view``: sealed in the lake) and the counted clicks of
  the click log;
* **funders**: per co-funder kind, the campaigns it pays part of, its spend (its share of each
  campaign's spend) and the campaigns' attributed GMV over that spend (``roas``, the registry's);
* **items**: items with credited GMV, and the three with the highest ROAS (spend split among a
  note's items, :data:`seedtrail.attribution.funnel.ITEM_SPEND`);
* **own shop**: the own shop's funnel row (counted clicks, purchases and GMV, scaled), and each
  buyer's commission statement over the world's days.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import duckdb
from sqlalchemy import Connection, func, select

from seedtrail.attribution import commission, runs
from seedtrail.community import funding
from seedtrail.core.settings import Settings
from seedtrail.lake.layout import Lake
from seedtrail.links import clickstats
from seedtrail.store.schema import campaign_funders, clicks, link_mounts, partners
from seedtrail.store.store import Store

#: The views of an account's card: a search result's brand card, a live room.
VIEW_KINDS = ("search_view", "live_view")


def figures(settings: Settings, store: Store) -> dict[str, Any]:
    report = runs.latest(settings.data_dir)
    assert report is not None, "the demo publishes its report first"
    model = report.model(None)

    def rows(dimension: str) -> list[dict[str, Any]]:
        return report.query(
            "SELECT * FROM {funnel} WHERE model = ? AND dimension = ? AND key <> 'none'",
            [model, dimension],
        )

    with store.read() as conn:
        out = {
            "model": model,
            "placements": _placements(conn, settings),
            "funders": _funders(conn, {r["key"]: r for r in rows("campaign")}),
            "items": _items(rows("item")),
            "own_shop": _own_shop(conn, settings, {r["key"]: r for r in rows("partner")}),
        }
    return out


def _placements(conn: Connection, settings: Settings) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = defaultdict(lambda: {"links": 0, "views": 0, "clicks": 0})
    query = select(link_mounts.c.placement, func.count()).group_by(link_mounts.c.placement)
    for p, n in conn.execute(query).all():
        out[str(p)]["links"] = int(n)
    tapped = select(clicks.c.placement, func.count()).where(clickstats.counted())
    for p, n in conn.execute(tapped.group_by(clicks.c.placement)).all():
        out[str(p)]["clicks"] = int(n)
    files = Lake(settings.effective_lake_url).file_paths(VIEW_KINDS)
    if files:
        con = duckdb.connect()
        seen = con.execute(
            "SELECT placement, count(*) FROM read_parquet(?, union_by_name = true) GROUP BY 1",
            [files],
        ).fetchall()
        con.close()
        for p, n in seen:
            out[str(p)]["views"] = int(n)
    return {k: out[k] for k in sorted(out)}


def _funders(conn: Connection, campaigns: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Per funder (the brand, each marketplace, the platform) over the co-funded campaigns: how
    many, its spend, and ROAS on its spend as ``GET /campaigns/{id}/funders`` gives it (the
    campaign's attributed GMV over the funder's spend), summed over campaigns."""
    ids = sorted(set(conn.execute(select(campaign_funders.c.campaign_id)).scalars()))
    spend = funding.total_spend(conn, ids)
    out: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for cid in ids:
        gmv = float((campaigns.get(str(cid)) or {}).get("gmv_scaled") or 0.0)
        for f in funding.shares(conn, cid):  # the brand first: it pays the rest
            who, share = _funder(f), float(f["share"])
            out[who]["campaigns"] += 1
            out[who]["spend"] += spend.get(cid, 0.0) * share
            out[who]["gmv"] += gmv
    return {
        k: {
            "campaigns": int(v["campaigns"]),
            "spend": round(v["spend"], 2),
            "roas": round(v["gmv"] / v["spend"], 2) if v["spend"] else None,
        }
        for k, v in sorted(out.items())
    }


def _funder(f: dict[str, object]) -> str:
    return f"marketplace:{f['partner']}" if f["funder"] == "marketplace" else str(f["funder"])


def _items(rows: list[dict[str, Any]]) -> dict[str, Any]:
    sold = [r for r in rows if (r["gmv_scaled"] or 0) > 0]
    ranked = sorted((r for r in sold if r["roas"] is not None), key=lambda r: -r["roas"])
    top = [
        {"item": r["key"], "gmv": round(r["gmv_scaled"], 2), "spend": round(r["spend"], 2),
         "roas": round(r["roas"], 2)}
        for r in ranked[:3]
    ]  # fmt: skip
    return {"items": len(rows), "with_gmv": len(sold), "with_roas": len(ranked), "top_roas": top}


def _own_shop(
    conn: Connection, settings: Settings, by_partner: dict[str, dict[str, Any]]
) -> dict[str, object]:
    query = select(partners.c.slug).where(partners.c.kind == "own_shop")
    slugs = list(conn.execute(query).scalars())
    out: dict[str, object] = {"partners": slugs}
    for slug in slugs:
        r = by_partner.get(slug) or {}
        out[slug] = {
            "clicks": int(r.get("clicks") or 0),
            "purchases": round(float(r.get("purchases_scaled") or 0.0), 1),
            "gmv": round(float(r.get("gmv_scaled") or 0.0), 2),
        }
    statements = []
    for buyer in commission.buyers(conn):
        since, until = commission.default_period(conn, buyer["id"])
        got = commission.statement(conn, settings.effective_lake_url, buyer["id"], since, until)
        statements.append({"buyer": buyer["handle"], "clicks": got["counted_clicks"],
                           **{k: got["total"][k] for k in ("orders", "net_gmv",
                                                           "commission_due")}})  # fmt: skip
    out["buyers"] = statements
    return out
