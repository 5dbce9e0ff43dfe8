"""Security, each in a test: sign-in throttling and lockout (counted in the database, so shared by
every web process), the audit log and its admin page, session cookies, security headers, and no
secret in the logs."""
import logging
import re
import socket
from datetime import date, timedelta

import pytest
from conftest import TEST_CONTENT, Auth, csrf_from, drain, seed
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from fakellm import Reply
from sqlmodel import select

from lms import db
from lms.models import AuditEvent, LoginEvent, User
from lms.models.base import utcnow

LEARNER, ADMIN = "learner@example.org", "admin@example.org"
IP = "192.0.2.10"


@pytest.fixture
def app(make_app):
    app = make_app(CONTENT_DIR=TEST_CONTENT)
    seed(app)
    return app


def sign_in(client, email, password="demo-password", ip=IP, **kw):
    page = client.get("/login", environ_base={"REMOTE_ADDR": ip}, **kw).get_data(as_text=True)
    return client.post("/login", data={"email": email, "password": password, "csrf_token": csrf_from(page)},
                       environ_base={"REMOTE_ADDR": ip}, **kw)


def flashes(response) -> list[str]:
    return re.findall(r'<p class="flash flash-\w+"[^>]*>(.*?)</p>', response.get_data(as_text=True), re.S)


def signed_in(client) -> bool:
    return client.get("/").status_code == 200


def age_login_events(app, seconds: int) -> None:
    """Move the stored clock of the throttle back instead of sleeping."""
    with app.app_context(), db.new_session() as s:
        for row in s.exec(select(LoginEvent)):
            row.created_at = row.created_at - timedelta(seconds=seconds)
            s.add(row)
        s.commit()


def actions(app) -> list[str]:
    with app.app_context(), db.new_session() as s:
        return [e.action for e in s.exec(select(AuditEvent).order_by(AuditEvent.id))]


# -- sign-in throttling ----------------------------------------------------------------------
def test_an_account_is_locked_after_five_failures_then_unlocked_after_the_window(app):
    client = app.test_client()
    for _ in range(4):
        assert sign_in(client, LEARNER, "wrong").status_code == 401
    fifth = sign_in(client, LEARNER, "wrong")
    assert fifth.status_code == 429 and 0 < int(fifth.headers["Retry-After"]) <= 900
    assert "signing in with it is paused for 15 minute(s)" in fifth.get_data(as_text=True)
    right = sign_in(client, LEARNER)  # the correct password is refused while locked
    assert right.status_code == 429 and "Retry-After" in right.headers and not signed_in(client)
    age_login_events(app, 14 * 60)
    assert sign_in(client, LEARNER).status_code == 429 and not signed_in(client)
    age_login_events(app, 2 * 60)  # 16 minutes after the lock
    assert sign_in(client, LEARNER, "wrong").status_code == 401  # not locked again by the old failures
    assert sign_in(client, LEARNER).status_code == 302 and signed_in(client)
    with app.app_context(), db.new_session() as s:
        assert not s.exec(select(LoginEvent).where(LoginEvent.key.startswith("account:"))).all()  # cleared
    log = actions(app)
    assert log.count("login_locked") == 1 and log.count("login_failed") == 8 and log[-1] == "login_succeeded"


def test_a_success_clears_the_account_counter(app):
    client = app.test_client()
    for _ in range(4):
        sign_in(client, LEARNER, "wrong")
    assert sign_in(client, LEARNER).status_code == 302
    Auth(client).logout()
    for _ in range(4):
        assert sign_in(client, LEARNER, "wrong").status_code == 401
    assert sign_in(client, LEARNER).status_code == 302


