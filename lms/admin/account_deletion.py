"""An administrator deletes a person's account at their request (e.g. received by e-mail): the
same erasure as the person's own "Delete my account" (services/privacy.py), confirmed on a page."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import db
from ..account.forms import AdminDeleteForm
from ..models import Role, User
from ..services import privacy
from ..views_common import roles_required
from .routes import bp


@bp.route("/users/<int:user_id>/delete", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def delete_user(user_id: int):
    s = db.session()
    user = s.get(User, user_id)
    if user is None:
        abort(404)
    form = AdminDeleteForm()
    error, status = None, 200
    if user.id == current_user.id:
        error, status = _("To delete your own account, use the My data page."), 409
    elif user.deleted_at is not None:
        error, status = _("This account was deleted."), 409
    elif form.validate_on_submit():
        try:
            privacy.delete_account(s, user, actor_id=current_user.id, reason="admin")
        except privacy.PrivacyError as exc:
            error, status = str(exc), 409
        else:
            flash(_("The account was deleted and its data erased."), "success")
            return redirect(url_for("admin.users"))
    elif form.is_submitted():
        status = 400
    return render_template("admin/delete_user.html", user=user, form=form, error=error), status
