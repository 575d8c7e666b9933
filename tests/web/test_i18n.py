from __future__ import annotations

from seedtrail.web import i18n


def test_the_dashboards_language_is_the_cookie_then_accept_language_then_chinese() -> None:
    assert i18n.negotiate(None, None) == "zh-CN"
    assert i18n.negotiate(None, "en-US,en;q=0.9") == "en"
    assert i18n.negotiate("en", "zh-CN") == "en"
    assert i18n.negotiate("xx", "en") == "en"
    assert i18n.translate("en", "pager.of", page=2, pages=3, total=41) == "Page 2 of 3, 41 rows"
    assert set(i18n.catalogue("zh-CN")) == set(i18n.catalogue("en"))


def test_built_keys_exist() -> None:
    assert all(k in i18n.catalogue("en") for k in i18n.BUILT_KEYS)
