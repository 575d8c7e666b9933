"""Dashboard sessions: a cookie naming the signed-in principal, signed with the settings' secret.

The API key is used once, at sign-in, and never stored in the cookie or put in a URL. The cookie
holds ``<principal id>.<issued at>.<signature>``; the signature is an HMAC-SHA256 under a key
derived from the settings' secret and is compared in constant time. Every request reloads the
principal, so a revoked key ends its sessions at once. Forms carry a CSRF token derived from the
session cookie.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass

COOKIE = "st_session"
MAX_AGE_S = 12 * 3600


@dataclass(frozen=True)
class SessionKeys:
    key: bytes

    @classmethod
    def from_secret(cls, secret: bytes) -> SessionKeys:
        return cls(hmac.new(secret, b"seedtrail.web.session.v1", hashlib.sha256).digest())

    def _mac(self, message: str) -> str:
        return hmac.new(self.key, message.encode(), hashlib.sha256).hexdigest()

    def issue(self, principal_id: int, now: float | None = None) -> str:
        body = f"{principal_id}.{int(now if now is not None else time.time())}"
        return f"{body}.{self._mac(body)}"

    def verify(self, cookie: str | None, now: float | None = None) -> int | None:
        """The principal id of a valid, unexpired cookie; None otherwise."""
        if not cookie or cookie.count(".") != 2:
            return None
        pid, issued, mac = cookie.split(".")
        if not hmac.compare_digest(mac, self._mac(f"{pid}.{issued}")):
            return None
        if not (pid.isdecimal() and issued.isdecimal()):
            return None
        now = now if now is not None else time.time()
        if not 0 <= now - int(issued) <= MAX_AGE_S:
            return None
        return int(pid)

    def csrf(self, cookie: str) -> str:
        return self._mac("csrf:" + cookie)[:32]

    def check_csrf(self, cookie: str | None, token: str | None) -> bool:
        return bool(cookie and token) and hmac.compare_digest(self.csrf(cookie or ""), token or "")
