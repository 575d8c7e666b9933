from __future__ import annotations

import dataclasses
import io
import re
from pathlib import Path

from rich.console import Console

from seedtrail.core.settings import load_settings
from seedtrail.demo import tour as demo


def test_demo_exercises_policy_redirect_and_kill_switch(tmp_path: Path) -> None:
    out = io.StringIO()
    report = demo.run(load_settings(data_dir=tmp_path), Console(file=out, width=200), lang="zh-CN")
    # the tour reads in the terminal's language (the CLI passes it): Chinese here ...
    zh = out.getvalue()
    assert "运行中的跳转" in zh and "看板登录" in zh and "网店（主页卡片）" in zh
    assert "the redirect at work" not in zh and "shown once" not in zh
    # ... and English otherwise, with no Chinese but the demo's own names (花西子's shop)
    out = io.StringIO()
    demo._print(Console(file=out, width=200), dataclasses.replace(report, lang="en"))
    assert "the redirect at work" in out.getvalue() and "web shop (profile card)" in out.getvalue()
    assert not re.search(r"[\u4e00-\u9fff]", out.getvalue())
    statuses = [status for _, _, status, _ in report.outcomes]
    assert statuses == [302, 302, 302, 302, 302, 410]
    assert report.outcomes[2][3].startswith("https://shop.florasis.example/p/1?st_click=")
    assert report.clicks_logged == 6
    # the repeat and the preview bot are flagged, and the 410 on a killed link is not a click
    assert report.counted == 3
    assert set(report.keys) == {"operator", "brand", "creator"}
    assert "http://127.0.0.1:8000/ui/" in out.getvalue()
    assert f"http://127.0.0.1:8000/ui/n/{report.note_id} " in out.getvalue()


def test_demo_names_the_port_it_will_serve_on(tmp_path: Path) -> None:
    """SEEDTRAIL_PORT (or the config's port) is where the demo serves next: the addresses it
    prints for the dashboard and the note page carry that port, not the default."""
    out = io.StringIO()
    settings = load_settings(data_dir=tmp_path, port=18555)
    report = demo.run(settings, Console(file=out, width=300), lang="en")
    text = out.getvalue()
    assert "http://127.0.0.1:18555/ui/ " in text
    assert f"http://127.0.0.1:18555/ui/n/{report.note_id} " in text
    assert ":8000" not in text
