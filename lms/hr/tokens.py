"""The admin's page of API tokens for the HR information system: create (shown once), revoke."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import db
from ..models import ApiToken, Role
from ..services import api_tokens
from ..views_common import roles_required
from .forms import EmptyForm, TokenForm

bp = Blueprint("api_tokens", __name__, url_prefix="/admin/api-tokens")


def _page(form: TokenForm, new_token: str | None = None, status: int = 200):
    body = render_template("hr/api_tokens.html", form=form, rows=api_tokens.listing(db.session()),
                           new_token=new_token, revoke_form=EmptyForm())
    return body, status, {"Cache-Control": "no-store"}


@bp.route("/", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def index():
    form = TokenForm()
    if form.validate_on_submit():
        _row, token = api_tokens.create(db.session(), current_user, form.name.data)
        return _page(TokenForm(formdata=None), new_token=token)
    if form.is_submitted():
        flash(_("Give the token a name (120 characters at most)."), "error")
        return _page(form, status=422)
    return _page(form)


@bp.route("/<int:token_id>/revoke", methods=["POST"])
@roles_required(Role.ADMIN)
def revoke(token_id: int):
    s = db.session()
    row = s.get(ApiToken, token_id) or abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    api_tokens.revoke(s, current_user, row)
    flash(_("Token revoked: the systems that use it are refused from now on."), "success")
    return redirect(url_for("api_tokens.index"))