def test_the_answers_do_not_tell_whether_the_address_exists(app):
    def answers(email, ip):
        client = app.test_client()
        out = []
        for password in ["wrong"] * 6 + ["demo-password"]:
            r = sign_in(client, email, password, ip=ip)
            out.append((r.status_code, bool(r.headers.get("Retry-After")), flashes(r)))
        return out

    known, unknown = answers(LEARNER, "192.0.2.20"), answers("nobody@example.org", "192.0.2.21")
    assert known[:6] == unknown[:6]
    assert [code for code, _, _ in known] == [401] * 4 + [429] * 3 and all(wait for _, wait, _ in known[4:])
    assert known[-1][0] == unknown[-1][0] == 429  # even the right password of a real account


def test_too_many_failures_from_one_address_answer_429_until_they_age(app):
    attacker, neighbour = app.test_client(), app.test_client()
    for i in range(30):  # 30 addresses tried 1 time each: no account is locked, the address is
        assert sign_in(attacker, f"guess{i}@example.org", "wrong").status_code == 401
    r = sign_in(attacker, LEARNER)
    assert r.status_code == 429 and 0 < int(r.headers["Retry-After"]) <= 900
    assert "Too many failed sign-ins from your network" in r.get_data(as_text=True) and not signed_in(attacker)
    assert sign_in(neighbour, LEARNER, ip="198.51.100.7").status_code == 302  # other addresses are not blocked
    assert actions(app).count("login_ip_limited") == 1
    age_login_events(app, 15 * 60 + 1)
    assert sign_in(attacker, ADMIN).status_code == 302


def test_the_counts_are_shared_by_web_processes_on_one_database(make_app):
    first = make_app(CONTENT_DIR=TEST_CONTENT)  # two apps, two engines: like two gunicorn workers
    second = make_app(CONTENT_DIR=TEST_CONTENT)
    seed(second)
    for i in range(5):
        sign_in((first if i % 2 else second).test_client(), LEARNER, "wrong")
    assert sign_in(first.test_client(), LEARNER).status_code == 429
    assert sign_in(second.test_client(), LEARNER).status_code == 429


def test_the_limits_are_settings(make_app):
    app = make_app(CONTENT_DIR=TEST_CONTENT, LOGIN_MAX_FAILURES=2, LOGIN_LOCKOUT=60)
    seed(app)
    client = app.test_client()
    assert sign_in(client, LEARNER, "wrong").status_code == 401
    r = sign_in(client, LEARNER, "wrong")
    assert r.status_code == 429 and r.headers["Retry-After"] == "60"
    from lms.config import load
    assert load("/tmp/unused", {"LMS_SECRET_KEY": "x", "LMS_LOGIN_MAX_FAILURES": "7"})["LOGIN_MAX_FAILURES"] == 7


# -- the audit log ---------------------------------------------------------------------------
def test_sign_ins_roles_activation_settings_and_exports_are_audited(app):
    admin, other = app.test_client(), app.test_client()
    sign_in(other, LEARNER, "wrong")
    assert sign_in(admin, ADMIN).status_code == 302
    with app.app_context():
        trainer_id = db.session().exec(select(User.id).where(User.email == "trainer@example.org")).one()
        learner_id = db.session().exec(select(User.id).where(User.email == LEARNER)).one()
        admin_id = db.session().exec(select(User.id).where(User.email == ADMIN)).one()
    page = admin.get("/admin/users").get_data(as_text=True)
    token = csrf_from(page)
    assert admin.post(f"/admin/users/{trainer_id}/role", data={"csrf_token": token, "role": "hr"}).status_code == 302
    assert admin.post(f"/admin/users/{learner_id}/active", data={"csrf_token": token, "active": "0"}).status_code == 302
    r = admin.post(f"/admin/users/{admin_id}/role", data={"csrf_token": token, "role": "learner"},
                   follow_redirects=True)
    assert "You cannot change your own account here" in r.get_data(as_text=True)
    assert admin.post(f"/admin/users/{trainer_id}/role", data={"role": "admin"}).status_code == 400  # no CSRF
    with app.app_context(), db.new_session() as s:
        assert s.get(User, trainer_id).role == "hr" and s.get(User, admin_id).role == "admin"
        assert s.get(User, learner_id).active is False
    assert sign_in(other, LEARNER).status_code == 401  # a deactivated account cannot sign in
    home = admin.get("/admin/").get_data(as_text=True)
    admin.post("/admin/settings", data={"csrf_token": csrf_from(home), "confidentiality_policy": "block",
                                        "confidential_names": "", "daily_runs": "50", "daily_submissions": "30"})
    assert admin.get("/hr/export/status.csv").status_code == 200
    Auth(admin).logout()
    log = actions(app)
    for action in ("login_failed", "login_succeeded", "role_changed", "user_deactivated", "setting_changed",
                   "hr_export", "logout"):
        assert action in log, action
    assert log.count("role_changed") == 1
    with app.app_context(), db.new_session() as s:
        changed = [e.target for e in s.exec(select(AuditEvent).where(AuditEvent.action == "setting_changed"))]
        assert "setting:confidentiality_policy" in changed and "setting:daily_runs" not in changed  # unchanged
        role = s.exec(select(AuditEvent).where(AuditEvent.action == "role_changed")).one()
        assert (role.actor_id, role.target, role.details) == (admin_id, f"user:{trainer_id}",
                                                              {"before": "trainer", "after": "hr"})


