"""The attribution computation as a sequence of named SQL steps shared by every engine.

Semantics (documented in docs/attribution.md):

* A conversion's person is the ``user_key`` of the click its ``click_id`` names (when that click
  is inside the click window), else the identity map's community key for its shop key (the
  smallest one if a shop key maps to several), else, without an identity file, its own key.
  When both the identity map and the conversions have a ``partner`` column (the demo world's
  map: shop keys differ per shop), the map is looked up by ``(partner, shop_key)``.
* A touch is eligible for a conversion at ``ts`` when it belongs to the same person and
  ``ts - window(kind) <= touch.ts <= ts``: a touch exactly on the window edge is inside, a touch
  at the same instant as the conversion is inside, a touch after it is not.
* Paths are ordered by ``(ts, touch_id)``; ties at the same instant are broken by ``touch_id``.
* A refund is linked to its purchase (``refund_of`` naming a purchase's ``conversion_id``, else
  the earliest purchase with the same ``order_id``) and takes that purchase's credits; an
  unlinked refund is attributed on its own path.

Touches are joined to conversions on ``(person, time bucket)`` where the bucket width is the
longest window, so a heavy user's touches far from a conversion never enter the join.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from seedtrail.attribution.dialect import Dialect, literal, num, quote
from seedtrail.attribution.inputs import CONTRACT, Role, file_format
from seedtrail.attribution.spec import TOUCH_KINDS, AttributionSpec


@dataclass(frozen=True)
class Step:
    """A named relation. ``materialize``: compute once and keep (a table); else a view.
    ``rereadable``: a materialized step that is only a projection of a columnar file, which an
    engine that prunes columns and scans fast (DuckDB) may keep as a view instead of copying."""

    name: str
    sql: str
    materialize: bool = False
    rereadable: bool = False


@dataclass(frozen=True)
class Source:
    """A registered raw input relation and the resolved column names of its file."""

    relation: str
    paths: tuple[Path, ...]
    columns: dict[str, str | None]


def _in_list(values: tuple[str, ...] | tuple[int, ...]) -> str:
    return ", ".join(literal(v) if isinstance(v, str) else str(int(v)) for v in values)


def normalize(role: Role, src: Source, dialect: Dialect) -> str:
    """SELECT giving the contract's column names and types (timestamps as ``ts_us``)."""
    parts = []
    for col in CONTRACT[role]:
        source = src.columns.get(col.name)
        expr = quote(source) if source else f"CAST(NULL AS {col.sql_type})"
        if col.name == "ts":
            parts.append(f"{dialect.micros(expr)} AS ts_us")
        elif col.sql_type == "STRING" and source:
            parts.append(f"CAST({expr} AS STRING) AS {col.name}")
        else:
            parts.append(f"CAST({expr} AS {col.sql_type}) AS {col.name}")
    return f"SELECT {', '.join(parts)} FROM {src.relation}"


def _window_case(spec: AttributionSpec) -> str:
    micros = spec.windows.micros_by_kind()
    whens = " ".join(f"WHEN {literal(k)} THEN {micros[k]}" for k in TOUCH_KINDS)
    return f"CASE kind {whens} END"


def bucket_width(spec: AttributionSpec) -> int:
    return int(spec.windows.longest.total_seconds() * 1_000_000)


def base_steps(spec: AttributionSpec, sources: dict[Role, Source], dialect: Dialect) -> list[Step]:
    """Steps shared by every model: inputs, refund links, anchors with their person."""
    per_partner = "identity" in sources and bool(
        sources["identity"].columns.get("partner") and sources["conversions"].columns.get("partner")
    )
    steps = [_touches_step(spec, sources, dialect), _conversions_step(sources, dialect)]
    if "identity" in sources:
        steps.append(_identity_step(sources, dialect, per_partner))
    steps += [_links_step(spec), _click_ids_step()]
    steps.append(_anchor_step(spec, sources, dialect, per_partner))
    return steps


