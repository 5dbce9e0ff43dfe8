"""Flask's signed-cookie sessions, with each cookie's decoding kept per process.

A signed-in person's browser sends the same session cookie with every page until the session
changes; checking its signature, inflating and parsing it again each time cost more than a cached
lesson page itself. The decoded contents are kept, keyed by the exact Cookie header (so that the
header need not even be parsed), whose session cookie was verified with the secret key the first
time: an altered cookie makes another key and is verified as usual. The cookie's signing time is kept with it, so that an expired cookie is refused as before,
from memory too. Only sessions whose values are all plain strings, numbers or booleans are kept
(one with flashed messages, say, holds a list that a request could change in place); each request
gets its own copy.
"""
from __future__ import annotations

import time
from threading import Lock

from flask import Flask
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import BadSignature
from werkzeug.wrappers import Request

MAX_COOKIES = 10_000
_PLAIN = (str, int, float, bool, type(None))


class CookieSessions(SecureCookieSessionInterface):
    def __init__(self, size: int = MAX_COOKIES) -> None:
        self.size = size
        self._decoded: dict[str, tuple[float, dict]] = {}
        self._lock = Lock()

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        header = request.environ.get("HTTP_COOKIE")
        if not header:
            return super().open_session(app, request)
        max_age = int(app.permanent_session_lifetime.total_seconds())
        known = self._decoded.get(header)  # the same header: the same session cookie, unparsed
        if known is not None and time.time() - known[0] <= max_age:
            return self.session_class(known[1])
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return super().open_session(app, request)
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        try:
            data, signed_at = serializer.loads(value, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        if all(isinstance(v, _PLAIN) for v in data.values()):
            with self._lock:
                if len(self._decoded) >= self.size:
                    self._decoded.clear()  # simple and bounded: the next requests decode again
                self._decoded[header] = (signed_at.timestamp(), data)
        return self.session_class(data)