def test_the_admin_reads_filters_pages_and_exports_the_log(app):
    with app.app_context(), db.new_session() as s:
        admin_id = s.exec(select(User.id).where(User.email == ADMIN)).one()
        start = utcnow() - timedelta(days=30)
        for i in range(120):
            s.add(AuditEvent(actor_id=admin_id if i % 2 else None, action="override", target=f"attempt:{i}",
                             details={"n": i, "note": '<script>alert("x")</script>'},
                             created_at=start + timedelta(minutes=i)))
        s.add(AuditEvent(action="role_changed", target="user:1", created_at=utcnow() - timedelta(days=2)))
        s.commit()
    client = app.test_client()
    sign_in(client, ADMIN)
    first = client.get("/admin/audit").get_data(as_text=True)
    assert "Signed in" in first and "Role changed" in first and "Grade overridden" in first  # labels
    body = first.split("<tbody>")[1]
    assert body.index("login_succeeded") < body.index("role_changed") < body.index("attempt:119")  # newest first
    assert "attempt:70" not in body and 'href="/admin/audit?page=2"' in first
    assert "<script>alert" not in first and "&lt;script&gt;" in first
    third = client.get("/admin/audit?page=3").get_data(as_text=True)
    assert "attempt:0<" in third and "Older events" not in third and "Newer events" in third
    only = client.get("/admin/audit?action=role_changed").get_data(as_text=True).split("<tbody>")[1]
    assert "user:1" in only and "attempt:" not in only
    mine = client.get("/admin/audit?action=override&actor=ADMIN@example").get_data(as_text=True)
    assert "attempt:119" in mine and "attempt:118<" not in mine
    day = (start + timedelta(minutes=119)).date()
    dated = client.get(f"/admin/audit?since={day}&until={day}&action=override").get_data(as_text=True)
    assert "attempt:119" in dated
    before = start.date() - timedelta(days=1)
    assert "No event matches" in client.get(f"/admin/audit?until={before}").get_data(as_text=True)
    assert client.get("/admin/audit?since=not-a-date&page=x").status_code == 200
    csv = client.get("/admin/audit.csv?action=override&actor=admin@")
    assert csv.status_code == 200 and csv.headers["Cache-Control"] == "no-store"
    lines = csv.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[0].startswith("When (UTC),Who,Action code,Action,Target,Details") and len(lines) == 61
    assert lines[1].split(",")[1:5] == [ADMIN, "override", "Grade overridden", "attempt:119"]
    with app.app_context(), db.new_session() as s:
        export = s.exec(select(AuditEvent).where(AuditEvent.action == "audit_exported")).one()
        assert export.actor_id == admin_id and export.details == {"action": "override", "actor": "admin@"}


