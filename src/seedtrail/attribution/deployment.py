"""A report's inputs as a deployment has them: the store, the event lake and the clean room.

:meth:`Deployment.register` creates the same ``w_*`` views a report reads (see
:mod:`seedtrail.attribution.world` for their columns), from nothing a simulator made:

* ``w_touches``: the lake's front-link events, i.e. the community's events posted to intake and
  the clicks sealed from the redirect's own click log (:mod:`seedtrail.intake.clicks`); clicks
  that do not count (bots, previewers, repeats, taps answered 410) are left out unless asked;
* ``w_conv``: the shops' back-link events in the lake, one row per (partner, event id) and, for
  purchases and refunds, per (partner, kind, order id): a purchase re-sent under a new event id
  counts once (the first received); with the clean room as the identity source each event's
  ``shop_user_key`` is replaced by the shop's handle for that customer (null when the shop did not
  bring the customer to the match);
* ``w_identity``: the people the clean room matched: the community's own user key and the shop's
  *handle* per partner (no relation here holds both parties' raw keys), or, for an operator who
  owns both sides, an identity file (``--identity FILE``); and the platform's own shops' buyers,
  known directly: an own shop records each order with the community's user key
  (:mod:`seedtrail.intake.ownshop`), never re-keyed and paired with itself;
* ``w_campaigns``, ``w_campaign_notes``, ``w_spend``, ``w_offers``, ``w_note_mounts``,
  ``w_note_dims``: the store;
* ``w_viewers``: every person seen in the touches with their holdout assignment
  (:mod:`seedtrail.holdout`, the same keyed hash the community's boost server uses).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pyarrow as pa
from sqlalchemy import Connection, select

from seedtrail import holdout
from seedtrail.attribution import store_campaigns
from seedtrail.attribution.dialect import literal
from seedtrail.attribution.spec import CONVERSION_KINDS, TOUCH_KINDS
from seedtrail.contracts import BACK, COUNTED_CLICK_SQL, FRONT, ORDER_KINDS
from seedtrail.core.errors import AttributionInputError
from seedtrail.core.settings import Settings
from seedtrail.intake import flags
from seedtrail.lake.layout import Lake
from seedtrail.messages import Msg
from seedtrail.store import schema as db
from seedtrail.store.store import Store

BRANDS = ("brand", "enterprise")
OWN_SHOP = db.partners.c.kind == "own_shop"


@dataclass(frozen=True)
class IdentityFile:
    """An identity map ``community_key, shop_key, partner`` owned by an operator who holds both
    sides' keys (a community selling through its own shop, say). Never the default."""

    path: Path

    def register(self, con: duckdb.DuckDBPyConnection) -> None:
        if not self.path.exists():
            raise AttributionInputError(
                Msg("problem.attribution-input.identity_missing", {"path": str(self.path)})
            )
        con.execute(
            "CREATE OR REPLACE TEMP VIEW w_identity AS SELECT CAST(community_key AS VARCHAR) "
            "AS community_key, CAST(shop_key AS VARCHAR) AS shop_key, CAST(partner AS VARCHAR) "
            f"AS partner FROM read_parquet({literal(str(self.path))})"
        )
        con.execute(
            "CREATE OR REPLACE TEMP VIEW w_shop_handles AS SELECT NULL::VARCHAR AS partner, "
            "NULL::VARCHAR AS shop_user_key, NULL::VARCHAR AS shop_handle WHERE FALSE"
        )

    @property
    def rekeys(self) -> bool:
        return False

    def describe(self) -> dict[str, object]:
        return {"identity": "file", "path": str(self.path.resolve())}


@dataclass(frozen=True)
class CleanRoomIdentity:
    """The clean room's matches (``seedtrail cleanroom match``): one folder per partner."""

    root: Path

    def register(self, con: duckdb.DuckDBPyConnection) -> None:
        from seedtrail.cleanroom.identity import register_identity

        register_identity(con, self.root)
        con.execute("CREATE OR REPLACE TEMP VIEW w_identity AS SELECT * FROM cr_identity")
        con.execute("CREATE OR REPLACE TEMP VIEW w_shop_handles AS SELECT * FROM cr_shop_handles")

    @property
    def rekeys(self) -> bool:
        return True

    def describe(self) -> dict[str, object]:
        from seedtrail.cleanroom.identity import match_stats

        stats = {p: asdict(m) for p, m in match_stats(self.root).items()}
        return {"identity": "clean room", "path": str(self.root), "matches": stats}


Identity = IdentityFile | CleanRoomIdentity


