"""HR's overview: who is trained and certified. Status, dates and scores, never prompt text."""
from flask import Blueprint, render_template
from sqlmodel import select

from .. import db
from ..models import Certificate, Course, Role, User
from ..models.base import utcnow
from ..services import progress
from ..views_common import roles_required

bp = Blueprint("hr", __name__, url_prefix="/hr")


@bp.route("/")
@roles_required(Role.HR, Role.ADMIN)
def overview():
    s = db.session()
    courses = list(s.exec(select(Course).order_by(Course.position)))
    learners = list(s.exec(select(User).where(User.role == Role.LEARNER.value).order_by(User.name)))
    certs = {}
    for c in s.exec(select(Certificate).order_by(Certificate.issued_at)):
        certs[(c.user_id, c.course_id)] = c
    rows = [(u, [(progress.course_progress(s, u.id, c), certs.get((u.id, c.id))) for c in courses])
            for u in learners]
    return render_template("hr/overview.html", courses=courses, rows=rows, now=utcnow())
