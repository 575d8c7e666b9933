"""Link destinations: safe web URLs on a partner's allowed hosts, app deep links, mini programs.

A destination is checked when a partner or offer is created, so a redirect can never be turned
into an open redirect: https only (http only for a partner explicitly allowed it), no port but the
scheme's own, no userinfo, no backslashes or control characters, no internationalised (look-alike)
host names unless the partner lists them, and only hosts the partner allows (``example.com`` or
``*.example.com``). An app deep link uses the partner's own app scheme with the same host rules
(``taobao://item.taobao.com/...``): never a scheme that opens a browser (``intent:``,
``googlechrome:``, ``x-safari-https:`` ...), never a second URL inside it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from seedtrail.core.errors import UnsafeDestination

_FORBIDDEN_SCHEMES = {"javascript", "data", "vbscript", "file", "blob", "about", "filesystem"}
_HOST_RE = re.compile(r"^(\*\.)?([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_APP_SCHEME_RE = re.compile(r"^[a-z][a-z0-9+.-]{1,31}$")
_PLACEHOLDER_RE = re.compile(r"\{([a-z_]+)\}")
_ALLOWED_PLACEHOLDERS = {"item_id"}
_DEFAULT_PORTS = {"https": 443, "http": 80}
# Schemes (prefixes) that open a browser, or hand a URL to one, at whatever site they name.
_BROWSER_SCHEMES = (
    "intent",
    "android-app",
    "googlechrome",
    "chrome",
    "x-safari",
    "safari",
    "microsoft-edge",
    "edge",
    "firefox",
    "fennec",
    "focus",
    "opera",
    "brave",
    "vivaldi",
    "duckduckgo",
    "yandexbrowser",
    "samsunginternet",
    "ucbrowser",
    "mqqbrowser",
    "quark",
    "x-web-search",
    "web+",
)
# A second URL inside a deep link (``?url=https://...``, percent-encoded or not).
_EMBEDDED_URL = re.compile(r"://|%3a%2f|%3a/|:%2f|\b(?:https?|ftp)(?::|%3a)")


def normalize_host_pattern(pattern: str) -> str:
    """Validate one allowed-host pattern (``shop.example.com`` or ``*.example.com``)."""
    p = pattern.strip().lower().rstrip(".")
    if not _HOST_RE.match(p):
        raise UnsafeDestination(f"allowed host {pattern!r} is not a plain DNS name or *.name")
    return p


def host_allowed(host: str, patterns: list[str]) -> bool:
    for pattern in patterns:
        if pattern.startswith("*."):
            if host.endswith(pattern[1:]) and host != pattern[2:]:
                return True
            if host == pattern[2:]:
                return True
        elif host == pattern:
            return True
    return False


def _raw_checks(url: str, what: str) -> None:
    if not url or len(url) > 2000:
        raise UnsafeDestination(f"{what} must be 1 to 2000 characters")
    if any(ord(ch) < 0x21 or ord(ch) == 0x7F for ch in url):
        raise UnsafeDestination(f"{what} contains whitespace or control characters")
    if "\\" in url:
        raise UnsafeDestination(f"{what} contains a backslash")


def _host(url: str, what: str) -> tuple[str, str, int | None]:
    """``(scheme, host, port)`` of ``url``; a netloc Python cannot parse (full-width ``／＃＠？``
    that NFKC turns into delimiters, a bracketed name that is not an IP) is refused, not raised."""
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError as exc:
        raise UnsafeDestination(f"{what} has an unparseable host or port ({exc})") from None
    if "@" in parts.netloc or parts.username is not None or parts.password is not None:
        raise UnsafeDestination(f"{what} must not contain user information (user@host)")
    if "[" in parts.netloc or "]" in parts.netloc:
        raise UnsafeDestination(f"{what} must name its host, not an IP literal")
    return parts.scheme.lower(), (host or "").rstrip("."), port


def _check_host(host: str, allowed_hosts: list[str], what: str) -> None:
    if not host:
        raise UnsafeDestination(f"{what} has no host")
    idn = not host.isascii() or any(label.startswith("xn--") for label in host.split("."))
    if idn and host not in allowed_hosts:
        raise UnsafeDestination(
            f"{what} host {host!r} is an internationalised name (possible look-alike)"
        )
    if not host_allowed(host.lower(), allowed_hosts):
        raise UnsafeDestination(f"{what} host {host!r} is not among the partner's allowed hosts")


def check_web_url(
    url: str, allowed_hosts: list[str], *, what: str = "destination URL", allow_http: bool = False
) -> str:
    """Return ``url`` if it is a safe web destination on one of ``allowed_hosts``: https, or
    http too when the partner is explicitly allowed it (``allow_http``)."""
    _raw_checks(url, what)
    scheme, host, port = _host(url, what)
    if scheme in _FORBIDDEN_SCHEMES:
        raise UnsafeDestination(f"{what} uses the forbidden scheme {scheme}:")
    schemes = ("https", "http") if allow_http else ("https",)
    if scheme not in schemes:
        allowed = " or ".join(schemes)
        raise UnsafeDestination(f"{what} must be an {allowed} URL, not {scheme or 'relative'}")
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        raise UnsafeDestination(f"{what} uses the non-standard port {port}")
    _check_host(host, allowed_hosts, what)
    return url


def check_template(template: str, *, what: str) -> None:
    names = set(_PLACEHOLDER_RE.findall(template))
    unknown = names - _ALLOWED_PLACEHOLDERS
    if unknown:
        raise UnsafeDestination(f"{what} uses unknown placeholders {sorted(unknown)}")


def check_app_template(template: str, allowed_hosts: list[str]) -> str:
    """An app deep-link template in the partner's own app scheme, on one of its allowed hosts,
    e.g. ``taobao://item.taobao.com/item.htm?id={item_id}``."""
    what = "app URL template"
    _raw_checks(template, what)
    check_template(template, what=what)
    scheme = template.split(":", 1)[0].lower() if ":" in template else ""
    if not _APP_SCHEME_RE.match(scheme) or scheme in _FORBIDDEN_SCHEMES:
        raise UnsafeDestination(f"{what} has an unusable scheme {scheme!r}")
    if "http" in scheme or scheme.startswith(_BROWSER_SCHEMES):
        raise UnsafeDestination(
            f"{what} must use the partner's own app scheme, not {scheme!r}, which opens a browser"
        )
    if not template[len(scheme) :].startswith("://"):
        raise UnsafeDestination(f"{what} must look like {scheme}://<allowed host>/...")
    _, host, port = _host(template.replace("{item_id}", "1"), what)
    if port is not None:
        raise UnsafeDestination(f"{what} must not name a port")
    _check_host(host, allowed_hosts, what)
    rest = template.split("://", 1)[1].lower()
    if _EMBEDDED_URL.search(rest):
        raise UnsafeDestination(f"{what} must not carry another URL")
    return template


