"""Single-touch models (last touch, first touch, last click) on DuckDB, without sorting touches.

Most people convert a few times. For their anchors, the eligible touches come from the shared
equi-join on ``(person, time bucket)`` (:func:`seedtrail.attribution.plan.eligible_pairs`: a
hash join that scans the touches once and never sorts them) and are reduced straight away to
the best one per anchor, ``arg_max`` (last) or ``arg_min`` (first) over ``(ts, touch_id)``, so
the pairs are never stored. That join's work grows with a person's anchors times their touches,
so the people with more than ``heavy_anchors`` anchors (a bot that buys, a shared shop account)
go through ASOF joins instead, which stay flat however many touches and conversions one person
has; those joins read only the heavy people's touches.

Both routes order a path by ``(ts, touch_id)``: ties at one instant go to the largest
``touch_id`` for last touch and last click, the smallest for first touch, and a touch on the
window's edge or at the conversion's instant is inside, as in the shared plan.
"""

from __future__ import annotations

from seedtrail.attribution.dialect import literal, num
from seedtrail.attribution.plan import Step, eligible_pairs
from seedtrail.attribution.spec import TOUCH_KINDS, AttributionSpec

SINGLE_TOUCH = ("last_touch", "first_touch", "last_click")
# The hash join costs about a person's anchors x touches pair checks; the ASOF route costs one more
# scan of all touches. At 100M touches the heaviest buyer (83 anchors, 160k touches) costs the
# join ~7M checks, far below a 100M-row scan: only far heavier buyers are worth the ASOF route.
HEAVY_ANCHORS = 256
_EMPTY = (
    "SELECT CAST(NULL AS STRING) AS anchor_id, CAST(NULL AS STRING) AS touch_id, "
    "CAST(NULL AS STRING) AS note_id, CAST(NULL AS STRING) AS touch_kind, "
    f"{num(1.0)} AS credit WHERE false"
)
_HEAVY_ANCHORS = "a.person IN (SELECT person FROM st_heavy)"


def heavy_step(heavy_anchors: int) -> Step:
    """``st_heavy(person)``: the people with more than ``heavy_anchors`` anchors."""
    return Step(
        "st_heavy",
        "SELECT person FROM st_anchor WHERE person IS NOT NULL GROUP BY person "
        f"HAVING COUNT(*) > {int(heavy_anchors)}",
        materialize=True,
    )


def single_touch_steps(spec: AttributionSpec, heavy: bool) -> list[Step]:
    """Steps giving ``st_credit`` for a single-touch model; ``heavy``: ``st_heavy`` (see
    :func:`heavy_step`) has rows, whose anchors go through the ASOF joins."""
    kinds = _kinds(spec)
    if not kinds:
        return [Step("st_credit", _EMPTY, materialize=True)]
    light = _pairs_best(spec, kinds, f"NOT {_HEAVY_ANCHORS}" if heavy else "")
    if not heavy:
        return [Step("st_credit", _credited(spec, light), materialize=True)]
    touches = Step(
        "st_heavy_touches",
        "SELECT user_key, ts_us, touch_id, note_id, kind FROM st_touches "
        "WHERE user_key IN (SELECT person FROM st_heavy)",
        materialize=True,
    )
    best = f"{light} UNION ALL {_asof_best(spec, kinds, touches.name)}"
    return [touches, Step("st_credit", _credited(spec, best), materialize=True)]


def _kinds(spec: AttributionSpec) -> list[str]:
    kinds = [k for k in (spec.filters.touch_kinds or TOUCH_KINDS) if k in TOUCH_KINDS]
    return [k for k in kinds if k == "click"] if spec.model.name == "last_click" else kinds


def _pairs_best(spec: AttributionSpec, kinds: list[str], anchor_where: str) -> str:
    """Best touch per anchor over the enumerated eligible pairs, reduced in one aggregate."""
    pick = "arg_min" if spec.model.name == "first_touch" else "arg_max"
    touch_where = (
        f"t.kind IN ({', '.join(literal(k) for k in kinds)})"
        if len(kinds) < len(TOUCH_KINDS)
        else ""
    )
    best = (
        f"{pick}(struct_pack(touch_id := t.touch_id, note_id := t.note_id, touch_kind := t.kind),"
        " struct_pack(ts := t.ts_us, id := t.touch_id))"
    )
    return (
        "SELECT anchor_id, b.touch_id, b.note_id, b.touch_kind FROM "
        f"(SELECT a.conversion_id AS anchor_id, {best} AS b "
        f"{eligible_pairs(anchor_where, touch_where)} GROUP BY a.conversion_id) x"
    )


def _asof_best(spec: AttributionSpec, kinds: list[str], touches: str) -> str:
    """Best touch per heavy person's anchor: one ASOF join per window length (over the kinds
    with that window), then the best of those candidates.

    The ASOF inequality is on ``(ts, flag, touch_id)`` so ties at one instant resolve by
    ``touch_id`` inside the join, and the anchor sorts after (last) or before (first) every
    touch at its instant, which keeps touches at the conversion's instant and on the window's
    edge inside.
    """
    first = spec.model.name == "first_touch"
    micros = spec.windows.micros_by_kind()
    touch_key = "struct_pack(ts := t.ts_us, f := {f}, id := t.touch_id)"
    cands = []
    for w in sorted({micros[k] for k in kinds}):
        in_class = ", ".join(literal(k) for k in kinds if micros[k] == w)
        if first:
            on = (
                f"struct_pack(ts := a.ts_us - {w}, f := 0, id := '') "
                f"<= {touch_key.format(f=1)} WHERE t.ts_us <= a.ts_us"
            )
        else:
            on = (
                f"struct_pack(ts := a.ts_us, f := 1, id := '') >= {touch_key.format(f=0)} "
                f"WHERE t.ts_us >= a.ts_us - {w}"
            )
        cands.append(
            "SELECT a.conversion_id AS anchor_id, t.ts_us AS t_ts, t.touch_id, t.note_id, "
            "t.kind AS touch_kind FROM (SELECT conversion_id, person, ts_us FROM st_anchor a "
            f"WHERE {_HEAVY_ANCHORS}) a ASOF JOIN "
            f"(SELECT * FROM {touches} WHERE kind IN ({in_class})) t "
            f"ON a.person = t.user_key AND {on}"
        )
    if len(cands) == 1:
        return f"SELECT anchor_id, touch_id, note_id, touch_kind FROM ({cands[0]}) c"
    pick = "arg_min" if first else "arg_max"
    key = "struct_pack(ts := t_ts, id := touch_id)"
    return (
        f"SELECT anchor_id, {pick}(touch_id, {key}) AS touch_id, "
        f"{pick}(note_id, {key}) AS note_id, {pick}(touch_kind, {key}) AS touch_kind "
        f"FROM ({' UNION ALL '.join(cands)}) u GROUP BY anchor_id"
    )


def _credited(spec: AttributionSpec, best: str) -> str:
    """``st_credit`` from the best touch per anchor; last click prefers the click the
    conversion names (its person's, inside the click window, so on its path)."""
    if spec.model.name != "last_click":
        return f"SELECT *, {num(1.0)} AS credit FROM ({best}) c"
    return (
        "SELECT c.anchor_id, COALESCE(a.matched_click, c.touch_id) AS touch_id, "
        "CASE WHEN a.matched_click IS NULL THEN c.note_id ELSE a.matched_note END AS note_id, "
        f"'click' AS touch_kind, {num(1.0)} AS credit "
        f"FROM ({best}) c JOIN st_anchor a ON a.conversion_id = c.anchor_id"
    )
