from __future__ import annotations

import pytest

from seedtrail.errors import UnsafeDestination
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
        "http://item.taobao.com/x",
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
        ("//evil.com/x", "http or https"),
        ("/relative", "http or https"),
        ("ftp://item.taobao.com/", "http or https"),
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
    assert check_app_template("taobao://item.taobao.com/item.htm?id={item_id}")
    for bad in ("javascript://x", "https://item.taobao.com/{item_id}", "tb://x/{evil}"):
        with pytest.raises(UnsafeDestination):
            check_app_template(bad)


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
