"""Pseudonymous viewer keys: from a header the app sets, or a signed first-party cookie."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

COOKIE = "st_v"
HEADER = "x-seedtrail-viewer"
_KEY_RE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


class ViewerKeys:
    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def _sign(self, key: str) -> str:
        mac = hmac.new(self._secret, key.encode(), hashlib.sha256).digest()[:12]
        return base64.urlsafe_b64encode(mac).decode().rstrip("=")

    def cookie_value(self, key: str) -> str:
        return f"{key}.{self._sign(key)}"

    def from_cookie(self, value: str) -> str | None:
        key, _, sig = value.partition(".")
        if not _KEY_RE.match(key) or not hmac.compare_digest(sig, self._sign(key)):
            return None
        return key

    @staticmethod
    def from_header(value: str) -> str | None:
        return value if _KEY_RE.match(value) else None

    @staticmethod
    def new() -> str:
        return secrets.token_urlsafe(12)


def cookie_from_header(cookie_header: str) -> str | None:
    for part in cookie_header.split(";"):
        name, _, value = part.strip().partition("=")
        if name == COOKIE:
            return value
    return None
