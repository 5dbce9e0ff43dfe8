"""Personal data rights (GDPR): everything held about a person in one download (right of access
and portability), the erasure of an account (right to erasure), and the retention limit of
learners' prompts and models' outputs (storage limitation).

What stays after an erasure, tied to an anonymised account ("Deleted user", deleted-<id>@invalid,
no password, switched off): scores, statuses and dates, for aggregate statistics; and the
certificates already issued, which keep the recipient's name as printed when they were issued
(`Certificate.holder_name` is a snapshot taken at issue), so that anyone shown a certificate can
still verify it (proof of a qualification; Art. 17(3) GDPR). The audit log keeps its events
(accountability), with the account's id only.
"""
from __future__ import annotations

import io
import json
import logging
import zipfile
from datetime import date, datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Table, delete, func, or_, select as sa_select
from sqlmodel import Session, select

from ..models import (Appeal, Attempt, AttemptStatus, Certificate, Cohort, Course, Department, Exercise, Override,
                      Role, User, XapiStatement, metadata)
from ..models.base import utcnow
from . import settings
from .audit import audit

log = logging.getLogger(__name__)

FORMAT = "prompt-academy-personal-data/1"
DELETED_NAME = "Deleted user"
UNUSABLE_PASSWORD = "!deleted"  # not an argon2 hash: no password ever matches it

# What an erasure does with each column that refers to a person (a foreign key to user.id).
# tests/test_privacy.py fails when a table gets such a column and is not listed here.
ERASE = "erase"            # the rows are deleted
SCRUB = "scrub"            # the rows stay, their free text (prompts, outputs, comments, reasons) is erased
KEEP = "keep"              # the rows stay, tied to the anonymised account (scores, dates, proof)
ON_DELETE: dict[tuple[str, str], str] = {
    ("attempt", "user_id"): SCRUB,              # prompt, output, judge's reply and rationales erased
    ("attempt", "reviewed_by"): KEEP,           # the reviewer's name in the learner's report is replaced
    ("override", "reviewer_id"): KEEP,
    ("appeal", "user_id"): SCRUB,               # the reason is erased
    ("appeal", "resolved_by"): KEEP,
    ("lesson_progress", "user_id"): KEEP,
    ("quiz_attempt", "user_id"): KEEP,
    ("exam_session", "user_id"): KEEP,
    ("certificate", "user_id"): KEEP,           # stays verifiable, under the name printed on it
    ("prompt_draft", "user_id"): ERASE,
    ("target_run", "user_id"): ERASE,
    ("notification", "user_id"): ERASE,
    ("department_member", "user_id"): ERASE,
    ("cohort_member", "user_id"): ERASE,
    ("assignment", "user_id"): ERASE,
    ("assigned_track", "user_id"): ERASE,
    ("reminder", "user_id"): ERASE,
    ("trainer_assignment", "user_id"): ERASE,
    ("assignment", "created_by"): KEEP,
    ("exercise", "updated_by"): KEEP,
    ("setting", "updated_by"): KEEP,
    ("api_token", "created_by"): KEEP,
    ("audit_event", "actor_id"): KEEP,
}
# Columns never put in a download: secrets, not personal data.
NOT_EXPORTED = {("user", "password_hash")}


UNGRADED = (AttemptStatus.QUEUED.value, AttemptStatus.GRADING.value, AttemptStatus.DELAYED.value)


class PrivacyError(ValueError):
    """The request cannot be carried out; the message says why."""


def user_columns() -> list[tuple[Table, str]]:
    """Every (table, column) with a foreign key to user.id, in the order of the schema."""
    found = []
    for table in metadata.sorted_tables:
        for column in table.columns:
            if any(fk.column.table.name == "user" for fk in column.foreign_keys):
                found.append((table, column.name))
    return found


