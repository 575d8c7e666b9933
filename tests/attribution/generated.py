"""A generated world for the conformance suite: small enough for Spark local mode in CI, but
with everything that has broken an attribution engine before.

* skew: one heavy user with thousands of touches and a bot clicking in bursts;
* ties: touches of one person at the same instant (broken by ``touch_id``);
* window edges: touches exactly ``window`` before a conversion (inside) and one microsecond
  further (outside), per touch kind, impressions' 1 day and reads' 15 days;
* several conversions per person, refunds linked by ``refund_of`` and by ``order_id``;
* click ids: matching a click inside its window, naming a click outside it, unknown;
* identity per partner (``community_key, shop_key, partner``): shop keys differ per shop and a
  shop key reused by two shops names different people;
* sampled backhaul (sample rates 0.5 and 1.0) and the channel dimensions of the data-driven
  models (placement, touch kind, creator tier, campaign).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from seedtrail.attribution.spec import TOUCH_KINDS

T0_US = int(datetime(2026, 3, 1, tzinfo=UTC).timestamp() * 1_000_000)
HOUR = 3_600_000_000
DAY = 24 * HOUR
PARTNERS = ("tmall", "jd")
PLACEMENTS = ("note_card", "comment", "profile_card")
TIERS = ("nano", "micro", "mid", "top")
KIND_P = np.array([0.40, 0.25, 0.08, 0.05, 0.04, 0.03, 0.02, 0.13])


def _ts(us: np.ndarray) -> pa.Array:
    return pa.array(us.astype("int64"), pa.int64()).cast(pa.timestamp("us", tz="UTC"))


def generate(
    directory: Path, *, seed: int = 5, people: int = 240, days: int = 40
) -> tuple[Path, Path, Path]:
    rng = np.random.default_rng(seed)
    horizon = days * DAY
    # touches: ordinary people, then the heavy user (0) and a bot (1)
    per_person = rng.poisson(12, people) + 1
    per_person[0] = 3000
    per_person[1] = 1200
    owner = np.repeat(np.arange(people), per_person)
    n = owner.size
    ts = T0_US + rng.integers(0, horizon, n) // HOUR * HOUR  # whole hours: many ties
    bot = owner == 1
    ts[bot] = T0_US + rng.integers(0, 8, bot.sum()) * DAY + rng.integers(0, 5, bot.sum()) * HOUR
    kind = rng.choice(len(KIND_P), n, p=KIND_P)  # the first kinds (later ones: none)
    kind[bot] = TOUCH_KINDS.index("click")
    note = rng.integers(1, 60, n)
    touch_ids = [f"t{i:06d}" for i in rng.permutation(n)]
    users = [f"cv_{p}" for p in owner]
    kinds = [TOUCH_KINDS[k] for k in kind]
    click_ids = [f"k{i}" if kinds[i] == "click" else None for i in range(n)]
    placement = [PLACEMENTS[i % 3] for i in rng.integers(0, 3, n)]
    campaign = [int(c) if c > 0 else None for c in rng.integers(-3, 4, n)]
    tier = [TIERS[int(x) % 4] for x in note]

    # conversions: 1-6 per converting person
    conv_rows: list[dict[str, object]] = []
    edge_touches: list[tuple[int, int, str]] = []  # (person, ts, kind)
    order = 0
    converting = rng.choice(people, people // 2, replace=False)
    for person in [0, 1, *converting.tolist()]:
        partner = PARTNERS[person % 2]
        for _ in range(int(rng.integers(1, 7))):
            cts = T0_US + int(rng.integers(3 * DAY, horizon)) // HOUR * HOUR
            ckind = rng.choice(["search", "store_visit", "add_to_cart", "purchase", "purchase"])
            order += 1
            row: dict[str, object] = {
                "conversion_id": f"c{order:05d}",
                "user_key": f"{partner}_{person}",
                "partner": partner,
                "kind": str(ckind),
                "ts": cts,
                "value": float(rng.integers(10, 500)) if ckind == "purchase" else 0.0,
                "click_id": None,
                "order_id": f"o{order}" if ckind == "purchase" else None,
                "refund_of": None,
                "sample_rate": 0.5 if partner == "tmall" else 1.0,
            }
            roll = rng.random()
            person_clicks = [
                i for i in np.flatnonzero(owner == person)[:50] if kinds[int(i)] == "click"
            ]
            if roll < 0.3 and person_clicks:
                row["click_id"] = click_ids[int(rng.choice(person_clicks))]
            elif roll < 0.35:
                row["click_id"] = "k-unknown"
            conv_rows.append(row)
            if rng.random() < 0.3:  # touches exactly on (and just past) the window edges
                edge_touches.append((person, cts - 15 * DAY, "read"))
                edge_touches.append((person, cts - 15 * DAY - 1, "click"))
                edge_touches.append((person, cts - DAY, "impression"))
                edge_touches.append((person, cts - DAY - 1, "impression"))
                edge_touches.append((person, cts, "like"))
            if ckind == "purchase" and rng.random() < 0.3:
                order += 1
                by_order = rng.random() < 0.5
                conv_rows.append(
                    row
                    | {
                        "conversion_id": f"c{order:05d}",
                        "kind": "refund",
                        "ts": cts + int(rng.integers(1, 72)) * HOUR,
                        "value": -float(row["value"]) / 2,  # type: ignore[arg-type]
                        "click_id": None,
                        "order_id": row["order_id"] if by_order else None,
                        "refund_of": None if by_order else row["conversion_id"],
                    }
                )
    # a conversion by nobody known, and a shop key that one partner maps and the other not
    conv_rows.append(conv_rows[0] | {"conversion_id": "c-stranger", "user_key": "nobody"})
    conv_rows.append(conv_rows[1] | {"conversion_id": "c-other-shop", "partner": "miniapp"})

    for j, (person, _ets, ekind) in enumerate(edge_touches):
        touch_ids.append(f"e{j:05d}")
        users.append(f"cv_{person}")
        kinds.append(ekind)
        click_ids.append(f"ke{j}" if ekind == "click" else None)
        placement.append(PLACEMENTS[j % 3])
        campaign.append(j % 4 or None)
        tier.append(TIERS[j % 4])
    all_ts = np.concatenate([ts, np.array([e[1] for e in edge_touches], dtype="int64")])
    all_notes = np.concatenate([note, np.arange(len(edge_touches)) % 59 + 1])

    touches = pa.table(
        {
            "touch_id": pa.array(touch_ids, pa.string()),
            "user_key": pa.array(users, pa.string()),
            "note_id": pa.array(all_notes.astype("int64"), pa.int64()),
            "kind": pa.array(kinds, pa.string()),
            "ts": _ts(all_ts),
            "click_id": pa.array(click_ids, pa.string()),
            "placement": pa.array(placement, pa.string()),
            "campaign_id": pa.array(campaign, pa.int64()),
            "creator_tier": pa.array(tier, pa.string()),
        }
    )
    conv_cols = {k: [r[k] for r in conv_rows] for k in conv_rows[0]}
    conversions = pa.table(
        {
            "conversion_id": pa.array(conv_cols["conversion_id"], pa.string()),
            "user_key": pa.array(conv_cols["user_key"], pa.string()),
            "partner": pa.array(conv_cols["partner"], pa.string()),
            "kind": pa.array(conv_cols["kind"], pa.string()),
            "ts": _ts(np.array(conv_cols["ts"], dtype="int64")),
            "value": pa.array(conv_cols["value"], pa.float64()),
            "click_id": pa.array(conv_cols["click_id"], pa.string()),
            "order_id": pa.array(conv_cols["order_id"], pa.string()),
            "refund_of": pa.array(conv_cols["refund_of"], pa.string()),
            "sample_rate": pa.array(conv_cols["sample_rate"], pa.float64()),
        }
    )
    ident_rows = [
        (f"cv_{p}", f"{partner}_{p}", partner) for p in range(people) for partner in PARTNERS
    ]
    ident_rows.append(("cv_7", "tmall_0", "jd"))  # jd's tmall_0 is someone else than tmall's
    identity = pa.table(
        {
            "community_key": [r[0] for r in ident_rows],
            "shop_key": [r[1] for r in ident_rows],
            "partner": [r[2] for r in ident_rows],
        }
    )
    paths = (
        directory / "touches.parquet",
        directory / "conversions.parquet",
        directory / "identity.parquet",
    )
    for path, table in zip(paths, (touches, conversions, identity), strict=True):
        pq.write_table(table, path, row_group_size=2000)
    return paths