def _touches_step(spec: AttributionSpec, sources: dict[Role, Source], dialect: Dialect) -> Step:
    """The filtered touches, each with its kind's window and its time bucket."""
    f = spec.filters
    touch_where = [f"kind IN ({_in_list(f.touch_kinds or TOUCH_KINDS)})", "user_key IS NOT NULL"]
    if f.note_ids:
        touch_where.append(f"note_id IN ({_in_list(f.note_ids)})")
    width = bucket_width(spec)
    return Step(
        "st_touches",
        f"SELECT *, {_window_case(spec)} AS win_us, {dialect.div('ts_us', str(width))} AS bkt"
        f" FROM ({normalize('touches', sources['touches'], dialect)}) t"
        f" WHERE {' AND '.join(touch_where)}",
        materialize=True,
        rereadable=file_format(sources["touches"].paths[0]) == "parquet",
    )


def _conversions_step(sources: dict[Role, Source], dialect: Dialect) -> Step:
    # a shop may deliver an event twice (retries): keep one per (partner, conversion id)
    return Step(
        "st_conv",
        "SELECT * FROM (SELECT n.*, ROW_NUMBER() OVER (PARTITION BY partner, conversion_id "
        "ORDER BY ts_us, kind, value) AS dup FROM "
        f"({normalize('conversions', sources['conversions'], dialect)}) n) x WHERE dup = 1",
        materialize=True,
    )


def _identity_step(sources: dict[Role, Source], dialect: Dialect, per_partner: bool) -> Step:
    """The clean room's matches: one community key per shop key (per partner when both sides
    name the partner)."""
    keys = "partner, shop_key" if per_partner else "shop_key"
    return Step(
        "st_identity",
        f"SELECT {keys}, MIN(community_key) AS community_key FROM "
        f"({normalize('identity', sources['identity'], dialect)}) i "
        f"WHERE community_key IS NOT NULL GROUP BY {keys}",
    )


def _links_step(spec: AttributionSpec) -> Step:
    """Each conversion with its anchor: a refund's purchase (by ``refund_of``, else the first
    purchase of its order), any other conversion itself."""
    f = spec.filters
    kind_filter = f"WHERE c.kind IN ({_in_list(f.conversion_kinds)})" if f.conversion_kinds else ""
    return Step(
        "st_links",
        "SELECT c.*, CASE WHEN c.kind = 'refund' THEN "
        "COALESCE(p1.conversion_id, p2.conversion_id, c.conversion_id) "
        "ELSE c.conversion_id END AS anchor_id FROM st_conv c "
        "LEFT JOIN (SELECT conversion_id FROM st_conv WHERE kind = 'purchase') p1 "
        "ON c.kind = 'refund' AND c.refund_of = p1.conversion_id "
        "LEFT JOIN (SELECT order_id, conversion_id FROM (SELECT order_id, conversion_id, "
        "ROW_NUMBER() OVER (PARTITION BY order_id ORDER BY ts_us, conversion_id) AS rn "
        "FROM st_conv WHERE kind = 'purchase' AND order_id IS NOT NULL) x WHERE rn = 1) p2 "
        f"ON c.kind = 'refund' AND c.order_id = p2.order_id {kind_filter}",
        materialize=True,
    )


def _click_ids_step() -> Step:
    """The first click touch of each click id a conversion carries."""
    return Step(
        "st_click_ids",
        "SELECT click_id, touch_id, user_key, note_id, ts_us, win_us FROM (SELECT *, "
        "ROW_NUMBER() OVER (PARTITION BY click_id ORDER BY ts_us, touch_id) AS rn "
        "FROM st_touches WHERE kind = 'click' AND click_id IN "
        "(SELECT click_id FROM st_conv WHERE click_id IS NOT NULL)) x WHERE rn = 1",
    )


def _anchor_step(
    spec: AttributionSpec, sources: dict[Role, Source], dialect: Dialect, per_partner: bool
) -> Step:
    """Each anchor conversion with its person: the clicker of its click id within the click's
    window, else the clean room's match (with identity), else the shop's own key."""
    fallback = "idm.community_key" if "identity" in sources else "a.user_key"
    id_join = (
        "LEFT JOIN st_identity idm ON a.user_key = idm.shop_key "
        + ("AND a.partner = idm.partner " if per_partner else "")
        if "identity" in sources
        else ""
    )
    return Step(
        "st_anchor",
        "SELECT a.conversion_id, a.ts_us, "
        f"{dialect.div('a.ts_us', str(bucket_width(spec)))} AS bkt, "
        f"COALESCE(mc.user_key, {fallback}) AS person, "
        "mc.touch_id AS matched_click, mc.note_id AS matched_note "
        "FROM st_conv a "
        "JOIN (SELECT DISTINCT anchor_id FROM st_links) k ON a.conversion_id = k.anchor_id "
        "LEFT JOIN st_click_ids mc ON a.click_id = mc.click_id "
        "AND mc.ts_us <= a.ts_us AND mc.ts_us >= a.ts_us - mc.win_us "
        f"{id_join}",
        materialize=True,
    )


