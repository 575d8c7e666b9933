"""Conformance: every model on every engine over the generated world gives the same output.

The heuristic models are checked by hand on the small fixture world (test_models.py); here the
engines must agree with each other, row for row, to 1e-9, on a world with skew, ties, window
edges, repeated conversions, linked refunds, per-partner identity and sampled backhaul
(generated.py). Each engine runs all models in one instance, as a user running several models
over the same files would (the shared steps are computed once).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from seedtrail.attribution.engines.base import SqlEngine
from seedtrail.attribution.inputs import Inputs
from seedtrail.attribution.spec import (
    CHANNEL_DIMENSIONS,
    AttributionSpec,
    Calibration,
    ModelSpec,
)

from .conftest import ENGINE_PARAMS
from .generated import generate

CASES: list[tuple[str, ModelSpec]] = [
    (name, ModelSpec(name=name))  # type: ignore[arg-type]
    for name in (
        "last_click",
        "last_touch",
        "first_touch",
        "linear",
        "position_based",
        "time_decay",
    )
]
CASES += [(f"markov{k}", ModelSpec(name="markov", markov_order=k)) for k in (1, 2, 3)]
CASES += [(f"shapley_{d}", ModelSpec(name="shapley", channel=d)) for d in CHANNEL_DIMENSIONS]
# lift calibration over a single-touch, a fractional and a data-driven base model: campaign 1
# halved, campaign 2 doubled, campaign 3 removed (its touches keep rows of credit 0)
CALIBRATION = Calibration((("1", 0.5), ("2", 2.0), ("3", 0.0)))
CASES += [
    (f"calibrated_{case}", model)
    for case, model in CASES
    if case in ("last_touch", "position_based", "shapley_kind")
]
# engine gaps: case id -> (engine, exception type); each is a strict xfail
GAPS: dict[tuple[str, str], type[BaseException]] = {}

Result = tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, float]]


@pytest.fixture(scope="module")
def generated_world(tmp_path_factory: pytest.TempPathFactory) -> Inputs:
    directory: Path = tmp_path_factory.mktemp("conformance")
    return Inputs(*generate(directory))


@pytest.fixture(scope="module")
def results() -> dict[tuple[str, str], Result | BaseException]:
    """Filled on first use: (engine, case) -> credits, summary, channel weights (or the error)."""
    return {}


def _run(
    label: str,
    engine: SqlEngine,
    world: Inputs,
    store: dict[tuple[str, str], Result | BaseException],
) -> None:
    if any(e == label for e, _ in store):
        return
    for case, model in CASES:
        try:
            calibration = CALIBRATION if case.startswith("calibrated_") else None
            engine.run(AttributionSpec(model=model, calibration=calibration), world)
            store[label, case] = (
                engine.credits().to_pylist(),
                engine.summary().to_pylist(),
                dict(engine.channel_weights),
            )
        except Exception as exc:  # recorded, raised again by the case's own test
            store[label, case] = exc


def _close(a: object, b: object, key: str) -> None:
    if isinstance(a, float) or isinstance(b, float):
        assert a is not None and b is not None, key
        assert math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9), (key, a, b)  # type: ignore[arg-type]
    else:
        assert a == b, (key, a, b)


def _same_rows(got: list[dict[str, Any]], ref: list[dict[str, Any]], what: str) -> None:
    assert len(got) == len(ref), what
    for i, (g, r) in enumerate(zip(got, ref, strict=True)):
        assert g.keys() == r.keys(), what
        for col in r:
            _close(g[col], r[col], f"{what} row {i} {col}")


@pytest.mark.parametrize("engine_name", ENGINE_PARAMS)
@pytest.mark.parametrize("case", [c for c, _ in CASES])
def test_engines_agree(
    results: dict[tuple[str, str], Result | BaseException],
    generated_world: Inputs,
    make_engine: Callable[[str], SqlEngine],
    engine_name: str,
    case: str,
    request: pytest.FixtureRequest,
) -> None:
    gap = GAPS.get((engine_name, case))
    if gap is not None:
        request.applymarker(pytest.mark.xfail(raises=gap, strict=True, reason=gap.__name__))
    _run("duckdb", make_engine("duckdb"), generated_world, results)
    _run(engine_name, make_engine(engine_name), generated_world, results)
    got, ref = results[engine_name, case], results["duckdb", case]
    if isinstance(got, BaseException):
        raise got
    assert not isinstance(ref, BaseException)
    credits, summary, weights = got
    _same_rows(credits, ref[0], "credits")
    _same_rows(summary, ref[1], "summary")
    assert weights.keys() == ref[2].keys()
    for channel, w in ref[2].items():
        _close(weights[channel], w, f"weight {channel}")
    if case.startswith("calibrated_"):
        _check_calibrated(credits, results["duckdb", case.removeprefix("calibrated_")])
        return
    # the output is a real attribution: every conversion's credits sum to 1
    by_conversion: dict[str, float] = {}
    for row in credits:
        by_conversion[row["conversion_id"]] = (
            by_conversion.get(row["conversion_id"], 0.0) + (row["credit"])
        )
    assert by_conversion, case
    assert all(math.isclose(s, 1.0, abs_tol=1e-9) for s in by_conversion.values()), case


def test_generated_world_has_what_it_promises(generated_world: Inputs) -> None:
    """The world really has the hard cases (so the conformance above really covers them)."""
    import duckdb

    con = duckdb.connect()
    t, c, i = (
        str(p)
        for p in (generated_world.touches, generated_world.conversions, generated_world.identity)
    )
    heavy = con.execute(f"SELECT max(n) FROM (SELECT count(*) n FROM '{t}' GROUP BY user_key)")
    assert heavy.fetchone()[0] >= 3000  # type: ignore[index]
    ties = con.execute(
        f"SELECT count(*) FROM (SELECT user_key, ts FROM '{t}' GROUP BY ALL HAVING count(*) > 1)"
    ).fetchone()
    assert ties[0] > 100  # type: ignore[index]
    kinds = dict(con.execute(f"SELECT kind, count(*) FROM '{c}' GROUP BY kind").fetchall())
    assert kinds["refund"] > 10 and kinds["purchase"] > 50
    linked = con.execute(f"SELECT count(*) FROM '{c}' WHERE refund_of IS NOT NULL").fetchone()
    assert linked[0] > 3  # type: ignore[index]
    edges = con.execute(
        f"SELECT count(*) FROM '{t}' t JOIN '{i}' i ON t.user_key = i.community_key "
        f"JOIN '{c}' c ON c.user_key = i.shop_key AND c.partner = i.partner "
        "WHERE t.kind = 'impression' AND t.ts = c.ts - INTERVAL 1 DAY"
    ).fetchone()
    assert edges[0] > 10  # type: ignore[index]
    assert {r[0] for r in con.execute(f"SELECT DISTINCT sample_rate FROM '{c}'").fetchall()} == {
        0.5,
        1.0,
    }


def test_duckdb_mixed_engine_takes_both_routes(
    generated_world: Inputs, make_engine: Callable[[str], SqlEngine]
) -> None:
    """ "duckdb-mixed" really splits the people between the hash-join and the ASOF routes."""
    engine = make_engine("duckdb-mixed")
    engine.run(AttributionSpec(model=ModelSpec(name="last_touch")), generated_world)
    heavy = engine.fetch("SELECT COUNT(*) FROM st_heavy")[0][0]
    people = engine.fetch("SELECT COUNT(DISTINCT person) FROM st_anchor")[0][0]
    assert 0 < heavy < people


def _check_calibrated(credits: list[dict[str, Any]], base: Result | BaseException) -> None:
    """Calibrated rows are the base model's rows, each credit times its touch's campaign factor
    (1 for other campaigns and organic touches); the generated touch ids carry no campaign, so
    the factor is read back from the ratio and must be one of the calibration's."""
    assert not isinstance(base, BaseException)
    ref = {(r["conversion_id"], r["touch_id"]): r["credit"] for r in base[0]}
    assert {(r["conversion_id"], r["touch_id"]) for r in credits} == set(ref)
    allowed = {1.0, *(f for _, f in CALIBRATION.factors)}
    seen = set()
    for row in credits:
        was = ref[row["conversion_id"], row["touch_id"]]
        factor = row["credit"] / was if was else 1.0
        assert any(math.isclose(factor, f, abs_tol=1e-9) for f in allowed), (row, was)
        seen.add(round(factor, 9))
    assert seen == allowed  # every factor, and the untouched rows, occur
