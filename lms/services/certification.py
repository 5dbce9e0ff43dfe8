"""Certificates: issued when every requirement of a course's certification is met."""
from __future__ import annotations

import secrets
from datetime import timedelta

from sqlmodel import Session, select

from ..models import Certificate, Course, User
from ..models.base import utcnow
from . import content_cache, xapi
from .content_cache import CourseOutline
from .progress import course_progress


def held(session: Session, user_id: int) -> list[Certificate]:
    """Every certificate the person holds or held, newest first, in one query: for a page that
    shows several courses (give it as `held` to renewal_of, current_certificate, exams.state)."""
    return list(session.exec(select(Certificate).where(Certificate.user_id == user_id)
                             .order_by(Certificate.issued_at.desc())))


def renewal_of(session: Session, user_id: int, course: Course | CourseOutline, now=None,
               held: list[Certificate] | None = None) -> Certificate | None:
    """The certificate a holder is renewing: their latest one (not revoked, not yet replaced)
    once its expiry is within the course's renewal window, or past."""
    renewal = (course.certification or {}).get("renewal")
    if not renewal:
        return None
    now = now or utcnow()
    if held is not None:
        latest = next((c for c in held if c.course_id == course.id and c.revoked_at is None), None)
    else:
        latest = session.exec(select(Certificate).where(Certificate.user_id == user_id,
                                                        Certificate.course_id == course.id,
                                                        Certificate.revoked_at == None)  # noqa: E711
                              .order_by(Certificate.issued_at.desc())).first()
    if latest is None or latest.expires_at is None or (latest.details or {}).get("replaced_by"):
        return None
    window = timedelta(days=int(renewal.get("window_days", 90)))
    return latest if now >= latest.expires_at - window else None


def requirements_met(session: Session, user_id: int, course: Course | CourseOutline, renewing: Certificate | None) -> bool:
    """Whether the learner meets the course's requirements (the renewal path's when `renewing`):
    the course's structure from the content cache, the learner's record in one query."""
    cert = course.certification
    if not cert:
        return False
    if renewing:  # the shorter renewal path: by default the exam alone
        requires = {"lessons": "none", "exercises": "none", "quizzes": "none", "exam": True,
                    **((cert.get("renewal") or {}).get("requires") or {})}
    else:
        requires = cert.get("requires") or {}
    p = course_progress(session, user_id, course)
    checks = [
        requires.get("lessons", "all") == "none" or p.lessons_done == p.lessons_total,
        requires.get("exercises", "all") == "none" or p.exercises_passed == p.exercises_total,
        requires.get("quizzes", "all") == "none" or p.quizzes_passed == p.quizzes_total,
        not requires.get("exam", p.has_exam) or p.exam_passed,
    ]
    for slug in requires.get("certificates", []):
        other = session.exec(select(Course).where(Course.slug == slug)).first()
        checks.append(other is not None and current_certificate(session, user_id, other.id) is not None)
    return all(checks)


def current_certificate(session: Session, user_id: int, course_id: int,
                        held: list[Certificate] | None = None) -> Certificate | None:
    now = utcnow()
    rows = [c for c in held if c.course_id == course_id] if held is not None else session.exec(
        select(Certificate).where(Certificate.user_id == user_id, Certificate.course_id == course_id)
        .order_by(Certificate.issued_at.desc()))
    for c in rows:
        if c.state(now) == "valid":
            return c
    return None


def issue_if_complete(session: Session, user_id: int, course: Course | CourseOutline) -> Certificate | None:
    """Issue a certificate when the requirements are met and none is valid (or the valid one is
    being renewed); return the new one. A renewal replaces the old certificate, whose history
    stays visible."""
    renewing = renewal_of(session, user_id, course)
    if not requirements_met(session, user_id, course, renewing) or (
            current_certificate(session, user_id, course.id) and not renewing):
        return None
    user = session.get(User, user_id)
    now = utcnow()
    days = int(course.certification.get("validity_days", 0) or 0)
    cert = Certificate(
        public_id=secrets.token_urlsafe(16), user_id=user.id, course_id=course.id,
        holder_name=user.name, title=course.certification.get("title") or course.title,
        issued_at=now, expires_at=now + timedelta(days=days) if days else None,
        details={"replaces": renewing.public_id} if renewing else None,
    )
    session.add(cert)
    if renewing:
        renewing.details = {**(renewing.details or {}), "replaced_by": cert.public_id}
        session.add(renewing)
    xapi.certificate_issued(session, cert, user.locale)
    session.commit()
    return cert


def expiring(session: Session, within_days: int, now=None) -> list[Certificate]:
    """Valid certificates that expire within `within_days` and have not been renewed."""
    now = now or utcnow()
    rows = session.exec(select(Certificate).where(Certificate.revoked_at == None,  # noqa: E711
                                                  Certificate.expires_at != None,  # noqa: E711
                                                  Certificate.expires_at > now,
                                                  Certificate.expires_at <= now + timedelta(days=within_days))
                        .order_by(Certificate.expires_at))
    return [c for c in rows if not (c.details or {}).get("replaced_by")]


def remind_expiring(session: Session, within_days: int = 90, now=None) -> int:
    """Tell each holder once that their certificate expires soon and how to renew it."""
    from .review import notify

    count = 0
    for cert in expiring(session, within_days, now):
        if (cert.details or {}).get("reminded_at"):
            continue
        notify(session, cert.user_id, "certificate_expiring", public_id=cert.public_id, title=cert.title,
               expires_at=cert.expires_at.isoformat(), course_id=cert.course_id)
        cert.details = {**(cert.details or {}), "reminded_at": (now or utcnow()).isoformat()}
        session.add(cert)
        count += 1
    session.commit()
    return count


def check_after(session: Session, user_id: int, course_id: int | None) -> list[Certificate]:
    """After a result in one course: only that course can newly meet its requirements, unless its
    certificate is issued, which can complete a track (then every course is checked). The course
    from the content cache: its row is not read (its JSON columns cost a worker CPU)."""
    course = content_cache.outline_by_id(session, course_id) if course_id is not None else None
    if course is None:
        return check_all(session, user_id)
    cert = issue_if_complete(session, user_id, course) if course.certification else None
    return [cert, *check_all(session, user_id)] if cert else []


def check_all(session: Session, user_id: int) -> list[Certificate]:
    """Issue every certificate whose requirements are now met (a core certificate can complete
    a job track, so courses are checked in order)."""
    issued = []
    for course in session.exec(select(Course).order_by(Course.position)):
        if not course.certification:
            continue
        cert = issue_if_complete(session, user_id, course)
        if cert:
            issued.append(cert)
    return issued