def test_the_audit_helper_is_one_import(app):
    from lms.services.audit import ACTIONS, audit, label

    with app.app_context(), db.new_session() as s:
        audit(s, None, "account_deleted", "user:42", reason="asked")
        s.commit()
        event = s.exec(select(AuditEvent).where(AuditEvent.target == "user:42")).one()
    assert (event.action, event.details) == ("account_deleted", {"reason": "asked"})
    assert "account_deleted" in ACTIONS and label("something.new") == "something.new"


# -- cookies and headers ---------------------------------------------------------------------
def session_cookies(response) -> list[str]:
    return [h for h in response.headers.getlist("Set-Cookie") if h.startswith("session=")]


def test_the_session_cookie_is_httponly_and_samesite_lax(app):
    client = app.test_client()
    r = sign_in(client, LEARNER)
    cookies = session_cookies(r)
    assert cookies and all("HttpOnly" in c and "SameSite=Lax" in c for c in cookies)
    assert not any("Secure" in c for c in cookies)  # development over plain http


def test_the_session_cookie_is_secure_in_production(make_app, monkeypatch):
    monkeypatch.setenv("LMS_ENV", "production")
    monkeypatch.setenv("LMS_SECRET_KEY", "a-production-secret")
    pem = ed25519.Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()
    app = make_app(CONTENT_DIR=TEST_CONTENT, SIGNING_KEY=pem)
    seed(app)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    client = app.test_client()
    r = sign_in(client, LEARNER, base_url="https://academy.example.org",  # CSRF over https checks the referrer
                headers={"Referer": "https://academy.example.org/login"})
    cookies = session_cookies(r)
    assert r.status_code == 302 and cookies
    assert all("Secure" in c and "HttpOnly" in c and "SameSite=Lax" in c for c in cookies)


def csp(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = words[1:]
    return directives


def test_security_headers_on_every_kind_of_page(app):
    anonymous, admin = app.test_client(), app.test_client()
    sign_in(admin, ADMIN)
    responses = {
        "sign-in": anonymous.get("/login"), "css": anonymous.get("/static/css/app.css"),
        "not found": anonymous.get("/no-such-page"), "redirect": anonymous.get("/"),
        "dashboard": admin.get("/"), "admin": admin.get("/admin/"), "audit": admin.get("/admin/audit"),
        "csv": admin.get("/admin/audit.csv"), "partial": admin.get("/courses/mini", headers={"HX-Request": "true"}),
        "refused sign-in": anonymous.post("/login", data={"email": LEARNER, "password": "x"}),
    }
    for r in responses.values():  # streamed ones (the CSV) end here, in this test, not at garbage collection
        r.get_data()
        r.close()
    for name, r in responses.items():
        h = r.headers
        policy = csp(h.get("Content-Security-Policy", ""))
        scripts = policy.get("script-src", policy.get("default-src"))
        assert scripts and "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts, name
        assert policy.get("frame-ancestors") == ["'none'"] or h.get("X-Frame-Options") == "DENY", name
        assert h.get("Referrer-Policy") in ("same-origin", "no-referrer", "strict-origin-when-cross-origin"), name
        assert h.get("X-Content-Type-Options") == "nosniff", name
        if r.mimetype == "text/html":  # the policy is kept: no inline script to allow
            assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", r.get_data(as_text=True)), name


# -- no secret in the logs -------------------------------------------------------------------
SECRET_KEY = "flask-secret-Q7vZ3kP9wE"
LLM_KEY = "sk-llm-W4nR8tY2uI0oP"
SMTP_PASSWORD = "smtp-pass-H5jK1mX6vB"
USER_PASSWORD = "user-pass-T3gB9cL4nM"


class Inbox:
    """A loopback SMTP server that asks for a password and keeps the messages."""

    def __init__(self):
        self.messages, self.logins = [], []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope.content)
        return "250 Message accepted"

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        from aiosmtpd.smtp import AuthResult

        self.logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == SMTP_PASSWORD.encode())


@pytest.fixture
def smtp_server():
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port, authenticator=inbox.authenticate,
                            auth_require_tls=False)
    controller.start()
    inbox.port = port
    yield inbox
    controller.stop()


