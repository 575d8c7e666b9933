"""`seedtrail policy impact` on a small simulated world's data as a deployment holds them (store,
sealed lake) and on a simulated world run with and without a change."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

import reportworld
from seedtrail.cli.main import main
from seedtrail.core.settings import load_settings
from seedtrail.store import audit
from seedtrail.store.schema import offers, partners
from seedtrail.store.store import Store


def _json(capsys: pytest.CaptureFixture[str]) -> dict:
    out: dict = json.loads(capsys.readouterr().out)
    return out


def test_stated_change_on_deployment(
    tmp_path_factory: pytest.TempPathFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    data = reportworld.deployment_dir(tmp_path_factory)
    args = ["--data-dir", str(data), "policy", "impact", "--at", "2025-03-07"]
    main([*args, "--treated", "jd", "--dimension", "partner", "--json"])
    doc = _json(capsys)
    assert doc["change"]["treated"] == ["jd"] and doc["method"] == "did_hac"
    assert set(doc["controls"]["clicks"]) == {"miniapp", "ownshop", "tmall"}
    for row in doc["rows"]:
        assert row["low"] <= row["effect"] <= row["high"]
        assert row["days_before"] == 6 and row["days_after"] >= 4
        assert "passed" in row["pretrend"]
    main([*args, "--treated", "jd", "--dimension", "partner"])
    printed = capsys.readouterr().out
    assert "Impact of partner jd" in printed
    assert "Shop GMV: compared with miniapp, ownshop, tmall" in printed


def test_change_from_the_audit_log(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import shutil

    data = tmp_path / "data"
    shutil.copytree(reportworld.deployment_dir(tmp_path_factory), data)
    store = Store.from_settings(load_settings(data_dir=data))
    with store.transaction() as conn:
        cats = sorted({c for c in conn.execute(select(offers.c.category)).scalars() if c})
        entry = audit.record(
            conn,
            actor="operator:test",
            action="policy_rule.create",
            object_type="policy_rule",
            object_id=1,
            after={"category": cats[0], "effect": "closed", "starts_at": "2025-03-06T00:00:00Z"},
        )
        kill = audit.record(
            conn,
            actor="operator:test",
            action="link.mount",
            object_type="mount",
            object_id=1,
        )
        slug = conn.execute(select(partners.c.slug)).scalars().first()
    store.dispose()
    main(["--data-dir", str(data), "policy", "impact", "--change-id", str(entry), "--json"])
    doc = _json(capsys)
    assert doc["change"]["treated"] == [cats[0]] and doc["change"]["at"] == "2025-03-06"
    assert doc["change"]["source"] == f"audit:{entry}" and slug
    with pytest.raises(SystemExit) as exc:
        main(["--data-dir", str(data), "policy", "impact", "--change-id", str(kill)])
    assert exc.value.code == 2
    assert "not a policy rule change" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("extra", "says"),
    [
        (["--at", "2025-03-07"], "--at and --treated go together"),
        (["--at", "2025-03-07", "--treated", "nope"], "no clicks for category nope"),
        (["--at", "2030-01-01", "--treated", "jd", "--dimension", "partner"], "not inside"),
        (["--at", "March", "--treated", "jd"], "ISO date"),
        ([], "give --change-id"),
    ],
)
def test_bad_input_is_one_clear_line(
    tmp_path_factory: pytest.TempPathFactory,
    capsys: pytest.CaptureFixture[str],
    extra: list[str],
    says: str,
) -> None:
    data = reportworld.deployment_dir(tmp_path_factory)
    with pytest.raises(SystemExit) as exc:
        main(["--data-dir", str(data), "policy", "impact", *extra])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert says in err and "Traceback" not in err


@pytest.mark.slow
def test_simulated_change_prints_the_table(capsys: pytest.CaptureFixture[str]) -> None:
    spec = "scale=tiny,seed=2,days=10,runs=2"
    main(["policy", "impact", "--world-spec", spec, "--change", "close partner=tmall from=day5"])
    printed = " ".join(capsys.readouterr().out.split())
    assert "Simulated: close partner=tmall from day 5" in printed
    assert "no own shop" not in printed and "Diversion" in printed
    main(
        [
            "policy",
            "impact",
            "--world-spec",
            spec,
            "--change",
            "open partner=tmall from=day5",
            "--json",
        ]
    )
    doc = json.loads(capsys.readouterr().out)
    tmall = next(
        r for r in doc["rows"] if r["figure"] == "clicks" and r["scope"] == "partner:tmall"
    )
    assert tmall["with"] > tmall["without"] == 0.0  # opening brings taps where there were none
    assert doc["own_shop"] and any(r["scope"] == "partner:ownshop" for r in doc["rows"])


def test_simulated_change_needs_both_options(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["policy", "impact", "--world-spec", "scale=tiny"])
    assert exc.value.code == 2 and "go together" in capsys.readouterr().err


@pytest.mark.slow
def test_a_simulated_change_kept_with_save_is_audited(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from seedtrail.impact import studies

    spec, change = "scale=tiny,seed=3,days=10,runs=2", "close category=beauty from=day5"
    args = ["--data-dir", str(tmp_path), "policy", "impact", "--world-spec", spec]
    with pytest.raises(SystemExit):  # no store yet: nothing is kept
        main([*args, "--change", change, "--save"])
    assert "seedtrail init" in capsys.readouterr().err and studies.listing(tmp_path) == []
    main(["--data-dir", str(tmp_path), "init"])
    main([*args, "--change", change, "--save", "--json"])
    printed = capsys.readouterr().out
    (kept,) = studies.listing(tmp_path)
    assert kept["id"] in printed and kept["world_spec"] == spec and kept["stated"] == change
    study = studies.load(tmp_path, kept["id"])
    assert study["seeds"] == [3, 4] and study["rows"]
    store = Store.from_settings(load_settings(data_dir=tmp_path))
    with store.read() as conn:
        (entry,) = audit.entries(conn, action_prefix="impact.study")
    store.dispose()
    assert entry["object_id"] == kept["id"] and entry["after"]["change"] == change
