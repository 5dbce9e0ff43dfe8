"""A person's own data: what the platform holds and why, the download of all of it, and the
deletion of their account (the work is done by services/privacy.py)."""
from flask import Blueprint, Response, abort, current_app, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from .. import db
from ..learn.forms import EmptyForm
from ..services import privacy
from ..services.accounts import check_password
from .forms import DeleteAccountForm

bp = Blueprint("account", __name__, url_prefix="/account")


def _page(form: DeleteAccountForm, status: int = 200):
    s = db.session()
    return render_template("account/data.html", form=form, retention_days=privacy.retention_days(s),
                           can_delete=privacy.can_delete(s, current_user)), status


@bp.route("/data")
@login_required
def data():
    return _page(DeleteAccountForm())


@bp.route("/data/export", methods=["POST"])
@login_required
def export():
    if not EmptyForm().validate_on_submit():
        abort(400)
    body = privacy.export_zip(db.session(), current_user, g.lang)
    response = Response(body, mimetype="application/zip")
    response.headers["Content-Disposition"] = 'attachment; filename="my-data.zip"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/delete", methods=["POST"])
@login_required
def delete():
    form = DeleteAccountForm()
    s = db.session()
    if not form.validate_on_submit():
        return _page(form, 400)
    if not check_password(current_user, form.password.data):
        form.password.errors = [_("Wrong password: your account was not deleted.")]
        return _page(form, 403)
    try:
        privacy.delete_account(s, current_user._get_current_object(), actor_id=current_user.id)
    except privacy.PrivacyError as exc:
        flash(str(exc), "error")
        return _page(form, 409)
    current_app.logger.info("account %s deleted at its holder's request", current_user.id)
    logout_user()
    flash(_("Your account and your data have been deleted. Certificates already issued can still be verified."),
          "success")
    return redirect(url_for("auth.login"))
