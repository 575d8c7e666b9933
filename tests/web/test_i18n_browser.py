"""Every dashboard page in Chinese, in a real browser: each role walks every page it can reach
from its navigation, and no page shows English domain text (sentences of the policy, cases,
health, errors) where Chinese belongs."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlsplit

import pytest
from dashboard_site import SimSite, Site, sign_in, sign_in_with

from seedtrail.store import schema

pytestmark = pytest.mark.browser

# Three English words in a row: a sentence or phrase, never an identifier (those have _ or -).
ENGLISH = re.compile(r"(?<![\w./-])[A-Za-z]{2,}(?: [A-Za-z]{2,}){2,}(?![\w./-])")
# What a Chinese page shows in Latin letters on purpose: what people wrote (marked
# data-user-text: reasons typed into forms, records in the audit log) and code.
# One English word that is a value of the domain (a status, a kind, a role, an action, what a case
# is about) shown as stored instead of as its word in the page's language.
DOMAIN_WORDS = frozenset(
    schema.ACCOUNT_KINDS + schema.ACCOUNT_STATUSES + schema.NOTE_STATUSES
    + schema.COMMENT_STATUSES + schema.PARTNER_KINDS + schema.MOUNT_STATUSES + schema.ROLES
    + schema.CASE_SUBJECTS + schema.CASE_STATUSES + schema.ENFORCEMENT_ACTIONS
    + schema.APPEAL_OUTCOMES
)  # fmt: skip
WORD = re.compile(r"(?<![\w./:#@-])[a-z_]{3,}(?![\w./:#@-])")
USER_CONTENT = "blockquote, pre, code, input, textarea, option, svg, [data-user-text]"
MAX_PAGES = 80


def _visible_text(page: Any) -> str:
    return str(
        page.evaluate(
            """(skip) => {
                const main = document.querySelector('main') || document.body;
                const clone = main.cloneNode(true);
                clone.querySelectorAll(skip).forEach(e => e.remove());
                return clone.innerText;
            }""",
            USER_CONTENT,
        )
    )


def _links(page: Any, base: str) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
    out = []
    for href in hrefs:
        path = urlsplit(href).path if href else ""
        if path.startswith("/ui/") and not any(
            bad in href for bad in ("signout", "export", ".csv", "/ui/lang/")
        ):
            out.append(base + href)
    return out


def untranslated_words(text: str) -> list[str]:
    return [w for w in WORD.findall(text) if w in DOMAIN_WORDS]


def walk(page: Any, base: str) -> dict[str, list[str]]:
    """Every page reachable from the start page (sorting and paging links once each)."""
    seen: set[str] = set()
    todo = [page.url]
    found: dict[str, list[str]] = {}
    while todo and len(seen) < MAX_PAGES:
        url = todo.pop(0)
        key = re.sub(r"\.(sort|dir|page)=[^&]*", "", url)
        if key in seen:
            continue
        seen.add(key)
        page.goto(url)
        assert page.get_attribute("html", "lang") == "zh-CN", url
        # Commands quoted in `backticks` are what a reader types, names in 「quotes」 what people
        # wrote (a rule's name inside a decision): not prose.
        text = re.sub(r"`[^`]*`|「[^」]*」", "", _visible_text(page))
        english = ENGLISH.findall(text) + untranslated_words(text)
        if english:
            found[url] = english
        todo += [u for u in _links(page, base) if u not in todo]
    assert len(seen) > 1
    return found


@pytest.mark.parametrize("role", ["operator", "brand", "creator", "moderator", "partner"])
def test_every_page_reads_in_chinese(browser: Any, site: Site, role: str) -> None:
    page = sign_in(browser, site, role, locale="zh-CN")
    found = walk(page, site.url)
    assert not found, json.dumps(found, ensure_ascii=False, indent=1)
    page.context.close()


def test_every_report_page_reads_in_chinese(browser: Any, sim_site: SimSite) -> None:
    for role in ("brand", "operator"):
        page = sign_in_with(browser, sim_site.url, sim_site.keys[role], locale="zh-CN")
        found = walk(page, sim_site.url)
        assert not found, json.dumps(found, ensure_ascii=False, indent=1)
        page.context.close()


def test_the_detector_finds_english_it_should() -> None:
    assert ENGLISH.findall("拒绝：rule 3 'x' closes links for taobao") == [
        "closes links for taobao"
    ]
    assert ENGLISH.findall("伙伴 taobao 的链接 · note_card · ROAS 2.1 · wx_abc123") == []


def test_the_detector_finds_domain_words_shown_as_stored() -> None:
    found = untranslated_words("案件 #3 · banned · 状态 open · 对象 comment:12")
    assert found == ["banned", "open"]
    assert untranslated_words("搜索 openers · wx_active1 · https://x.cn/open") == []