def channel_expr(spec: AttributionSpec) -> str:
    dim = spec.model.channel
    return f"COALESCE(CAST(t.{dim} AS STRING), 'none')"


def eligible_pairs(anchor_where: str = "", touch_where: str = "") -> str:
    """``FROM`` clause of every (anchor ``a``, eligible touch ``t``) pair, via the equi-join on
    ``(person, time bucket)``: an anchor meets the touches of its own bucket and the one before,
    then the window condition keeps the eligible ones. Extra conditions narrow either side."""
    extra_a = f" AND {anchor_where}" if anchor_where else ""
    extra_t = f" AND {touch_where}" if touch_where else ""
    return (
        "FROM (SELECT a.*, a.bkt - d.d AS jbkt FROM st_anchor a CROSS JOIN "
        f"(SELECT 0 AS d UNION ALL SELECT 1 AS d) d WHERE a.person IS NOT NULL{extra_a}) a "
        "JOIN st_touches t ON t.user_key = a.person AND t.bkt = a.jbkt "
        f"AND t.ts_us <= a.ts_us AND t.ts_us >= a.ts_us - t.win_us{extra_t}"
    )


def paths_step(spec: AttributionSpec) -> Step:
    """Every (anchor conversion, eligible touch) pair, via the bucketed equi-join."""
    return Step(
        "st_paths",
        "SELECT a.conversion_id AS anchor_id, a.ts_us AS c_ts, a.matched_click, "
        "t.touch_id, t.note_id, t.kind AS touch_kind, t.ts_us AS t_ts, "
        f"{channel_expr(spec)} AS channel {eligible_pairs()}",
        materialize=True,
    )


def output_step(credit: str = "st_credit") -> Step:
    """One row per (conversion, credited touch); refunds take their purchase's credits."""
    return Step(
        "st_out",
        "SELECT l.conversion_id, l.kind AS conversion_kind, c.touch_id, c.note_id, "
        "c.touch_kind, c.credit, l.value * c.credit AS value, "
        f"COALESCE(l.sample_rate, {num(1.0)}) AS sample_rate, "
        # the customer is the person attribution matched (the clicker, else the clean room's
        # match), so the per-customer variance groups what the credit groups
        "COALESCE(an.person, l.user_key) AS user_key "
        f"FROM st_links l JOIN {credit} c ON l.anchor_id = c.anchor_id "
        "LEFT JOIN st_anchor an ON an.conversion_id = l.anchor_id",
        materialize=True,
    )


def path_counts_sql(spec: AttributionSpec, dialect: Dialect) -> str:
    """Distinct channel paths with their conversions (one path per anchor) and non-conversions
    (per person, the touches that lie on no converting path)."""
    conv_path = dialect.list_agg("channel", "t_ts", "touch_id")
    null_path = dialect.list_agg("channel", "ts_us", "touch_id")
    return (
        "SELECT path, SUM(conv) AS conversions, SUM(nulls) AS nulls FROM ("
        f"SELECT {conv_path} AS path, 1 AS conv, 0 AS nulls FROM st_paths GROUP BY anchor_id "
        f"UNION ALL SELECT {null_path} AS path, 0 AS conv, 1 AS nulls FROM "
        f"(SELECT t.user_key, t.ts_us, t.touch_id, {channel_expr(spec)} AS channel "
        "FROM st_touches t LEFT JOIN (SELECT DISTINCT touch_id FROM st_paths) p "
        "ON t.touch_id = p.touch_id WHERE p.touch_id IS NULL) u GROUP BY user_key"
        ") x GROUP BY path"
    )


def output_paths(out: Path) -> tuple[Path, Path]:
    """The credits file and the summary beside it: ``x.parquet`` → ``x.summary.parquet``."""
    return out, out.with_name(f"{out.stem}.summary{out.suffix}")
