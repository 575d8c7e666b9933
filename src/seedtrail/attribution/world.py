"""A world directory (as written by ``seedtrail sim``, docs/sim.md) as the input of attribution
reports.

:func:`register` exposes the files to a DuckDB connection as views named ``w_*``:

* ``w_touches`` front-link events (``events/front.parquet``), optionally only those before a
  cut-off, with the clicked ``partner`` joined from ``events/clicks.parquet``;
* ``w_conv`` (a table) the backhauled conversions of every partner (the world's files, or the
  back-link events sealed into an event lake), one row per ``event_id``
  (partners deliver ~1.5% of events twice; the first received copy is kept), optionally only
  those received before the cut-off;
* ``w_touch_keys`` (a table, made by :func:`touch_keys`) every touch with its report keys;
* ``w_note_dims`` per note its ``creator_id`` (the author unless the author is a brand or
  enterprise account) and ``brand_id``: the brand of a campaign boosting the note, else of a
  collab registration on it, else of an offer mounted on it, else the author when the author is a
  brand or enterprise account (the smallest id on ties);
* ``w_spend`` boost spend per campaign, note and day; ``w_campaigns`` campaigns and brands;
  ``w_campaign_notes`` (from the world's files, or from the store:
  :mod:`seedtrail.attribution.store_campaigns`);
* ``w_offers`` offers (item → brand); ``w_note_mounts`` each note's links (note, offer);
  ``w_identity`` the identity map; ``w_viewers`` the
  randomized holdout assignment (``truth/viewers``); ``w_truth`` the true conversions.

The truth views are read only by lift and scoring, never by the attribution itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from seedtrail.attribution.dialect import literal
from seedtrail.attribution.inputs import Inputs, lake_conversions
from seedtrail.attribution.rollup import ITEM_KEY
from seedtrail.contracts import SHOP_EVENT
from seedtrail.core.errors import AttributionInputError
from seedtrail.messages import Msg

if TYPE_CHECKING:
    from seedtrail.attribution.store_campaigns import StoreCampaigns

FILES = {
    "front": "events/front.parquet",
    "clicks": "events/clicks.parquet",
    "conversions": "conversions",
    "identity": "truth/identity_map.parquet",
    "notes": "entities/notes.parquet",
    "accounts": "entities/accounts.parquet",
    "campaigns": "entities/campaigns.parquet",
    "campaign_notes": "entities/campaign_notes.parquet",
    "spend": "entities/campaign_spend.parquet",
    "offers": "entities/offers.parquet",
    "mounts": "entities/link_mounts.parquet",
    "collabs": "entities/collab_registrations.parquet",
    "viewers": "truth/viewers.parquet",
    "truth": "truth/conversions.parquet",
}


#: No flagged backhaul windows (a world's own files carry no health judgement).
NO_FLAGS = (
    "SELECT NULL::VARCHAR AS partner, NULL::VARCHAR AS kind, NULL::TIMESTAMPTZ AS starts_at, "
    "NULL::TIMESTAMPTZ AS ends_at WHERE FALSE"
)


@dataclass(frozen=True)
class WorldDir:
    root: Path

    def path(self, name: str) -> Path:
        return self.root / FILES[name]

    def check(self) -> None:
        if not self.root.is_dir():
            raise AttributionInputError(
                Msg("problem.attribution-input.world_missing", {"path": str(self.root)})
            )
        missing = [rel for rel in FILES.values() if not (self.root / rel).exists()]
        if missing:
            raise AttributionInputError(
                Msg(
                    "problem.attribution-input.world_incomplete",
                    {"path": str(self.root), "missing": ", ".join(missing)},
                )
            )

    def parquet(self, name: str) -> str:
        path = self.path(name)
        target = str(path / "*.parquet") if path.is_dir() else str(path)
        return f"read_parquet({literal(target)})"


def register(
    con: duckdb.DuckDBPyConnection,
    world: WorldDir,
    as_of: datetime | None = None,
    campaigns: StoreCampaigns | None = None,
    lake: Path | None = None,
) -> None:
    """Create the ``w_*`` views over the world's files (see the module docstring); with
    ``campaigns``, campaigns, their notes and spend come from the store instead; with ``lake``,
    the conversions are the back-link events the shops delivered through intake into that event
    lake (a lake root or a data directory) instead of the world's conversion files."""
    world.check()
    con.execute("SET TimeZone = 'UTC'")
    p = world.parquet
    conversions = p("conversions")
    if lake is not None:
        files = ", ".join(literal(str(f)) for f in lake_conversions(lake))
        cols = ", ".join(SHOP_EVENT.names)
        conversions = f"(SELECT {cols} FROM read_parquet([{files}], union_by_name = true))"
    cut_ts = f"WHERE ts < {literal(as_of.isoformat())}::TIMESTAMPTZ" if as_of else ""
    cut_rx = f"WHERE received_at < {literal(as_of.isoformat())}::TIMESTAMPTZ" if as_of else ""
    views = {
        "w_touches": (
            "SELECT f.*, c.partner, c.offer_id FROM (SELECT * FROM "
            f"{p('front')} {cut_ts}) f LEFT JOIN {p('clicks')} c USING (click_id)"
        ),
        "w_conv": (
            "SELECT * EXCLUDE (rn) FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY event_id "
            f"ORDER BY received_at, partner) AS rn FROM {conversions} {cut_rx}) x "
            "WHERE rn = 1"
        ),
        "w_identity": f"SELECT * FROM {p('identity')}",
        "w_campaigns": f"SELECT * FROM {p('campaigns')}",
        "w_campaign_notes": (
            f"SELECT campaign_id, CAST(note_id AS VARCHAR) AS note_id FROM {p('campaign_notes')}"
        ),
        "w_spend": (f"SELECT * REPLACE (CAST(note_id AS VARCHAR) AS note_id) FROM {p('spend')}"),
        "w_offers": f"SELECT * FROM {p('offers')}",
        "w_note_mounts": f"SELECT note_id, offer_id FROM {p('mounts')} WHERE note_id IS NOT NULL",
        "w_viewers": f"SELECT community_key, holdout FROM {p('viewers')}",
        "w_truth": (f"SELECT * REPLACE (CAST(note_id AS VARCHAR) AS note_id) FROM {p('truth')}"),
        "w_note_dims": (
            "SELECT CAST(n.note_id AS VARCHAR) AS note_id, "
            "CASE WHEN a.kind IN ('brand', 'enterprise') THEN NULL ELSE n.author_id END "
            "AS creator_id, COALESCE(cb.brand_id, co.brand_id, "
            "mo.brand_id, CASE WHEN a.kind IN ('brand', 'enterprise') THEN n.author_id END) "
            f"AS brand_id FROM {p('notes')} n "
            f"LEFT JOIN {p('accounts')} a ON a.account_id = n.author_id "
            "LEFT JOIN (SELECT cn.note_id, MIN(c.brand_id) AS brand_id FROM "
            "w_campaign_notes cn JOIN w_campaigns c USING (campaign_id) "
            "GROUP BY cn.note_id) cb ON cb.note_id = CAST(n.note_id AS VARCHAR) "
            f"LEFT JOIN (SELECT note_id, MIN(brand_id) AS brand_id FROM {p('collabs')} "
            "GROUP BY note_id) co ON co.note_id = n.note_id "
            f"LEFT JOIN (SELECT m.note_id, MIN(o.brand_id) AS brand_id FROM {p('mounts')} m "
            f"JOIN {p('offers')} o USING (offer_id) GROUP BY m.note_id) mo "
            "ON mo.note_id = n.note_id"
        ),
    }
    views["w_flags"] = NO_FLAGS
    try:
        for name, sql in views.items():
            if name == "w_note_dims" and campaigns is not None:
                campaigns.register(con)
            kind = "TABLE" if name == "w_conv" else "VIEW"
            con.execute(f"CREATE OR REPLACE TEMP {kind} {name} AS {sql}")
    except duckdb.Error as exc:
        raise AttributionInputError(
            Msg(
                "problem.attribution-input.world_unreadable",
                {"path": str(world.root), "error": str(exc)},
            )
        ) from exc


