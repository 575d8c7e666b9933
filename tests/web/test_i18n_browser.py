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

pytestmark = pytest.mark.browser

# Three English words in a row: a sentence or phrase, never an identifier (those have _ or -).
ENGLISH = re.compile(r"(?<![\w./-])[A-Za-z]{2,}(?: [A-Za-z]{2,}){2,}(?![\w./-])")
# What a Chinese page shows in Latin letters on purpose: what people wrote (marked
# data-user-text: reasons typed into forms, records in the audit log) and code.
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
        # Commands quoted in `backticks` are what a reader types: not prose.
        english = ENGLISH.findall(re.sub(r"`[^`]*`", "", _visible_text(page)))
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
