"""Daily panels from the attribution views, and changes from the audit log or stated by hand."""

from __future__ import annotations

from datetime import date

import duckdb
import numpy as np
import pyarrow as pa
import pytest

from seedtrail.core.errors import InvalidInput
from seedtrail.impact import change, panel


def _events() -> pa.Table:
    return pa.table(
        {
            "day": [date(2025, 3, 1), date(2025, 3, 1), date(2025, 3, 3), date(2025, 3, 3)],
            "partner": ["jd", "tmall", "jd", "jd"],
            "category": ["beauty", "beauty", "home", None],
            "value": [10.0, 5.0, 2.0, 7.0],
        }
    )


def test_daily_sums_per_unit_and_day_with_zero_days_filled() -> None:
    p = panel.daily(_events(), "shop_gmv", "category")
    assert p.units == ["beauty", "home"]
    assert p.days == [date(2025, 3, 1), date(2025, 3, 2), date(2025, 3, 3)]
    assert p.values.tolist() == [[15.0, 0.0, 0.0], [0.0, 0.0, 2.0]]
    by_partner = panel.daily(_events(), "shop_gmv", "partner")
    assert by_partner.series({"jd"}).tolist() == [10.0, 0.0, 9.0]
    only_jd = panel.daily(_events(), "shop_gmv", "category", partner="jd")
    assert only_jd.series({"beauty"}).tolist() == [10.0, 0.0, 0.0]
    assert p.day_index(date(2025, 3, 2)) == 1
    with pytest.raises(InvalidInput, match="not inside"):
        p.day_index(date(2025, 3, 1))


def test_events_read_clicks_and_scaled_gmv_from_the_views() -> None:
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE w_touches AS SELECT * FROM (VALUES "
        "('click', TIMESTAMPTZ '2025-03-01 10:00:00+00', 'jd', 1), "
        "('read', TIMESTAMPTZ '2025-03-01 11:00:00+00', NULL, NULL), "
        "('click', TIMESTAMPTZ '2025-03-02 10:00:00+00', 'jd', 2)) t(kind, ts, partner, offer_id)"
    )
    con.execute(
        "CREATE TABLE w_offers AS SELECT * FROM (VALUES (1, 'jd', 'a', 'beauty'), "
        "(2, 'jd', 'b', 'home')) o(offer_id, partner, item_id, category)"
    )
    con.execute(
        "CREATE TABLE w_conv AS SELECT * FROM (VALUES "
        "('purchase', TIMESTAMPTZ '2025-03-01 12:00:00+00', 'jd', 'a', 100.0, 0.5), "
        "('refund', TIMESTAMPTZ '2025-03-02 12:00:00+00', 'jd', 'a', -40.0, 0.5), "
        "('store_visit', TIMESTAMPTZ '2025-03-02 12:00:00+00', 'jd', 'a', NULL, 0.5)) "
        "c(kind, ts, partner, item_id, value, sample_rate)"
    )
    clicks = panel.daily(panel.events(con, "clicks"), "clicks", "category")
    assert clicks.units == ["beauty", "home"] and clicks.values.sum() == 2
    gmv = panel.daily(panel.events(con, "shop_gmv"), "shop_gmv", "category")
    assert np.allclose(gmv.values, [[200.0, -80.0]])  # weighed by 1 / sample_rate


def test_stated_change_parses_and_refuses_bad_input() -> None:
    c = change.stated("2025-03-15", "skincare, beauty,", "category")
    assert c.treated == ("beauty", "skincare") and c.at == date(2025, 3, 15)
    with pytest.raises(InvalidInput, match="ISO date"):
        change.stated("15/03/2025", "beauty", "category")
    with pytest.raises(InvalidInput, match="at least one"):
        change.stated("2025-03-15", " , ", "category")
    with pytest.raises(InvalidInput, match="--dimension"):
        change.stated("2025-03-15", "beauty", "brand")


def test_a_refusal_carries_its_code_and_reads_in_chinese() -> None:
    with pytest.raises(InvalidInput) as exc:
        change.stated("15/03/2025", "beauty", "category")
    assert exc.value.msg is not None and exc.value.msg.code == "problem.invalid-input.iso_date"
    zh = "--at 必须是 ISO 日期（YYYY-MM-DD），收到的是 '15/03/2025'"
    assert exc.value.detail_in("zh-CN") == zh
    assert "'15/03/2025'" in exc.value.detail_in("en")
