"""Matching a simulated world's parties through the clean room: the true pairs come back, and no
party's files hold the other's keys."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from seedtrail.cleanroom.identity import (
    IdColumns,
    RunLayout,
    match,
    match_stats,
    register_identity,
)
from seedtrail.core.errors import InvalidInput
from seedtrail.sim.runner import generate
from seedtrail.sim.spec import PARTNERS, spec_from_mapping

COMMUNITY = IdColumns("user_key")
SHOP = IdColumns("shop_user_key")
THRESHOLD = 50


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("world")
    generate(spec_from_mapping({"base": "tiny", "name": "t", "viewers": 1500, "days": 3}), 5, out)
    return out


def _run(world: Path, root: Path, partner: str, **kw: object) -> dict[str, object]:
    return match(
        world / "parties" / "community" / "users.parquet",
        world / "parties" / "shops" / partner / "customers.parquet",
        partner,
        root,
        community_ids=COMMUNITY,
        shop_ids=SHOP,
        threshold=kw.pop("threshold", THRESHOLD),  # type: ignore[arg-type]
        processes=1,
        **kw,  # type: ignore[arg-type]
    )


@pytest.fixture(scope="module")
def matched(world: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cleanroom")
    for p in PARTNERS:
        _run(world, root, p.slug)
    return root


def test_matching_recovers_the_true_pairs(world: Path, matched: Path) -> None:
    con = duckdb.connect()
    assert register_identity(con, matched) == sorted(p.slug for p in PARTNERS)
    stats = match_stats(matched)
    figures = con.execute(
        f"""
        WITH found AS (
            SELECT i.partner, i.community_key, h.shop_user_key FROM cr_identity i
            JOIN cr_shop_handles h ON h.partner = i.partner AND h.shop_handle = i.shop_key),
        truth AS (SELECT * FROM '{world}/truth/identity_map.parquet')
        SELECT partner,
               (SELECT count(*) FROM found f WHERE f.partner = p.partner),
               (SELECT count(*) FROM found f JOIN truth t ON t.partner = f.partner
                  AND t.community_key = f.community_key AND t.shop_key = f.shop_user_key
                WHERE f.partner = p.partner),
               (SELECT count(*) FROM truth t WHERE t.partner = p.partner)
        FROM (SELECT DISTINCT partner FROM truth) p ORDER BY partner
        """
    ).fetchall()
    assert len(figures) == len(PARTNERS)
    for partner, found, correct, true_pairs in figures:
        precision, recall = correct / found, correct / true_pairs
        s = stats[partner]
        print(
            f"{partner}: precision {precision:.3f} recall {recall:.3f} "
            f"match rate {s.match_rate} ({s.matched_people}/{s.shop_rows})"
        )
        assert precision >= 0.97  # recycled phone numbers make a few wrong pairs
        assert 0.7 <= recall < 1  # changed phones, missing and malformed ids lose some
        assert s.matched_people == found
        assert s.match_rate == round(found / s.shop_rows, 4)
        assert s.threshold == THRESHOLD


def test_each_partys_files_hold_only_its_own_keys(world: Path, matched: Path) -> None:
    users = pq.read_table(world / "parties" / "community" / "users.parquet")
    community_keys = set(users["user_key"].to_pylist())
    phones = {p for p in users["phone"].to_pylist() if p}
    for p in PARTNERS:
        if p.kind == "own_shop":  # the community's own shop knows its buyers by community keys
            continue
        customers = pq.read_table(world / "parties" / "shops" / p.slug / "customers.parquet")
        shop_keys = set(customers["shop_user_key"].to_pylist())
        layout = RunLayout(matched, p.slug)
        sides = (
            (layout.community.directory, community_keys, shop_keys),
            (layout.shop.directory, shop_keys, community_keys),
            (layout.joiner, set(), community_keys | shop_keys),
        )
        for directory, own, foreign in sides:
            strings = _strings(directory)
            assert not strings & foreign, directory
            assert not strings & phones, directory  # no raw id leaves its party
            if own:
                assert own & strings, directory  # the handle map keeps the party's own keys


def _strings(directory: Path) -> set[str]:
    found: set[str] = set()
    for path in directory.iterdir():
        if path.suffix == ".parquet":
            table = pq.read_table(path)
            for name in table.column_names:
                if table.schema.field(name).type == "string":
                    found.update(v for v in table[name].to_pylist() if v is not None)
        else:
            found.update(_json_strings(json.loads(path.read_text())))
    return found


def _json_strings(value: object) -> set[str]:
    if isinstance(value, str):
        return {value}
    if isinstance(value, dict):
        return set().union(*(_json_strings(v) for v in value.values()), set(map(str, value)))
    if isinstance(value, list):
        return set().union(*(_json_strings(v) for v in value))
    return set()


def test_identity_views_pair_a_user_key_with_a_shop_handle(world: Path, matched: Path) -> None:
    con = duckdb.connect()
    register_identity(con, matched)
    columns = con.execute("DESCRIBE cr_identity").fetchall()
    assert [(c[0], c[1]) for c in columns] == [
        ("community_key", "VARCHAR"),
        ("shop_key", "VARCHAR"),
        ("partner", "VARCHAR"),
    ]
    raw_shop_keys = con.execute(
        "SELECT count(*) FROM cr_identity WHERE shop_key IN "
        f"(SELECT shop_user_key FROM read_parquet('{world}/parties/shops/*/customers.parquet'))"
    ).fetchone()
    assert raw_shop_keys == (0,)
    one_to_one = con.execute(
        "SELECT count(*) = count(DISTINCT (partner, shop_key)) "
        "AND count(*) = count(DISTINCT (partner, community_key)) FROM cr_identity"
    ).fetchone()
    assert one_to_one == (True,)
    handles = con.execute(
        "SELECT partner, count(*) FROM cr_shop_handles GROUP BY 1 ORDER BY 1"
    ).fetchall()
    for partner, n in handles:
        rows = pq.read_metadata(
            world / "parties" / "shops" / partner / "customers.parquet"
        ).num_rows
        assert n == rows


def test_under_the_threshold_nothing_is_matched(world: Path, tmp_path: Path) -> None:
    report = _run(world, tmp_path, "miniapp", threshold=100_000)
    assert report["matched_people"] is None
    con = duckdb.connect()
    register_identity(con, tmp_path)
    assert con.execute("SELECT count(*) FROM cr_identity").fetchone() == (0,)
    assert con.execute("SELECT count(*) FROM cr_shop_handles").fetchone()[0] > 0  # type: ignore[index]
    stats = match_stats(tmp_path)["miniapp"]
    assert stats.matched_people is None and stats.match_rate is None
    assert stats.shop_rows > 0


def test_a_second_run_needs_replace_and_gets_fresh_keys(world: Path, tmp_path: Path) -> None:
    _run(world, tmp_path, "miniapp")
    layout = RunLayout(tmp_path, "miniapp")
    first = json.loads(layout.community.run.read_text())["run_id"]
    with pytest.raises(InvalidInput, match="already holds a matching run"):
        _run(world, tmp_path, "miniapp")
    _run(world, tmp_path, "miniapp", replace=True)
    assert json.loads(layout.community.run.read_text())["run_id"] != first
    assert layout.community.run.read_text() == layout.shop.run.read_text()


@pytest.mark.parametrize("name", ["../x", "", "Tmall", "a/b", "x" * 65])
def test_partner_names_cannot_leave_the_root(tmp_path: Path, name: str) -> None:
    with pytest.raises(InvalidInput, match="partner"):
        RunLayout(tmp_path, name)


def test_an_empty_root_registers_empty_views(tmp_path: Path) -> None:
    con = duckdb.connect()
    assert register_identity(con, tmp_path / "nothing") == []
    assert con.execute("SELECT count(*) FROM cr_identity").fetchone() == (0,)
    assert con.execute("SELECT count(*) FROM cr_shop_handles").fetchone() == (0,)
    assert match_stats(tmp_path / "nothing") == {}


def test_missing_input_column_is_named(world: Path, tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="mobile"):
        match(
            world / "parties" / "community" / "users.parquet",
            world / "parties" / "shops" / "jd" / "customers.parquet",
            "jd",
            tmp_path,
            community_ids=IdColumns("user_key", phone="mobile"),
            shop_ids=SHOP,
            threshold=THRESHOLD,
            processes=1,
        )
