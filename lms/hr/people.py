"""HR's view of people: the list, one person's tracks, certificates and attempts (status, dates,
scores). The text of a prompt is shown only when an admin allows it (`hr_can_read_prompts`), and
each reading is written to the audit log."""
from __future__ import annotations

from flask import abort, render_template, request
from flask_login import current_user
from sqlalchemy import func, or_
from sqlmodel import select

from .. import db
from ..models import Attempt, Certificate, Cohort, CohortMember, Department, DepartmentMember, Exercise, User
from ..models.base import utcnow
from ..services import hr_org, review, settings
from ..views_common import roles_required
from .forms import EmptyForm
from .routes import HR, bp

PAGE = 50


@bp.route("/people")
@roles_required(*HR)
def people():
    s = db.session()
    q = (request.args.get("q") or "").strip()[:200]
    page = max(request.args.get("page", 1, type=int), 1)
    query = (select(User, Department.path).outerjoin(DepartmentMember, DepartmentMember.user_id == User.id)
             .outerjoin(Department, Department.id == DepartmentMember.department_id))
    if q:
        like = f"%{q}%"
        query = query.where(or_(User.name.ilike(like), User.email.ilike(like), Department.path.ilike(like)))
    total = s.exec(select(func.count()).select_from(query.subquery())).one()
    rows = list(s.exec(query.order_by(User.name, User.id).offset((page - 1) * PAGE).limit(PAGE)))
    return render_template("hr/people.html", rows=rows, q=q, page=page, pages=max(1, -(-total // PAGE)),
                           total=total, invite_form=EmptyForm())


@bp.route("/people/<int:user_id>")
@roles_required(*HR)
def person(user_id: int):
    s = db.session()
    user = s.get(User, user_id) or abort(404)
    department = s.exec(select(Department).join(DepartmentMember, DepartmentMember.department_id == Department.id)
                        .where(DepartmentMember.user_id == user.id)).first()
    cohorts = list(s.exec(select(Cohort.name).join(CohortMember, CohortMember.cohort_id == Cohort.id)
                          .where(CohortMember.user_id == user.id).order_by(Cohort.name)))
    certificates = list(s.exec(select(Certificate).where(Certificate.user_id == user.id)
                               .order_by(Certificate.issued_at.desc())))
    attempts = list(s.exec(select(Attempt.id, Attempt.created_at, Attempt.status, Attempt.score, Attempt.passed,
                                  Exercise.title, Exercise.version)
                           .join(Exercise, Exercise.id == Attempt.exercise_id).where(Attempt.user_id == user.id)
                           .order_by(Attempt.created_at.desc()).limit(100)))
    return render_template("hr/person.html", person=user, department=department, cohorts=cohorts,
                           assignments=hr_org.my_assignments(s, user.id), certificates=certificates,
                           attempts=attempts, can_read=settings.get(s, "hr_can_read_prompts"), now=utcnow(),
                           invite_form=EmptyForm())


@bp.route("/attempts/<int:attempt_id>")
@roles_required(*HR)
def attempt(attempt_id: int):
    s = db.session()
    if not settings.get(s, "hr_can_read_prompts"):
        abort(403)
    row = s.get(Attempt, attempt_id) or abort(404)
    learner, exercise = s.get(User, row.user_id), s.get(Exercise, row.exercise_id)
    review.audit(s, current_user.id, "hr_read_prompt", f"attempt:{row.id}", learner_id=row.user_id)
    s.commit()
    response = render_template("hr/attempt.html", attempt=row, learner=learner, exercise=exercise)
    return response, 200, {"Cache-Control": "no-store"}
