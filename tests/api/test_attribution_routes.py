"""The attribution endpoints over a simulated world loaded into the store and its published
report: brands see their own campaigns only, creators their own notes, operators everything."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest
from fastapi.testclient import TestClient

import reportworld
from factories import auth
from seedtrail.attribution import metrics, runs
from seedtrail.attribution.report import Report
from seedtrail.core import principals
from seedtrail.core.settings import Settings
from seedtrail.sim.load import load_world
from seedtrail.store.store import Store
from seedtrail.web import charts


@pytest.fixture
def setup(
    store: Store, settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    w = reportworld.world_dir(tmp_path_factory)
    load_world(store, w, reportworld.SEED)
    _, path = reportworld.built_report(tmp_path_factory)
    runs.publish(settings.data_dir, path)
    con = duckdb.connect()
    camps = con.execute(
        f"SELECT campaign_id, brand_id FROM '{w}/entities/campaigns.parquet' ORDER BY campaign_id"
    ).fetchall()
    note = con.execute(
        f"SELECT cn.note_id, n.author_id FROM '{w}/entities/campaign_notes.parquet' cn "
        f"JOIN '{w}/entities/notes.parquet' n USING (note_id) "
        f"JOIN '{w}/entities/accounts.parquet' a ON a.account_id = n.author_id "
        "WHERE cn.campaign_id = ? AND a.kind = 'creator' ORDER BY note_id LIMIT 1",
        [camps[0][0]],
    ).fetchone()
    other_brand = con.execute(
        f"SELECT account_id FROM '{w}/entities/accounts.parquet' WHERE kind = 'brand' "
        "AND account_id NOT IN (SELECT brand_id FROM "
        f"'{w}/entities/campaigns.parquet') ORDER BY account_id LIMIT 1"
    ).fetchone()
    assert note is not None and other_brand is not None
    keys = {}
    with store.transaction() as conn:
        for name, role, account in (
            ("op", "operator", None),
            ("mod", "moderator", None),
            ("brand", "brand", camps[0][1]),
            ("other_brand", "brand", other_brand[0]),
            ("creator", "creator", note[1]),
        ):
            _, keys[name] = principals.create(conn, name=name, role=role, account_id=account)
    return {"campaign": camps[0][0], "campaigns": camps, "note": note[0], "keys": keys}


def _get(client: TestClient, s: dict[str, Any], who: str, path: str) -> Any:
    r = client.get(path, headers=auth(s["keys"][who]))
    return r


def test_brand_sees_its_campaign_funnel_notes_models_and_lift(
    client: TestClient, setup: dict[str, Any]
) -> None:
    c = setup["campaign"]
    body = _get(client, setup, "brand", f"/attribution/campaigns/{c}").json()
    assert body["run"]["model"] == "position_based" and body["campaign_id"] == c
    funnel = body["funnel"]
    assert funnel["key"] == str(c) and funnel["impressions"] > 0
    assert set(funnel["purchases"]) == {"sampled", "scaled", "ci95", "method"}
    assert funnel["purchases"]["method"] == "horvitz_thompson"
    assert funnel["gmv"]["method"] == "horvitz_thompson_t"
    for name in ("purchases", "gmv"):  # every interval contains its estimate, none below zero
        lo, hi = funnel[name]["ci95"]
        assert 0 <= lo <= funnel[name]["scaled"] <= hi
    assert funnel["spend"] > 0 and "roas" in funnel and "sample_rate" in funnel
    assert str(setup["note"]) in {n["key"] for n in body["notes"]}
    other = _get(client, setup, "brand", f"/attribution/campaigns/{c}?model=last_touch").json()
    assert other["run"]["model"] == "last_touch"
    models = _get(client, setup, "brand", f"/attribution/campaigns/{c}/models").json()
    # every model run, and the lift-calibrated one
    assert [m["model"] for m in models["models"]] == sorted([*reportworld.MODELS, "calibrated"])
    assert models["run"]["default_model"] == body["run"]["default_model"] == "position_based"
    lift = _get(client, setup, "brand", f"/attribution/campaigns/{c}/lift").json()
    assert lift["lift"]["viewers_holdout"] > 0
    assert len(lift["lift"]["purchases"]["ci95"]) == 2
    advice = lift["lift"]["holdout_advice"]  # for the campaign's measured reach and baseline
    assert advice["reach"] == lift["lift"]["viewers_exposed"] + lift["lift"]["viewers_holdout"]
    assert advice["relative_lift"] == 0.2 and "holdout_share_needed" in advice
    assert lift["lift"]["gmv"]["significant"] in (True, False)
    assert {a["model"] for a in lift["attributed"]} == {*reportworld.MODELS, "calibrated"}


def test_rows_carry_names_beside_their_ids(
    client: TestClient, store: Store, setup: dict[str, Any]
) -> None:
    c = setup["campaign"]
    body = _get(client, setup, "brand", f"/attribution/campaigns/{c}").json()
    with store.read() as conn:
        want = {
            str(i): (t, a, h)
            for i, t, a, h in conn.exec_driver_sql(
                "SELECT n.id, n.title, n.author_id, a.handle FROM notes n "
                "JOIN accounts a ON a.id = n.author_id"
            )
        }
        name = dict(conn.exec_driver_sql("SELECT id, name FROM campaigns").all())[c]
    assert body["notes"]
    for n in body["notes"]:  # the id stays the key; title and author handle stand beside it
        assert (n["title"], n["author_id"], n["author_handle"]) == want[n["key"]]
    rows = _get(client, setup, "brand", "/attribution/campaigns").json()["campaigns"]
    assert {r["key"]: r["name"] for r in rows}[str(c)] == name
    one = _get(client, setup, "op", f"/attribution/notes/{setup['note']}").json()["funnel"]
    assert one["title"] == want[str(setup["note"])][0]


def test_a_brand_reads_its_campaign_day_by_day(client: TestClient, setup: dict[str, Any]) -> None:
    c = setup["campaign"]
    total = _get(client, setup, "op", f"/attribution/campaigns/{c}").json()["funnel"]
    body = _get(client, setup, "op", f"/attribution/campaigns/{c}/daily").json()
    days = body["days"]
    assert body["campaign_id"] == c and body["days_other"] is None and len(days) > 1
    assert [d["key"] for d in days] == sorted(d["key"] for d in days)
    assert sum(d["clicks"] for d in days) == total["clicks"]
    gmv = sum(d["gmv"]["scaled"] for d in days)
    assert gmv == pytest.approx(total["gmv"]["scaled"])
    last = days[-1]["cumulative"]
    assert last["gmv_scaled"] == pytest.approx(gmv)
    assert last["spend"] == pytest.approx(total["spend"])
    assert last["roas"] == pytest.approx(total["roas"])
    assert set(days[0]["purchases"]) == {"sampled", "scaled", "ci95", "method"}
    assert "min" in days[0]["sample_rate"]
    brand = _get(client, setup, "brand", f"/attribution/campaigns/{c}/daily").json()
    shown = {d["key"] for d in brand["days"]}
    hidden = brand["days_other"]
    assert shown <= {d["key"] for d in days}
    if hidden is not None:  # whatever a brand does not see day by day it sees summed
        assert hidden["rows"] == len(days) - len(shown)
    assert all(d["people"] >= 1 for d in brand["days"])
    assert (
        _get(client, setup, "other_brand", f"/attribution/campaigns/{c}/daily").status_code == 404
    )
    assert _get(client, setup, "creator", f"/attribution/campaigns/{c}/daily").status_code == 403


def test_brands_see_only_their_own_campaigns(client: TestClient, setup: dict[str, Any]) -> None:
    c = setup["campaign"]
    own = {
        r["key"] for r in _get(client, setup, "brand", "/attribution/campaigns").json()["campaigns"]
    }
    mine = {str(cid) for cid, brand in setup["campaigns"] if brand == setup["campaigns"][0][1]}
    assert own and own <= mine
    everything = _get(client, setup, "op", "/attribution/campaigns").json()["campaigns"]
    assert {r["key"] for r in everything} > own
    assert _get(client, setup, "other_brand", "/attribution/campaigns").json()["campaigns"] == []
    for path in (f"/attribution/campaigns/{c}", f"/attribution/campaigns/{c}/lift"):
        assert _get(client, setup, "other_brand", path).status_code == 404
        assert _get(client, setup, "mod", path).status_code == 403


def test_notes_for_their_brand_creator_and_operator(
    client: TestClient, setup: dict[str, Any]
) -> None:
    path = f"/attribution/notes/{setup['note']}"
    for who in ("brand", "creator", "op"):
        body = _get(client, setup, who, path).json()
        assert body["note_id"] == setup["note"], who
        assert body["funnel"]["key"] == str(setup["note"])
        assert len(body["models"]) == len(reportworld.MODELS) + 1  # and the calibrated one
    assert _get(client, setup, "other_brand", path).status_code == 404
    assert _get(client, setup, "op", "/attribution/notes/999999999").status_code == 404


def test_scores_for_operators_and_a_clear_error_for_an_unknown_model(
    client: TestClient, setup: dict[str, Any]
) -> None:
    scores = _get(client, setup, "op", "/attribution/scores").json()["scores"]
    assert {s["model"] for s in scores} == {*reportworld.MODELS, "calibrated"}
    assert _get(client, setup, "brand", "/attribution/scores").status_code == 403
    r = _get(client, setup, "brand", "/attribution/campaigns?model=markov")
    assert r.status_code == 422
    assert "not in this report" in r.json()["detail"]


def test_brands_and_creators_read_joined_figures_only_as_the_clean_room_releases(
    store: Store, settings: Settings, setup: dict[str, Any]
) -> None:
    """Every note and campaign of the tiny world reached fewer than a huge k: a brand and a
    creator see them withheld, the operator sees them all; with the real k, small notes go
    into ``other`` while the campaign is shown."""
    from seedtrail.api.app import create_app

    c, note = setup["campaign"], setup["note"]
    strict = settings.model_copy(update={"cleanroom_k": 10**9})
    with TestClient(create_app(strict, store=store)) as tc:
        body = _get(tc, setup, "brand", f"/attribution/campaigns/{c}").json()
        assert body["funnel"] is None and body["notes"] == [] and body["notes_other"] is None
        lift = _get(tc, setup, "brand", f"/attribution/campaigns/{c}/lift").json()
        assert lift["lift"] is None and "clean-room rule" in lift["withheld"]
        listed = _get(tc, setup, "brand", "/attribution/campaigns").json()["campaigns"]
        assert listed and all("withheld" in r for r in listed)
        mine = _get(tc, setup, "creator", f"/attribution/notes/{note}").json()
        assert mine["funnel"] is None and "withheld" in mine
        op = _get(tc, setup, "op", f"/attribution/campaigns/{c}").json()
        assert op["funnel"]["people"] > 0 and op["notes"]
        # the dashboard shows the brand what the API gives it: the withheld notice, no figures
        signin = {"key": setup["keys"]["brand"], "next": f"/ui/brand/campaigns/{c}"}
        assert tc.post("/ui/signin", data=signin, follow_redirects=False).status_code == 303
        page = tc.get(f"/ui/brand/campaigns/{c}", headers={"accept-language": "en"}).text
        assert "Withheld by the clean room" in page and 'id="report-figures"' not in page
    k = settings.cleanroom_k
    with TestClient(create_app(settings, store=store)) as tc:
        body = _get(tc, setup, "brand", f"/attribution/campaigns/{c}").json()
        op = _get(tc, setup, "op", f"/attribution/campaigns/{c}").json()
    assert all(n["people"] >= k for n in body["notes"])
    small = [n for n in op["notes"] if n["people"] < k]
    if body["notes_other"] is not None:
        assert body["notes_other"]["rows"] >= len(small)
        assert body["notes_other"]["people"] >= k
    assert {n["key"] for n in body["notes"]} <= {n["key"] for n in op["notes"]}


def test_a_brands_days_are_released_by_the_clean_room(
    store: Store, settings: Settings, setup: dict[str, Any], client: TestClient
) -> None:
    """With k between the smallest and largest day's reach, the brand sees exactly the days that
    reached k people (plus small ones needed to make ``other`` reach k), the rest summed."""
    from seedtrail.api.app import create_app

    c = setup["campaign"]
    days = _get(client, setup, "op", f"/attribution/campaigns/{c}/daily").json()["days"]
    reach = sorted(d["people"] for d in days)
    total_people = _get(client, setup, "op", f"/attribution/campaigns/{c}").json()["funnel"]
    k = reach[len(reach) // 2]
    assert reach[0] < k <= total_people["people"]
    with TestClient(create_app(settings.model_copy(update={"cleanroom_k": k}), store=store)) as tc:
        body = _get(tc, setup, "brand", f"/attribution/campaigns/{c}/daily").json()
    shown, other = body["days"], body["days_other"]
    assert shown and all(d["people"] >= k for d in shown)
    assert other is not None and other["people"] >= k
    assert other["rows"] + len(shown) == len(days)
    gmv = sum(d["gmv"]["scaled"] for d in shown) + other["gmv"]["scaled"]
    assert gmv == pytest.approx(sum(d["gmv"]["scaled"] for d in days))
    assert "ci95" not in other["gmv"]  # intervals do not add up


def test_a_report_built_by_an_older_version_is_a_409_saying_to_rebuild_it(
    client: TestClient,
    settings: Settings,
    setup: dict[str, Any],
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    built, path = reportworld.built_report(tmp_path_factory)
    # as an older build wrote it: no format version, and a funnel without `people` (on which
    # `/models` and `/lift` failed with a DuckDB binder error: an HTTP 500)
    meta = {k: v for k, v in built.meta.items() if k != "format_version"}
    tables = {**built.tables, "funnel": built.tables["funnel"].drop_columns(["people"])}
    runs.publish(settings.data_dir, Report(meta, tables).write(tmp_path / "old-run"))
    c = setup["campaign"]
    for url in (
        f"/attribution/campaigns/{c}/models",
        f"/attribution/campaigns/{c}/lift",
        f"/attribution/campaigns/{c}/daily",
        f"/attribution/campaigns/{c}",
        "/attribution/campaigns",
        f"/attribution/notes/{setup['note']}",
    ):
        r = _get(client, setup, "brand", url)
        assert r.status_code == 409, url
        assert r.headers["content-type"] == "application/problem+json"
        body = r.json()
        assert body["type"] == "https://seedtrail.dev/problems/report-outdated"
        assert body["instance"] == url.split("?")[0]
        assert "older version" in body["detail"] and "`seedtrail report build`" in body["detail"]
        assert (body["format_version"], body["expected_format_version"]) == (1, runs.FORMAT_VERSION)
    assert _get(client, setup, "other_brand", f"/attribution/campaigns/{c}").status_code == 404
    # the dashboard: the creator's notes with the advice instead of their attributed figures
    signin = {"key": setup["keys"]["creator"], "next": "/ui/creator"}
    assert client.post("/ui/signin", data=signin, follow_redirects=False).status_code == 303
    mine = client.get("/ui/creator", headers={"accept-language": "en"})
    assert mine.status_code == 200 and 'data-problem="report-outdated"' in mine.text
    # and the campaign with the same advice where the report would be
    signin = {"key": setup["keys"]["brand"], "next": f"/ui/brand/campaigns/{c}"}
    assert client.post("/ui/signin", data=signin, follow_redirects=False).status_code == 303
    page = client.get(f"/ui/brand/campaigns/{c}", headers={"accept-language": "en"})
    assert page.status_code == 200 and 'data-problem="report-outdated"' in page.text
    assert "seedtrail report build" in page.text and 'data-figure="spend"' in page.text
    export = client.get(f"/ui/brand/campaigns/{c}/export.csv", headers={"accept-language": "en"})
    assert export.status_code == 409 and "older version" in export.text
    # once a rebuilt report is published, it is served again
    runs.publish(settings.data_dir, path)
    assert _get(client, setup, "brand", f"/attribution/campaigns/{c}/models").status_code == 200
    assert 'id="report-figures"' in client.get(f"/ui/brand/campaigns/{c}").text


def test_many_notes_at_once_answer_as_one_note_at_a_time(
    client: TestClient, store: Store, setup: dict[str, Any]
) -> None:
    with store.read() as conn:
        all_notes = [int(n) for n in conn.exec_driver_sql("SELECT id FROM notes").scalars()]
    seen: dict[str, set[str]] = {}
    for who in ("brand", "other_brand", "creator", "op"):
        one: dict[str, Any] = {}
        for n in all_notes:
            r = _get(client, setup, who, f"/attribution/notes/{n}")
            if r.status_code == 200 and r.json()["funnel"] is not None:
                one[str(n)] = r.json()["funnel"]
            elif r.status_code == 200:  # withheld by the clean room, as the batch withholds it
                one[str(n)] = {"key": str(n), "withheld": r.json()["withheld"]}
            else:
                assert r.status_code == 404, (who, n)
        query = "&".join(f"ids={n}" for n in [*all_notes, 999999999])
        body = _get(client, setup, who, f"/attribution/notes?{query}").json()
        assert body["run"]["model"] == "position_based"
        assert {r["key"]: r for r in body["notes"]} == one, who
        seen[who] = set(one)
    assert seen["op"] > seen["brand"] and seen["op"] > seen["creator"] and seen["creator"]
    mine = _get(client, setup, "creator", f"/attribution/notes?ids={setup['note']}").json()
    assert [r["key"] for r in mine["notes"]] == [str(setup["note"])]
    last = _get(client, setup, "op", f"/attribution/notes?ids={setup['note']}&model=last_touch")
    assert last.json()["run"]["model"] == "last_touch"
    assert _get(client, setup, "mod", f"/attribution/notes?ids={setup['note']}").status_code == 403
    many = "&".join(f"ids={n}" for n in range(1, 1002))
    r = _get(client, setup, "op", f"/attribution/notes?{many}")
    assert r.status_code == 422 and "at most 1000" in r.json()["detail"]


def test_the_creator_page_shows_each_notes_attributed_purchases_as_the_api_does(
    client: TestClient, store: Store, setup: dict[str, Any]
) -> None:
    with store.read() as conn:
        ids = "&".join(f"ids={n}" for n in conn.exec_driver_sql("SELECT id FROM notes").scalars())
    api = _get(client, setup, "creator", f"/attribution/notes?{ids}").json()
    released = [r["purchases"]["scaled"] for r in api["notes"] if "withheld" not in r]
    assert released, "the creator has notes the clean room releases"
    signin = {"key": setup["keys"]["creator"], "next": "/ui/creator"}
    assert client.post("/ui/signin", data=signin, follow_redirects=False).status_code == 303
    page = client.get(
        "/ui/creator?notes.sort=purchases&notes.dir=desc", headers={"accept-language": "en"}
    ).text
    assert f"by the published report {api['run']['run_id']}" in page
    notes = page[page.index('<section id="notes">') :]
    top = notes[notes.index('<td class="num" data-col="purchases"') :].split(">")[1].split("<")[0]
    best = max(released)  # to the registry's decimals, as on every other page
    assert top == charts.fmt(best, metrics.get("purchases").digits)


def test_every_figure_is_in_the_registry_and_each_funnel_rate_names_its_denominator(
    client: TestClient, setup: dict[str, Any]
) -> None:
    reg = _get(client, setup, "brand", "/attribution/metrics").json()
    names = {m["name"]: m for m in reg["metrics"]}
    assert names["clicks"]["zh"] == "有效点击" and names["clicks"]["en"] == "Counted clicks"
    assert _get(client, setup, "mod", "/attribution/metrics").status_code == 403
    funnel = _get(client, setup, "op", f"/attribution/campaigns/{setup['campaign']}").json()
    funnel = funnel["funnel"]
    for key, value in funnel.items():
        if key in ("key", "rates"):
            continue
        assert key in names, key  # every figure served is a registered one
        if isinstance(value, dict) and "ci95" in value:
            assert value["method"] in reg["interval_methods"]
    rates = {r["step"]: r for r in funnel["rates"]}
    assert list(rates) == reg["funnel_steps"]
    for step, r in rates.items():
        assert r["denominator"] == names[step]["denominator"]
        if r["value"] is not None and r["nested"]:
            assert r["value"] <= 1.0  # a share of a step it is nested in never passes 100%
        if r["value"] is not None and not r["nested"]:
            den = funnel[r["denominator"]]
            den = den["scaled"] if isinstance(den, dict) else den
            num = funnel[step]["scaled"] if isinstance(funnel[step], dict) else funnel[step]
            assert r["per"] == 100 and r["value"] == pytest.approx(100 * num / den)


def test_lift_states_its_test_mde_and_power_or_says_there_is_not_enough_data(
    client: TestClient, setup: dict[str, Any]
) -> None:
    for c, _brand in setup["campaigns"]:
        lift = _get(client, setup, "op", f"/attribution/campaigns/{c}/lift").json()["lift"]
        if lift is None:
            continue
        assert "t test" in lift["test"] and lift["method"] == "holdout_t"
        assert lift["power_at_relative_lift"] == 0.2
        if lift["enough_data"]:
            lo, hi = lift["purchases"]["ci95"]
            assert lo <= lift["purchases"]["incremental"] <= hi
            assert lift["mde"] is None or lift["mde"] > 0
        else:
            assert "fewer than 5 buying viewers" in lift["not_enough_data"]
            assert lift["purchases"]["incremental"] is None
            assert lift["purchases"]["significant"] is False


def test_holdout_advice(client: TestClient, setup: dict[str, Any]) -> None:
    q = "/attribution/holdout-advice?reach=100000&baseline=0.01&lift=0.2"
    body = _get(client, setup, "brand", q).json()
    assert 0 < body["holdout_share"] < 0.5 and body["advice"].startswith("hold out")
    assert body["current_share"] == pytest.approx(0.1)  # the platform's setting
    assert body["mde_at_current_share"] is not None
    body = _get(client, setup, "brand", q.replace("100000", "100")).json()
    assert body["holdout_share"] is None and "cannot" in body["advice"]
    bad = _get(client, setup, "brand", q.replace("0.01", "-1"))
    assert bad.status_code == 400 or bad.status_code == 422
    assert bad.headers["content-type"].startswith("application/problem+json")
    assert _get(client, setup, "creator", q).status_code == 403
