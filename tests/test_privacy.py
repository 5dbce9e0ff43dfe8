"""Personal data rights: the download of everything held about a person (and of nobody else), the
deletion of an account (erased, anonymised, signed out, certificates still verifiable, HR figures
still right), and the retention purge of old prompts (on SQLite and PostgreSQL)."""
from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta

import pytest
from conftest import TEST_CONTENT, Auth, csrf_from, seed
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import select

from lms import db
from lms.cli import main
from lms.models import (Appeal, Attempt, AuditEvent, Certificate, Cohort, CohortMember, Course, Department,
                        DepartmentMember, ExamSession, Exercise, Lesson, LessonProgress, Notification, Override,
                        Quiz, QuizAttempt, Reminder, Role, TargetRun, User, metadata)
from lms.models.base import utcnow
from lms.services import hr_org, hr_reports, privacy, settings
from lms.services.accounts import create_user
from lms.services.audit import audit

SIGNING_KEY = ed25519.Ed25519PrivateKey.generate().private_bytes(
    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()
LEARNER, OTHER = "learner@example.org", "other@example.org"


@pytest.fixture
def app(make_app):
    app = make_app(CONTENT_DIR=TEST_CONTENT, SIGNING_KEY=SIGNING_KEY)
    seed(app)
    with app.app_context(), db.new_session() as s:
        create_user(s, OTHER, "Other Learner", "demo-password", Role.LEARNER)
    give_data(app, LEARNER, "LEA-MARK")
    give_data(app, OTHER, "OTHER-MARK")
    return app


def uid(app, email):
    with app.app_context(), db.new_session() as s:
        return s.exec(select(User.id).where(User.email == email)).one()


def give_data(app, email: str, mark: str, *, days_ago: int = 0, only_attempt: bool = False) -> None:
    """A row in every table that holds something about a person, each carrying `mark` (or only a
    reviewed and appealed attempt)."""
    with app.app_context(), db.new_session() as s:
        user = s.exec(select(User).where(User.email == email)).one()
        trainer = s.exec(select(User).where(User.email == "trainer@example.org")).one()
        hr = s.exec(select(User).where(User.email == "hr@example.org")).one()
        exercise = s.exec(select(Exercise).where(Exercise.slug == "mini-brief")).one()
        mini = s.exec(select(Course).where(Course.slug == "mini")).one()
        exam_course = s.exec(select(Course).where(Course.slug == "mini-exam")).one()
        created = utcnow() - timedelta(days=days_ago)
        attempt = Attempt(user_id=user.id, exercise_id=exercise.id, prompt=f"prompt {mark}", prompt_hash="h" + mark,
                          status="graded", score=80.0, passed=True, created_at=created, graded_at=created,
                          report={"status": "graded", "score": 80.0, "passed": True, "target_output": f"output {mark}",
                                  "judge_raw": f"judge {mark}", "prompt_hash": "h" + mark,
                                  "improvements": [f"improve {mark}"],
                                  "criteria": [{"id": "c1", "kind": "judge", "max": 100, "score": 80, "passed": True,
                                                "rationale": f"rationale {mark}", "status": "scored", "level": 3,
                                                "hint": ""}],
                                  "review": {"by": trainer.name, "comment": f"review {mark}"}},
                          reviewed_by=trainer.id)
        s.add(attempt)
        s.flush()
        s.add(Override(attempt_id=attempt.id, reviewer_id=trainer.id, comment=f"trainer says {mark}",
                       criteria={"c1": {"before": 2, "after": 3, "comment": f"criterion {mark}"}},
                       score_before=60.0, score_after=80.0, passed_after=True))
        s.add(Appeal(attempt_id=attempt.id, user_id=user.id, reason=f"appeal {mark}", resolved_at=created,
                     resolved_by=trainer.id))
        if only_attempt:
            s.commit()
            return
        s.add(Notification(user_id=user.id, kind="attempt_reviewed", data={
            "attempt_id": attempt.id, "exercise": exercise.title, "score": 80.0, "passed": True,
            "note": f"notification {mark}"}))
        s.add(TargetRun(user_id=user.id, exercise_id=exercise.id, findings=[f"finding {mark}"]))
        lesson = s.exec(select(Lesson)).first()
        s.add(LessonProgress(user_id=user.id, lesson_id=lesson.id))
        quiz = s.exec(select(Quiz)).first()
        s.add(QuizAttempt(user_id=user.id, quiz_id=quiz.id, answers={"q1": mark}, score=100.0, passed=True))
        s.add(ExamSession(user_id=user.id, course_id=exam_course.id, exercise_ids=[exercise.id]))
        department = Department(name=f"Dept {mark}", path=f"Dept {mark}")
        cohort = Cohort(name=f"Cohort {mark}")
        s.add_all([department, cohort])
        s.flush()
        s.add_all([DepartmentMember(department_id=department.id, user_id=user.id),
                   CohortMember(cohort_id=cohort.id, user_id=user.id)])
        s.add(Reminder(user_id=user.id, course_id=mini.id, kind="due_soon", due_on=created.date()))
        s.add(Certificate(public_id=f"cert-{mark.lower()}", user_id=user.id, course_id=mini.id,
                          holder_name=f"{user.name} {mark}", title=mini.certification["title"]))
        from lms.models import PromptDraft

        s.add(PromptDraft(user_id=user.id, exercise_slug="mini-brief", text=f"draft {mark}"))
        audit(s, hr.id, "hr_read_prompt", f"attempt:{attempt.id}", learner_id=user.id)
        s.commit()
        hr_org.assign(s, hr, mini.id, created.date() + timedelta(days=30), email=user.email)


def signed_in(app, email=LEARNER):
    client = app.test_client()
    assert Auth(client).login(email).status_code == 302
    return client


def download(client) -> tuple[dict, zipfile.ZipFile]:
    page = client.get("/account/data")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Download my data" in html and "Delete my account" in html and "365 days" in html
    r = client.post("/account/data/export", data={"csrf_token": csrf_from(html)})
    assert r.status_code == 200 and r.mimetype == "application/zip"
    assert "attachment" in r.headers["Content-Disposition"] and r.headers["Cache-Control"] == "private, no-store"
    zf = zipfile.ZipFile(io.BytesIO(r.data))
    return json.loads(zf.read("data.json")), zf


def delete(client, password="demo-password", confirm=True):
    html = client.get("/account/data").get_data(as_text=True)
    data = {"csrf_token": csrf_from(html), "password": password}
    if confirm:
        data["confirm"] = "y"
    return client.post("/account/delete", data=data)


def tables_with_user_id():
    return [t for t in metadata.sorted_tables if "user_id" in t.c]


# -- the download -------------------------------------------------------------------------------
def test_download_holds_the_learners_data_and_nobody_elses(app):
    data, zf = download(signed_in(app))
    text = json.dumps(data, ensure_ascii=False)
    assert "OTHER-MARK" not in text and OTHER not in text and "Other Learner" not in text
    assert data["profile"]["email"] == LEARNER and "password_hash" not in data["profile"]
    assert data["roles"]["role"] == "learner"
    t = data["tables"]
    attempt = t["attempt"][0]
    assert attempt["prompt"] == "prompt LEA-MARK" and attempt["report"]["target_output"] == "output LEA-MARK"
    assert attempt["report"]["judge_raw"] == "judge LEA-MARK" and attempt["exercise"] == "mini-brief"
    assert attempt["overrides"][0]["comment"] == "trainer says LEA-MARK"
    assert attempt["overrides"][0]["criteria"]["c1"]["comment"] == "criterion LEA-MARK"
    assert t["appeal"][0]["reason"] == "appeal LEA-MARK"
    assert t["department_member"][0]["department"] == "Dept LEA-MARK"
    assert t["cohort_member"][0]["cohort"] == "Cohort LEA-MARK"
    assert t["assignment"][0]["course"] == "mini" and t["assigned_track"][0]["course"] == "mini"
    assert t["reminder"][0]["kind"] == "due_soon" and t["notification"][0]["data"]["note"] == "notification LEA-MARK"
    assert t["target_run"][0]["findings"] == ["finding LEA-MARK"] and t["prompt_draft"][0]["text"] == "draft LEA-MARK"
    assert t["quiz_attempt"][0]["answers"] == {"q1": "LEA-MARK"} and len(t["exam_session"]) == 1
    assert len(t["lesson_progress"]) == 1
    cert = t["certificate"][0]
    assert cert["verification_url"] == "http://localhost/verify/cert-lea-mark"
    assert any(e["action"] == "hr_read_prompt" and e["target"] == f"attempt:{attempt['id']}"
               for e in data["audit_events"])
    # the certificate as PDF and as signed credential
    names = set(zf.namelist())
    assert {"data.json", "certificates/cert-lea-mark.pdf", "certificates/cert-lea-mark.jwt"} <= names
    assert zf.read("certificates/cert-lea-mark.pdf").startswith(b"%PDF")
    with app.app_context(), db.new_session() as s:
        event = s.exec(select(AuditEvent).where(AuditEvent.action == "personal_data_exported")).one()
        assert event.actor_id == uid(app, LEARNER)


def test_every_table_holding_a_person_is_exported_and_has_a_deletion_rule(app):
    """Fails when a table gets a user_id (or another column pointing to a person) and the privacy
    service does not cover it."""
    learner = uid(app, LEARNER)
    with app.app_context(), db.new_session() as s:
        data = privacy.export(s, s.get(User, learner))
        for table in tables_with_user_id():
            held = s.execute(sa_select(func.count()).select_from(table).where(table.c.user_id == learner)).scalar()
            assert table.name in data["tables"], f"table {table.name} is missing from the download"
            assert len(data["tables"][table.name]) == held, table.name
    columns = {(t.name, c) for t, c in privacy.user_columns()}
    assert sorted(columns - set(privacy.ON_DELETE)) == [], "columns referring to a person without a deletion rule"
    assert len(tables_with_user_id()) >= 15  # the introspection finds the tables


def test_anonymous_and_csrf(app):
    client = app.test_client()
    assert client.get("/account/data").status_code == 302
    Auth(client).login()
    assert client.post("/account/data/export").status_code == 400
    assert client.post("/account/delete", data={"password": "demo-password", "confirm": "y"}).status_code == 400
    assert client.get("/").status_code == 200  # still there


# -- deletion -----------------------------------------------------------------------------------
def test_wrong_password_or_no_confirmation_refuses_deletion(app):
    client = signed_in(app)
    r = delete(client, password="not-my-password")
    assert r.status_code == 403 and "Wrong password: your account was not deleted." in r.get_data(as_text=True)
    r = delete(client, confirm=False)
    assert r.status_code == 400
    with app.app_context(), db.new_session() as s:
        user = s.get(User, uid(app, LEARNER))
        assert user.active and user.deleted_at is None
        assert s.exec(select(Attempt).where(Attempt.user_id == user.id)).one().prompt == "prompt LEA-MARK"
    assert client.get("/").status_code == 200


def snapshot(app, email) -> str:
    """Everything held about a person, to compare before and after another person's deletion."""
    with app.app_context(), db.new_session() as s:
        data = privacy.export(s, s.get(User, uid(app, email)))
    data.pop("exported_at")
    data["audit_events"] = [e for e in data["audit_events"] if e["action"] != "account_deleted"]
    return json.dumps(data, sort_keys=True)


def test_deletion_erases_anonymises_signs_out_and_keeps_certificates_verifiable(app):
    learner = uid(app, LEARNER)
    client, elsewhere = signed_in(app), signed_in(app)
    token = client.get("/certificates/cert-lea-mark/credential.jwt").get_data(as_text=True)
    other_before = snapshot(app, OTHER)
    with app.app_context(), db.new_session() as s:
        before = hr_reports.totals(s, utcnow())
    assert (before.people, before.tracks) == (2, 2)

    r = delete(client)
    assert r.status_code == 302 and r.headers["Location"] == "/login"
    assert "Your account and your data have been deleted." in client.get("/login").get_data(as_text=True)
    assert client.get("/").status_code == 302 and elsewhere.get("/").status_code == 302  # signed out everywhere
    for email in (LEARNER, f"deleted-{learner}@invalid"):
        assert Auth(app.test_client()).login(email).status_code in (400, 401)  # refused

    with app.app_context(), db.new_session() as s:
        user = s.get(User, learner)
        assert (user.name, user.email, user.active) == ("Deleted user", f"deleted-{learner}@invalid", False)
        assert user.deleted_at is not None and user.password_hash == privacy.UNUSABLE_PASSWORD
        attempt = s.exec(select(Attempt).where(Attempt.user_id == learner)).one()
        assert attempt.prompt == "" and attempt.prompt_hash == "" and attempt.purged_at is not None
        assert (attempt.status, attempt.score, attempt.passed) == ("graded", 80.0, True)  # kept for statistics
        assert "target_output" not in attempt.report and "judge_raw" not in attempt.report
        assert attempt.report["criteria"][0]["score"] == 80 and attempt.report["criteria"][0]["rationale"] == ""
        assert attempt.report["review"]["comment"] == ""
        override = s.exec(select(Override).where(Override.attempt_id == attempt.id)).one()
        assert override.comment == "" and override.criteria["c1"] == {"before": 2, "after": 3, "comment": ""}
        assert s.exec(select(Appeal).where(Appeal.user_id == learner)).one().reason == ""
        for table, column in privacy.ON_DELETE:
            if privacy.ON_DELETE[(table, column)] == privacy.ERASE:
                t = metadata.tables[table]
                assert s.execute(sa_select(func.count()).select_from(t).where(t.c[column] == learner)).scalar() == 0
        assert len(s.exec(select(LessonProgress).where(LessonProgress.user_id == learner)).all()) == 1
        left = privacy.export(s, user)
        assert [c["holder_name"] for c in left["tables"].pop("certificate")] == ["Léa Martin LEA-MARK"]  # kept
        dump = json.dumps(left, ensure_ascii=False, default=str)
        for leftover in ("prompt LEA-MARK", "output LEA-MARK", "judge LEA-MARK", "appeal LEA-MARK", "draft LEA-MARK",
                         "notification LEA-MARK", "trainer says LEA-MARK", "rationale LEA-MARK", "Léa Martin", LEARNER):
            assert leftover not in dump, leftover
        event = s.exec(select(AuditEvent).where(AuditEvent.action == "account_deleted")).one()
        assert (event.actor_id, event.target, event.details) == (learner, f"user:{learner}", {"by": "self"})
        after = hr_reports.totals(s, utcnow())
    assert (after.people, after.tracks) == (1, 1)  # the other learner still counts; the deleted one left
    assert snapshot(app, OTHER) == other_before  # nothing of the other learner changed

    # The certificate stays verifiable, under the name it was issued to.
    anonymous = app.test_client()
    page = anonymous.get("/verify/cert-lea-mark")
    assert page.status_code == 200 and "Léa Martin LEA-MARK" in page.get_data(as_text=True)
    document = anonymous.get("/verify/cert-lea-mark.json").get_json()
    assert document["status"] == "valid" and document["holder"] == "Léa Martin LEA-MARK"
    assert anonymous.get("/credentials/status/cert-lea-mark").get_json()["revokedCredentials"] == []
    from lms.services import credentials

    verdict = credentials.verify(token, anonymous.get("/.well-known/jwks.json").get_json())
    assert verdict.ok and verdict.credential["credentialSubject"]["identifier"][1]["identityHash"] == \
        "Léa Martin LEA-MARK"
    result = app.test_cli_runner().invoke(main, ["certificates", "verify", "-"], input=token)
    assert result.exit_code == 0 and "valid" in result.output
    # HR's pages still work and no longer name the person.
    hr_page = signed_in(app, "hr@example.org").get("/hr/people").get_data(as_text=True)
    assert "Léa Martin" not in hr_page and "Other Learner" in hr_page


def test_admin_deletes_an_account_and_the_cli_too(app):
    learner, other = uid(app, LEARNER), uid(app, OTHER)
    admin = signed_in(app, "admin@example.org")
    assert f'href="/admin/users/{learner}/delete"' in admin.get("/admin/users").get_data(as_text=True)
    page = admin.get(f"/admin/users/{learner}/delete")
    assert page.status_code == 200 and "Léa Martin" in page.get_data(as_text=True)
    html = page.get_data(as_text=True)
    assert admin.post(f"/admin/users/{learner}/delete", data={"csrf_token": csrf_from(html)}).status_code == 400
    r = admin.post(f"/admin/users/{learner}/delete", data={"csrf_token": csrf_from(html), "confirm": "y"})
    assert r.status_code == 302 and r.headers["Location"] == "/admin/users"
    listing = admin.get("/admin/users").get_data(as_text=True)
    assert "deleted on" in listing and f'href="/admin/users/{learner}/delete"' not in listing
    assert admin.get(f"/admin/users/{learner}/delete").status_code == 409  # already deleted
    admin_id = uid(app, "admin@example.org")
    assert admin.get(f"/admin/users/{admin_id}/delete").status_code == 409  # not one's own account here
    assert admin.get("/admin/users/999999/delete").status_code == 404
    with app.app_context(), db.new_session() as s:
        assert s.get(User, learner).deleted_at is not None
        event = s.exec(select(AuditEvent).where(AuditEvent.action == "account_deleted")).one()
        assert (event.actor_id, event.target, event.details["by"]) == (admin_id, f"user:{learner}", "admin")

    result = app.test_cli_runner().invoke(main, ["users", "delete", OTHER, "--yes"])
    assert result.exit_code == 0 and f"Deleted account {other}" in result.output
    assert app.test_cli_runner().invoke(main, ["users", "delete", OTHER, "--yes"]).exit_code != 0  # gone
    with app.app_context(), db.new_session() as s:
        assert s.get(User, other).email == f"deleted-{other}@invalid"


def test_the_last_administrator_cannot_delete_their_account(app):
    client = signed_in(app, "admin@example.org")
    html = client.get("/account/data").get_data(as_text=True)
    assert "This is the last administrator account" in html
    r = delete(client)
    assert r.status_code == 409
    with app.app_context(), db.new_session() as s:
        assert s.get(User, uid(app, "admin@example.org")).active


def test_a_deleted_trainer_is_no_longer_named_in_the_reports_they_reviewed(app):
    trainer = uid(app, "trainer@example.org")
    with app.app_context(), db.new_session() as s:
        privacy.delete_account(s, s.get(User, trainer), actor_id=None)
        reports = [a.report for a in s.exec(select(Attempt))]
    assert reports and all(r["review"]["by"] == privacy.DELETED_NAME for r in reports)
    assert all(r["review"]["comment"].startswith("review ") for r in reports)  # the learners' data stays


# -- retention ----------------------------------------------------------------------------------
def test_purge_erases_old_prompts_only_keeps_grades_and_is_idempotent(app):
    give_data(app, LEARNER, "OLD-MARK", days_ago=400, only_attempt=True)
    with app.app_context(), db.new_session() as s:  # an old attempt still waiting for a trainer keeps its text
        waiting = s.exec(select(Attempt).where(Attempt.prompt == "prompt OLD-MARK")).one()
        s.add(Attempt(user_id=waiting.user_id, exercise_id=waiting.exercise_id, prompt="prompt WAITING",
                      status="awaiting_review", created_at=waiting.created_at))
        s.commit()
        before = hr_reports.totals(s, utcnow())
    runner = app.test_cli_runner()
    result = runner.invoke(main, ["privacy", "purge", "--dry-run"])
    assert result.exit_code == 0 and "Would purge 1 attempt(s) older than 365 day(s)." in result.output
    result = runner.invoke(main, ["privacy", "purge"])
    assert result.exit_code == 0 and "Purged 1 attempt(s)" in result.output
    assert "Purged 0 attempt(s)" in runner.invoke(main, ["privacy", "purge"]).output
    with app.app_context(), db.new_session() as s:
        rows = {a.prompt: a for a in s.exec(select(Attempt))}
        assert {"prompt LEA-MARK", "prompt OTHER-MARK", "prompt WAITING", ""} == set(rows)
        old = rows[""]
        assert old.purged_at is not None and old.prompt_hash == ""
        assert (old.status, old.score, old.passed, old.graded_at is not None) == ("graded", 80.0, True, True)
        assert "target_output" not in old.report and "judge_raw" not in old.report
        assert old.report["criteria"][0]["rationale"] == "rationale OLD-MARK"  # the feedback stays
        assert rows["prompt LEA-MARK"].report["target_output"] == "output LEA-MARK"
        assert hr_reports.totals(s, utcnow()) == before
        old_id, recent_id = old.id, rows["prompt LEA-MARK"].id
    # Pages say so plainly, and never crash.
    learner = signed_in(app)
    html = learner.get(f"/attempts/{old_id}").get_data(as_text=True)
    assert "answer were erased on" in html, html
    assert "were erased" not in learner.get(f"/attempts/{recent_id}").get_data(as_text=True)
    trainer = signed_in(app, "trainer@example.org")
    with app.app_context(), db.new_session() as s:
        for slug in ("mini", "mini-exam"):
            course = s.exec(select(Course).where(Course.slug == slug)).one()
            from lms.models import TrainerAssignment

            if not s.exec(select(TrainerAssignment).where(TrainerAssignment.course_id == course.id)).first():
                s.add(TrainerAssignment(user_id=uid(app, "trainer@example.org"), course_id=course.id))
        s.commit()
    r = trainer.get(f"/review/attempts/{old_id}")
    assert r.status_code == 200 and "were erased" in r.get_data(as_text=True)
    # The daily task of the workers does the same, and finds nothing more.
    app.extensions["queue"]._purge_task()
    with app.app_context(), db.new_session() as s:
        assert privacy.purge(s, dry_run=True) == 0


def test_retention_setting_by_the_admin_over_the_environment_default(make_app):
    app = make_app(CONTENT_DIR=TEST_CONTENT, SIGNING_KEY=SIGNING_KEY, PROMPT_RETENTION_DAYS=0)
    seed(app)
    give_data(app, LEARNER, "OLD-MARK", days_ago=40, only_attempt=True)
    with app.app_context(), db.new_session() as s:
        assert privacy.retention_days(s) == 0 and privacy.purge(s) == 0  # 0: kept forever
    result = app.test_cli_runner().invoke(main, ["privacy", "purge"])
    assert "kept forever" in result.output
    admin = signed_in(app, "admin@example.org")
    page = admin.get("/admin/").get_data(as_text=True)
    assert "Days to keep prompts" in page
    r = admin.post("/admin/settings", data={"csrf_token": csrf_from(page), "confidentiality_policy": "redact",
                                            "confidential_names": "", "daily_runs": "50", "daily_submissions": "30",
                                            "prompt_retention_days": "30"})
    assert r.status_code == 302
    with app.app_context(), db.new_session() as s:
        assert settings.get(s, "prompt_retention_days") == 30 and privacy.retention_days(s) == 30
        assert privacy.purge(s) == 1
    page = admin.get("/admin/").get_data(as_text=True)
    admin.post("/admin/settings", data={"csrf_token": csrf_from(page), "confidentiality_policy": "redact",
                                        "confidential_names": "", "daily_runs": "50", "daily_submissions": "30",
                                        "prompt_retention_days": ""})
    with app.app_context(), db.new_session() as s:
        assert settings.get(s, "prompt_retention_days") is None and privacy.retention_days(s) == 0
    learner = signed_in(app)
    assert "until an account is deleted" in learner.get("/account/data").get_data(as_text=True)


def test_a_deleted_accounts_pending_attempts_are_neither_graded_nor_reviewed(app):
    from conftest import drain

    learner = uid(app, LEARNER)
    with app.app_context(), db.new_session() as s:
        exercise = s.exec(select(Exercise).where(Exercise.slug == "mini-brief")).one()
        queued = Attempt(user_id=learner, exercise_id=exercise.id, prompt="prompt QUEUED")
        waiting = Attempt(user_id=learner, exercise_id=exercise.id, prompt="prompt WAITING", status="awaiting_review")
        s.add_all([queued, waiting])
        s.commit()
        queued_id, waiting_id = queued.id, waiting.id
    app.extensions["queue"].enqueue(queued_id)
    admin = signed_in(app, "admin@example.org")
    assert f"/review/attempts/{waiting_id}" in admin.get("/review/").get_data(as_text=True)
    with app.app_context(), db.new_session() as s:
        privacy.delete_account(s, s.get(User, learner), actor_id=None)
    drain(app)
    with app.app_context(), db.new_session() as s:
        row = s.get(Attempt, queued_id)
        assert (row.status, row.score, row.prompt) == ("error", None, "")
    assert f"/review/attempts/{waiting_id}" not in admin.get("/review/").get_data(as_text=True)


def test_an_account_deleted_while_its_attempt_is_being_graded_gets_nothing_back(app, monkeypatch):
    from conftest import drain

    from lms.services import grading

    learner = uid(app, LEARNER)
    with app.app_context(), db.new_session() as s:
        exercise = s.exec(select(Exercise).where(Exercise.slug == "mini-brief")).one()
        attempt = Attempt(user_id=learner, exercise_id=exercise.id, prompt="prompt GRADED-LATE")
        s.add(attempt)
        s.commit()
        attempt_id = attempt.id
    real_grade = grading.grade

    def grade_while_the_account_goes(*args, **kwargs):
        report = real_grade(*args, **kwargs)
        with db.new_session() as other:  # the learner deletes their account meanwhile
            privacy.delete_account(other, other.get(User, learner), actor_id=None)
        return report

    monkeypatch.setattr(grading, "grade", grade_while_the_account_goes)
    app.extensions["queue"].enqueue(attempt_id)
    drain(app)
    with app.app_context(), db.new_session() as s:
        row = s.get(Attempt, attempt_id)
        assert (row.status, row.score, row.prompt) == ("error", None, "")
        assert "GRADED-LATE" not in json.dumps(row.report)


def test_purge_drops_old_copies_of_delivered_xapi_statements_only(app):
    from lms.models import XapiStatement

    now = utcnow()
    rows = {"delivered-old": dict(delivered_at=now - timedelta(days=400)),
            "rejected-old": dict(rejected_at=now - timedelta(days=400)),
            "delivered-recent": dict(delivered_at=now - timedelta(days=3)),
            "waiting-old": dict(created_at=now - timedelta(days=400))}  # the LRS was down: kept until sent
    with app.app_context(), db.new_session() as s:
        s.add_all(XapiStatement(id=key, verb="passed", statement={}, **fields) for key, fields in rows.items())
        s.commit()
        privacy.purge(s, days=365)
        assert sorted(s.exec(select(XapiStatement.id))) == ["delivered-recent", "waiting-old"]