def touch_keys(con: duckdb.DuckDBPyConnection) -> None:
    """Materialize ``w_touch_keys``: every touch with its keys in each report dimension and its
    day (UTC); a click's ``item_key`` is the item of the offer it led to."""
    item = ITEM_KEY.format(t="o")
    con.execute(
        "CREATE OR REPLACE TEMP TABLE w_touch_keys AS SELECT t.event_id, t.user_key, t.kind, "
        "t.note_id, t.campaign_id, t.placement, t.partner, d.creator_id, d.brand_id, "
        f"{item} AS item_key, CAST(t.ts AS DATE) AS day "
        "FROM w_touches t "
        "LEFT JOIN w_note_dims d USING (note_id) "
        "LEFT JOIN (SELECT offer_id, partner, item_id FROM w_offers) o "
        "ON o.offer_id = t.offer_id AND t.kind = 'click'"
    )


def engine_inputs(con: duckdb.DuckDBPyConnection, workdir: Path) -> Inputs:
    """Write the (cut, de-duplicated) touches, conversions and identity map of the registered
    ``w_*`` views where an engine can read them."""
    workdir.mkdir(parents=True, exist_ok=True)
    paths = {n: workdir / f"{n}.parquet" for n in ("touches", "conversions", "identity")}
    for name, view in (("touches", "w_touches"), ("conversions", "w_conv")):
        con.execute(f"COPY (SELECT * FROM {view}) TO {literal(str(paths[name]))} (FORMAT PARQUET)")
    con.execute(
        "COPY (SELECT community_key, shop_key, partner FROM w_identity) TO "
        f"{literal(str(paths['identity']))} (FORMAT PARQUET)"
    )
    return Inputs(paths["touches"], paths["conversions"], paths["identity"])


@dataclass(frozen=True)
class WorldSource:
    """A world's own files as a report's input (tests and benchmarks of the models): the world's
    identity map and holdout are its truth. A deployment's reports read
    :class:`seedtrail.attribution.deployment.Deployment` instead."""

    world: WorldDir
    campaigns: StoreCampaigns | None = None
    lake: Path | None = None

    def register(self, con: duckdb.DuckDBPyConnection, as_of: datetime | None = None) -> None:
        register(con, self.world, as_of, self.campaigns, self.lake)

    def describe(self) -> dict[str, object]:
        return {
            "source": "world",
            "world": str(self.world.root.resolve()),
            "campaigns_from": "store" if self.campaigns is not None else "world",
            "conversions_from": f"lake {self.lake.resolve()}" if self.lake else "world",
        }


def register_truth(con: duckdb.DuckDBPyConnection, world: WorldDir) -> None:
    """``w_truth``: a simulated world's true conversions, for scoring only."""
    path = world.path("truth")
    if not path.exists():
        raise AttributionInputError(
            Msg("problem.attribution-input.no_truth", {"world": str(world.root), "path": str(path)})
        )
    con.execute(
        "CREATE OR REPLACE TEMP VIEW w_truth AS SELECT * REPLACE (CAST(note_id AS VARCHAR) AS "
        f"note_id) FROM {world.parquet('truth')}"
    )
