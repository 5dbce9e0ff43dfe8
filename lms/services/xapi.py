"""xAPI 1.0.3 statements for the organisation's Learning Record Store (LRS).

When LMS_XAPI_ENDPOINT is set, each learning event writes its statement into the outbox table
(models/xapi.py) in the same transaction as the event itself; nothing is written otherwise.

| event | verb | object |
| --- | --- | --- |
| an attempt is submitted | attempted | the exercise |
| the attempt's grade is final (judge or trainer) | passed / failed, with the score | the exercise |
| an exam is decided | passed / failed, with the score and the time taken | the course's exam |
| a certificate is issued (the track is completed) | completed | the course |

After the commit, a queue job sends the outbox to the LRS in batches; a periodic job sends again
whatever is still waiting (the LRS or the queue was down), with a backoff per statement, so that
no statement is lost. Each statement id is a UUID derived from the event, so sending it twice
never makes two statements (the LRS keeps one per id).

The learner is an `account` agent: `homePage` is LMS_PUBLIC_URL and `name` the person's id in
the platform (the `id` of `/api/v1/people`), so no name or e-mail address leaves the platform.
"""
from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

from flask import Flask, current_app
from sqlalchemy import event, func, or_, update
from sqlmodel import Session, select

from ..models import Attempt, AttemptStatus, Certificate, Course, ExamSession, Exercise, Module
from ..models.base import utcnow
from ..models.xapi import XapiStatement

log = logging.getLogger(__name__)

VERSION = "1.0.3"
PLATFORM = "Prompt Academy"
VERBS = {v: f"http://adlnet.gov/expapi/verbs/{v}" for v in ("attempted", "passed", "failed", "completed")}
# ADL's display names; statements are read by LRS tools of any language, so both are given.
VERB_DISPLAY = {"attempted": {"en-US": "attempted", "fr-FR": "a tenté"},
                "passed": {"en-US": "passed", "fr-FR": "a réussi"},
                "failed": {"en-US": "failed", "fr-FR": "a échoué"},
                "completed": {"en-US": "completed", "fr-FR": "a terminé"}}
ACTIVITY_TYPES = {"exercise": "http://adlnet.gov/expapi/activities/performance",
                  "exam": "http://adlnet.gov/expapi/activities/assessment",
                  "course": "http://adlnet.gov/expapi/activities/course"}
BATCH = 50               # statements per request
RETRY_DELAY = 60.0       # first delay after a failed delivery; doubles each time, up to MAX_DELAY
MAX_DELAY = 3600.0
LEASE = 120.0            # a delivery in progress holds its statements this long
TIMEOUT = 20.0


# -- settings -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class XapiSettings:
    endpoint: str | None = None      # the LRS's xAPI base address, without /statements
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    home_page: str | None = None     # LMS_PUBLIC_URL

    @property
    def configured(self) -> bool:
        return bool(self.endpoint)

    @property
    def shown_endpoint(self) -> str:
        """The endpoint without any user name or password written into it (for logs and the CLI)."""
        if not self.endpoint:
            return ""
        parts = urlsplit(self.endpoint)
        host = (parts.hostname or "") + (f":{parts.port}" if parts.port else "")
        return urlunsplit(parts._replace(netloc=host))


def settings(app: Flask | None = None) -> XapiSettings:
    config = (app or current_app).config
    endpoint = (config.get("XAPI_ENDPOINT") or "").rstrip("/") or None
    username, password = config.get("XAPI_USERNAME") or None, config.get("XAPI_PASSWORD") or None
    if endpoint and "@" in urlsplit(endpoint).netloc:  # credentials written into the address: moved
        parts = urlsplit(endpoint)
        username, password = username or unquote(parts.username or ""), password or unquote(parts.password or "")
        endpoint = XapiSettings(endpoint=endpoint).shown_endpoint
    return XapiSettings(endpoint=endpoint, username=username, password=password, home_page=config.get("PUBLIC_URL"))


def init_app(app: Flask) -> None:
    """Check the settings and register the delivery jobs on the queue (called by create_app)."""
    import os

    from ..config import ConfigError
    from . import credentials

    app.config.setdefault("XAPI_ENDPOINT", os.environ.get("LMS_XAPI_ENDPOINT") or None)
    app.config.setdefault("XAPI_USERNAME", os.environ.get("LMS_XAPI_USERNAME") or None)
    app.config.setdefault("XAPI_PASSWORD", os.environ.get("LMS_XAPI_PASSWORD") or None)
    credentials.configure(app.config)  # LMS_PUBLIC_URL
    if settings(app).configured and not app.config.get("PUBLIC_URL"):
        raise ConfigError("LMS_XAPI_ENDPOINT needs LMS_PUBLIC_URL: the statements name the learners "
                          "and the activities by addresses of the platform")
    queue = app.extensions["queue"]

    def deliver_job() -> None:
        from .. import db

        with app.app_context():
            cfg = settings(app)
            if not cfg.configured:
                return
            with db.new_session() as session:
                deliver_pending(session, cfg)

    queue.xapi_deliver = queue.huey.task(name="xapi_deliver")(deliver_job)
    from huey import crontab

    queue.huey.periodic_task(crontab(minute="*"), name="xapi_redeliver")(deliver_job)


