"""Every dashboard page, for every role, in both languages, in a real browser, checked against
the API (issue 12: one definition per figure).

The pages come from the dashboard's own routes (:data:`seedtrail.web.app.ROUTES`), so a page added
later is walked too (or fails here until the walk knows which ids it takes). Each role visits
each page: a page that is not the role's answers 403/404 (the API's verdict on the same object,
or the navigation's for a top-level view); a page that is loads without a server error, in the
language asked, with no message id showing, names instead of ids, every figure equal to what the
API gives for the same thing, funnel rates never above 100%, and every interval around its
estimate. ``DASHBOARD_SHOTS=<dir>`` saves a screenshot of each page.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from dashboard_site import SimSite, Site, sign_in_with
from starlette.routing import Route

from seedtrail.store.schema import ROLES
from seedtrail.web import app, i18n, nav, render

pytestmark = pytest.mark.browser

LANGS = ("zh-CN", "en")
#: Pages that take an id: the API object the page shows (its verdict is the page's) and where
#: the walk finds the ids (an operator's list).
DETAIL = {
    "/brand/campaigns/{ident:int}": ("/campaigns/{ident}", "/campaigns"),
    "/brand/campaigns/{ident:int}/export.csv": ("/campaigns/{ident}", "/campaigns"),
    "/moderator/cases/{ident:int}": ("/cases/{ident}", "/cases"),
    # (API object, listing, where the listing's rows are, their id field)
    "/operator/impact/changes/{ident:int}": (
        "/policy/changes/{ident}/impact", "/policy/changes", "past", "entry_id"
    ),
    "/operator/impact/studies/{ident}": ("/policy/studies/{ident}", "/policy/changes", "proposed"),
}  # fmt: skip
#: Public pages (the community's, no key): every role sees them as the public does, whatever its
#: API may read; (the API object whose ``status`` says whether it is public, the listing the walk
#: takes a few ids from, their id field). A note page is walked for a few notes that carry links.
PUBLIC = {"/n/{ident:int}": ("/notes/{ident}", "/mounts", "note_id")}
PUBLIC_SAMPLE = 3
GONE = {"removed"}  # a status that takes an object off the public pages
#: Pages walked with these queries (filled from the operator's API): the preview needs one, the
#: shop page shows each dimension in its own tab.
QUERY = {
    "/operator/preview": ["?kind=kill_switch&partner_id={partner}"],
    "/shop": ["", *(f"?dimension={d}" for d in ("note", "creator", "campaign", "day"))],
}
# A message id shown instead of its text: dotted lower-case words (state.open, brand.lift_hint).
MESSAGE_ID = re.compile(r"(?<![\w./@:-])[a-z][a-z0-9_]*(?:\.[a-z_*][a-z0-9_*]*)+(?![\w/@:(-])")
# An id where a name belongs: a bare number, or a number with thousands separators.
ID_LIKE = re.compile(r"^#?\d+$|^#?\d{1,3}(?:,\d{3})+$")
# Cells that hold a name (or a label built from one), never an id; a column of the ids of named
# objects (a campaign, note, account or partner) is one too: it should show the name.
NAME_COLS = {"title", "name", "note", "offer", "brand", "key", "subject_label", "summary_text"}
NAME_COLS |= {"campaign_id", "note_id", "account_id", "partner_id", "brand_id", "author_id"}
THOUSANDS_ID = re.compile(r"#\d{1,3}(?:,\d{3})+\b")
SKIP = "pre, code, input, textarea, option, svg, [data-user-text]"


def pages() -> list[str]:
    """Every GET page of the dashboard (sign-in, language and home redirects are not pages)."""
    return [
        r.path
        for r in app.ROUTES
        if isinstance(r, Route)
        and "GET" in (r.methods or ())
        and r.endpoint.__module__ != "seedtrail.web.views.auth"
    ]


def nav_allows(path: str, role: str) -> bool:
    """Whether the navigation offers the view ``path`` belongs to (its longest prefix)."""
    views = [(v, roles) for v, _, roles in nav.VIEWS if (render.PREFIX + path).startswith(v)]
    assert views, f"{path} belongs to no view of web.nav.VIEWS"
    return role in max(views, key=lambda v: len(v[0]))[1]


@dataclass
class Walk:
    """What one walk found: failures by URL, and what it counted."""

    url: str
    keys: dict[str, str]
    every_page: bool  # whether each page that takes an id must find one in this world
    failures: list[str] = field(default_factory=list)
    visited: int = 0
    refused: int = 0
    figures: int = 0
    intervals: int = 0
    api_cache: dict[tuple[str, str], Any] = field(default_factory=dict)

    clients: dict[str, httpx.Client] = field(default_factory=dict)

    def get(self, role: str, path: str) -> Any:
        """The API's answer to ``role`` (its JSON, or the status when not 200), asked once."""
        key = (role, path)
        if key not in self.api_cache:
            if role not in self.clients:
                auth = {"Authorization": f"Bearer {self.keys[role]}"}
                self.clients[role] = httpx.Client(base_url=self.url, headers=auth)
            resp = self.clients[role].get(path)
            self.api_cache[key] = resp.json() if resp.status_code == 200 else resp.status_code
        return self.api_cache[key]

    def fail(self, where: str, what: str) -> None:
        self.failures.append(f"{where}: {what}")


