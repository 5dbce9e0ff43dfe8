"""What every view shares: partial-or-full rendering, role checks, template helpers."""
from __future__ import annotations

from functools import wraps
from typing import Callable

from flask import Flask, abort, current_app, g, make_response, render_template
from flask_babel import format_datetime
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from .extensions import htmx
from .markdown import render as render_markdown
from .models.content import loc


def wants_partial() -> bool:
    """A real htmx request for a fragment: not boosted navigation, not a history restore."""
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def render(full: str, partial: str, **context):
    """Render the partial for htmx requests and the full page otherwise; vary on HX-Request."""
    response = make_response(render_template(partial if wants_partial() else full, **context))
    response.headers.add("Vary", "HX-Request")
    return response


def roles_required(*roles: str) -> Callable:
    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)
        return wrapped
    return decorator


STATE_NAMES = {"draft": _l("draft"), "published": _l("published"), "archived": _l("archived")}


def state_name(status: str) -> str:
    return str(STATE_NAMES.get(status, status))


SECURITY_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "same-origin"),
    ("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                                "frame-ancestors 'none'; form-action 'self'"),
)


def init_app(app: Flask) -> None:
    @app.context_processor
    def helpers():
        lang = getattr(g, "lang", "en")
        return {
            "lang": lang,
            "loc": lambda texts: loc(texts, lang),
            "markdown": render_markdown,
            "org_name": current_app.config["ORG_NAME"],
            "fmt_dt": lambda dt, fmt="medium": format_datetime(dt, fmt) if dt else "",
            "state_name": state_name,
        }

    @app.after_request
    def security_headers(response):
        present = {name.lower() for name, _ in response.headers}  # one pass (setdefault scans per header)
        response.headers.extend([(name, value) for name, value in SECURITY_HEADERS if name.lower() not in present])
        return response
