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
from seedtrail.messages import N_, Msg, term

_FORBIDDEN_SCHEMES = {"javascript", "data", "vbscript", "file", "blob", "about", "filesystem"}
_HOST_RE = re.compile(r"^(\*\.)?([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_APP_SCHEME_RE = re.compile(r"^[a-z][a-z0-9+.-]{1,31}$")
_PLACEHOLDER_RE = re.compile(r"\{([a-z_]+)\}")
_ALLOWED_PLACEHOLDERS = {"item_id"}
_DEFAULT_PORTS = {"https": 443, "http": 80}
#: What a checked destination is (the ``what`` of the checks), a word of the ``destination`` family
WHATS = (
    *(N_("destination.url"), N_("destination.offer_url"), N_("destination.web_template")),
    *(N_("destination.app_template"), N_("destination.path_template")),
)
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
        raise UnsafeDestination(
            Msg("problem.unsafe-destination.allowed_host", {"pattern": repr(pattern)})
        )
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
        raise UnsafeDestination(
            Msg("problem.unsafe-destination.length", {"what": term("destination", what)})
        )
    if any(ord(ch) < 0x21 or ord(ch) == 0x7F for ch in url):
        raise UnsafeDestination(
            Msg("problem.unsafe-destination.control", {"what": term("destination", what)})
        )
    if "\\" in url:
        raise UnsafeDestination(
            Msg("problem.unsafe-destination.backslash", {"what": term("destination", what)})
        )


def _host(url: str, what: str) -> tuple[str, str, int | None]:
    """``(scheme, host, port)`` of ``url``; a netloc Python cannot parse (full-width ``／＃＠？``
    that NFKC turns into delimiters, a bracketed name that is not an IP) is refused, not raised."""
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError as exc:
        raise UnsafeDestination(
            Msg(
                "problem.unsafe-destination.unparseable",
                {"what": term("destination", what), "error": str(exc)},
            )
        ) from None
    if "@" in parts.netloc or parts.username is not None or parts.password is not None:
        raise UnsafeDestination(
            Msg("problem.unsafe-destination.userinfo", {"what": term("destination", what)})
        )
    if "[" in parts.netloc or "]" in parts.netloc:
        raise UnsafeDestination(
            Msg("problem.unsafe-destination.ip_literal", {"what": term("destination", what)})
        )
    return parts.scheme.lower(), (host or "").rstrip("."), port


def _check_host(host: str, allowed_hosts: list[str], what: str) -> None:
    if not host:
        raise UnsafeDestination(
            Msg("problem.unsafe-destination.no_host", {"what": term("destination", what)})
        )
    idn = not host.isascii() or any(label.startswith("xn--") for label in host.split("."))
    if idn and host not in allowed_hosts:
        raise UnsafeDestination(
            Msg(
                "problem.unsafe-destination.idn",
                {"what": term("destination", what), "host": repr(host)},
            )
        )
    if not host_allowed(host.lower(), allowed_hosts):
        raise UnsafeDestination(
            Msg(
                "problem.unsafe-destination.host",
                {"what": term("destination", what), "host": repr(host)},
            )
        )


def check_web_url(
    url: str, allowed_hosts: list[str], *, what: str = "url", allow_http: bool = False
) -> str:
    """Return ``url`` if it is a safe web destination on one of ``allowed_hosts``: https, or
    http too when the partner is explicitly allowed it (``allow_http``)."""
    _raw_checks(url, what)
    scheme, host, port = _host(url, what)
    if scheme in _FORBIDDEN_SCHEMES:
        raise UnsafeDestination(
            Msg(
                "problem.unsafe-destination.forbidden_scheme",
                {"what": term("destination", what), "scheme": scheme},
            )
        )
    schemes = ("https", "http") if allow_http else ("https",)
    if scheme not in schemes:
        allowed = " or ".join(schemes)
        raise UnsafeDestination(
            Msg(
                "problem.unsafe-destination.scheme",
                {
                    "what": term("destination", what),
                    "allowed": allowed,
                    "scheme": scheme or "relative",
                },
            )
        )
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        raise UnsafeDestination(
            Msg(
                "problem.unsafe-destination.port", {"what": term("destination", what), "port": port}
            )
        )
    _check_host(host, allowed_hosts, what)
    return url


def check_template(template: str, *, what: str) -> None:
    names = set(_PLACEHOLDER_RE.findall(template))
    unknown = names - _ALLOWED_PLACEHOLDERS
    if unknown:
        raise UnsafeDestination(
            Msg(
                "problem.unsafe-destination.placeholders",
                {"what": term("destination", what), "names": str(sorted(unknown))},
            )
        )


def check_app_template(template: str, allowed_hosts: list[str]) -> str:
    """An app deep-link template in the partner's own app scheme, on one of its allowed hosts,
    e.g. ``taobao://item.taobao.com/item.htm?id={item_id}``."""
    what = "app_template"
    _raw_checks(template, what)
    check_template(template, what=what)
    scheme = template.split(":", 1)[0].lower() if ":" in template else ""
    if not _APP_SCHEME_RE.match(scheme) or scheme in _FORBIDDEN_SCHEMES:
        raise UnsafeDestination(
            Msg(
                "problem.unsafe-destination.app_scheme",
                {"what": term("destination", what), "scheme": repr(scheme)},
            )
        )
    if "http" in scheme or scheme.startswith(_BROWSER_SCHEMES):
        raise UnsafeDestination(
            Msg(
                "problem.unsafe-destination.browser_scheme",
                {"what": term("destination", what), "scheme": repr(scheme)},
            )
        )
    if not template[len(scheme) :].startswith("://"):
        raise UnsafeDestination(
            Msg(
                "problem.unsafe-destination.app_form",
                {"what": term("destination", what), "scheme": scheme},
            )
        )
    _, host, port = _host(template.replace("{item_id}", "1"), what)
    if port is not None:
        raise UnsafeDestination(
            Msg("problem.unsafe-destination.app_port", {"what": term("destination", what)})
        )
    _check_host(host, allowed_hosts, what)
    rest = template.split("://", 1)[1].lower()
    if _EMBEDDED_URL.search(rest):
        raise UnsafeDestination(
            Msg("problem.unsafe-destination.embedded", {"what": term("destination", what)})
        )
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
        web_url = check_web_url(str(offer["url"]), hosts, what="offer_url", allow_http=http)
    elif item_id and partner.get("web_url_template"):
        url = fill(str(partner["web_url_template"]), str(item_id))
        web_url = check_web_url(url, hosts, allow_http=http)
    if partner["kind"] == "mini_program":
        app_id = partner.get("mini_program_app_id")
        path_t = partner.get("mini_program_path_template")
        if not app_id or not path_t or not item_id:
            raise UnsafeDestination(Msg("problem.unsafe-destination.mini_program_offer"))
        path = str(path_t).replace("{item_id}", str(item_id))
        return Target("mini_program", web_url, None, str(app_id), path)
    app_url = None
    if item_id and partner.get("app_url_template"):
        template = check_app_template(str(partner["app_url_template"]), hosts)
        app_url = fill(template, str(item_id))
    if web_url is None:
        raise UnsafeDestination(Msg("problem.unsafe-destination.no_web"))
    return Target("app" if app_url else "web", web_url, app_url)