def concrete(w: Walk, path: str) -> list[tuple[str, str | None]]:
    """The URLs of a page template, each with the API path whose verdict it shares (None: the
    navigation decides)."""
    if "{" not in path:
        partner = w.get("operator", "/partners")[0]["id"]
        return [
            (render.PREFIX + path + q.format(partner=partner), None) for q in QUERY.get(path, [""])
        ]
    if path in PUBLIC:
        api_path, listing, key = PUBLIC[path]
        ids = list(dict.fromkeys(r[key] for r in w.get("operator", listing) if r[key] is not None))
        assert ids or not w.every_page, f"{path}: the world has no {listing} with {key}"
        return [
            (render.PREFIX + re.sub(r"\{ident(:int)?\}", str(i), path), api_path.format(ident=i))
            for i in ids[:PUBLIC_SAMPLE]
        ]
    assert path in DETAIL, f"{path}: say in DETAIL which API object it shows and where its ids are"
    api_path, listing, *where = DETAIL[path]
    rows, key = w.get("operator", listing), "id"
    if where:
        rows, key = _resolve(rows, where[0]), (where[1:] or ["id"])[0]
    ids = [row[key] for row in rows]
    assert ids or not w.every_page, f"{path}: the world has no {listing}"
    return [
        (render.PREFIX + re.sub(r"\{ident(:int)?\}", str(i), path), api_path.format(ident=i))
        for i in ids
    ]


def _resolve(doc: Any, pointer: str) -> Any:
    """A value in an API answer: ``/``-separated keys; ``[field=value]`` picks a list element,
    ``#`` a list's length and ``+field`` the sum of a field over a list."""
    for seg in pointer.strip("/").split("/"):
        if seg.startswith("[") and seg.endswith("]"):
            k, v = seg[1:-1].split("=", 1)
            found = [e for e in doc if str(e.get(k)) == v]
            assert len(found) == 1, (pointer, seg, len(found))
            doc = found[0]
        elif seg.isdigit() and isinstance(doc, list):
            doc = doc[int(seg)]
        elif seg == "#":
            doc = len(doc)
        elif seg.startswith("+"):
            doc = sum(float(e[seg[1:]] or 0) for e in doc)
        else:
            doc = doc[seg]
    return doc


def _number(text: str) -> tuple[float, int] | None:
    """The first number of a shown text and its decimals (grouping and currency dropped)."""
    found = re.search(r"([-−]?)[^\d\s-]{0,3}(\d[\d,]*(?:\.(\d+))?)", text)
    if not found:
        return None
    value = float(found.group(2).replace(",", ""))
    return (-value if found.group(1) else value), len(found.group(3) or "")


SNAPSHOT_JS = """(skip) => {
  const main = document.querySelector('main') || document.body;
  const clone = main.cloneNode(true);
  clone.querySelectorAll(skip).forEach(e => e.remove());
  const own = (e) => { const c = e.cloneNode(true);
    c.querySelectorAll('small, .flag').forEach(s => s.remove()); return c.textContent.trim(); };
  const figures = [...document.querySelectorAll('[data-path]')].map(e => ({
    path: e.dataset.path, value: e.dataset.value, figure: e.dataset.figure || e.dataset.col,
    source: (e.closest('[data-source]') || {dataset: {}}).dataset.source, text: own(e)}));
  const rows = [...document.querySelectorAll('table[id] tbody tr')].map(tr => ({
    table: tr.closest('table').id,
    cells: [...tr.querySelectorAll('td[data-col]')].map(c => [c.dataset.col, c.textContent.trim()])
  }));
  const shown = [...document.querySelectorAll('[data-value]')].map(e => ({
    value: e.dataset.value, figure: e.dataset.figure || e.dataset.col,
    small: (e.querySelector('small') || {textContent: ''}).textContent}));
  const rates = [...document.querySelectorAll('#funnel .step title')].map(t => t.textContent);
  const status = (document.querySelector('.error-page') || {dataset: {}}).dataset.status;
  return {text: clone.innerText, lang: document.documentElement.lang, figures, rows, shown,
          rates, status};
}"""


