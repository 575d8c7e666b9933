"""``seedtrail attribute`` on files (Parquet and CSV), on the lake and on a sim world."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from attribution.fixtures import conversions_table, identity_table, touches_table, write_world
from seedtrail.cli.main import main
from seedtrail.lake.layout import Lake, Partition
from seedtrail.lake.schema import BACK, FRONT


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    try:
        main(["attribute", *args])
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


def credits(path: Path) -> dict[tuple[str, str], float]:
    rows = (pq.read_table(path) if path.suffix == ".parquet" else pacsv.read_csv(path)).to_pylist()
    return {(r["conversion_id"], r["touch_id"]): r["credit"] for r in rows}


def test_files_in_csv_give_the_hand_computed_last_touch(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    t, c, i = write_world(tmp_path, "csv")
    out = tmp_path / "out" / "credits.csv"
    code, stdout, err = run(
        capsys,
        "--touches",
        str(t),
        "--conversions",
        str(c),
        "--identity",
        str(i),
        "--model",
        "last_touch",
        "--out",
        str(out),
    )
    assert code == 0, err
    got = credits(out)
    assert got[("c1", "t05")] == 1.0 and got[("c2", "t11")] == 1.0 and got[("c5", "t13")] == 1.0
    assert ("c7", "t01") not in got and not any(k[0] == "c7" for k in got)  # nobody: no credit
    summary = pacsv.read_csv(tmp_path / "out" / "credits.summary.csv").to_pylist()
    assert {r["note_id"] for r in summary} == {14, 24, 25, 31}
    assert "top notes by scaled GMV" in stdout and "credits:" in stdout


def test_windows_and_model_options_are_applied(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    t, c, i = write_world(tmp_path)
    out = tmp_path / "linear.parquet"
    args = ["--touches", str(t), "--conversions", str(c), "--identity", str(i), "--out", str(out)]
    code, _, err = run(
        capsys, *args, "--model", "linear", "--read-window", "16d", "--impression-window", "25h"
    )
    assert code == 0, err
    assert {tt for cc, tt in credits(out) if cc == "c2"} == {"t06", "t07", "t08", "t09", "t11"}
    code, _, err = run(capsys, *args, "--model", "linear", "--read-window", "31d")
    assert code == 2 and "1 hour to 30 days" in err and "Traceback" not in err
    code, _, err = run(capsys, *args, "--model", "magic")
    assert code == 2 and "unknown model 'magic'" in err


def test_missing_column_names_the_file_and_the_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    t = tmp_path / "touches.csv"
    pacsv.write_csv(touches_table().drop(["kind"]), t)
    c = tmp_path / "conversions.parquet"
    pq.write_table(conversions_table(), c)
    code, _, err = run(
        capsys, "--touches", str(t), "--conversions", str(c), "--out", str(tmp_path / "o.parquet")
    )
    assert code == 2
    assert str(t) in err and "'kind'" in err and "Traceback" not in err


def test_bad_value_names_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    table = conversions_table()
    bad = table.set_column(
        table.schema.get_field_index("ts"), "ts", pa.array(["not a time"] * table.num_rows)
    )
    t, _c, _i = write_world(tmp_path)
    c = tmp_path / "bad.csv"
    pacsv.write_csv(bad, c)
    code, _, err = run(
        capsys, "--touches", str(t), "--conversions", str(c), "--out", str(tmp_path / "o.parquet")
    )
    assert code == 2 and "Traceback" not in err
    assert "conversions file" in err and str(c) in err
    code, _, err = run(
        capsys,
        "--touches",
        str(tmp_path / "nope.parquet"),
        "--conversions",
        str(c),
        "--out",
        str(tmp_path / "o.parquet"),
    )
    assert code == 2 and "nope.parquet does not exist" in err


def _to_lake(tmp_path: Path) -> Path:
    """The fixture world sealed into a lake laid out as intake writes it."""
    lake = Lake(str(tmp_path / "data" / "lake"))
    touches = touches_table().rename_columns(
        ["event_id" if n == "touch_id" else n for n in touches_table().column_names]
    )
    conv = conversions_table()
    conv = conv.rename_columns(
        [
            {"conversion_id": "event_id", "user_key": "shop_user_key"}.get(n, n)
            for n in conv.column_names
        ]
    )
    for table, schema in ((touches, FRONT), (conv, BACK)):
        cols = {
            f.name: table[f.name]
            if f.name in table.column_names
            else pa.nulls(table.num_rows, f.type)
            for f in schema
        }
        cols["received_at"] = table["ts"]
        full = pa.table(cols, schema=schema)
        days = pc.strftime(full["ts"], "%Y-%m-%d")
        for kind in set(full["kind"].to_pylist()):
            for day in set(days.to_pylist()):
                part = full.filter(pc.and_(pc.equal(full["kind"], kind), pc.equal(days, day)))
                if part.num_rows:
                    from datetime import date

                    lake.write(Partition(kind, date.fromisoformat(day)), part)
    return tmp_path / "data"


def test_lake_gives_the_same_credits_as_the_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir = _to_lake(tmp_path)
    ident = tmp_path / "identity.parquet"
    pq.write_table(identity_table(), ident)
    (tmp_path / "files").mkdir()
    t, c, i = write_world(tmp_path / "files")
    for model in ("position_based", "last_click"):
        code, _, err = run(
            capsys,
            "--lake",
            str(data_dir),
            "--identity",
            str(ident),
            "--model",
            model,
            "--out",
            str(tmp_path / f"lake-{model}.parquet"),
        )
        assert code == 0, err
        code, _, err = run(
            capsys,
            "--touches",
            str(t),
            "--conversions",
            str(c),
            "--identity",
            str(i),
            "--model",
            model,
            "--out",
            str(tmp_path / f"files-{model}.parquet"),
        )
        assert code == 0, err
        # the lake has no refund_of column: r2 (linked to c5 only by refund_of) stands alone
        lake_credits = {
            k: v for k, v in credits(tmp_path / f"lake-{model}.parquet").items() if k[0] != "r2"
        }
        file_credits = {
            k: v for k, v in credits(tmp_path / f"files-{model}.parquet").items() if k[0] != "r2"
        }
        assert lake_credits == file_credits
        assert len(lake_credits) >= 6  # not vacuous
    code, _, err = run(
        capsys, "--lake", str(tmp_path / "nowhere"), "--out", str(tmp_path / "x.parquet")
    )
    assert code == 2 and "nowhere" in err


def test_sim_world_by_partner_identity(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from seedtrail.sim.runner import generate
    from seedtrail.sim.spec import spec_from_mapping

    world = tmp_path / "world"
    generate(
        spec_from_mapping({"base": "tiny", "name": "t", "viewers": 1500, "days": 20}), 3, world
    )
    out = tmp_path / "w.parquet"
    code, _, err = run(
        capsys, "--world", str(world), "--model", "position_based", "--out", str(out)
    )
    assert code == 0, err
    rows = pq.read_table(out).to_pylist()
    sums: dict[str, float] = defaultdict(float)
    for r in rows:
        sums[r["conversion_id"]] += r["credit"]
    assert len(sums) > 20 and all(abs(s - 1) < 1e-9 for s in sums.values())
    # every credited conversion's shop key is mapped under its own partner
    import duckdb

    con = duckdb.connect()
    unmapped = con.execute(
        f"SELECT count(*) FROM read_parquet('{world}/conversions/*.parquet') c "
        f"WHERE c.event_id IN (SELECT conversion_id FROM '{out}') AND c.click_id IS NULL "
        f"AND NOT EXISTS (SELECT 1 FROM '{world}/truth/identity_map.parquet' i "
        "WHERE i.shop_key = c.shop_user_key AND i.partner = c.partner)"
    ).fetchone()
    assert unmapped == (0,)


def test_string_note_ids_and_long_order_ids_are_kept_unchanged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    note = "64a1f3c2000000001e03b2d1"  # a RED-style note id
    order = "900123456789012345678901"  # longer than any float keeps exactly
    touches = tmp_path / "touches.parquet"
    conversions = tmp_path / "conversions.parquet"
    pq.write_table(
        pa.table(
            {
                "touch_id": ["t1", "t2"],
                "user_key": ["u1", "u1"],
                "note_id": [note, "0042"],  # leading zeros are part of the id
                "kind": ["read", "read"],
                "ts": pa.array([1_000_000_000, 2_000_000_000], pa.timestamp("us", "UTC")),
            }
        ),
        touches,
    )
    pq.write_table(
        pa.table(
            {
                "conversion_id": ["c1"],
                "user_key": ["u1"],
                "kind": ["purchase"],
                "ts": pa.array([3_000_000_000], pa.timestamp("us", "UTC")),
                "value": [10.0],
                "order_id": [order],
            }
        ),
        conversions,
    )
    out = tmp_path / "credits.parquet"
    code, _, err = run(
        capsys, "--touches", str(touches), "--conversions", str(conversions),
        "--model", "linear", "--out", str(out),
    )  # fmt: skip
    assert code == 0, err
    rows = pq.read_table(out).to_pylist()
    assert {r["note_id"] for r in rows} == {note, "0042"}
    summary = pq.read_table(tmp_path / "credits.summary.parquet").to_pylist()
    assert {r["note_id"] for r in summary} == {note, "0042"}