@dataclass(frozen=True)
class Deployment:
    store: Store
    lake: Lake
    identity: Identity | None = None
    holdout_share: float = 0.1
    holdout_salt: str = "seedtrail-holdout-v1"
    uncounted_clicks: bool = False  # True: bots, repeats and 410s are touches too
    stats: dict[str, object] = field(default_factory=dict, compare=False)

    def register(self, con: duckdb.DuckDBPyConnection, as_of: datetime | None = None) -> None:
        con.execute("SET TimeZone = 'UTC'")
        cut = f"{literal(as_of.isoformat())}::TIMESTAMPTZ" if as_of else None
        self._touches(con, cut)
        if self.identity is not None:
            self.identity.register(con)
        else:  # click-id matches only
            _no_identity(con)
        with self.store.read() as conn:
            held = flags.holds_in_force(conn)
            own = sorted(conn.execute(select(db.partners.c.slug).where(OWN_SHOP)).scalars())
        self._conversions(con, cut, sorted(held), own)
        self.stats["native_matches"] = _native_identity(con, own)
        self._flags(con, as_of)
        self.stats["withheld"] = {slug: h.reason for slug, h in held.items()}
        store_campaigns.load(self.store).register(con)
        with self.store.read() as conn:
            _register_store(con, conn)
        self._viewers(con)
        self.stats.update(_match_stats(con))

    def describe(self) -> dict[str, object]:
        out: dict[str, object] = {
            "source": "deployment",
            "lake": self.lake.url,
            "counted_clicks_only": not self.uncounted_clicks,
            **(self.identity.describe() if self.identity else {"identity": "click ids only"}),
            **{k: v for k, v in self.stats.items() if k != "native_matches"},
        }
        native = self.stats.get("native_matches")
        if (
            isinstance(native, dict) and native
        ):  # the own shops' people are known: they replace any clean-room run of theirs
            runs = out.get("matches")
            found = runs.items() if isinstance(runs, dict) else ()
            matched = {k: v for k, v in found if k not in native}
            out["matches"] = {**matched, **native}
        return out

    def _touches(self, con: duckdb.DuckDBPyConnection, cut: str | None) -> None:
        con.register("d_front", self.lake.dataset(TOUCH_KINDS, FRONT))
        where = ["kind IN (" + ", ".join(literal(k) for k in TOUCH_KINDS) + ")"]
        if not self.uncounted_clicks:
            where.append(f"(kind <> 'click' OR {COUNTED_CLICK_SQL})")
        if cut:
            where.append(f"ts < {cut}")
        con.execute(
            "CREATE OR REPLACE TEMP TABLE w_touches AS SELECT * FROM d_front WHERE "
            + " AND ".join(where)
        )

    def _flags(self, con: duckdb.DuckDBPyConnection, as_of: datetime | None) -> None:
        """``w_flags``: every window in which a partner's backhaul was degraded (gap, lag,
        duplicates, orders sent again, off sample rate), over the span of the conversions."""
        span = con.execute("SELECT MIN(ts), MAX(ts) FROM w_conv").fetchall()[0]
        found: list[dict[str, object]] = []
        if span[0] is not None:
            start = span[0].replace(minute=0, second=0, microsecond=0)
            end = (
                min(span[1] + timedelta(hours=1), as_of) if as_of else span[1] + timedelta(hours=1)
            )
            with self.store.read() as conn:
                slugs = list(conn.execute(select(db.partners.c.slug)).scalars())
                for slug in slugs:
                    for flag in flags.flagged_windows(conn, self.lake, slug, start, end):
                        if flag.kind != "held":  # held partners' figures are withheld instead
                            found.append(flag.to_dict())
        table = pa.table(
            {
                "partner": pa.array([f["partner"] for f in found], pa.string()),
                "kind": pa.array([f["kind"] for f in found], pa.string()),
                "starts_at": pa.array([f["start"] for f in found], pa.string()),
                "ends_at": pa.array([f["end"] for f in found], pa.string()),
            }
        )
        con.register("d_flags", table)
        con.execute(
            "CREATE OR REPLACE TEMP VIEW w_flags AS SELECT partner, kind, "
            "CAST(starts_at AS TIMESTAMPTZ) AS starts_at, CAST(ends_at AS TIMESTAMPTZ) AS ends_at "
            "FROM d_flags"
        )
        self.stats["backhaul_flags"] = found

    def _conversions(
        self, con: duckdb.DuckDBPyConnection, cut: str | None, held: list[str], own: list[str]
    ) -> None:
        con.register("d_back", self.lake.dataset(CONVERSION_KINDS, BACK))
        where = [f"received_at < {cut}"] if cut else []
        if held:  # an operator's hold: the partner's figures are withheld until released
            where.append("partner NOT IN (" + ", ".join(literal(h) for h in held) + ")")
        rx = f"WHERE {' AND '.join(where)}" if where else ""
        orders = ", ".join(literal(k) for k in ORDER_KINDS)
        once = (
            "SELECT * EXCLUDE (rn) FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY partner, "
            f"event_id ORDER BY received_at) AS rn FROM d_back {rx}) x WHERE rn = 1"
        )
        per_order = (
            "SELECT * EXCLUDE (rn) FROM (SELECT *, CASE WHEN kind IN "
            f"({orders}) AND order_id IS NOT NULL THEN ROW_NUMBER() OVER (PARTITION BY partner, "
            "kind, order_id ORDER BY received_at, event_id) ELSE 1 END AS rn "
            f"FROM ({once}) y) z WHERE rn = 1"
        )
        # an own shop's key is the community's user key (identity known): never re-keyed
        handle = (
            f"CASE WHEN c.partner IN ({', '.join(literal(o) for o in own)}) THEN c.shop_user_key "
            "ELSE h.shop_handle END"
            if own
            else "h.shop_handle"
        )
        rekey = (
            f"SELECT c.* REPLACE ({handle} AS shop_user_key) FROM ({{q}}) c "
            "LEFT JOIN w_shop_handles h ON h.partner = c.partner "
            "AND h.shop_user_key = c.shop_user_key"
        )
        sql = rekey.format(q=per_order) if self.identity and self.identity.rekeys else per_order
        con.execute(f"CREATE OR REPLACE TEMP TABLE w_conv AS {sql}")

    def _viewers(self, con: duckdb.DuckDBPyConnection) -> None:
        keys = con.sql(
            "SELECT DISTINCT user_key FROM w_touches WHERE user_key IS NOT NULL"
        ).to_arrow_table()["user_key"]
        mask = holdout.holdout_mask(keys, self.holdout_share, self.holdout_salt)
        table = pa.table({"community_key": keys, "holdout": pa.array(mask)})
        con.register("d_viewers", table)
        con.execute("CREATE OR REPLACE TEMP VIEW w_viewers AS SELECT * FROM d_viewers")