def _interval(text: str) -> tuple[float, float] | None:
    found = re.search(r"\[([^\]]*), ([^\]]*)\]", text)
    if not found:
        return None
    lo, hi = (_number(found.group(i)) for i in (1, 2))
    return (lo[0], hi[0]) if lo and hi else None


def check_page(w: Walk, role: str, url: str, snap: dict[str, Any]) -> None:
    text = snap["text"]
    for mid in MESSAGE_ID.findall(text):
        w.fail(url, f"message id shown: {mid}")
    for bad in THOUSANDS_ID.findall(text):
        w.fail(url, f"an id with thousands separators: {bad}")
    for row in snap["rows"]:
        for col, text in row["cells"]:
            if col in NAME_COLS and ID_LIKE.match(text):
                w.fail(url, f"{row['table']}.{col} shows an id, not a name: {text}")
    check_intervals(w, url, snap)
    for title in snap["rates"]:
        for pct in re.findall(r"([0-9.,]+)\s*%", title):
            if float(pct.replace(",", "")) > 100.0:
                w.fail(url, f"a funnel rate above 100%: {title}")
    check_figures(w, role, url, snap["figures"])


def check_intervals(w: Walk, url: str, snap: dict[str, Any]) -> None:
    """Each shown interval holds its shown estimate, and never goes below zero."""
    pairs: list[tuple[str, str, str]] = []  # (what, estimate, interval text)
    for e in snap["shown"]:
        if "[" in e["small"]:
            pairs.append((str(e["figure"]), e["value"], e["small"]))
    for r in snap["rows"]:
        row = dict(r["cells"])
        for col, text in r["cells"]:
            if col.endswith("_ci") and "[" in text:
                pairs.append((col, row.get(col[:-3], ""), text))
            if col.endswith("_low"):
                base = col[:-4]
                pairs.append((base, row.get(base, ""), f"[{text}, {row.get(base + '_high', '')}]"))
    for what, value, shown in pairs:
        bounds, est = _interval(shown), _number(value)
        if bounds is None or est is None:
            continue
        w.intervals += 1
        lo, hi = bounds
        digits = (_number(shown.split("[", 1)[1].split(",")[0]) or (0.0, 0))[1]
        if not lo - 1e-9 <= est[0] <= hi + 1e-9 and not lo <= round(est[0], digits) <= hi:
            w.fail(url, f"{what}: interval {shown} does not hold its estimate {value}")
        if lo < 0:
            w.fail(url, f"{what}: a negative bound in {shown}")


def check_figures(w: Walk, role: str, url: str, figures: list[dict[str, Any]]) -> None:
    """Each figure that names its source equals the API's value, and is shown as that value."""
    for f in figures:
        where = f"{url} [{f['figure']} {f['path']}]"
        if not f["source"]:
            w.fail(where, "a figure with no data-source")
            continue
        doc = w.get(role, f["source"])
        if isinstance(doc, int):
            w.fail(where, f"the API answered {doc} for {f['source']}")
            continue
        try:
            want = _resolve(doc, f["path"])
        except (KeyError, IndexError, AssertionError, TypeError) as exc:
            w.fail(where, f"no such value in {f['source']}: {exc!r}")
            continue
        w.figures += 1
        got = f["value"]
        if want is None:
            if got not in ("", "None"):
                w.fail(where, f"shows {got}, the API has none")
            continue
        if got in ("", "None") or abs(float(got) - float(want)) > 1e-6 * max(1, abs(want)):
            w.fail(where, f"data-value {got} != API {want}")
            continue
        shown = _number(f["text"])
        if shown is None:
            if f["text"] not in ("—", ""):
                w.fail(where, f"shown as {f['text']!r}, not a number")
            continue
        value, digits = shown
        if "%" in f["text"]:
            value /= 100
            digits += 2
        if abs(value - float(want)) > 0.5 * 10**-digits + 1e-9:
            w.fail(where, f"shown {f['text']!r}, the API has {want}")


