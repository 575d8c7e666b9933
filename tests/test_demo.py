from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console

from seedtrail.core.settings import load_settings
from seedtrail.demo import tour as demo


def test_demo_exercises_policy_redirect_and_kill_switch(tmp_path: Path) -> None:
    out = io.StringIO()
    report = demo.run(load_settings(data_dir=tmp_path), Console(file=out))
    assert "the redirect at work" in out.getvalue()
    statuses = [status for _, _, status, _ in report.outcomes]
    assert statuses == [302, 302, 302, 302, 302, 410]
    assert report.outcomes[2][3].startswith("https://shop.florasis.example/p/1?st_click=")
    assert report.clicks_logged == 6
    # the repeat and the preview bot are flagged, and the 410 on a killed link is not a click
    assert report.counted == 3
    assert set(report.keys) == {"operator", "brand", "creator"}
    assert "http://127.0.0.1:8000/ui/" in out.getvalue()
