"""Trainers' review: the queue of attempts that need a human, and the override form."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import db
from ..models import Appeal, Attempt, Exercise, Override, Role, User
from ..services import review
from ..services.content import exercise_spec
from ..views_common import roles_required
from ..learn.forms import EmptyForm
from sqlmodel import select

bp = Blueprint("review", __name__, url_prefix="/review")


@bp.route("/")
@roles_required(Role.TRAINER, Role.ADMIN)
def queue():
    return render_template("review/queue.html", rows=review.queue(db.session(), current_user))


def _attempt(attempt_id: int) -> Attempt:
    s = db.session()
    attempt = s.get(Attempt, attempt_id)
    if attempt is None or not review.can_review(s, current_user, attempt):
        abort(404)
    return attempt


@bp.route("/attempts/<int:attempt_id>", methods=["GET", "POST"])
@roles_required(Role.TRAINER, Role.ADMIN)
def attempt(attempt_id: int):
    s = db.session()
    row = _attempt(attempt_id)
    exercise = s.get(Exercise, row.exercise_id)
    spec = exercise_spec(exercise)
    form = EmptyForm()
    error = None
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        values, comments = {}, {}
        for c in spec.criteria:
            raw = request.form.get(f"value-{c.id}", "")
            if raw not in ("", "0", "1", "2", "3", "4") or (c.kind != "judge" and raw not in ("", "0", "1")):
                abort(400)
            values[c.id] = int(raw) if raw != "" else None
            comments[c.id] = request.form.get(f"comment-{c.id}", "")[:2000]
        try:
            review.override(s, current_user, row, values, comments, request.form.get("comment", "")[:4000])
        except review.ReviewError as exc:
            error = str(exc)
        else:
            flash(_("The review is saved and the learner has been notified."), "success")
            return redirect(url_for("review.queue"))
    learner = s.get(User, row.user_id)
    appeal = s.exec(select(Appeal).where(Appeal.attempt_id == row.id)).first()
    history = list(s.exec(select(Override, User).join(User, Override.reviewer_id == User.id)
                          .where(Override.attempt_id == row.id).order_by(Override.created_at)))
    return render_template("review/attempt.html", attempt=row, exercise=exercise, spec=spec, learner=learner,
                           appeal=appeal, history=history, form=form, error=error,
                           results={c["id"]: c for c in (row.report or {}).get("criteria", [])}), 400 if error else 200