def _native_identity(con: duckdb.DuckDBPyConnection, own: list[str]) -> dict[str, object]:
    """The own shops' people, known without the clean room: an own shop records each order with
    the buyer's community user key (:mod:`seedtrail.intake.ownshop`), so its identity rows pair
    that key with itself (any clean-room rows of an own shop are replaced). Returns per own shop
    its purchases and the share of them joined to a person, by the buyer's key or a counted
    click's id (1 by construction for orders recorded natively)."""
    if not own:
        return {}
    names = ", ".join(literal(o) for o in own)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE w_identity_native AS SELECT * FROM w_identity "
        f"WHERE partner NOT IN ({names}) UNION ALL SELECT DISTINCT shop_user_key, "
        f"shop_user_key, partner FROM w_conv WHERE partner IN ({names}) "
        "AND shop_user_key IS NOT NULL"
    )
    con.execute("CREATE OR REPLACE TEMP VIEW w_identity AS SELECT * FROM w_identity_native")
    rows = con.execute(
        "SELECT partner, COUNT(*), COUNT(*) FILTER (WHERE shop_user_key IS NOT NULL OR click_id "
        "IN (SELECT click_id FROM w_touches WHERE kind = 'click')), "
        f"COUNT(DISTINCT shop_user_key) FROM w_conv WHERE partner IN ({names}) "
        "AND kind = 'purchase' GROUP BY partner"
    ).fetchall()
    got = {r[0]: (int(r[1]), int(r[2]), int(r[3])) for r in rows}
    return {
        slug: {
            "partner": slug,
            "identity": "native",
            "purchases": got.get(slug, (0, 0, 0))[0],
            "matched_people": got.get(slug, (0, 0, 0))[2],
            "match_rate": got[slug][1] / got[slug][0] if slug in got else None,
        }
        for slug in own
    }


def _no_identity(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        "CREATE OR REPLACE TEMP VIEW w_identity AS SELECT NULL::VARCHAR AS community_key, "
        "NULL::VARCHAR AS shop_key, NULL::VARCHAR AS partner WHERE FALSE"
    )


