"""``seedtrail health`` and ``seedtrail import`` naming a partner that does not exist: "not
found", as for any object, never the postback's "bad signature" nor an internal error."""

from __future__ import annotations

from pathlib import Path

import pytest

from clirun import run_cli


def run(capsys: pytest.CaptureFixture[str], data: Path, *args: str) -> tuple[int, str]:
    code, _, err = run_cli(capsys, data, *args)
    return code, err


@pytest.mark.parametrize("partner", ["nope", "99999", "99999999999999999999"])
def test_an_unknown_partner_is_not_found(
    partner: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SEEDTRAIL_LANG", "en")
    assert run(capsys, tmp_path, "init")[0] == 0
    events = tmp_path / "events.jsonl"
    events.write_text("")
    for args in (
        ("health", "show", partner),
        ("health", "hold", partner, "--reason", "outage"),
        ("import", str(events), "--kind", "back", "--partner", partner),
    ):
        code, err = run(capsys, tmp_path, *args)
        assert code == 2 and "not found" in err and partner in err, (args, err)
        assert "signature" not in err and "internal error" not in err, err
