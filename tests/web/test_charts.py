from __future__ import annotations

import re

from seedtrail.web import charts


def test_funnel_shows_each_step_with_its_value_and_rate() -> None:
    steps = [
        ("reads", 1000, "", 0),
        ("clicks", 50, "5.0 per 100 reads", 0),
        ("purchases", 1.42, "", 1),
        ("carts", None, "", 1),
    ]
    svg = charts.funnel(steps, label="f")
    assert re.findall(r'data-value="([^"]*)"', svg) == ["1000.0", "50.0", "1.42", ""]
    assert "clicks: 50 (5.0 per 100 reads)" in svg
    assert "purchases: 1.4</title>" in svg  # a scaled step keeps its decimal


def test_line_chart_escapes_labels_and_keeps_gaps() -> None:
    svg = charts.line(
        [charts.Series("<b>x</b>", [("d1", 1.0), ("d2", None), ("d3", 3.0)])], label="l"
    )
    assert "<b>" not in svg and "&lt;b&gt;" in svg
    assert svg.count("<circle") == 2
    assert "<polyline" not in svg  # no segment crosses the gap
    assert charts.line([charts.Series("x", [])], label="l") == ""


def test_highlight_marks_spans_and_escapes_the_rest() -> None:
    text = "加我<微信> wx_abc123 谢谢"
    start = text.index("wx")
    out = charts.highlight(text, [(start, start + 9, "wechat")])
    assert '<mark data-kind="wechat">wx_abc123</mark>' in out
    assert "&lt;微信&gt;" in out


def test_network_places_every_node() -> None:
    nodes = [charts.Node("a1", "账号1", "account", True), charts.Node("n1", "笔记", "note")]
    svg = charts.network(nodes, [("a1", "n1")], label="g")
    assert svg.count('class="node"') == 2 and svg.count('class="edge"') == 1
