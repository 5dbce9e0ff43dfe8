"""Error pages written for people, in both languages; never a stack trace."""
import logging

from flask import Flask, g, render_template
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from . import db

log = logging.getLogger(__name__)

# The database is unreachable (restarted, failed over, too many connections) or busy.
DATABASE_DOWN = (OperationalError, InterfaceError, PoolTimeout)


def init_app(app: Flask) -> None:
    def page(code: int):
        def handler(error):
            return render_template("errors/error.html", code=code), code
        return handler

    for code in (400, 403, 404, 405, 413, 500):
        app.register_error_handler(code, page(code))

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_template("errors/error.html", code=400, csrf=True), 400

    def database_unavailable(error):
        """A clean 503 while the database is away; the pool replaces closed connections afterwards,
        without a restart. The page is rendered without touching the database."""
        log.warning("database unavailable: %s", str(error).splitlines()[0][:300])
        db.close_request()
        from .extensions import login_manager

        from . import select_locale

        g._login_user = login_manager.anonymous_user()  # the page cannot load the account now
        g.lang = select_locale()  # from the session or the browser, then
        response = app.make_response((render_template("errors/error.html", code=503), 503))
        response.headers["Retry-After"] = "30"
        return response

    for exc_class in DATABASE_DOWN:
        app.register_error_handler(exc_class, database_unavailable)
