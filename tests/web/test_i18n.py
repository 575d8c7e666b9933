from __future__ import annotations

import re
from pathlib import Path

from seedtrail.web import i18n


def test_both_catalogues_have_the_same_keys_and_fields() -> None:
    zh, en = i18n.catalogue("zh-CN"), i18n.catalogue("en")
    assert set(zh) == set(en)
    for key in zh:
        fields = re.compile(r"\{(\w+)\}")
        assert set(fields.findall(zh[key])) == set(fields.findall(en[key])), key


def test_every_key_the_templates_and_views_use_exists() -> None:
    root = Path(i18n.__file__).parent
    used = set()
    for path in [*root.rglob("*.html"), *root.rglob("*.py")]:
        used |= set(re.findall(r"""\bt\(\s*['"]([a-z_.0-9]+)['"]""", path.read_text("utf-8")))
    keys = i18n.catalogue("zh-CN")
    missing = {k for k in used if k not in keys and not (k.endswith(".") and _any_prefix(keys, k))}
    assert used and not missing


def test_chinese_first_then_accept_language_then_cookie() -> None:
    assert i18n.negotiate(None, None) == "zh-CN"
    assert i18n.negotiate(None, "fr-FR, de;q=0.8") == "zh-CN"
    assert i18n.negotiate(None, "en-US,en;q=0.9") == "en"
    assert i18n.negotiate(None, "en;q=0.5, zh-TW;q=0.8") == "zh-CN"
    assert i18n.negotiate("en", "zh-CN") == "en"
    assert i18n.negotiate("xx", "en") == "en"
    assert i18n.translate("en", "pager.of", page=2, pages=3, total=41) == "Page 2 of 3, 41 rows"


def _any_prefix(keys: dict[str, str], prefix: str) -> bool:
    return any(k.startswith(prefix) for k in keys)
