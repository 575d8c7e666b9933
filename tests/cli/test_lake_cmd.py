"""``seedtrail lake``: an unknown ``--type`` is refused with the types there are (it printed a
table of zeros and exit 0)."""

from __future__ import annotations

from pathlib import Path

import pytest

from clirun import run_cli


def run(capsys: pytest.CaptureFixture[str], data: Path, *args: str) -> tuple[int, str, str]:
    code, out, err = run_cli(capsys, data, *args)
    return code, out, " ".join(err.split())


@pytest.mark.parametrize("command", ["stats", "compact"])
def test_an_unknown_type_is_refused_with_the_known_ones(
    command: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SEEDTRAIL_LANG", "en")
    assert run(capsys, tmp_path, "init")[0] == 0
    code, out, err = run(capsys, tmp_path, "lake", command, "--type", "bogus")
    assert code == 2 and out == "", out
    assert err.startswith("error: --type must be one of impression, read,"), err
    assert "purchase" in err and err.endswith("not 'bogus'"), err
    monkeypatch.setenv("SEEDTRAIL_LANG", "zh-CN")
    code, _, err = run(capsys, tmp_path, "lake", command, "--type", "bogus")
    assert code == 2 and err.startswith("错误：--type 只能是 impression,"), err
    code, _, err = run(capsys, tmp_path, "lake", command, "--type", "purchase")
    assert code == 0, err


def test_seal_shows_the_logged_clicks_in_its_total(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Clicks still in the click log are staged by the sealer: the bar counted the inbox
    before they joined it (``3/0``)."""
    from sqlalchemy import insert

    from seedtrail.store.db import make_engine
    from seedtrail.store.schema import clicks

    monkeypatch.setenv("SEEDTRAIL_LANG", "en")
    assert run(capsys, tmp_path, "init")[0] == 0
    row = {"ts_us": 1_795_000_000_000_000, "mount_id": 1, "code": "abc", "placement": "note_card",
           "partner_id": 1, "offer_id": 1, "viewer_key": "v", "method": "GET", "ua_class": "app",
           "outcome": "redirect", "is_bot": False, "is_duplicate": False}  # fmt: skip
    engine = make_engine(f"sqlite:///{tmp_path / 'seedtrail.db'}")
    with engine.begin() as conn:
        conn.execute(insert(clicks), [{**row, "click_id": f"c{i}"} for i in range(3)])
    engine.dispose()
    code, out, err = run(capsys, tmp_path, "lake", "seal")
    assert code == 0 and "sealed 3 events" in out, out + err
    assert "3/3" in err and "/0" not in err, err


def test_stats_groups_counts_as_the_other_tables_do(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rows read ``1200`` beside bytes ``4,321``: every count takes the locale's grouping."""
    from datetime import date

    import pyarrow as pa

    from seedtrail.cli import context
    from seedtrail.lake.layout import Lake, Partition

    monkeypatch.setattr(context.console, "_width", 200)  # (the property setter has no undo)
    monkeypatch.setenv("SEEDTRAIL_LANG", "zh-CN")
    lake = Lake(str(tmp_path / "lake"))
    lake.write(
        Partition("read", date(2025, 3, 1)), pa.table({"event_id": list(map(str, range(1200)))})
    )
    code, out, _ = run(capsys, tmp_path, "lake", "stats")
    assert code == 0 and " 1,200 " in out and " 1200 " not in out, out
