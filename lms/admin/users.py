"""Accounts as an admin sees them: change a person's role, switch an account off or on (each
change in the audit log)."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import or_
from sqlmodel import select
from wtforms import SelectChoice, SelectField
from wtforms.validators import InputRequired

from .. import db
from ..form_messages import REQUIRED
from ..models import Role, User
from ..services import user_admin
from ..views_common import roles_required
from .routes import bp

PAGE = 200
ROLE_NAMES = {Role.LEARNER.value: _l("Learner"), Role.TRAINER.value: _l("Trainer"), Role.HR.value: _l("HR"),
              Role.ADMIN.value: _l("Administrator")}


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=[SelectChoice(value, name) for value, name in ROLE_NAMES.items()],
                       validators=[InputRequired(message=REQUIRED)])


class ActiveForm(FlaskForm):
    active = SelectField(_l("Account"), choices=[SelectChoice("1", _l("active")), SelectChoice("0", _l("deactivated"))],
                         validators=[InputRequired(message=REQUIRED)])


def _user(user_id: int) -> User:
    user = db.session().get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.route("/users")
@roles_required(Role.ADMIN)
def users():
    q = (request.args.get("q") or "").strip()[:200]
    query = select(User)
    if q:
        query = query.where(or_(User.email.icontains(q, autoescape=True), User.name.icontains(q, autoescape=True)))
    rows = list(db.session().exec(query.order_by(User.email).limit(PAGE + 1)))
    return render_template("admin/users.html", rows=rows[:PAGE], more=len(rows) > PAGE, q=q,
                           role_names=ROLE_NAMES)


def _change(user_id: int, form: FlaskForm, apply) -> object:
    user = _user(user_id)
    if not form.validate_on_submit():
        abort(400)
    try:
        if apply(user):
            flash(_("Account of %(name)s saved.", name=user.name), "success")
    except user_admin.UserAdminError as exc:
        flash(str(exc), "error")
    return redirect(url_for("admin.users", q=request.args.get("q") or None))


@bp.route("/users/<int:user_id>/role", methods=["POST"])
@roles_required(Role.ADMIN)
def user_role(user_id: int):
    form = RoleForm()
    return _change(user_id, form, lambda user: user_admin.change_role(db.session(), current_user, user,
                                                                         form.role.data))


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@roles_required(Role.ADMIN)
def user_active(user_id: int):
    form = ActiveForm()
    return _change(user_id, form, lambda user: user_admin.set_active(db.session(), current_user, user,
                                                                        form.active.data == "1"))