def is_public(url: str) -> bool:
    path = url.removeprefix(render.PREFIX).split("?")[0]
    return any(re.fullmatch(re.sub(r"\{ident(:int)?\}", r"\\d+", p), path) for p in PUBLIC)


def visit(w: Walk, page: Any, role: str, lang: str, url: str, api_path: str | None) -> None:
    if api_path and is_public(url):  # the public's verdict: whether the object is public
        verdict = w.get("operator", api_path)
        allowed = isinstance(verdict, dict) and verdict.get("status") not in GONE
    else:
        verdict = w.get(role, api_path) if api_path else None
        allowed = (
            verdict not in (403, 404)
            if api_path
            else nav_allows(url.removeprefix(render.PREFIX).split("?")[0], role)
        )
    if not allowed and lang != LANGS[0]:
        return  # a refusal does not depend on the language: checked once
    if url.endswith(".csv"):  # a download: fetched with the page's session cookie
        status = page.context.request.get(w.url + url, max_redirects=0).status
    else:
        resp = page.goto(w.url + url, wait_until="domcontentloaded")
        status = resp.status if resp else 0
    if status >= 500:
        w.fail(url, f"{role}/{lang}: server error {status}")
        return
    if url.endswith(".csv"):
        if (status == 200) != allowed or status not in (200, 403, 404):
            w.fail(url, f"{role}: status {status}, the API {'allows' if allowed else 'refuses'}")
        return
    snap = page.evaluate(SNAPSHOT_JS, SKIP)
    if snap["lang"] != lang:
        w.fail(url, f"{role}: asked {lang}, page in {snap['lang']}")
    if not allowed:
        w.refused += 1
        if status not in (403, 404) and not page.url.endswith("/ui/signin"):
            w.fail(url, f"{role}/{lang}: not theirs, yet answered {status}")
        return
    if isinstance(verdict, int):  # the API refuses the object as bad input (422): so does the page
        if status != verdict:
            w.fail(url, f"{role}/{lang}: answered {status}, the API {verdict}")
        w.refused += 1
        return
    if status != 200:
        w.fail(url, f"{role}/{lang}: theirs, yet answered {status}")
        return
    w.visited += 1
    check_page(w, role, f"{url} ({role}/{lang})", snap)
    shots = os.environ.get("DASHBOARD_SHOTS")
    if shots:
        name = re.sub(r"[^a-z0-9]+", "-", url.lower()).strip("-")
        Path(shots).mkdir(parents=True, exist_ok=True)
        world = "factory" if w.every_page else "sim"
        page.screenshot(path=f"{shots}/{world}-{role}-{lang}-{name}.png", full_page=True)


def walk(browser: Any, w: Walk, roles: tuple[str, ...]) -> Iterator[str]:
    urls = [u for p in pages() for u in concrete(w, p)]
    host = urlsplit(w.url).hostname
    for role in roles:
        page = sign_in_with(browser, w.url, w.keys[role], locale=LANGS[0])
        for lang in LANGS:  # the language a reader picks (its cookie), then every page in it
            cookie = {"name": i18n.COOKIE, "value": lang, "domain": host, "path": render.PREFIX}
            page.context.add_cookies([cookie])
            for url, api_path in urls:
                visit(w, page, role, lang, url, api_path)
        page.context.close()
    for client in w.clients.values():
        client.close()
    yield from w.failures


def _report(w: Walk, label: str) -> None:
    print(
        f"{label}: {w.visited} pages shown, {w.refused} refused, {w.figures} figures and "
        f"{w.intervals} intervals checked"
    )
    assert not w.failures, "\n".join(w.failures)


def test_the_walk_covers_every_page() -> None:
    for path in pages():
        if path in PUBLIC:  # the community's public pages belong to no view: anyone sees them
            assert not any(path.startswith(v.removeprefix(render.PREFIX)) for v, _, _ in nav.VIEWS)
            continue
        if "{" in path:
            assert path in DETAIL, path
        nav_allows(path.split("{")[0], "operator")  # every page belongs to a view


def test_every_role_walks_every_page(browser: Any, site: Site) -> None:
    w = Walk(site.url, site.world.keys, every_page=True)
    list(walk(browser, w, ROLES))
    _report(w, "factory world")


def test_every_role_walks_every_report_page(browser: Any, sim_site: SimSite) -> None:
    w = Walk(sim_site.url, sim_site.keys, every_page=False)
    list(walk(browser, w, tuple(sim_site.keys)))
    _report(w, "simulated world")
