"""Trainers' review queue: attempts that need a human (awaiting a trainer, delayed, in error)."""
from flask import Blueprint, render_template
from sqlmodel import select

from .. import db
from ..models import Attempt, AttemptStatus, Exercise, Role, User
from ..views_common import roles_required

bp = Blueprint("review", __name__, url_prefix="/review")
NEEDS_HUMAN = [AttemptStatus.AWAITING_REVIEW.value, AttemptStatus.DELAYED.value, AttemptStatus.ERROR.value]


@bp.route("/")
@roles_required(Role.TRAINER, Role.ADMIN)
def queue():
    rows = list(db.session().exec(
        select(Attempt, Exercise, User).join(Exercise, Attempt.exercise_id == Exercise.id)
        .join(User, Attempt.user_id == User.id)
        .where(Attempt.status.in_(NEEDS_HUMAN)).order_by(Attempt.created_at).limit(200)))
    return render_template("review/queue.html", rows=rows)
