"""Certificates: issued when every requirement of a course's certification is met."""
from __future__ import annotations

import secrets
from datetime import timedelta

from sqlmodel import Session, select

from ..models import Certificate, Course, User
from ..models.base import utcnow
from .progress import course_progress


def requirements_met(session: Session, user: User, course: Course) -> bool:
    cert = course.certification
    if not cert:
        return False
    requires = cert.get("requires") or {}
    p = course_progress(session, user.id, course)
    checks = [
        requires.get("lessons", "all") == "none" or p.lessons_done == p.lessons_total,
        requires.get("exercises", "all") == "none" or p.exercises_passed == p.exercises_total,
        requires.get("quizzes", "all") == "none" or p.quizzes_passed == p.quizzes_total,
        not requires.get("exam", p.has_exam) or p.exam_passed,
    ]
    for slug in requires.get("certificates", []):
        other = session.exec(select(Course).where(Course.slug == slug)).first()
        checks.append(other is not None and current_certificate(session, user.id, other.id) is not None)
    return all(checks)


def current_certificate(session: Session, user_id: int, course_id: int) -> Certificate | None:
    now = utcnow()
    for c in session.exec(select(Certificate).where(Certificate.user_id == user_id,
                                                    Certificate.course_id == course_id)
                          .order_by(Certificate.issued_at.desc())):
        if c.state(now) == "valid":
            return c
    return None


def issue_if_complete(session: Session, user: User, course: Course) -> Certificate | None:
    """Issue a certificate when the requirements are met and none is valid; return the new one."""
    if not requirements_met(session, user, course) or current_certificate(session, user.id, course.id):
        return None
    now = utcnow()
    days = int(course.certification.get("validity_days", 0) or 0)
    cert = Certificate(
        public_id=secrets.token_urlsafe(16), user_id=user.id, course_id=course.id,
        holder_name=user.name, title=course.certification.get("title") or course.title,
        issued_at=now, expires_at=now + timedelta(days=days) if days else None,
    )
    session.add(cert)
    session.commit()
    return cert


def check_all(session: Session, user: User) -> list[Certificate]:
    """Issue every certificate whose requirements are now met (a core certificate can complete
    a job track, so courses are checked in order)."""
    issued = []
    for course in session.exec(select(Course).order_by(Course.position)):
        if not course.certification:
            continue
        cert = issue_if_complete(session, user, course)
        if cert:
            issued.append(cert)
    return issued
