"""HR invites people to choose their password: on import (the new accounts) and again, one person
at a time, from the people list or a person's page."""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlmodel import select

from .. import db
from ..auth.routes import safe_next
from ..models import User
from ..services import account_setup, mailer
from ..views_common import roles_required
from .forms import EmptyForm
from .routes import HR, bp


def send_invitations(user_ids: list[int]) -> None:
    """Invite these accounts (those without a password) and say in a flash message how it went."""
    if not user_ids:
        return
    s = db.session()
    users = []
    for i in range(0, len(user_ids), 500):
        users += s.exec(select(User).where(User.id.in_(user_ids[i:i + 500]))).all()
    todo = [u for u in users if account_setup.pending(u)]
    if not todo:
        flash(_("No invitation to send: these accounts already have a password or are switched off."), "info")
        return
    settings = current_app.config.get("SMTP") or mailer.SMTPSettings()
    try:
        result = account_setup.invite(s, settings, current_user, todo)
    except mailer.MailError as exc:
        current_app.logger.warning("invitations not sent: %s", exc)
        flash(_("The invitations could not be sent: no e-mail server answers (LMS_SMTP_HOST). Send them again "
                "from the people list later."), "error")
        return
    if result.sent:
        flash(_("%(num)d invitation(s) sent.", num=len(result.sent)), "success")
    if result.failed:
        flash(_("%(num)d invitation(s) could not be sent: %(emails)s", num=len(result.failed),
                emails=", ".join(u.email for u, _reason in result.failed[:10])), "error")


def queue_invitations(user_ids: list[int]) -> None:
    """Invite the accounts of an import in the background, so that thousands of e-mails never hold
    the page; without a configured e-mail server (or a queue), at once, which says what went wrong."""
    if not user_ids:
        return
    settings = current_app.config.get("SMTP") or mailer.SMTPSettings()
    if settings.configured and current_app.extensions["queue"].invite(user_ids, current_user.id):
        flash(_("Invitations to %(num)d new account(s) are being sent. Each invitation sent is recorded in the "
                "audit log; from the people list you can send one again.", num=len(user_ids)), "info")
        return
    send_invitations(user_ids)


@bp.route("/people/<int:user_id>/invite", methods=["POST"])
@roles_required(*HR)
def invite(user_id: int):
    user = db.session().get(User, user_id) or abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    send_invitations([user.id])
    return redirect(safe_next(request.form.get("next") or url_for("hr.person", user_id=user.id)))
