from __future__ import annotations

import pytest

from seedtrail.core.errors import UnsafeDestination
from seedtrail.links.destinations import (
    build_target,
    check_app_template,
    check_web_url,
    normalize_host_pattern,
)

HOSTS = ["item.taobao.com", "*.tmall.com"]


@pytest.mark.parametrize(
    "url",
    [
        "https://item.taobao.com/item.htm?id=1",
        "https://detail.tmall.com/item.htm?id=2",
        "https://tmall.com/",
        "https://item.taobao.com:443/x#frag",
    ],
)
def test_allowed(url: str) -> None:
    assert check_web_url(url, HOSTS) == url


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("javascript:alert(1)", "forbidden scheme"),
        ("JaVaScRiPt:alert(1)", "forbidden scheme"),
        ("data:text/html,<script>", "forbidden scheme"),
        ("//evil.com/x", "an https URL"),
        ("/relative", "an https URL"),
        ("ftp://item.taobao.com/", "an https URL"),
        ("https://item.taobao.com@evil.com/", "user information"),
        ("https://user:pw@item.taobao.com/", "user information"),
        ("https://evil.com\\@item.taobao.com/", "backslash"),
        ("https://item.taobao.com\\.evil.com/", "backslash"),
        ("https://evil.com/item.taobao.com", "not among"),
        ("https://item.taobao.com.evil.com/", "not among"),
        ("https://eviltmall.com/", "not among"),
        ("https://itеm.taobao.com/", "internationalised"),  # Cyrillic е
        ("https://xn--tem-taobao-7fg.com/", "internationalised"),
        ("https://item.taobao.com:8443/", "non-standard port"),
        ("https://item.taobao.com/\n", "whitespace or control"),
        ("https://item.taobao.com/ x", "whitespace or control"),
        ("", "1 to 2000"),
    ],
)
def test_refused(url: str, why: str) -> None:
    with pytest.raises(UnsafeDestination, match=why):
        check_web_url(url, HOSTS)


def test_host_patterns_are_validated() -> None:
    assert normalize_host_pattern("Item.Taobao.COM.") == "item.taobao.com"
    for bad in ("*", "*.com.*", "evil.com/path", "a b.com", "http://x.com"):
        with pytest.raises(UnsafeDestination):
            normalize_host_pattern(bad)


def test_app_templates() -> None:
    assert check_app_template("taobao://item.taobao.com/item.htm?id={item_id}", HOSTS)
    for bad in ("javascript://x", "https://item.taobao.com/{item_id}", "tb://x/{evil}"):
        with pytest.raises(UnsafeDestination):
            check_app_template(bad, HOSTS)


def test_targets_per_partner_kind() -> None:
    market = {
        "kind": "marketplace",
        "allowed_hosts": HOSTS,
        "web_url_template": "https://item.taobao.com/item.htm?id={item_id}",
        "app_url_template": "taobao://item.taobao.com/item.htm?id={item_id}",
    }
    t = build_target(market, {"item_id": "a/b?c"})
    assert t.kind == "app"
    assert t.web_url == "https://item.taobao.com/item.htm?id=a%2Fb%3Fc"
    assert t.app_url == "taobao://item.taobao.com/item.htm?id=a%2Fb%3Fc"
    web = {"kind": "web_shop", "allowed_hosts": HOSTS}
    assert build_target(web, {"url": "https://detail.tmall.com/1"}).kind == "web"
    with pytest.raises(UnsafeDestination):
        build_target(web, {"url": "https://evil.com/1"})
    mini = {
        "kind": "mini_program",
        "allowed_hosts": HOSTS,
        "mini_program_app_id": "wx1",
        "mini_program_path_template": "pages/i?sku={item_id}",
    }
    t = build_target(mini, {"item_id": "9"})
    assert (t.kind, t.mini_program_path) == ("mini_program", "pages/i?sku=9")


BROWSER_ESCAPES = [
    "intent://item.taobao.com/item.htm?id={item_id}#Intent;scheme=taobao;"
    "S.browser_fallback_url=https%3A%2F%2Fevil.example%2F;end",
    "intent://evil.example/x?id={item_id}#Intent;scheme=https;end",
    "googlechrome://evil.example/x?id={item_id}",
    "googlechromes://item.taobao.com/x?id={item_id}",
    "x-safari-https://evil.example/x?id={item_id}",
    "microsoft-edge:https://evil.example/x?id={item_id}",
    "firefox://open-url?url=https://evil.example/{item_id}",
    "opera-http://evil.example/x?id={item_id}",
    "taobao://evil.example/item.htm?id={item_id}",  # own scheme, a host not the partner's
    "taobao:item.htm?id={item_id}",  # no host at all
    "taobao://item.taobao.com/open?url=https://evil.example/{item_id}",  # a URL inside
    "taobao://item.taobao.com/open?url=https%3A%2F%2Fevil.example%2F{item_id}",
    "taobao://x@item.taobao.com/item.htm?id={item_id}",
]


@pytest.mark.parametrize("template", BROWSER_ESCAPES)
def test_app_templates_cannot_open_a_browser_elsewhere(template: str) -> None:
    with pytest.raises(UnsafeDestination):
        check_app_template(template, HOSTS)


def test_app_templates_follow_the_host_rules() -> None:
    assert check_app_template("tmall://detail.tmall.com/item.htm?id={item_id}", HOSTS)
    assert check_app_template("openapp.jdmobile://item.taobao.com/x?id={item_id}", HOSTS)


@pytest.mark.parametrize(
    "url",
    ["http://item.taobao.com/x", "https://item.taobao.com:80/x", "https://item.taobao.com:8443/"],
)
def test_https_only_unless_the_partner_allows_http(url: str) -> None:
    with pytest.raises(UnsafeDestination):
        check_web_url(url, HOSTS)


def test_a_partner_allowed_http_may_use_it() -> None:
    assert check_web_url("http://item.taobao.com/x", HOSTS, allow_http=True)
    assert check_web_url("http://item.taobao.com:80/x", HOSTS, allow_http=True)
    with pytest.raises(UnsafeDestination):
        check_web_url("http://item.taobao.com:443/x", HOSTS, allow_http=True)


@pytest.mark.parametrize(
    "url",
    [
        "https://item.taobao.com／x",
        "https://item.taobao.com＃x",
        "https://evil.example＠item.taobao.com/",
        "https://item.taobao.com？x",
        "https://[shop.example.com]/x",
        "https://[item.taobao.com/x",
        "https://[::1]/x",
    ],
)
def test_odd_hosts_are_refused_not_crashes(url: str) -> None:
    with pytest.raises(UnsafeDestination):
        check_web_url(url, HOSTS)


def test_docs_name_the_refused_schemes_and_https_only() -> None:
    """docs/links.md and the code agree: each browser scheme it names is refused; https only."""
    import re
    from pathlib import Path

    text = (Path(__file__).parents[2] / "docs" / "links.md").read_text("utf-8")
    named = re.findall(r"`([a-z][a-z0-9+.-]*):`", text.split("Schemes that open a browser")[1])
    assert {"intent", "googlechrome", "x-safari-https", "microsoft-edge", "opera-http"} <= set(
        named
    )
    for scheme in named:
        with pytest.raises(UnsafeDestination):
            check_app_template(f"{scheme}://item.taobao.com/x?id={{item_id}}", HOSTS)
    assert "https only" in text
    with pytest.raises(UnsafeDestination, match="https"):
        check_web_url("http://item.taobao.com/x", HOSTS)
