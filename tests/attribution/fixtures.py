"""A small hand-built world whose attribution is worked out by hand in the tests.

Hours are counted from T0. Windows: defaults (click/read/engagement 15 d = 360 h, impression
1 d = 24 h).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

T0 = datetime(2026, 3, 1, tzinfo=UTC)


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


# touch_id, user_key, note_id, kind, hour, click_id, placement
TOUCHES = [
    ("t01", "u1", 10, "impression", 0, None, "note_card"),  # outside c1's 1 d impression window
    ("t02", "u1", 11, "read", 24, None, "note_card"),
    ("t03", "u1", 12, "click", 36, "k1", "comment"),
    ("t04", "u1", 13, "like", 40, None, "note_card"),
    ("t05", "u1", 14, "read", 40, None, "profile_card"),  # same instant as t04: after it
    ("t06", "u2", 20, "read", 100, None, "note_card"),  # exactly on c2's 15 d edge: inside
    ("t07", "u2", 21, "impression", 436, None, "note_card"),  # exactly on c2's 1 d edge
    ("t08", "u2", 22, "impression", 435, None, "note_card"),  # 1 h before that edge: outside
    ("t09", "u2", 23, "read", 99, None, "note_card"),  # 1 h before the 15 d edge: outside
    ("t10", "u2", 24, "click", 461, "k4", "comment"),  # after c2: excluded from c2
    ("t11", "u2", 25, "like", 460, None, "note_card"),  # same instant as c2: inside
    ("t12", "u3", 30, "click", 200, "k2", "comment"),
    ("t13", "u3", 31, "click", 210, "k3", "note_card"),
]

# conversion_id, user_key (shop key), kind, hour, value, click_id, order_id, refund_of
CONVERSIONS = [
    ("c1", "s1", "purchase", 48, 100.0, None, "o1", None),
    ("r1", "s1", "refund", 60, -40.0, None, "o1", None),  # linked by order id
    ("c2", "s2", "purchase", 460, 50.0, None, "o2", None),
    ("c3", "s2", "store_visit", 470, None, None, None, None),
    ("c4", "s9", "add_to_cart", 50, None, "k1", None, None),  # unknown shop key, click id k1
    ("c5", "s3", "purchase", 220, 10.0, "k2", "o5", None),  # click id beats the later click
    ("c6", "s3", "search", 230, None, "k99", None, None),  # unknown click id: by person
    ("c7", "s8", "purchase", 230, 5.0, None, "o7", None),  # nobody: no credit
    ("r2", "s3", "refund", 240, -10.0, None, None, "c5"),  # linked by conversion id
]

IDENTITY = [("u1", "s1"), ("u2", "s2"), ("u3", "s3")]


def touches_table() -> pa.Table:
    cols = list(zip(*TOUCHES, strict=True))
    return pa.table(
        {
            "touch_id": pa.array(cols[0], pa.string()),
            "user_key": pa.array(cols[1], pa.string()),
            "note_id": pa.array(cols[2], pa.int64()),
            "kind": pa.array(cols[3], pa.string()),
            "ts": pa.array([at(h) for h in cols[4]], pa.timestamp("us", tz="UTC")),
            "click_id": pa.array(cols[5], pa.string()),
            "placement": pa.array(cols[6], pa.string()),
        }
    )


def conversions_table() -> pa.Table:
    cols = list(zip(*CONVERSIONS, strict=True))
    return pa.table(
        {
            "conversion_id": pa.array(cols[0], pa.string()),
            "user_key": pa.array(cols[1], pa.string()),
            "kind": pa.array(cols[2], pa.string()),
            "ts": pa.array([at(h) for h in cols[3]], pa.timestamp("us", tz="UTC")),
            "value": pa.array(cols[4], pa.float64()),
            "click_id": pa.array(cols[5], pa.string()),
            "order_id": pa.array(cols[6], pa.string()),
            "refund_of": pa.array(cols[7], pa.string()),
        }
    )


def identity_table() -> pa.Table:
    cols = list(zip(*IDENTITY, strict=True))
    return pa.table({"community_key": list(cols[0]), "shop_key": list(cols[1])})


def write_world(directory: Path, fmt: str = "parquet") -> tuple[Path, Path, Path]:
    out = []
    for name, table in (
        ("touches", touches_table()),
        ("conversions", conversions_table()),
        ("identity", identity_table()),
    ):
        path = directory / f"{name}.{fmt}"
        if fmt == "csv":
            pacsv.write_csv(table, path)
        else:
            pq.write_table(table, path)
        out.append(path)
    return out[0], out[1], out[2]
