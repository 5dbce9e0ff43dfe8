"""The read-only JSON API of the HR information system, under /api/v1/: people, assignments,
completions (each person's assigned tracks) and certificates. Authenticated by an organisation
API token (`Authorization: Bearer lms_...`), never by a session cookie; paginated with `page`
and `per_page` (at most 500); no prompt text, ever."""
from __future__ import annotations

import logging
from datetime import date, datetime

from flask import Blueprint, g, jsonify, request, url_for
from sqlalchemy import func, select

from .. import db
from ..models import (Assignment, Certificate, Cohort, CohortMember, Course, Department, DepartmentMember,
                      User)
from ..models.base import utcnow
from ..services import api_tokens, hr_reports
from ..errors import DATABASE_DOWN
from ..services.audit import audit
from ..services.hr_org import state_of

bp = Blueprint("api", __name__, url_prefix="/api/v1")
log = logging.getLogger(__name__)
PER_PAGE, MAX_PER_PAGE = 100, 500


def _iso(value):
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _error(status: int, code: str, message: str):
    response = jsonify({"error": code, "message": message})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="api", error="invalid_token"'
    return response


@bp.before_request
def _authenticate():
    token = api_tokens.authenticate(db.session(), request.headers.get("Authorization"))
    if token is None:
        return _error(401, "unauthorized", "A valid API token is required: Authorization: Bearer <token>.")
    g.api_token = token
    return None


@bp.after_request
def _no_cache(response):
    response.headers["Cache-Control"] = "no-store"
    response.headers.add("Vary", "Authorization")
    return response


@bp.after_request
def _audit_read(response):
    """Every page of personal data read through the API is in the audit log: which token, which
    list, which page and how many records."""
    token = g.get("api_token")
    if token is not None and response.status_code == 200:
        body = response.get_json(silent=True) or {}
        s = db.session()
        try:
            audit(s, None, "api_read", f"api_token:{token.id}", token=token.name, path=request.path,
                  page=body.get("page"), records=len(body.get("data") or []))
            s.commit()
        except DATABASE_DOWN as exc:  # a read that cannot be recorded is not answered
            log.warning("API read not answered, its audit event could not be written: %s", str(exc).splitlines()[0][:200])
            response = _error(503, "unavailable", "The service is briefly unavailable; try again in a moment.")
            response.headers["Retry-After"] = "30"
    return response


def _paging() -> tuple[int, int]:
    page = request.args.get("page", 1, type=int)
    per_page = request.args.get("per_page", PER_PAGE, type=int)
    return max(page or 1, 1), min(max(per_page or PER_PAGE, 1), MAX_PER_PAGE)


def _page(query, total: int, to_dict) -> object:
    page, per_page = _paging()
    rows = db.session().execute(query.offset((page - 1) * per_page).limit(per_page)).all()
    more = page * per_page < total
    return jsonify({"data": to_dict(rows), "page": page, "per_page": per_page, "total": total,
                    "next": url_for(request.endpoint, page=page + 1, per_page=per_page, _external=True)
                    if more else None})


def _total(query) -> int:
    return db.session().execute(select(func.count()).select_from(query.order_by(None).subquery())).scalar_one()


@bp.route("/people")
def people():
    query = (select(User.id, User.email, User.name, User.role, User.active, User.created_at,
                    Department.path.label("department"))
             .outerjoin(DepartmentMember, DepartmentMember.user_id == User.id)
             .outerjoin(Department, Department.id == DepartmentMember.department_id).order_by(User.id))

    def to_dict(rows):
        ids = [r.id for r in rows]
        cohorts: dict[int, list[str]] = {}
        for user_id, name in db.session().execute(
                select(CohortMember.user_id, Cohort.name).join(Cohort, Cohort.id == CohortMember.cohort_id)
                .where(CohortMember.user_id.in_(ids)).order_by(Cohort.name)):
            cohorts.setdefault(user_id, []).append(name)
        return [{"id": r.id, "email": r.email, "name": r.name, "role": r.role, "active": r.active,
                 "department": r.department, "cohorts": cohorts.get(r.id, []), "created_at": _iso(r.created_at)}
                for r in rows]

    return _page(query, _total(select(User.id)), to_dict)


@bp.route("/assignments")
def assignments():
    query = (select(Assignment.id, Course.slug.label("course"), Assignment.due_on, Assignment.created_at,
                    Department.path.label("department"), Cohort.name.label("cohort"), User.email)
             .join(Course, Course.id == Assignment.course_id)
             .outerjoin(Department, Department.id == Assignment.department_id)
             .outerjoin(Cohort, Cohort.id == Assignment.cohort_id)
             .outerjoin(User, User.id == Assignment.user_id).order_by(Assignment.id))

    def to_dict(rows):
        out = []
        for r in rows:
            kind = "department" if r.department else "cohort" if r.cohort else "person"
            out.append({"id": r.id, "course": r.course, "due_on": _iso(r.due_on), "created_at": _iso(r.created_at),
                        "target": {"type": kind, "department": r.department, "cohort": r.cohort,
                                   "email": r.email}})
        return out

    return _page(query, _total(select(Assignment.id)), to_dict)


@bp.route("/completions")
def completions():
    now = utcnow()
    query = hr_reports.status_query(now).order_by(None).order_by("user_id", "course_id")
    slugs = dict(db.session().execute(select(Course.id, Course.slug)).all())

    def to_dict(rows):
        today = now.date()
        return [{"user_id": r.user_id, "email": r.email, "course": slugs.get(r.course_id), "due_on": _iso(r.due_on),
                 "status": state_of(r.completed_at, r.certified, r.due_on, today),
                 "completed_at": _iso(r.completed_at), "certified": bool(r.certified),
                 "certified_until": _iso(r.valid_until)} for r in rows]

    return _page(query, _total(query), to_dict)


@bp.route("/certificates")
def certificates():
    now = utcnow()
    query = (select(Certificate, User.email, Course.slug).join(User, User.id == Certificate.user_id)
             .join(Course, Course.id == Certificate.course_id).order_by(Certificate.id))

    def to_dict(rows):
        return [{"id": c.public_id, "user_id": c.user_id, "email": email, "course": slug,
                 "issued_at": _iso(c.issued_at), "expires_at": _iso(c.expires_at), "revoked_at": _iso(c.revoked_at),
                 "status": c.state(now),
                 "verify_url": url_for("verify.certificate", public_id=c.public_id, _external=True)}
                for c, email, slug in rows]

    return _page(query, _total(select(Certificate.id)), to_dict)
