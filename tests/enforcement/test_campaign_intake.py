"""Opening water-army campaign cases from ``seedtrail integrity campaigns``' file: one case per
campaign, member cases under it, severity by the campaign's size."""

from __future__ import annotations

from pathlib import Path

from factories import OPERATOR, build_world, write_jsonl
from seedtrail.enforcement import autopolicy, campaign_intake, queue
from seedtrail.store.store import Store


def test_campaign_severity_grows_with_size(store: Store, tmp_path: Path) -> None:
    w = build_world(store)
    small = {"accounts": [w.ids["creator"]], "comments": [1, 2], "notes": [w.ids["note"]]}
    large = {"accounts": list(range(10_000, 10_060)), "comments": [3], "notes": [w.ids["note"]]}
    path = write_jsonl(tmp_path / "campaigns.jsonl", [small, large])
    rules = autopolicy.load()
    report = campaign_intake.import_campaigns(store, OPERATOR, path, auto=rules)
    assert (report.opened, report.members) == (2, 61)
    assert report.auto_actions == 60  # labels on the critical one's members only
    with store.read() as conn:
        listed = queue.rows(conn, OPERATOR, {"detector": "water_army"}, limit=1000)
    assert listed[0]["severity_name"] == "critical" and listed[-1]["severity_name"] == "medium"
    assert len(listed) == 2 and len({c["group_key"] for c in listed}) == 2
