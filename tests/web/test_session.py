from __future__ import annotations

from seedtrail.web.session import MAX_AGE_S, SessionKeys

KEYS = SessionKeys.from_secret(b"s3cret")


def test_a_cookie_names_its_principal_until_it_expires() -> None:
    cookie = KEYS.issue(7, now=1000.0)
    assert KEYS.verify(cookie, now=1000.0 + 60) == 7
    assert KEYS.verify(cookie, now=1000.0 + MAX_AGE_S + 1) is None
    assert KEYS.verify(cookie, now=900.0) is None  # issued in the future


def test_tampered_or_foreign_cookies_are_refused() -> None:
    cookie = KEYS.issue(7, now=1000.0)
    pid, issued, mac = cookie.split(".")
    assert KEYS.verify(f"8.{issued}.{mac}", now=1001) is None
    assert KEYS.verify(f"{pid}.{issued}.{'0' * len(mac)}", now=1001) is None
    assert SessionKeys.from_secret(b"other").verify(cookie, now=1001) is None
    for junk in (None, "", "abc", "1.2", "a.b.c.d"):
        assert KEYS.verify(junk, now=1001) is None


def test_csrf_token_is_bound_to_the_session() -> None:
    a, b = KEYS.issue(1, now=1.0), KEYS.issue(2, now=1.0)
    assert KEYS.check_csrf(a, KEYS.csrf(a))
    assert not KEYS.check_csrf(a, KEYS.csrf(b))
    assert not KEYS.check_csrf(a, None)
    assert not KEYS.check_csrf(None, KEYS.csrf(a))
