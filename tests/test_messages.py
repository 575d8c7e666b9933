"""The gettext catalogues: complete in both languages, compiled as shipped, covering every key the
code and templates use; Babel's negotiation and formats."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from seedtrail import messages
from seedtrail.messages import LANGS, Msg

ROOT = Path(__file__).resolve().parent.parent
FIELD = re.compile(r"\{(\w+)\}")
KEYWORDS = {"t": None, "translate": (2,), "Msg": None, "N_": None, "cli_msg": None}


def po(lang: str):  # type: ignore[no-untyped-def]
    with messages.catalogue_path(lang, "po").open("rb") as f:
        return read_po(f, locale=lang.replace("-", "_"))


def used_keys() -> dict[str, list[str]]:
    """Every key the code and templates name, found the way ``pybabel extract`` finds them."""
    with (ROOT / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f)
    found: dict[str, list[str]] = {}
    for filename, lineno, message, _, _ in extract_from_dir(
        ROOT / "src", method_map, options_map, keywords=KEYWORDS, comment_tags=()
    ):
        key = message if isinstance(message, str) else message[0]
        found.setdefault(key, []).append(f"{filename}:{lineno}")
    return found


def test_every_key_has_a_text_in_both_languages_with_the_same_fields() -> None:
    zh, en = po("zh-CN"), po("en")
    ids = {lang: {m.id for m in cat if m.id} for lang, cat in (("zh-CN", zh), ("en", en))}
    assert ids["zh-CN"] == ids["en"], ids["zh-CN"] ^ ids["en"]
    for cat in (zh, en):
        assert not cat.fuzzy
        for m in cat:
            if m.id:
                assert m.string and m.string.strip(), f"{cat.locale}: {m.id} has no text"
                assert "fuzzy" not in m.flags, m.id
                assert set(FIELD.findall(m.string)) == set(FIELD.findall(en[m.id].string)), m.id
                if str(cat.locale) == "zh_CN":
                    assert re.search(r"[\u4e00-\u9fff]", m.string) or not re.search(
                        r"[a-z]{3,}", m.string
                    ), f"zh-CN text of {m.id} reads as English: {m.string!r}"


def test_every_key_the_code_and_templates_use_exists_and_every_key_is_used() -> None:
    used = used_keys()
    have = set(messages.catalogue("en"))
    missing = {k: where for k, where in used.items() if k not in have}
    assert not missing, f"keys used but not in the catalogues: {missing}"
    # pybabel update would drop a key nothing names; a key built at run time is named with N_().
    assert not have - set(used), f"keys no code names: {sorted(have - set(used))}"


def test_the_compiled_catalogues_are_up_to_date() -> None:
    for lang in LANGS:
        out = io.BytesIO()
        write_mo(out, po(lang))
        shipped = messages.catalogue_path(lang).read_bytes()
        assert shipped == out.getvalue(), (
            f"{lang}: messages.mo is older than messages.po; run "
            "pybabel compile -d src/seedtrail/locales -D messages"
        )


def test_each_key_has_one_text() -> None:
    """Branches merge the catalogues line by line (a union merge): a key two branches added
    would keep both texts, and the compiled catalogue one of them at random."""
    for lang in LANGS:
        text = (messages.catalogue_path(lang).with_suffix(".po")).read_text("utf-8")
        ids = re.findall(r'^msgid "(.+)"$', text, re.M)
        twice = sorted({k for k in ids if ids.count(k) > 1})
        assert not twice, f"{lang}: keys with two texts: {twice}"


def test_babel_negotiates_accept_language() -> None:
    assert messages.negotiate(None) == "zh-CN"
    assert messages.negotiate("") == "zh-CN"
    assert messages.negotiate("fr-FR, de;q=0.8") == "zh-CN"
    assert messages.negotiate("en-US,en;q=0.9") == "en"
    assert messages.negotiate("EN") == "en"
    assert messages.negotiate("en;q=0.5, zh-TW;q=0.8") == "zh-CN"
    assert messages.negotiate("zh-Hans-CN") == "zh-CN"
    assert messages.negotiate("en;q=0, zh;q=0.1") == "zh-CN"
    assert messages.negotiate("de, en;q=0.2, zh;q=0.1") == "en"
    assert messages.negotiate("en;q=x, *") == "zh-CN"
    assert messages.negotiate("," * 10_000 + "en") == "zh-CN"  # only the first 32 tags count


def test_terminal_language_from_the_environment(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    for name in ("SEEDTRAIL_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    assert messages.from_environment() == "en"
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert messages.from_environment() == "zh-CN"
    monkeypatch.setenv("LC_ALL", "C")
    assert messages.from_environment() == "zh-CN"
    monkeypatch.setenv("SEEDTRAIL_LANG", "en")
    assert messages.from_environment() == "en"


def test_messages_render_in_each_language_and_fall_back_to_the_key() -> None:
    m = Msg("pager.of", {"page": 2, "pages": 3, "total": 41})
    assert m.render("en") == "Page 2 of 3, 41 rows"
    assert m.render("zh-CN") == "第 2 / 3 页，共 41 条"
    assert m.english == m.render("en")
    assert messages.render("en", m.as_dict()) == m.render("en")
    assert messages.render("en", "as it is") == "as it is"
    assert messages.render("en", None) == ""
    assert messages.translate("en", "no.such.key") == "no.such.key"


def test_numbers_money_and_dates_per_locale() -> None:
    assert messages.number("en", 1234567.891, 2) == "1,234,567.89"
    assert messages.number("zh-CN", 1234567) == "1,234,567"
    assert messages.number("en", None) == "—"
    assert messages.money("zh-CN", Decimal("1234.5")) == "¥1,234.50"
    assert messages.money("en", Decimal("1234.5")) == "CN¥1,234.50"
    assert messages.percent("en", 0.1234) == "12.3%"
    at = datetime(2026, 12, 4, 7, 5, 3, tzinfo=UTC)
    assert messages.when("zh-CN", at) == "2026年12月4日 07:05:03"
    assert messages.when("en", at.timestamp()) == "Dec 4, 2026, 7:05:03\u202fAM"
    assert messages.when("en", "2026-12-04T07:05:03") == messages.when("en", at)
    assert messages.when("zh-CN", date(2026, 12, 4)) == "2026年12月4日"
    assert messages.when("en", "not a time") == "not a time"
    assert messages.when("en", None) == "—"


def test_a_message_may_have_a_field_named_key() -> None:
    m = Msg("problem.invalid-input.filter", {"what": "notes", "key": "colour", "allowed": "kind"})
    assert m.render("en") == "notes cannot be filtered by 'colour'; filters: kind"
    assert "colour" in m.render("zh-CN")
