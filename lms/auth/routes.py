from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from .. import db
from ..models.base import utcnow
from ..services import login_throttle
from ..services.accounts import authenticate, user_id_for
from ..services.audit import audit
from .forms import LanguageForm, LoginForm

bp = Blueprint("auth", __name__)


def safe_next(target: str | None) -> str:
    """Only same-site relative paths; anything else goes to the dashboard."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("learn.dashboard")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("learn.dashboard"))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        s, now, ip = db.session(), utcnow(), request.remote_addr
        email = form.email.data.strip().lower()
        limits = login_throttle.Limits.from_config(current_app.config)
        block = login_throttle.blocked(s, email, ip, limits, now)
        if block is not None:
            if block.reason == "account":  # the refused attempts on a locked address stay visible
                audit(s, None, "login_failed", _target(s, email), ip=ip, reason="locked")
                s.commit()
            return _refused(form, block)
        user = authenticate(s, email, form.password.data)
        if user:
            login_throttle.clear(s, email)
            audit(s, user.id, "login_succeeded", f"user:{user.id}", ip=ip)
            if session.get("lang") in ("en", "fr") and user.locale != session["lang"]:
                user.locale = session["lang"]
                s.add(user)
            s.commit()
            login_user(user)
            return redirect(safe_next(form.next.data))
        locked = login_throttle.record_failure(s, email, ip, limits, now)
        target = _target(s, email)
        audit(s, None, "login_failed", target, ip=ip)
        if "account" in locked:
            audit(s, None, "login_locked", target, ip=ip, minutes=_minutes(limits.lockout))
            block = login_throttle.Block("account", limits.lockout)
        if "ip" in locked:
            audit(s, None, "login_ip_limited", f"ip:{ip}", minutes=_minutes(limits.window))
        s.commit()
        if block is not None:
            return _refused(form, block)
        flash(_("Wrong e-mail address or password."), "error")
        return render_template("auth/login.html", form=form), 401
    return render_template("auth/login.html", form=form), 400 if form.errors else 200


def _minutes(seconds: int) -> int:
    return max(1, -(-seconds // 60))


def _target(s, email: str) -> str:
    """The account an attempt was aimed at (for the audit log only, never shown to the visitor)."""
    user_id = user_id_for(s, email)
    return f"user:{user_id}" if user_id else f"email:{email[:110]}"


def _refused(form: LoginForm, block: login_throttle.Block):
    """429 with Retry-After; the same words whether or not an account has this address."""
    minutes = _minutes(block.retry_after)
    if block.reason == "ip":
        flash(_("Too many failed sign-ins from your network. Try again in %(minutes)d minute(s).",
                minutes=minutes), "error")
    else:
        flash(_("Too many failed sign-ins with this e-mail address: signing in with it is paused for "
                "%(minutes)d minute(s). Try again later, or ask for a new password.", minutes=minutes), "error")
    return render_template("auth/login.html", form=form), 429, {"Retry-After": str(block.retry_after)}


@bp.route("/logout", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        audit(db.session(), current_user.id, "logout", f"user:{current_user.id}")
        db.session().commit()
    logout_user()
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/language", methods=["POST"])
def language():
    form = LanguageForm()
    if form.validate_on_submit():
        session["lang"] = form.lang.data
        if current_user.is_authenticated:
            current_user.locale = form.lang.data
            db.session().add(current_user)
            db.session().commit()
    return redirect(safe_next(form.next.data))
