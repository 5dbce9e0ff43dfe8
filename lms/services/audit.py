"""The audit log: who did what, when. `audit()` adds an event to the session (the caller commits,
so the event is kept exactly when the change it records is); `search()` serves the admins' page
and its CSV export.

    from lms.services.audit import audit
    audit(session, actor_id, "account_deleted", f"user:{user.id}", reason="asked by the learner")
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Iterator

from flask_babel import lazy_gettext as _l
from sqlalchemy import func
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from ..models import AuditEvent, User

# Human-readable names of the actions; an action missing here is shown as it is stored.
ACTIONS = {
    "login_succeeded": _l("Signed in"),
    "login_failed": _l("Sign-in failed"),
    "login_locked": _l("Account locked after failed sign-ins"),
    "login_ip_limited": _l("Sign-ins refused for an address"),
    "logout": _l("Signed out"),
    "role_changed": _l("Role changed"),
    "user_activated": _l("Account reactivated"),
    "user_deactivated": _l("Account deactivated"),
    "account_deleted": _l("Account deleted"),
    "personal_data_exported": _l("Personal data downloaded"),
    "account_invitation_sent": _l("Invitation sent"),
    "password_reset_sent": _l("Password reset link sent"),
    "password_set": _l("Password chosen"),
    "personal_data_exported": _l("Personal data downloaded"),
    "override": _l("Grade overridden"),
    "appeal": _l("Review asked by the learner"),
    "hr_export": _l("HR report exported"),
    "hr_import": _l("People imported"),
    "hr_read_prompt": _l("Prompt read by HR"),
    "audit_exported": _l("Audit log exported"),
    "api_token_created": _l("API token created"),
    "api_token_revoked": _l("API token revoked"),
    "api_read": _l("Data read through the API"),
    "setting_changed": _l("Setting changed"),
    "assignment_created": _l("Track assigned"),
    "assignment_deleted": _l("Track assignment deleted"),
    "certificate_revoked": _l("Certificate revoked"),
    "trainer.courses": _l("Trainer's courses changed"),
    "exercise.save": _l("Exercise saved"),
    "exercise.draft": _l("Exercise set to draft"),
    "exercise.published": _l("Exercise published"),
    "exercise.archived": _l("Exercise archived"),
    "lesson.save": _l("Lesson saved"),
    "course.draft": _l("Course set to draft"),
    "course.published": _l("Course published"),
    "course.archived": _l("Course archived"),
    "content.import": _l("Content imported"),
    "course.create": _l("Course created"),
    "course.save": _l("Course saved"),
    "module.create": _l("Module created"),
    "module.save": _l("Module saved"),
    "module.move": _l("Module moved"),
    "lesson.create": _l("Lesson created"),
    "quiz.save": _l("Quiz saved"),
    "quiz.delete": _l("Quiz deleted"),
}
PAGE_SIZE = 50
EXPORT_LIMIT = 100_000


def audit(session: Session, actor_id: int | None, action: str, /, target: str = "", **details) -> None:
    """Record an event in `session`; it is written when the caller commits."""
    session.add(AuditEvent(actor_id=actor_id, action=action[:60], target=(target or "")[:120], details=details))


def label(action: str) -> str:
    return str(ACTIONS.get(action, action))


@dataclass(frozen=True)
class Filters:
    action: str = ""
    actor: str = ""            # part of the actor's e-mail address
    since: date | None = None  # inclusive, UTC days
    until: date | None = None  # inclusive

    @classmethod
    def from_args(cls, args) -> "Filters":
        def day(name: str) -> date | None:
            try:
                return date.fromisoformat((args.get(name) or "").strip())
            except ValueError:
                return None
        return cls(action=(args.get("action") or "").strip()[:60], actor=(args.get("actor") or "").strip()[:254],
                   since=day("since"), until=day("until"))

    def as_args(self) -> dict[str, str]:
        args = {"action": self.action, "actor": self.actor, "since": self.since.isoformat() if self.since else "",
                "until": self.until.isoformat() if self.until else ""}
        return {k: v for k, v in args.items() if v}


def _query(filters: Filters):
    actor = aliased(User)
    query = select(AuditEvent, actor.email, actor.name).outerjoin(actor, actor.id == AuditEvent.actor_id)
    if filters.action:
        query = query.where(AuditEvent.action == filters.action)
    if filters.actor:
        query = query.where(actor.email.icontains(filters.actor, autoescape=True))
    if filters.since:
        query = query.where(AuditEvent.created_at >= datetime.combine(filters.since, time.min, tzinfo=timezone.utc))
    if filters.until:
        end = datetime.combine(filters.until + timedelta(days=1), time.min, tzinfo=timezone.utc)
        query = query.where(AuditEvent.created_at < end)
    return query.order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())


@dataclass
class Row:
    event: AuditEvent
    actor_email: str | None
    actor_name: str | None
    target: str

    @property
    def label(self) -> str:
        return label(self.event.action)

    @property
    def details(self) -> str:
        return json.dumps(self.event.details, ensure_ascii=False, sort_keys=True, default=str) \
            if self.event.details else ""


def _rows(session: Session, results) -> list[Row]:
    """Targets `user:<id>` are shown with the person's e-mail address."""
    results = list(results)
    ids = {int(e.target[5:]) for e, _, _ in results if e.target.startswith("user:") and e.target[5:].isdigit()}
    emails = dict(session.exec(select(User.id, User.email).where(User.id.in_(ids))).all()) if ids else {}
    rows = []
    for event, email, name in results:
        target = event.target
        if target.startswith("user:") and target[5:].isdigit() and int(target[5:]) in emails:
            target = f"{target} ({emails[int(target[5:])]})"
        rows.append(Row(event, email, name, target))
    return rows


def search(session: Session, filters: Filters, page: int = 1, per_page: int = PAGE_SIZE) -> tuple[list[Row], bool]:
    """One page of events, newest first, and whether an older page exists."""
    page = max(1, page)
    results = session.exec(_query(filters).offset((page - 1) * per_page).limit(per_page + 1)).all()
    return _rows(session, results[:per_page]), len(results) > per_page


def export_rows(session: Session, filters: Filters, batch: int = 1000) -> Iterator[list]:
    """Every matching event (up to EXPORT_LIMIT) as CSV cells: when, who, action, label, target, details."""
    for offset in range(0, EXPORT_LIMIT, batch):
        results = session.exec(_query(filters).offset(offset).limit(batch)).all()
        for row in _rows(session, results):
            yield [row.event.created_at.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S"),
                   row.actor_email or "", row.event.action, row.label, row.target, row.details]
        if len(results) < batch:
            return


def known_actions(session: Session) -> list[tuple[str, str]]:
    """(action, label) for the filter: every labelled action and any other stored one."""
    stored = set(session.exec(select(AuditEvent.action).distinct()))
    return sorted(((a, label(a)) for a in set(ACTIONS) | stored), key=lambda pair: pair[1].lower())