# -- the download -------------------------------------------------------------------------------
def _value(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


def _row(table: Table, row) -> dict[str, Any]:
    return {k: _value(v) for k, v in row._mapping.items() if (table.name, k) not in NOT_EXPORTED}


def _names(session: Session, model, ids: set[int], attr: str) -> dict[int, Any]:
    if not ids:
        return {}
    return {row.id: getattr(row, attr) for row in session.exec(select(model).where(model.id.in_(ids)))}


def export(session: Session, user: User) -> dict[str, Any]:
    """Everything the platform holds about `user`, as one JSON-ready document: their profile, then
    the rows of every table that has a `user_id` column (with the names of the courses, exercises,
    departments and cohorts they point to), the trainers' reviews of their attempts, the audit
    events about them, and the rows that record what they did as staff (by id)."""
    from .credentials import external_url

    uid = user.id
    tables: dict[str, list[dict[str, Any]]] = {}
    for table in metadata.sorted_tables:
        if "user_id" in table.c and table.name != "user":
            order = table.c.id if "id" in table.c else list(table.primary_key.columns)[0]
            tables[table.name] = [_row(table, r) for r in session.execute(
                sa_select(table).where(table.c.user_id == uid).order_by(order))]
    # The names behind the ids, so that the download reads on its own.
    lookups = {"course_id": (Course, "slug"), "exercise_id": (Exercise, "slug"),
               "department_id": (Department, "path"), "cohort_id": (Cohort, "name")}
    for column, (model, attr) in lookups.items():
        ids = {r[column] for rows in tables.values() for r in rows if r.get(column) is not None}
        names = _names(session, model, ids, attr)
        for rows in tables.values():
            for r in rows:
                if r.get(column) is not None:
                    r[column.removesuffix("_id")] = names.get(r[column])
    for r in tables.get("certificate", []):
        try:
            r["verification_url"] = external_url("verify.certificate", public_id=r["public_id"])
        except Exception:  # noqa: BLE001  (no request and no LMS_PUBLIC_URL: the path is enough)
            r["verification_url"] = f"/verify/{r['public_id']}"
    attempt_ids = [r["id"] for r in tables.get("attempt", [])]
    overrides = [_row(Override.__table__, r) for r in session.execute(
        sa_select(Override.__table__).where(Override.attempt_id.in_(attempt_ids or [-1])).order_by(Override.id))]
    by_attempt: dict[int, list] = {}
    for o in overrides:
        by_attempt.setdefault(o["attempt_id"], []).append(o)
    for r in tables.get("attempt", []):
        r["overrides"] = by_attempt.get(r["id"], [])
    targets = [f"user:{uid}"] + [f"attempt:{i}" for i in attempt_ids] + \
              [f"certificate:{r['public_id']}" for r in tables.get("certificate", [])]
    ae = metadata.tables["audit_event"]
    events = [_row(ae, r) for r in session.execute(
        sa_select(ae).where(or_(ae.c.actor_id == uid, ae.c.target.in_(targets))).order_by(ae.c.id))]
    as_staff = {}
    for table, column in user_columns():
        if column == "user_id" or table.name == "audit_event":
            continue
        key = list(table.primary_key.columns)[0]
        ids = [_value(v) for v in session.execute(sa_select(key).where(table.c[column] == uid).order_by(key)).scalars()]
        if ids:
            as_staff[f"{table.name}.{column}"] = ids
    trainer_courses = [r["course"] for r in tables.get("trainer_assignment", [])]
    return {
        "format": FORMAT,
        "exported_at": utcnow().isoformat(),
        "platform": current_app.config["ORG_NAME"],
        "profile": {k: v for k, v in _row(User.__table__, session.execute(
            sa_select(User.__table__).where(User.__table__.c.id == uid)).one()).items()},
        "roles": {"role": user.role, "trainer_of_courses": trainer_courses},
        "retention_days": retention_days(session),
        "tables": tables,
        "audit_events": events,
        "recorded_as_staff": as_staff,
    }


def export_zip(session: Session, user: User, lang: str) -> bytes:
    """The download: data.json, and each certificate as PDF and as signed credential (VC-JWT)."""
    from ..config import ConfigError
    from . import certificate_pdf, credentials

    data = export(session, user)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        certs = list(session.exec(select(Certificate).where(Certificate.user_id == user.id).order_by(Certificate.id)))
        for cert in certs:
            url = credentials.external_url("verify.certificate", public_id=cert.public_id)
            zf.writestr(f"certificates/{cert.public_id}.pdf", certificate_pdf.render(
                cert, lang=lang, org_name=current_app.config["ORG_NAME"], verify_url=url,
                logo=certificate_pdf.logo_path(current_app.config.get("ORG_LOGO"))))
            try:
                zf.writestr(f"certificates/{cert.public_id}.jwt", credentials.issue(session, cert, lang=lang).jwt)
            except ConfigError:
                log.warning("no signing key: the credential of certificate %s is left out", cert.public_id)
        zf.writestr("data.json", json.dumps(data, ensure_ascii=False, indent=2, default=str))
    audit(session, user.id, "personal_data_exported", f"user:{user.id}")
    session.commit()
    return buffer.getvalue()


# -- erasure ------------------------------------------------------------------------------------
def _scrubbed_report(report: dict | None, *, deep: bool) -> dict | None:
    """The grade report without the model's output, the judge's raw reply and the prompt's hash;
    with `deep` (an erased account), also without the feedback written about the learner's text."""
    if not report:
        return report
    report = {k: v for k, v in report.items() if k not in ("target_output", "judge_raw", "prompt_hash")}
    if deep:
        report["criteria"] = [{**c, "rationale": "", "hint": ""} for c in report.get("criteria", [])]
        report["improvements"] = []
        if isinstance(report.get("review"), dict):
            report["review"] = {**report["review"], "comment": ""}
    return report


def can_delete(session: Session, user: User) -> bool:
    """The last active administrator cannot be deleted: nobody could administer the platform."""
    if user.role != Role.ADMIN.value or not user.active:
        return True
    others = session.exec(select(User.id).where(User.role == Role.ADMIN.value, User.active == True,  # noqa: E712
                                                User.id != user.id)).first()
    return others is not None


def delete_account(session: Session, user: User, *, actor_id: int | None, reason: str = "") -> None:
    """Erase what the platform holds about `user` and anonymise the account (see the module doc).
    Idempotent; commits."""
    if not can_delete(session, user):
        raise PrivacyError(_l("This is the last administrator account: give another person the "
                              "administrator role before deleting it."))
    uid, now = user.id, utcnow()
    for (table_name, column), action in ON_DELETE.items():
        table = metadata.tables.get(table_name)
        if action == ERASE and table is not None:
            session.execute(delete(table).where(table.c[column] == uid))
    for attempt in session.exec(select(Attempt).where(Attempt.user_id == uid)):
        if attempt.status in UNGRADED:  # never graded now: no worker may take it up with an empty prompt
            attempt.status, attempt.retry_at = AttemptStatus.ERROR.value, None
            attempt.score = attempt.passed = None
            attempt.report = {"status": AttemptStatus.ERROR.value, "error": "account deleted before grading",
                              "criteria": [], "flags": []}
        attempt.prompt, attempt.prompt_hash = "", ""
        attempt.report = _scrubbed_report(attempt.report, deep=True)
        attempt.purged_at = attempt.purged_at or now
        session.add(attempt)
        for o in session.exec(select(Override).where(Override.attempt_id == attempt.id)):
            o.comment = ""
            o.criteria = {k: {**v, "comment": ""} for k, v in (o.criteria or {}).items()}
            session.add(o)
    for appeal in session.exec(select(Appeal).where(Appeal.user_id == uid)):
        appeal.reason = ""
        session.add(appeal)
    # A trainer's name is shown in the reports of the attempts they reviewed.
    for attempt in session.exec(select(Attempt).where(Attempt.reviewed_by == uid)):
        review = (attempt.report or {}).get("review")
        if isinstance(review, dict) and review.get("by") != DELETED_NAME:
            attempt.report = {**attempt.report, "review": {**review, "by": DELETED_NAME}}
            session.add(attempt)
    was_deleted = user.deleted_at is not None
    user.email, user.name = f"deleted-{uid}@invalid", DELETED_NAME
    user.password_hash, user.locale, user.role = UNUSABLE_PASSWORD, None, Role.LEARNER.value
    user.active, user.deleted_at = False, user.deleted_at or now
    session.add(user)
    if not was_deleted:
        audit(session, actor_id, "account_deleted", f"user:{uid}",
              by="self" if actor_id == uid else "admin", **({"reason": reason[:200]} if reason else {}))
    session.commit()


# -- retention ----------------------------------------------------------------------------------
def retention_days(session: Session) -> int:
    """Days a prompt is kept: the admin's setting, else LMS_PROMPT_RETENTION_DAYS; 0 is forever."""
    stored = settings.get(session, "prompt_retention_days")
    return int(current_app.config["PROMPT_RETENTION_DAYS"] if stored is None else stored)


def _purgeable(cutoff: datetime):
    """Graded attempts older than the cutoff and not purged yet. Attempts that still wait for a
    grade or a trainer (queued, delayed, awaiting review, error, an open appeal) keep their prompt
    until they are settled: a person must be able to read what they judge."""
    open_appeals = select(Appeal.attempt_id).where(Appeal.resolved_at == None)  # noqa: E711
    return (Attempt.purged_at == None, Attempt.created_at < cutoff,  # noqa: E711
            Attempt.status == AttemptStatus.GRADED.value, Attempt.id.not_in(open_appeals))


def purge(session: Session, *, days: int | None = None, now: datetime | None = None, dry_run: bool = False,
          batch: int = 500) -> int:
    """Erase the prompt, the model's output and the judge's raw reply of the attempts older than
    the retention limit, keeping scores, statuses and dates. Returns how many were (or, with
    `dry_run`, would be) purged; running it again purges nothing more."""
    days = retention_days(session) if days is None else days
    if days <= 0:
        return 0
    cutoff = (now or utcnow()) - timedelta(days=days)
    where = _purgeable(cutoff)
    if dry_run:
        return session.exec(select(func.count()).select_from(Attempt).where(*where)).one()
    count, stamp = 0, now or utcnow()
    # Copies of xAPI statements the LRS has received (or refused) go too; waiting ones stay.
    session.exec(delete(XapiStatement).where(
        or_(XapiStatement.delivered_at < cutoff, XapiStatement.rejected_at < cutoff)))
    while True:
        rows = list(session.exec(select(Attempt).where(*where).order_by(Attempt.id).limit(batch)))
        for attempt in rows:
            attempt.prompt, attempt.prompt_hash = "", ""
            attempt.report = _scrubbed_report(attempt.report, deep=False)
            attempt.purged_at = stamp
            session.add(attempt)
        session.commit()
        count += len(rows)
        if len(rows) < batch:
            return count
