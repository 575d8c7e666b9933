"""The world's responses to a link policy change (seedtrail.sim.responses): one test each, and
the whole response on a generated world."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from seedtrail.sim import responses
from seedtrail.sim.runner import Summary
from seedtrail.sim.world import US_PER_DAY


def _conv(click_ids: list[str | None]) -> pa.Table:
    n = len(click_ids)
    return pa.table(
        {
            "click_id": pa.array(click_ids, pa.string()),
            "keyword": pa.array([None] * n, pa.string()),
            "value": pa.array([10.0] * n),
        }
    )


def test_self_search_keeps_a_share_of_buyers_whole_and_drops_the_rest() -> None:
    ids = [f"c{i}" for i in range(2000)]
    conv = _conv([*ids, *ids, "other", None])  # two events per tap, plus untouched ones
    out = responses.self_search(conv, set(ids), 0.35, np.random.default_rng(1))
    kept = out.filter(pc.equal(out.column("keyword"), "self_search"))
    assert kept.column("click_id").null_count == kept.num_rows  # no click id: a shop search
    assert kept.num_rows % 2 == 0 and 0.31 < kept.num_rows / 4000 < 0.39
    assert "other" in out.column("click_id").to_pylist()
    assert out.num_rows == kept.num_rows + 2
    none = responses.self_search(conv, set(ids), 0.0, np.random.default_rng(1))
    assert none.num_rows == 2


def test_divert_posts_about_the_rate_on_the_creators_own_notes() -> None:
    creators = {7: [70, 71], 8: [80]}
    table, truth = responses.divert(creators, range(10, 40), 0, 0.5, np.random.default_rng(2), 100)
    assert 20 < table.num_rows < 40  # Poisson(0.5) x 30 days x 2 creators: about 30
    for note, author in zip(
        table.column("note_id").to_pylist(), table.column("author").to_pylist(), strict=True
    ):
        assert note in creators[author]
    days = [t // US_PER_DAY for t in pc.cast(table.column("ts"), pa.int64()).to_pylist()]
    assert min(days) >= 10 and max(days) < 40
    assert [t[0] for t in truth] == table.column("comment_id").to_pylist()
    assert all(d.contact_value and d.text for _, _, d in truth)


def test_soft_ads_turns_about_the_share_of_notes() -> None:
    notes = np.arange(10_000)
    chosen = responses.soft_ads(notes, 0.15, np.random.default_rng(3))
    assert 0.13 < len(chosen) / len(notes) < 0.17 and set(chosen) <= set(notes)
    assert len(responses.soft_ads(notes, 0.0, np.random.default_rng(3))) == 0


def test_move_spend_cuts_and_shifts_only_closed_notes_on_closed_days() -> None:
    d1, d2 = date(2025, 3, 1), date(2025, 3, 2)
    spend = pa.table(
        {
            "note_id": [1, 2, 3, 1, 2],
            "day": pa.array([d1, d1, d1, d2, d2], pa.date32()),
            "spend": [100.0, 30.0, 10.0, 100.0, 50.0],
        }
    )
    out = responses.move_spend(spend, np.array([1]), [d2], cut=0.3, shift=0.4).column("spend")
    assert out.to_pylist()[:3] == [100.0, 30.0, 10.0]  # the day before the change is as it was
    assert out[3].as_py() == pytest.approx(30.0)  # 100 less 30% cut and 40% moved
    assert out[4].as_py() == pytest.approx(90.0)  # the moved 40 went to the other boosted note
    assert sum(out.to_pylist()) == pytest.approx(290.0 - 30.0)  # only the cut leaves


def test_water_army_copies_its_comments_on_closed_notes_in_the_span() -> None:
    comments = pa.table(
        {
            "comment_id": pa.array(range(1, 401), pa.int64()),
            "note_id": pa.array([1, 2] * 200, pa.int64()),
            "author": pa.array([9] * 400, pa.int64()),
            "text": ["好用"] * 400,
            "ts": pa.array([0] * 400, pa.timestamp("us", tz="UTC")),
        }
    )
    wa = set(range(1, 201))
    out = responses.water_army(
        comments, wa, np.array([1]), np.ones(400, bool), 0.5, np.random.default_rng(4), 1000
    )
    assert set(out.column("note_id").to_pylist()) == {1}
    assert 30 < out.num_rows < 70  # half of the 100 water-army comments on note 1
    assert min(out.column("comment_id").to_pylist()) == 1000


def _clicks_by(world: Path, closure: responses.Closure) -> tuple[pa.Table, np.ndarray]:
    clicks = pq.read_table(world / "events/clicks.parquet")
    offers = pq.read_table(world / "entities/offers.parquet")
    on = np.isin(clicks.column("offer_id").to_numpy(), responses.closed_offers(offers, closure))
    return clicks, on


def test_apply_closes_taps_and_responds_reproducibly(world: Summary, tmp_path: Path) -> None:
    src = Path(world.out)
    offers = pq.read_table(src / "entities/offers.parquet")
    clicks = pq.read_table(src / "events/clicks.parquet")
    by_offer = Counter(clicks.column("offer_id").to_pylist())
    category = dict(
        zip(
            offers.column("offer_id").to_pylist(),
            offers.column("category").to_pylist(),
            strict=True,
        )
    )
    top = Counter({category[o]: n for o, n in by_offer.items()}).most_common(1)[0][0]
    closure = responses.Closure(20, 40, category=top)
    counts = responses.apply(src, tmp_path / "a", closure, responses.ResponseParams(), 11)
    again = responses.apply(src, tmp_path / "b", closure, responses.ResponseParams(), 11)
    assert counts == again and counts["taps_closed"] > 0
    after, on = _clicks_by(tmp_path / "a", closure)
    day = (pc.cast(after.column("ts"), pa.int64()).to_numpy() - world_start(src)) // US_PER_DAY
    assert not (on & (day >= 20)).any()  # no tap on a closed link in the span
    before, on0 = _clicks_by(src, closure)
    day0 = (pc.cast(before.column("ts"), pa.int64()).to_numpy() - world_start(src)) // US_PER_DAY
    assert (on & (day < 20)).sum() == (on0 & (day0 < 20)).sum()  # the days before are untouched
    assert before.num_rows - after.num_rows == counts["taps_closed"]
    bad = pq.read_table(tmp_path / "a" / "truth/bad_items.parquet")
    old = pq.read_table(src / "truth/bad_items.parquet")
    assert bad.num_rows - old.num_rows == (
        counts["diversion_comments_added"]
        + counts["water_army_comments_added"]
        + counts["soft_ads_added"]
    )


def world_start(root: Path) -> int:
    import json
    from datetime import UTC, datetime

    start = json.loads((root / "manifest.json").read_text())["spec"]["start"]
    return int(datetime.fromisoformat(start).replace(tzinfo=UTC).timestamp()) * 1_000_000


def test_a_closure_names_what_it_closes() -> None:
    with pytest.raises(ValueError, match="category or a partner"):
        responses.Closure(1, 2)
    with pytest.raises(ValueError, match="unknown category"):
        responses.Closure(1, 2, category="cars")
