"""The Flask application factory."""
from __future__ import annotations

import os

from flask import Flask, g, has_request_context, request, session
from flask_login import current_user

from . import config as config_module
from . import db
from .extensions import babel, csrf, htmx, login_manager

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")


def select_locale() -> str:
    if not has_request_context():  # the CLI and the workers speak English
        return "en"
    if current_user and current_user.is_authenticated and current_user.locale:
        return current_user.locale
    if session.get("lang") in ("en", "fr"):
        return session["lang"]
    return request.accept_languages.best_match(["en", "fr"]) or "en"


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_path=os.environ.get("LMS_INSTANCE_PATH") or None,
                instance_relative_config=True, static_folder=str(config_module.PROJECT_ROOT / "static"))
    app.config.update(config_module.load(app.instance_path))
    if test_config:
        app.config.update(test_config)
    if app.config.get("TRUSTED_PROXIES"):  # behind a load balancer: the client address is in X-Forwarded-For
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)

    from .session_cookie import CookieSessions

    app.session_interface = CookieSessions()
    db.init_app(app)
    csrf.init_app(app)
    htmx.init_app(app)
    login_manager.init_app(app)
    babel.init_app(app, locale_selector=select_locale)

    from graders import LLMClient, LLMSettings

    app.extensions["llm"] = test_config.get("LLM") if test_config and "LLM" in test_config \
        else LLMClient(LLMSettings.from_env())
    from .queue import GradingQueue

    app.extensions["queue"] = GradingQueue(app)
    from .services import xapi

    xapi.init_app(app)  # LMS_XAPI_*: statements for the organisation's LRS, delivered by the queue

    from .services import accounts

    @login_manager.user_loader
    def load_user(user_id: str):
        user = accounts.signed_in(db.connection(), int(user_id)) if user_id.isdigit() else None
        if user is None or not user.active:  # switched off or deleted: signed out
            return None
        return db.attach(user)

    from . import admin, author, auth, credentials, errors, hr, learn, review, verify, views_common
    from .admin import certificates as _admin_certificates  # noqa: F401 (its routes, on admin.bp)
    from .admin import account_deletion as _admin_account_deletion  # noqa: F401 (its routes, on admin.bp)

    for module in (auth, learn, verify, credentials, review, author, hr, admin):
        app.register_blueprint(module.bp)
    from . import account

    app.register_blueprint(account.bp)
    errors.init_app(app)
    views_common.init_app(app)

    @app.before_request
    def _start_timer():
        g.lang = select_locale()

    return app