# -- statements ---------------------------------------------------------------------------------
def _iso(dt: datetime) -> str:
    if dt.tzinfo is None:  # SQLite gives naive UTC datetimes back
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def duration(seconds: float) -> str:
    """An ISO 8601 duration with at most 0.01 s precision, e.g. PT1H2M3.5S."""
    seconds = max(round(seconds, 2), 0.0)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    text = "PT" + (f"{int(hours)}H" if hours else "") + (f"{int(minutes)}M" if minutes else "")
    if secs or text == "PT":
        text += f"{secs:.2f}".rstrip("0").rstrip(".") + "S"
    return text


def _url(cfg: XapiSettings, path: str) -> str:
    return cfg.home_page.rstrip("/") + path


def _uuid(cfg: XapiSettings, key: str) -> str:
    """A stable UUID for one event (the same event always gives the same statement id)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, _url(cfg, f"/xapi/{key}")))


def actor(cfg: XapiSettings, user_id: int) -> dict:
    return {"objectType": "Agent", "account": {"homePage": cfg.home_page, "name": str(user_id)}}


def _activity(cfg: XapiSettings, kind: str, path: str, names: dict[str, str] | None) -> dict:
    definition: dict[str, Any] = {"type": ACTIVITY_TYPES[kind]}
    names = {lang: text for lang, text in (names or {}).items() if text}
    if names:
        definition["name"] = names
    return {"objectType": "Activity", "id": _url(cfg, path), "definition": definition}


def _course_activity(cfg, course: Course) -> dict:
    return _activity(cfg, "course", f"/courses/{course.slug}", course.title)


def _exam_activity(cfg, course: Course) -> dict:
    names = {lang: f"{title} ({'examen' if lang == 'fr' else 'exam'})" for lang, title in (course.title or {}).items()}
    return _activity(cfg, "exam", f"/courses/{course.slug}/exam", names)


def _course_of(session: Session, exercise: Exercise) -> Course | None:
    module = session.get(Module, exercise.module_id) if exercise.module_id else None
    return session.get(Course, module.course_id) if module else None


def _score(score: float) -> dict:
    raw = round(float(score), 2)
    return {"scaled": round(raw / 100, 4), "raw": raw, "min": 0, "max": 100}


def _record(session: Session, cfg: XapiSettings, key: str, verb: str, user_id: int, obj: dict,
            when: datetime, result: dict | None = None, context: dict | None = None) -> XapiStatement | None:
    statement_id = _uuid(cfg, key)
    if session.get(XapiStatement, statement_id) is not None:  # this event was already recorded
        return None
    statement = {"id": statement_id, "actor": actor(cfg, user_id),
                 "verb": {"id": VERBS[verb], "display": VERB_DISPLAY[verb]}, "object": obj,
                 "context": {"platform": PLATFORM, **(context or {})}, "timestamp": _iso(when)}
    if result:
        statement["result"] = result
    row = XapiStatement(id=statement_id, verb=verb, statement=statement)
    session.add(row)
    _deliver_after_commit(session)
    return row


def _deliver_after_commit(session: Session) -> None:
    """Once the event's transaction is committed, ask the queue to deliver (the periodic job
    delivers anyway if the queue is away now)."""
    if session.info.get("xapi_kick"):
        return
    session.info["xapi_kick"] = True
    app = current_app._get_current_object()

    def kick(_session) -> None:
        session.info.pop("xapi_kick", None)
        try:
            app.extensions["queue"].xapi_deliver()
        except Exception as exc:  # noqa: BLE001  (the periodic job delivers them later)
            log.warning("could not enqueue the xAPI delivery (%s); the periodic job will send", str(exc)[:200])

    event.listen(session, "after_commit", kick, once=True)


def _attempt_context(session: Session, cfg, attempt: Attempt, exercise: Exercise) -> dict:
    context: dict[str, Any] = {"language": attempt.lang}
    course = _course_of(session, exercise)
    if attempt.exam_session_id is not None:
        exam = session.get(ExamSession, attempt.exam_session_id)
        context["registration"] = _uuid(cfg, f"exams/{exam.id}")
        course = session.get(Course, exam.course_id)
        parent = _exam_activity(cfg, course)
    else:
        context["registration"] = _uuid(cfg, f"attempts/{attempt.id}")
        parent = _course_activity(cfg, course) if course else None
    if parent:
        context["contextActivities"] = {"parent": [parent]}
        if course and parent["id"] != _url(cfg, f"/courses/{course.slug}"):
            context["contextActivities"]["grouping"] = [_course_activity(cfg, course)]
    return context


def attempt_submitted(session: Session, attempt: Attempt) -> None:
    """`attempted` the exercise: call before the commit that stores the attempt."""
    cfg = settings()
    if not cfg.configured:
        return
    if attempt.id is None:
        session.flush()
    exercise = session.get(Exercise, attempt.exercise_id)
    _record(session, cfg, f"attempts/{attempt.id}/attempted", "attempted", attempt.user_id,
            _activity(cfg, "exercise", f"/exercises/{exercise.slug}", exercise.title), attempt.created_at,
            context=_attempt_context(session, cfg, attempt, exercise))


def attempt_graded(session: Session, attempt: Attempt) -> None:
    """`passed` or `failed` the exercise, with the score: call before the commit that stores a
    final grade (graded by the pipeline, or by a trainer)."""
    cfg = settings()
    if not cfg.configured or attempt.status != AttemptStatus.GRADED.value or attempt.passed is None \
            or attempt.score is None:
        return
    exercise = session.get(Exercise, attempt.exercise_id)
    when = attempt.reviewed_at or attempt.graded_at or utcnow()
    verb = "passed" if attempt.passed else "failed"
    key = f"attempts/{attempt.id}/graded" + (f"/{_iso(attempt.reviewed_at)}" if attempt.reviewed_at else "")
    _record(session, cfg, key, verb, attempt.user_id,
            _activity(cfg, "exercise", f"/exercises/{exercise.slug}", exercise.title), when,
            result={"score": _score(attempt.score), "success": bool(attempt.passed), "completion": True},
            context=_attempt_context(session, cfg, attempt, exercise))


def exam_finished(session: Session, exam: ExamSession) -> None:
    """`passed` or `failed` the exam, with the mean score and the time from its start to the
    last answer: call before the commit that stores the decision."""
    cfg = settings()
    if not cfg.configured or exam.score is None:
        return
    course = session.get(Course, exam.course_id)
    last = session.exec(select(func.max(Attempt.created_at)).where(Attempt.exam_session_id == exam.id)).one()
    lang = session.exec(select(Attempt.lang).where(Attempt.exam_session_id == exam.id)
                        .order_by(Attempt.id.desc())).first() or "en"
    started = exam.started_at
    taken = (_aware(last) - _aware(started)).total_seconds() if last else 0.0
    verb = "passed" if exam.status == "passed" else "failed"
    _record(session, cfg, f"exams/{exam.id}/finished", verb, exam.user_id, _exam_activity(cfg, course),
            exam.completed_at or utcnow(),
            result={"score": _score(exam.score), "success": verb == "passed", "completion": True,
                    "duration": duration(taken)},
            context={"language": lang, "registration": _uuid(cfg, f"exams/{exam.id}"),
                     "contextActivities": {"parent": [_course_activity(cfg, course)]}})


def certificate_issued(session: Session, cert: Certificate, locale: str | None = None) -> None:
    """`completed` the course (its track): call before the commit that stores the certificate."""
    cfg = settings()
    if not cfg.configured:
        return
    course = session.get(Course, cert.course_id)
    _record(session, cfg, f"certificates/{cert.public_id}/completed", "completed", cert.user_id,
            _course_activity(cfg, course), cert.issued_at,
            result={"success": True, "completion": True},
            context={"language": locale or "en"})


def _aware(dt: datetime) -> datetime:
    return dt.replace(tzinfo=timezone.utc) if dt.tzinfo is None else dt


# -- delivery -----------------------------------------------------------------------------------
@dataclass
class Delivery:
    delivered: int = 0
    rejected: int = 0
    failed: int = 0
    error: str | None = None    # why delivery stopped (the LRS is down, refuses the credentials...)


class _Stop(Exception):
    pass


def _pending(now: datetime, force: bool):
    query = select(XapiStatement.id).where(XapiStatement.delivered_at == None,  # noqa: E711
                                           XapiStatement.rejected_at == None)  # noqa: E711
    if not force:
        query = query.where(or_(XapiStatement.next_try_at == None, XapiStatement.next_try_at <= now))  # noqa: E711
    return query


def _claim(session: Session, now: datetime, force: bool, skip: set[str]) -> list[XapiStatement]:
    """Take the next batch, holding it for LEASE seconds so that two deliveries running at once
    (a job and the periodic job, or several workers) do not send the same statements."""
    query = _pending(now, force).order_by(XapiStatement.created_at, XapiStatement.id).limit(BATCH + len(skip))
    ids = [i for i in session.exec(query) if i not in skip][:BATCH]
    if not ids:
        return []
    claim = update(XapiStatement).where(XapiStatement.id.in_(ids), XapiStatement.delivered_at == None)  # noqa: E711
    if not force:
        claim = claim.where(or_(XapiStatement.next_try_at == None, XapiStatement.next_try_at <= now))  # noqa: E711
    taken = set(session.execute(claim.values(next_try_at=now + timedelta(seconds=LEASE))
                                .returning(XapiStatement.id)).scalars())
    session.commit()
    rows = [session.get(XapiStatement, i) for i in ids if i in taken]
    skip.update(ids)
    return rows


def deliver_pending(session: Session, cfg: XapiSettings, now: datetime | None = None,
                    force: bool = False) -> Delivery:
    """Send the waiting statements, in batches, until none is left or the LRS fails. `force`
    (`lms xapi flush`) ignores the backoff of statements that failed before."""
    import httpx

    now = now or utcnow()
    out = Delivery()
    if not cfg.configured:
        return out
    skip: set[str] = set()
    headers = {"X-Experience-API-Version": VERSION}
    auth = (cfg.username or "", cfg.password or "") if cfg.username or cfg.password else None
    with httpx.Client(timeout=TIMEOUT, headers=headers, auth=auth) as client:
        while rows := _claim(session, now, force, skip):
            try:
                _send_batch(client, cfg, session, rows, now, out)
            except _Stop as stop:
                out.error = str(stop)
                log.warning("xAPI delivery to %s stopped: %s", cfg.shown_endpoint, out.error)
                break
            finally:
                session.commit()
    return out


def _send_batch(client, cfg: XapiSettings, session: Session, rows: list[XapiStatement], now, out: Delivery) -> None:
    import httpx

    url = f"{cfg.endpoint}/statements"
    try:
        response = client.post(url, json=[r.statement for r in rows])
    except httpx.HTTPError as exc:
        _failed(session, rows, now, out, f"LRS unreachable: {type(exc).__name__}: {exc}")
        raise _Stop(rows[0].last_error) from None
    if response.status_code in (200, 204):
        for row in rows:
            _delivered(session, row, now, out)
        return
    if response.status_code in (400, 409, 413):  # one statement may be at fault: send them one by one
        for i, row in enumerate(rows):
            try:
                one = client.put(url, params={"statementId": row.id}, json=row.statement)
            except httpx.HTTPError as exc:
                _failed(session, rows[i:], now, out, f"LRS unreachable: {type(exc).__name__}: {exc}")
                raise _Stop(row.last_error) from None
            if one.status_code in (200, 204):
                _delivered(session, row, now, out)
            elif one.status_code in (400, 409):
                row.rejected_at, row.last_error = now, _http_error(one)
                row.tries += 1
                session.add(row)
                out.rejected += 1
                log.warning("the LRS refused xAPI statement %s: %s", row.id, row.last_error)
            else:
                _failed(session, rows[i:], now, out, _http_error(one))
                raise _Stop(row.last_error)
        return
    _failed(session, rows, now, out, _http_error(response))
    raise _Stop(rows[0].last_error)


def _http_error(response) -> str:
    return f"HTTP {response.status_code}: {response.text[:200]}".strip()


def _delivered(session: Session, row: XapiStatement, now, out: Delivery) -> None:
    row.delivered_at, row.next_try_at, row.last_error = now, None, None
    row.tries += 1
    session.add(row)
    out.delivered += 1


def _failed(session: Session, rows: list[XapiStatement], now, out: Delivery, error: str) -> None:
    for row in rows:
        row.tries += 1
        row.next_try_at = now + timedelta(seconds=min(RETRY_DELAY * 2 ** (row.tries - 1), MAX_DELAY))
        row.last_error = error[:300]
        session.add(row)
        out.failed += 1


# -- status -------------------------------------------------------------------------------------
@dataclass
class Status:
    waiting: int
    delivered: int
    rejected: int
    oldest_waiting: datetime | None
    last_error: str | None


def status(session: Session) -> Status:
    waiting = (XapiStatement.delivered_at == None) & (XapiStatement.rejected_at == None)  # noqa: E711
    count = lambda cond: session.exec(select(func.count()).select_from(XapiStatement).where(cond)).one()  # noqa: E731
    oldest = session.exec(select(func.min(XapiStatement.created_at)).where(waiting)).one()
    last_error = session.exec(select(XapiStatement.last_error).where(waiting, XapiStatement.last_error != None)  # noqa: E711
                              .order_by(XapiStatement.next_try_at.desc())).first()
    return Status(waiting=count(waiting), delivered=count(XapiStatement.delivered_at != None),  # noqa: E711
                  rejected=count(XapiStatement.rejected_at != None), oldest_waiting=oldest,  # noqa: E711
                  last_error=last_error)