def test_no_secret_reaches_the_logs(make_app, llm_server, smtp_server, monkeypatch, caplog, capfd):
    from graders import LLMClient, LLMSettings
    from lms.services import hr_org, reminders
    from lms.services.accounts import hash_password

    signing_key = ed25519.Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()
    env = {"LMS_SECRET_KEY": SECRET_KEY, "LMS_LLM_API_KEY": LLM_KEY, "LMS_SMTP_PASSWORD": SMTP_PASSWORD,
           "LMS_SIGNING_KEY": signing_key, "LMS_GRADER_MODEL": "openai/judge", "LMS_TARGET_MODEL": "openai/target",
           "LMS_LLM_API_BASE": llm_server.url, "LMS_LLM_RETRIES": "1", "LMS_LLM_TIMEOUT": "2",
           "LMS_SMTP_HOST": "127.0.0.1", "LMS_SMTP_PORT": str(smtp_server.port), "LMS_SMTP_USER": "academy",
           "LMS_SMTP_TLS": "none", "LMS_PUBLIC_URL": "https://academy.example.org"}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    secrets = [SECRET_KEY, LLM_KEY, SMTP_PASSWORD, USER_PASSWORD]
    secrets += [line for line in signing_key.splitlines() if len(line) > 20]  # the key's base64 body
    caplog.set_level(logging.DEBUG)
    for name in ("LiteLLM", "LiteLLM Router", "LiteLLM Proxy", "httpx", "httpcore", "openai", "werkzeug",
                 "lms", "graders", "huey", "mail.log"):
        caplog.set_level(logging.DEBUG, logger=name)

    # a server error, then the key quoted in an error message (as providers do)
    llm_server.script(Reply(status=500, content="boom", headers={"retry-after-ms": "5"}), model="target")
    llm_server.default = Reply(status=401, content=f"Incorrect API key provided: {LLM_KEY}")
    app = make_app(llm=LLMClient(LLMSettings.from_env()), CONTENT_DIR=TEST_CONTENT, SECRET_KEY=SECRET_KEY)
    seed(app)
    with app.app_context(), db.new_session() as s:
        learner = s.exec(select(User).where(User.email == LEARNER)).one()
        learner.password_hash = hash_password(USER_PASSWORD)
        s.add(learner)
        s.commit()

    client = app.test_client()
    assert sign_in(client, LEARNER, USER_PASSWORD + "x").status_code == 401  # a failed sign-in
    assert sign_in(client, LEARNER, USER_PASSWORD).status_code == 302        # then the right one
    page = client.get("/exercises/mini-brief").get_data(as_text=True)
    client.post("/exercises/mini-brief/submit", data={"csrf_token": csrf_from(page),
                                                      "prompt": "Summarise the meeting notes as a table."})
    drain(app)
    assert llm_server.requests, "the model was called"
    with app.app_context(), db.new_session() as s:
        from lms.models import Attempt
        attempt = s.exec(select(Attempt)).one()
    assert attempt.status != "graded" and LLM_KEY not in str(attempt.report)  # nor in what trainers read

    with app.app_context(), db.new_session() as s:  # a reminder e-mail through an SMTP server with a password
        hr = s.exec(select(User).where(User.email == "hr@example.org")).one()
        course_id = next(c.id for c in hr_org.tracks(s))
        hr_org.assign(s, hr, course_id, date.today() + timedelta(days=3), email=LEARNER)
        result = reminders.send(s, app.config["SMTP"], utcnow())
    assert len(result.sent) == 1 and smtp_server.logins == [(b"academy", SMTP_PASSWORD.encode())]
    assert len(smtp_server.messages) == 1

    out, err = capfd.readouterr()
    logged = "\n".join(r.getMessage() for r in caplog.records) + caplog.text + out + err
    assert caplog.records, "nothing was logged: the test would prove nothing"
    leaked = [secret[:12] for secret in secrets if secret in logged]
    assert leaked == []
