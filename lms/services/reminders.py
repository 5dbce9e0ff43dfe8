"""Reminder e-mails about assigned tracks: some days before the due date, and once overdue. Each
reminder is claimed in the database (a unique row) before it is sent, so that none is ever sent
twice, even by two runs at once; a reminder that could not be sent is released for the next run."""
from __future__ import annotations

import smtplib
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import force_locale, format_date, gettext as _
from sqlalchemy import and_, case, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from ..models import Course, Reminder, User
from ..models.content import loc
from . import mailer
from .hr_org import status_rows

DAYS_BEFORE = 7


@dataclass
class Due:
    user_id: int
    course_id: int
    kind: str        # due_soon | overdue
    due_on: object


@dataclass
class RemindResult:
    sent: list[Due] = field(default_factory=list)
    failed: list[tuple[Due, str]] = field(default_factory=list)


def pending(session: Session, now: datetime, days_before: int = DAYS_BEFORE) -> list[Due]:
    """Tracks not completed, due within `days_before` days or overdue, not reminded of yet."""
    today = now.date()
    st = status_rows(now).subquery("st")
    r = Reminder.__table__
    overdue = st.c.due_on < today
    query = (select(st.c.user_id, st.c.course_id, st.c.due_on)
             .select_from(st.outerjoin(r, and_(r.c.user_id == st.c.user_id, r.c.course_id == st.c.course_id,
                                               r.c.due_on == st.c.due_on,
                                               r.c.kind == case((overdue, "overdue"), else_="due_soon"))))
             .where(st.c.completed_at.is_(None), st.c.due_on <= today + timedelta(days=days_before),
                    r.c.id.is_(None))
             .order_by(st.c.due_on, st.c.user_id, st.c.course_id))
    return [Due(u, c, "overdue" if d < today else "due_soon", d) for u, c, d in session.execute(query)]


def _claim(session: Session, due: Due) -> Reminder | None:
    row = Reminder(user_id=due.user_id, course_id=due.course_id, kind=due.kind, due_on=due.due_on)
    session.add(row)
    try:
        session.commit()
    except IntegrityError:  # another run claimed it first
        session.rollback()
        return None
    return row


def _link(course: Course) -> str:
    from .credentials import external_url

    return external_url("learn.course", slug=course.slug)


def compose(user: User, course: Course, due: Due, today) -> tuple[str, str]:
    lang = user.locale or "en"
    with force_locale(lang):
        title, when = loc(course.title, lang), format_date(due.due_on, "long")
        if due.kind == "overdue":
            subject = _("Overdue: “%(course)s” was due on %(date)s", course=title, date=when)
            lead = _("The training “%(course)s” assigned to you was due on %(date)s and is not complete yet.",
                     course=title, date=when)
        else:
            subject = _("Reminder: “%(course)s” is due on %(date)s", course=title, date=when)
            lead = _("The training “%(course)s” assigned to you is due on %(date)s (in %(days)d day(s)).",
                     course=title, date=when, days=(due.due_on - today).days)
        body = "\n\n".join([_("Hello %(name)s,", name=user.name), lead,
                            _("Sign in to continue where you left off: %(url)s", url=_link(course))
                            if current_app.config.get("PUBLIC_URL") else _("Sign in to continue where you left off."),
                            _("This message was sent automatically by %(org)s.", org=current_app.config["ORG_NAME"])])
    return subject, body + "\n"


def send(session: Session, settings: mailer.SMTPSettings, now: datetime, days_before: int = DAYS_BEFORE,
         dry_run: bool = False) -> RemindResult:
    result = RemindResult()
    todo = pending(session, now, days_before)
    if dry_run or not todo:
        result.sent = todo if dry_run else []
        return result
    users = {u.id: u for u in session.execute(select(User).where(User.id.in_({d.user_id for d in todo}))).scalars()}
    courses = {c.id: c for c in session.execute(select(Course)).scalars()}
    with mailer.connect(settings) as server:
        for due in todo:
            claim = _claim(session, due)
            if claim is None:
                continue
            user, course = users[due.user_id], courses[due.course_id]
            subject, body = compose(user, course, due, now.date())
            try:
                server.send_message(mailer.message(settings, user.email, subject, body))
            except (OSError, smtplib.SMTPException) as exc:
                session.delete(claim)
                session.commit()
                result.failed.append((due, str(exc)))
                continue
            result.sent.append(due)
    return result
