"""The simulated impact of a change: the same world with and without it, over seeds."""

from __future__ import annotations

from datetime import date

import pytest

from seedtrail.core.errors import InvalidInput
from seedtrail.impact import simulated

START = date(2025, 3, 1)


def test_parse_change_and_world_spec() -> None:
    c = simulated.parse_change("close category=beauty from=day15 until=2025-03-26", START)
    assert (c.effect, c.category, c.partner, c.first_day, c.end_day) == (
        "close",
        "beauty",
        None,
        15,
        25,
    )
    mapping, seed, runs = simulated.parse_world_spec("scale=tiny,seed=4,days=30")
    assert mapping["days"] == 30 and mapping["base"] == "tiny" and (seed, runs) == (4, 3)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("shut category=beauty from=day3", "starts with close or open"),
        ("close category=beauty", "needs from="),
        ("close colour=red from=day3", "unknown or malformed"),
        ("close category=beauty from=tomorrow", "neither dayN nor a date"),
    ],
)
def test_bad_changes_are_refused(text: str, says: str) -> None:
    with pytest.raises(InvalidInput, match=says):
        simulated.parse_change(text, START)


def test_bad_world_specs_are_refused() -> None:
    with pytest.raises(InvalidInput, match="unknown keys"):
        simulated.parse_world_spec("scale=tiny,colour=red")
    with pytest.raises(InvalidInput, match="runs"):
        simulated.parse_world_spec("scale=tiny,runs=0")


@pytest.mark.slow
def test_closing_a_partner_removes_its_clicks_and_keeps_others() -> None:
    result = simulated.run("scale=tiny,seed=3,days=12,runs=2", "close partner=jd from=day6")
    rows = {(r["figure"], r["scope"]): r for r in result.rows}
    jd = rows[("clicks", "partner:jd")]
    assert jd["without"] > 0 and jd["with"] == 0.0 and jd["difference"] < 0
    assert rows[("clicks", "partner:tmall")]["difference"] == 0.0
    gmv = rows[("shop_gmv", "partner:jd")]
    assert gmv["with"] < gmv["without"]  # buyers who did not search the shop are lost
    for r in result.rows:
        if r["low"] is not None:
            assert r["low"] <= r["difference"] <= r["high"]
    assert {"spend", "roas", "creator_earnings", "diversion_attempts"} <= {k[0] for k in rows}
    own = rows[("shop_gmv", f"partner:{simulated.OWN_SLUG}")]  # the community's own shop
    assert result.own_shop and own["without"] > 0
    assert rows[("clicks", f"partner:{simulated.OWN_SLUG}")]["difference"] == 0.0
    assert "own-shop GMV is the shop_gmv row" in result.to_dict()["own_shop_note"]
    assert len(result.responses) == 2 and all(r["taps_closed"] > 0 for r in result.responses)


def test_a_bad_level_is_refused() -> None:
    with pytest.raises(InvalidInput, match="level"):
        simulated.run("scale=tiny,seed=1,days=5,runs=1", "close category=beauty from=day2", 1.5)


def test_a_change_outside_the_world_is_refused() -> None:
    with pytest.raises(InvalidInput, match="outside the world"):
        simulated.run("scale=tiny,seed=1,days=5,runs=1", "close category=beauty from=day9")