def fill(template: str, item_id: str) -> str:
    return template.replace("{item_id}", quote(item_id, safe=""))


@dataclass(frozen=True)
class Target:
    """Where a click goes. ``kind``: web (302 straight to ``web_url``), app (interstitial that
    tries ``app_url`` then falls back to ``web_url``) or mini_program (WeChat consent page)."""

    kind: str
    web_url: str | None
    app_url: str | None = None
    mini_program_app_id: str | None = None
    mini_program_path: str | None = None


def build_target(partner: dict[str, object], offer: dict[str, object]) -> Target:
    """Work out an offer's target from its partner; every URL is re-checked against the hosts."""
    hosts = [str(h) for h in partner["allowed_hosts"]]  # type: ignore[attr-defined]
    http = bool(partner.get("allow_http"))
    item_id = offer.get("item_id")
    web_url: str | None = None
    if offer.get("url"):
        web_url = check_web_url(str(offer["url"]), hosts, what="offer URL", allow_http=http)
    elif item_id and partner.get("web_url_template"):
        url = fill(str(partner["web_url_template"]), str(item_id))
        web_url = check_web_url(url, hosts, allow_http=http)
    if partner["kind"] == "mini_program":
        app_id = partner.get("mini_program_app_id")
        path_t = partner.get("mini_program_path_template")
        if not app_id or not path_t or not item_id:
            raise UnsafeDestination("mini-program offers need an item id and the partner's app id")
        path = str(path_t).replace("{item_id}", str(item_id))
        return Target("mini_program", web_url, None, str(app_id), path)
    app_url = None
    if item_id and partner.get("app_url_template"):
        template = check_app_template(str(partner["app_url_template"]), hosts)
        app_url = fill(template, str(item_id))
    if web_url is None:
        raise UnsafeDestination(
            "offer has no web destination: give a URL or an item id with a partner web URL template"
        )
    return Target("app" if app_url else "web", web_url, app_url)