def _register_store(con: duckdb.DuckDBPyConnection, conn: Connection) -> None:
    """Offers, notes and who they belong to, from the store."""
    i64, s = pa.int64(), pa.string()
    tables = {
        "d_offers": store_campaigns.query_table(
            conn,
            select(
                db.offers.c.id,
                db.partners.c.slug,
                db.offers.c.owner_id,
                db.offers.c.item_id,
                db.offers.c.title,
                db.offers.c.category,
            ).join(db.partners, db.partners.c.id == db.offers.c.partner_id),
            pa.schema(
                [
                    ("offer_id", i64),
                    ("partner", s),
                    ("brand_id", i64),
                    ("item_id", s),
                    ("title", s),
                    ("category", s),
                ]
            ),
        ),
        "d_notes": store_campaigns.query_table(
            conn,
            select(db.notes.c.id, db.notes.c.author_id, db.accounts.c.kind).join(
                db.accounts, db.accounts.c.id == db.notes.c.author_id
            ),
            pa.schema([("note_id", i64), ("author_id", i64), ("author_kind", s)]),
        ),
        "d_collabs": store_campaigns.query_table(
            conn,
            select(db.collab_registrations.c.note_id, db.collab_registrations.c.brand_id).where(
                db.collab_registrations.c.status == "active"
            ),
            pa.schema([("note_id", i64), ("brand_id", i64)]),
        ),
        "d_mounts": store_campaigns.query_table(
            conn,
            select(db.link_mounts.c.note_id, db.link_mounts.c.offer_id).where(
                db.link_mounts.c.note_id.is_not(None)
            ),
            pa.schema([("note_id", i64), ("offer_id", i64)]),
        ),
    }
    for name, table in tables.items():
        con.register(name, table)
    con.execute("CREATE OR REPLACE TEMP VIEW w_offers AS SELECT * FROM d_offers")
    con.execute("CREATE OR REPLACE TEMP VIEW w_note_mounts AS SELECT * FROM d_mounts")
    con.execute(
        "CREATE OR REPLACE TEMP VIEW w_note_dims AS SELECT CAST(n.note_id AS VARCHAR) AS note_id, "
        f"CASE WHEN n.author_kind IN {BRANDS} THEN NULL ELSE n.author_id END AS creator_id, "
        "COALESCE(cb.brand_id, co.brand_id, mo.brand_id, CASE WHEN n.author_kind IN "
        f"{BRANDS} THEN n.author_id END) AS brand_id FROM d_notes n "
        "LEFT JOIN (SELECT cn.note_id, MIN(c.brand_id) AS brand_id FROM w_campaign_notes cn "
        "JOIN w_campaigns c USING (campaign_id) GROUP BY cn.note_id) cb "
        "ON cb.note_id = CAST(n.note_id AS VARCHAR) "
        "LEFT JOIN (SELECT note_id, MIN(brand_id) AS brand_id FROM d_collabs GROUP BY note_id) co "
        "ON co.note_id = n.note_id "
        "LEFT JOIN (SELECT m.note_id, MIN(o.brand_id) AS brand_id FROM d_mounts m "
        "JOIN d_offers o USING (offer_id) GROUP BY m.note_id) mo ON mo.note_id = n.note_id"
    )


def _match_stats(con: duckdb.DuckDBPyConnection) -> dict[str, object]:
    """How many purchases could be tied to a person: by click id (the shop echoed a counted
    click's id) or through the identity map; the rest are unmatched and credit no touch."""
    row = con.execute(
        "SELECT COUNT(*), COUNT(*) FILTER (WHERE NOT (by_click OR by_identity)) FROM ("
        "SELECT COALESCE(c.click_id IN (SELECT click_id FROM w_touches WHERE kind = 'click'), "
        "FALSE) AS by_click,"
        " EXISTS (SELECT 1 FROM w_identity i WHERE i.partner = c.partner "
        "AND i.shop_key = c.shop_user_key) AS by_identity "
        "FROM w_conv c WHERE c.kind = 'purchase') x"
    ).fetchall()[0]
    purchases, unmatched = int(row[0]), int(row[1] or 0)
    return {
        "purchases": purchases,
        "purchases_unmatched": unmatched,
        "unmatched_share": unmatched / purchases if purchases else None,
    }


#: Where ``seedtrail cleanroom match`` keeps its runs by default (one folder per partner).
CLEANROOM_DIR = Path("cleanroom") / "identity"


def from_settings(
    settings: Settings,
    store: Store,
    *,
    cleanroom: Path | None = None,
    identity: Path | None = None,
    uncounted_clicks: bool = False,
) -> Deployment:
    """The deployment of ``settings``: its store and lake; people joined through the clean
    room's matches (``cleanroom``, default ``<data dir>/cleanroom/identity`` when it exists) or,
    for an operator owning both sides, an identity file; else by click ids only."""
    if cleanroom is not None and identity is not None:
        raise AttributionInputError(Msg("problem.attribution-input.cleanroom_or_identity"))
    chosen: Identity | None = None
    if identity is not None:
        chosen = IdentityFile(identity)
    else:
        root = cleanroom or settings.data_dir / CLEANROOM_DIR
        if cleanroom is not None and not root.is_dir():
            raise AttributionInputError(
                Msg("problem.attribution-input.cleanroom_missing", {"path": str(root)})
            )
        chosen = CleanRoomIdentity(root) if root.is_dir() else None
    return Deployment(
        store=store,
        lake=Lake(settings.effective_lake_url),
        identity=chosen,
        holdout_share=settings.holdout_share,
        holdout_salt=settings.holdout_salt,
        uncounted_clicks=uncounted_clicks,
    )
