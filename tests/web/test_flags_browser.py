"""Figures that depend on a shop's flagged backhaul carry a visible marker with its explanation
on the campaign page (both languages) and a column in the CSV export; figures that do not, none.

The report is built as a deployment builds it (store, sealed lake, clean room) from the tiny
world, after one shop sends its orders again under new event ids through the same
intake (health flags those windows ``orders_again``), so the report marks the figures that fell
in them."""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from dashboard_site import Api, serve, shot, sign_in_with

import reportworld
from seedtrail.attribution import runs
from seedtrail.attribution.deployment import from_settings
from seedtrail.attribution.report import ReportSpec, build_from
from seedtrail.core import principals
from seedtrail.core.settings import Settings, load_settings
from seedtrail.intake.importer import import_file
from seedtrail.intake.inbox import Inbox
from seedtrail.intake.sealer import seal
from seedtrail.lake.layout import Lake
from seedtrail.store.store import Store

pytestmark = pytest.mark.browser


HOUR = timedelta(hours=1)


def _resend_orders(store: Store, settings: Settings, world: Path, slug: str) -> None:
    """The shop sends its orders again, an hour later, under new event ids (a
    fault health flags as ``orders_again``), through the intake and sealer a deployment uses."""
    sent = pq.read_table(world / "conversions" / f"{slug}.parquet").to_pylist()
    # one of each (the world's shops also deliver some events twice under the same event id)
    orders = list(
        {r["event_id"]: r for r in sent if r["kind"] == "purchase" and r["order_id"]}.values()
    )
    again = [
        {**r, "event_id": f"{r['event_id']}-again", "received_at": r["received_at"] + HOUR}
        for r in orders
    ]
    path = world.parent / f"{slug}-again.parquet"
    pq.write_table(pa.Table.from_pylist(again), path)
    report = import_file(Inbox(store.engine), path, "back", slug)
    assert report.stored == len(again) > 0
    seal(store, Lake(settings.effective_lake_url), settings.data_dir / "locks")


@pytest.fixture(scope="module")
def flagged_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    data = tmp_path_factory.mktemp("flagged") / "data"
    shutil.copytree(reportworld.deployment_dir(tmp_path_factory), data)
    settings = load_settings(data_dir=data)
    store = Store.from_settings(settings)
    _resend_orders(store, settings, reportworld.world_dir(tmp_path_factory), "tmall")
    report = build_from(
        from_settings(settings, store), ReportSpec(models=("last_touch",), primary="last_touch")
    )
    runs.publish(data, report.write(runs.run_dir(data, report.meta["run_id"])))
    with store.transaction() as conn:
        _, key = principals.create(conn, name="ops", role="operator")
    store.dispose()
    with serve(data) as url:
        yield url, key


def _campaigns(api: Api) -> list[tuple[int, dict[str, Any]]]:
    ids = [c["id"] for c in api.get("/campaigns").json()]
    return [(c, api.get(f"/attribution/campaigns/{c}").json()) for c in ids]


def test_flagged_figures_carry_a_marker_and_an_explanation(
    browser: Any, flagged_site: tuple[str, str]
) -> None:
    url, key = flagged_site
    api = Api(url, key)
    found = _campaigns(api)
    flagged = [(c, r) for c, r in found if r["funnel"] and r["funnel"]["backhaul_flags"]]
    clean = [(c, r) for c, r in found if r["funnel"] and not r["funnel"]["backhaul_flags"]]
    assert flagged, "the faulty shops' windows flag some campaign"
    cid, rep = flagged[0]
    kinds = rep["funnel"]["backhaul_flags"]
    page = sign_in_with(browser, url, key)
    page.goto(f"{url}/ui/brand/campaigns/{cid}")
    marker = page.locator("[data-figure=gmv] .flag")
    assert marker.is_visible()
    assert marker.get_attribute("data-flag") == ",".join(kinds)
    assert "回传" in (marker.get_attribute("title") or "")  # the explanation, in Chinese
    assert page.locator("#backhaul-note").is_visible()
    shot(page, "brand-flags-zh")
    # the credit table marks exactly the notes the API flags
    want = {str(n["key"]) for n in rep["notes"] if n["backhaul_flags"]}
    titles = {n["title"] for n in rep["notes"] if n["backhaul_flags"]}  # pages show titles
    rows = page.locator("#table-credit tbody tr")
    shown = {
        rows.nth(i).locator("td[data-col=title]").inner_text().strip()
        for i in range(rows.count())
        if rows.nth(i).locator("td[data-col=backhaul_flags] .flag").count()
    }
    listed = {
        rows.nth(i).locator("td[data-col=title]").inner_text().strip() for i in range(rows.count())
    }
    assert shown and shown == titles & listed
    with page.expect_download() as dl:  # the export carries the flags as a column
        page.click("a[download]")
    table = list(csv.DictReader(io.StringIO(dl.value.path().read_text(encoding="utf-8-sig"))))
    assert {r["note_id"] for r in table if r["backhaul_flags"]} == want
    page.click("a[lang=en]")
    title = page.locator("[data-figure=gmv] .flag").get_attribute("title") or ""
    assert "backhaul was flagged" in title
    assert "flagged by health" in page.locator("#backhaul-note").inner_text()
    if clean:  # a campaign whose figures depend on no flagged window shows no marker
        page.goto(f"{url}/ui/brand/campaigns/{clean[0][0]}")
        assert page.locator("[data-figure=gmv] .flag").count() == 0
        assert page.locator("#backhaul-note").count() == 0
    page.context.close()
