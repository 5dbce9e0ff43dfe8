"""Employees imported from a CSV file (email, name, department, cohort, role): accounts created or
updated by e-mail address. Every row is checked first; one rejected row and nothing is imported,
and the report gives each rejected row's line number and reason. The import is one transaction."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from sqlmodel import Session, select

from ..models import Cohort, CohortMember, Department, DepartmentMember, Role, User
from . import review
from .hr_org import MAX_NAME, OrgError, ensure_cohort, ensure_department, refresh_tracks, split_path

MAX_BYTES = 1024 * 1024
MAX_ROWS = 5000
COLUMNS = ("email", "name", "department", "cohort", "role")
REQUIRED = ("email", "name")
ROLES = {r.value for r in Role}


class ImportRefused(ValueError):
    """The whole file is refused (size, encoding, header); the message says why."""


@dataclass
class Rejected:
    line: int
    email: str
    reason: str


@dataclass
class Row:
    line: int
    email: str
    name: str
    department: list[str]
    cohort: str
    role: str


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    created_ids: list[int] = field(default_factory=list)   # the accounts created (to invite)

    @property
    def imported(self) -> bool:
        return self.rows > 0 and not self.rejected


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportRefused(_l("The file is not text in UTF-8: save it as “CSV UTF-8” and try again."))


def read_rows(data: bytes) -> list[dict[str, str]]:
    """The rows as dictionaries keyed by the (lower-case) column names, with their line numbers."""
    if len(data) > MAX_BYTES:
        raise ImportRefused(_l("The file is too large: %(max)d KB at most. Split it into several files.",
                              max=MAX_BYTES // 1024))
    text = _decode(data)
    if not text.strip():
        raise ImportRefused(_l("The file is empty."))
    first = text.splitlines()[0]
    delimiter = max(",;\t", key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [h.strip().lower() for h in next(reader)]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ImportRefused(_l("The first line must name the columns; missing: %(columns)s. Expected: %(expected)s.",
                              columns=", ".join(missing), expected=", ".join(COLUMNS)))
    unknown = [h for h in header if h not in COLUMNS]
    if unknown:
        raise ImportRefused(_l("Unknown column(s): %(columns)s. Expected: %(expected)s.",
                              columns=", ".join(unknown), expected=", ".join(COLUMNS)))
    rows = []
    for values in reader:
        if not any(v.strip() for v in values):
            continue
        if len(rows) >= MAX_ROWS:
            raise ImportRefused(_l("The file has more than %(max)d rows. Split it into several files.", max=MAX_ROWS))
        row = {"_line": str(reader.line_num), "_extra": str(len(values) > len(header))}
        row.update({h: (values[i].strip() if i < len(values) else "") for i, h in enumerate(header)})
        rows.append(row)
    return rows


def check(session: Session, actor: User, raw: list[dict[str, str]]) -> tuple[list[Row], list[Rejected]]:
    good, rejected, seen = [], [], {}
    existing = _existing_users(session, [r.get("email", "").strip().lower() for r in raw])
    for r in raw:
        line, email = int(r["_line"]), r.get("email", "")

        def reject(reason, line=line, email=email):
            rejected.append(Rejected(line, email, str(reason)))

        if r["_extra"] == "True":
            reject(_l("More values than columns (a comma or semicolon inside a value must be quoted)."))
            continue
        try:
            email = validate_email(email, check_deliverability=False).normalized.lower()
        except EmailNotValidError:
            reject(_l("The e-mail address is missing or not valid."))
            continue
        if email in seen:
            reject(_l("This e-mail address is already on line %(line)d.", line=seen[email]))
            continue
        seen[email] = line
        name = r.get("name", "")
        if not name or len(name) > 200:
            reject(_l("The name is missing or longer than 200 characters."))
            continue
        try:
            department = split_path(r.get("department", ""))
        except OrgError as exc:
            reject(exc)
            continue
        cohort = r.get("cohort", "")
        if len(cohort) > MAX_NAME:
            reject(_l("The cohort's name is longer than %(max)d characters.", max=MAX_NAME))
            continue
        role = r.get("role", "").lower()
        if role and role not in ROLES:
            reject(_l("Unknown role “%(role)s”: learner, trainer, hr or admin.", role=role))
            continue
        current = existing.get(email)
        if not actor.has_role(Role.ADMIN) and (role == Role.ADMIN.value or
                                               (current and current.role == Role.ADMIN.value and role
                                                and role != current.role)):
            reject(_l("Only an administrator can grant or take away the administrator role."))
            continue
        if current is not None and current.id == actor.id and role and role != current.role:
            reject(_l("You cannot change your own role."))
            continue
        good.append(Row(line, email, name, department, cohort, role))
    return good, rejected


def _existing_users(session: Session, emails: list[str]) -> dict[str, User]:
    found: dict[str, User] = {}
    emails = sorted({e for e in emails if e})
    for i in range(0, len(emails), 500):
        for u in session.exec(select(User).where(User.email.in_(emails[i:i + 500]))):
            found[u.email] = u
    return found


def run(session: Session, actor: User, data: bytes) -> ImportReport:
    """Check the whole file, then apply it in one transaction (or nothing when a row is rejected)."""
    raw = read_rows(data)
    report = ImportReport(rows=len(raw))
    good, report.rejected = check(session, actor, raw)
    if report.rejected or not good:
        return report
    try:
        _apply(session, actor, good, report)
        session.flush()
        refresh_tracks(session)  # departments and cohorts changed: who must complete what
        review.audit(session, actor.id, "hr_import", "users", rows=report.rows, created=report.created,
                     updated=report.updated)
        session.commit()
    except Exception:
        session.rollback()
        raise
    return report


def _apply(session: Session, actor: User, rows: list[Row], report: ImportReport) -> None:
    users = _existing_users(session, [r.email for r in rows])
    ids = [u.id for u in users.values()]
    members: dict[int, DepartmentMember] = {}
    in_cohorts: set[tuple[int, int]] = set()
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        members.update((m.user_id, m) for m in session.exec(select(DepartmentMember)
                                                            .where(DepartmentMember.user_id.in_(chunk))))
        in_cohorts.update(session.exec(select(CohortMember.cohort_id, CohortMember.user_id)
                                       .where(CohortMember.user_id.in_(chunk))))
    departments: dict[str, Department] = {}
    cohorts: dict[str, Cohort] = {}
    for r in rows:
        user = users.get(r.email)
        is_new = user is None
        changed = False
        if user is None:
            user = User(email=r.email, name=r.name, role=r.role or Role.LEARNER.value, password_hash="")
            session.add(user)
            session.flush()
            report.created += 1
            report.created_ids.append(user.id)
        elif user.name != r.name or (r.role and user.role != r.role):
            if r.role and user.role != r.role:
                review.audit(session, actor.id, "role_changed", f"user:{user.id}", before=user.role, after=r.role,
                             via="import")
            user.name, user.role = r.name, r.role or user.role
            session.add(user)
            changed = True
        member = members.get(user.id)
        if r.department:
            dept = ensure_department(session, r.department, departments)
            if member is None:
                session.add(DepartmentMember(department_id=dept.id, user_id=user.id))
                changed = True
            elif member.department_id != dept.id:
                member.department_id = dept.id
                session.add(member)
                changed = True
        elif member is not None:  # the file is the reference: no department given, none kept
            session.delete(member)
            changed = True
        if r.cohort:
            cohort = ensure_cohort(session, r.cohort, cohorts)
            if (cohort.id, user.id) not in in_cohorts:
                session.add(CohortMember(cohort_id=cohort.id, user_id=user.id))
                in_cohorts.add((cohort.id, user.id))
                changed = True
        if not is_new:
            report.updated += changed
            report.unchanged += not changed
