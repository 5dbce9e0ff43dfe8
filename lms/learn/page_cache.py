"""Whole pages kept in memory between requests (per process, the least recently used dropped first),
keyed by every value their templates read, so that nothing needs invalidating.

A page is looked up by the key its view gives, which must determine the view's own template
variables (the lesson page: content version, lesson, the learner's progress version or progress),
plus what the layout reads: the signed-in person (id, name, role), the language, the request's
path and query (the language form's `next`). The CSRF token is not part of the key: the page is
stored with a per-process placeholder and each answer carries the token of its own request. A
request with flashed messages to show is rendered, never stored nor answered from memory.

The key's values are read at each request, so a stored page is only answered for the same inputs:
after a trainer's edit the content version differs, after a lesson is marked read the progress
version differs (raised by database triggers in the same transaction, migration 0014). A template
that starts reading a new value must add it to the key (tests/test_lesson_cache.py lists the
variables the lesson page reads and fails on a new one).
"""
from __future__ import annotations

import secrets
import time
from collections import OrderedDict
from threading import Lock
from typing import Callable, Hashable

from flask import current_app, g, render_template, request, session
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

MAX_PAGES = 1000
PLACEHOLDER = f"csrf-{secrets.token_hex(16)}"  # not guessable: content cannot contain it


class Pages:
    def __init__(self, size: int = MAX_PAGES) -> None:
        self.size = size
        self._pages: OrderedDict[Hashable, str] = OrderedDict()
        self.tokens: dict[str, tuple[float, str]] = {}  # session token -> (when, signed token): csrf_token()
        self._lock = Lock()

    def get(self, key: Hashable) -> str | None:
        with self._lock:
            page = self._pages.get(key)
            if page is not None:
                self._pages.move_to_end(key)
            return page

    def put(self, key: Hashable, page: str) -> None:
        with self._lock:
            self._pages[key] = page
            self._pages.move_to_end(key)
            while len(self._pages) > self.size:
                self._pages.popitem(last=False)


def _pages() -> Pages:
    pages = current_app.extensions.get("page_cache")
    if pages is None:
        pages = current_app.extensions["page_cache"] = Pages()
    return pages


def render(template: str, key: Hashable | None, context: Callable[[], dict]) -> str:
    """render_template(template, **context()), or the same page rendered earlier for the same key
    (context() is then not called). `key` None: rendered, not stored."""
    if key is None or "_flashes" in session or current_app.jinja_env.auto_reload:
        return render_template(template, **context())
    user = current_user._get_current_object()
    environ = request.environ  # what request.script_root and request.full_path are made from
    full_key = (template, key, user.id, user.name, user.role, g.lang, environ.get("SCRIPT_NAME"),
                environ.get("PATH_INFO"), environ.get("QUERY_STRING"))
    pages = _pages()
    page = pages.get(full_key)
    if page is None:
        page = render_template(template, csrf_token=lambda: PLACEHOLDER, **context())
        pages.put(full_key, page)
    return page.replace(PLACEHOLDER, csrf_token())


SIGNED_TOKEN_REUSE = 60  # seconds


def csrf_token() -> str:
    """generate_csrf(), reusing for up to a minute the signed token made for the same session token
    (signing costs more than the rest of a cached page). A form then expires at most a minute
    before its time limit (WTF_CSRF_TIME_LIMIT, an hour by default)."""
    raw = session.get("csrf_token")
    if not isinstance(raw, str) or "csrf_token" in g:
        return generate_csrf()
    now = time.monotonic()
    signed = _pages().tokens
    known = signed.get(raw)
    if known is not None and now - known[0] < SIGNED_TOKEN_REUSE:
        g.csrf_token = known[1]  # where Flask-WTF keeps the request's signed token
        return known[1]
    token = generate_csrf()
    if len(signed) >= MAX_PAGES * 10:
        signed.clear()  # bounded: the next requests sign again
    signed[raw] = (now, token)
    return token
