"""Administration of certificates: find one, revoke it with a reason (kept in the audit log and
shown on the public verification page and in the credential's status list)."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import or_
from sqlmodel import select
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from .. import db
from ..form_messages import REQUIRED, TOO_LONG
from ..models import Certificate, Role, User
from ..models.base import utcnow
from ..services import credentials
from ..views_common import roles_required
from .routes import bp

PAGE = 100


class RevokeForm(FlaskForm):
    reason = TextAreaField(_l("Reason for the revocation"),
                           validators=[DataRequired(message=REQUIRED), Length(max=500, message=TOO_LONG)])


@bp.route("/certificates")
@roles_required(Role.ADMIN)
def certificates():
    q = (request.args.get("q") or "").strip()[:200]
    query = select(Certificate, User).join(User, User.id == Certificate.user_id)
    if q:
        like = f"%{q}%"
        query = query.where(or_(Certificate.public_id == q, Certificate.holder_name.ilike(like),
                                User.email.ilike(like)))
    rows = list(db.session().exec(query.order_by(Certificate.issued_at.desc()).limit(PAGE)))
    return render_template("admin/certificates.html", rows=rows, q=q, now=utcnow())


@bp.route("/certificates/<public_id>/revoke", methods=["POST"])
@roles_required(Role.ADMIN)
def revoke_certificate(public_id: str):
    s = db.session()
    cert = s.exec(select(Certificate).where(Certificate.public_id == public_id[:40])).first()
    if cert is None:
        abort(404)
    form = RevokeForm()
    if not form.validate_on_submit():
        flash(_("The certificate was not revoked: give a reason (500 characters at most)."), "error")
    elif cert.revoked_at is not None:
        flash(_("This certificate was already revoked."), "info")
    else:
        credentials.revoke(s, cert, reason=form.reason.data, actor_id=current_user.id)
        flash(_("Certificate revoked: its public page and its credential's status now say so."), "success")
    return redirect(url_for("verify.certificate", public_id=cert.public_id))
