"""Choosing a password from an e-mailed link (an invitation or a reset), and asking for a reset.
The link's token is checked by services.account_setup; the page is never cached nor referred."""
from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import login_user

from .. import db
from ..services import account_setup
from .forms import PasswordForm, ResetRequestForm
from .routes import bp

PROBLEMS = {
    "invalid": lambda: _("This link is not valid: it may have been copied incompletely."),
    "expired": lambda: _("This link has expired."),
    "used": lambda: _("This link was already used: the password has been chosen since."),
}


def _private(response, status: int = 200):
    return response, status, {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


@bp.route("/account/setup/<token>", methods=["GET", "POST"])
def setup_account(token: str):
    s = db.session()
    check = account_setup.check_token(s, token)
    if check.problem:
        return _private(render_template("auth/setup.html", problem=PROBLEMS[check.problem](), form=None), 400)
    form = PasswordForm()
    if form.validate_on_submit():
        account_setup.set_password(s, check.user, form.password.data, check.purpose)
        login_user(check.user)
        flash(_("Your password is saved. Welcome!"), "success")
        return redirect(url_for("learn.dashboard"))
    return _private(render_template("auth/setup.html", form=form, person=check.user, purpose=check.purpose,
                                    min_length=account_setup.MIN_PASSWORD, problem=None),
                    400 if form.errors else 200)


@bp.route("/account/reset", methods=["GET", "POST"])
def reset_request():
    form = ResetRequestForm()
    if form.validate_on_submit():
        settings = current_app.config.get("SMTP")
        msg = None
        if settings is not None and settings.configured:
            msg = account_setup.reset_message(db.session(), settings, form.email.data)
        else:
            current_app.logger.warning("password reset asked but no SMTP server is configured (LMS_SMTP_HOST)")
        flash(_("If an active account has this address, a message with a link to choose a new password is on "
                "its way. Check your inbox (and your spam folder)."), "info")
        response = redirect(url_for("auth.login"))
        if msg is not None:  # sent once the answer is out: the same delay whether or not the account exists
            response.call_on_close(lambda: account_setup.send_later(settings, msg))
        return response
    return render_template("auth/reset.html", form=form), 400 if form.errors else 200
