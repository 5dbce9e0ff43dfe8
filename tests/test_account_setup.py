"""Accounts set up by e-mail: invitations on import and again from HR's pages, a single-use and
expiring link to choose a password, "Forgot your password?", through a real SMTP server on
loopback (aiosmtpd), on SQLite and PostgreSQL."""
from __future__ import annotations

import io
import re
import time
from datetime import timedelta

import pytest
from conftest import TEST_CONTENT, Auth, csrf_from, drain, seed
from sqlmodel import select
from test_hr import HR_EMAIL, Inbox, import_people, login, people_csv, smtp, upload, user_id  # noqa: F401

from lms import db
from lms.models import AuditEvent, User
from lms.services import account_setup
from lms.services.mailer import SMTPSettings

PEOPLE = [f"new{i}@example.org,New {i},Sales/West,," for i in range(3)]
LINK = re.compile(r"https://academy\.example\.org(/account/setup/[A-Za-z0-9_.\-]+)")


@pytest.fixture
def app(make_app, smtp):  # noqa: F811
    app = make_app(CONTENT_DIR=TEST_CONTENT, PUBLIC_URL="https://academy.example.org")
    seed(app)
    app.config["SMTP"] = smtp.settings
    return app


def link_in(message) -> str:
    m = LINK.search(message.get_content())
    assert m, message.get_content()
    return m.group(1)


def choose(client, path, password, confirm=None):
    page = client.get(path)
    assert page.status_code == 200 and page.headers["Referrer-Policy"] == "no-referrer"
    return client.post(path, data={"csrf_token": csrf_from(page.get_data(as_text=True)), "password": password,
                                   "confirm": password if confirm is None else confirm})


def audit(app, action):
    with app.app_context(), db.new_session() as s:
        return [(e.actor_id, e.target) for e in s.exec(select(AuditEvent).where(AuditEvent.action == action))]


def test_imported_people_are_invited_and_choose_their_password_once(app, smtp):  # noqa: F811
    hr = login(app)
    page = hr.get("/hr/import").get_data(as_text=True)
    assert "checked" in re.search(r'<input[^>]*name="send_invitations"[^>]*>', page).group(0)  # on by default
    r = hr.post("/hr/import", data={"csrf_token": csrf_from(page), "send_invitations": "y",
                                    "file": (io.BytesIO(people_csv(PEOPLE)), "people.csv")},
                content_type="multipart/form-data", follow_redirects=True)
    # The page answers at once; the queue sends the invitations.
    assert "Invitations to 3 new account(s) are being sent." in r.get_data(as_text=True)
    assert smtp.messages == []
    assert drain(app) == 1
    assert sorted(m["To"] for m in smtp.messages) == [f"new{i}@example.org" for i in range(3)]
    message = smtp.messages[0]
    assert message["Subject"].startswith("Your account on") and "7 days" in message.get_content()
    hr_id = user_id(app, HR_EMAIL)
    assert sorted(audit(app, "account_invitation_sent")) == sorted(
        (hr_id, f"user:{user_id(app, f'new{i}@example.org')}") for i in range(3))

    path = link_in(message)
    person = app.test_client()
    assert person.post(path, data={"password": "long enough password", "confirm": "long enough password"}
                       ).status_code == 400  # no CSRF token
    r = choose(person, path, "long enough password", "another long password")
    assert r.status_code == 400 and "The two passwords are not the same." in r.get_data(as_text=True)
    r = choose(person, path, "short")
    assert r.status_code == 400 and "Between 10 and 200 characters." in r.get_data(as_text=True)
    r = choose(person, path, "long enough password")
    assert r.status_code == 302 and r.headers["Location"] == "/"
    assert person.get("/").status_code == 200  # signed in
    assert audit(app, "password_set") == [(user_id(app, message["To"]), f"user:{user_id(app, message['To'])}")]
    # the link works once; the password works
    r = app.test_client().get(path)
    assert r.status_code == 400 and "This link was already used" in r.get_data(as_text=True)
    assert "/account/reset" in r.get_data(as_text=True)
    assert Auth(app.test_client()).login(message["To"], "long enough password").status_code == 302
    # a tampered link is refused
    r = app.test_client().get(path[:-3] + ("aaa" if not path.endswith("aaa") else "bbb"))
    assert r.status_code == 400 and "This link is not valid" in r.get_data(as_text=True)


def test_invitations_can_be_sent_again_in_the_persons_language_and_expire(app, smtp, monkeypatch):  # noqa: F811
    from itsdangerous import TimestampSigner

    import_people(app, PEOPLE)  # imported without invitations
    assert smtp.messages == []
    new0, new1 = user_id(app, "new0@example.org"), user_id(app, "new1@example.org")
    with app.app_context(), db.new_session() as s:
        s.get(User, new1).locale = "fr"
        s.commit()
    hr = login(app)
    people = hr.get("/hr/people").get_data(as_text=True)
    assert people.count(">Send the invitation again<") == 3  # the demo accounts have a password
    for uid in (new0, new1):
        page = hr.get(f"/hr/people/{uid}").get_data(as_text=True)
        r = hr.post(f"/hr/people/{uid}/invite", data={"csrf_token": csrf_from(page), "next": "/hr/people"})
        assert r.status_code == 302 and r.headers["Location"] == "/hr/people"
    english, french = smtp.messages
    assert english["To"] == "new0@example.org" and english["Subject"].startswith("Your account on")
    assert english["Content-Language"] == "en"
    assert french["To"] == "new1@example.org" and french["Content-Language"] == "fr"  # written in French
    # an account with a password gets no invitation; a learner cannot send one
    learner = user_id(app, "learner@example.org")
    page = hr.get(f"/hr/people/{learner}").get_data(as_text=True)
    r = hr.post(f"/hr/people/{learner}/invite", data={"csrf_token": csrf_from(page)}, follow_redirects=True)
    assert "No invitation to send" in r.get_data(as_text=True) and len(smtp.messages) == 2
    other = login(app, "learner@example.org")
    page = other.get("/").get_data(as_text=True)
    assert other.post(f"/hr/people/{new0}/invite", data={"csrf_token": csrf_from(page)}).status_code == 403
    # a link older than 7 days has expired: a clear message and a way to ask for a new one
    with app.app_context(), db.new_session() as s:
        user = s.get(User, new0)
        monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) - 8 * 86400)
        with app.test_request_context():
            old = account_setup.make_token(user, "invite")
        monkeypatch.undo()
    r = app.test_client().get(f"/account/setup/{old}")
    assert r.status_code == 400 and "This link has expired." in r.get_data(as_text=True)
    assert 'href="/account/reset"' in r.get_data(as_text=True)
    assert app.test_client().get(link_in(english)).status_code == 200  # the recent one still works


def test_forgot_password_answers_the_same_whatever_the_address(app, smtp):  # noqa: F811
    import_people(app, PEOPLE)
    with app.app_context(), db.new_session() as s:
        s.exec(select(User).where(User.email == "new2@example.org")).one().active = False
        s.commit()
    assert 'href="/account/reset"' in app.test_client().get("/login").get_data(as_text=True)

    def ask(email):
        client = app.test_client()
        page = client.get("/account/reset").get_data(as_text=True)
        r = client.post("/account/reset", data={"csrf_token": csrf_from(page), "email": email})
        assert r.status_code == 302 and r.headers["Location"] == "/login"
        r.close()  # as a WSGI server does once the answer is sent: then the e-mail goes
        return re.sub(r'name="csrf_token"[^>]*>', "", client.get("/login").get_data(as_text=True))

    answers = {ask(e).split("<main")[-1] for e in ("nobody@example.org", "new2@example.org",
                                                   "learner@example.org", "new0@example.org")}
    assert len(answers) == 1 and "If an active account has this address" in answers.pop()
    # the switched-off account and the unknown address get nothing
    assert sorted(m["To"] for m in smtp.messages) == ["learner@example.org", "new0@example.org"]
    reset = next(m for m in smtp.messages if m["To"] == "learner@example.org")
    assert reset["Subject"].startswith("Reset your password") and "2 hours" in reset.get_content()
    invite = next(m for m in smtp.messages if m["To"] == "new0@example.org")  # no password yet: an invitation
    assert invite["Subject"].startswith("Your account on")
    r = choose(app.test_client(), link_in(reset), "a brand new password")
    assert r.status_code == 302
    assert Auth(app.test_client()).login("learner@example.org").status_code == 401  # the old password
    assert Auth(app.test_client()).login("learner@example.org", "a brand new password").status_code == 302
    assert app.test_client().get(link_in(reset)).status_code == 400
    assert len(audit(app, "password_reset_sent")) == 2 and len(audit(app, "password_set")) == 1


def test_reset_links_are_not_sent_again_within_the_interval(app, smtp):  # noqa: F811
    def ask():
        client = app.test_client()
        page = client.get("/account/reset").get_data(as_text=True)
        r = client.post("/account/reset", data={"csrf_token": csrf_from(page), "email": "learner@example.org"})
        assert r.status_code == 302
        r.close()

    ask()
    ask()  # asked again at once: the same answer, no second e-mail
    assert [m["To"] for m in smtp.messages] == ["learner@example.org"]
    with app.app_context(), db.new_session() as s:  # the interval has passed
        for event in s.exec(select(AuditEvent).where(AuditEvent.action == "password_reset_sent")):
            event.created_at -= timedelta(seconds=account_setup.RESET_INTERVAL + 1)
        s.commit()
    ask()
    assert [m["To"] for m in smtp.messages] == ["learner@example.org"] * 2


def test_an_import_without_mail_server_still_imports_and_says_so(app):
    app.config["SMTP"] = SMTPSettings()
    hr = login(app)
    r = upload(hr, people_csv(PEOPLE))  # the helper's form: the box unticked
    assert r.status_code == 302
    page = hr.get("/hr/import").get_data(as_text=True)
    r = hr.post("/hr/import", data={"csrf_token": csrf_from(page), "send_invitations": "y",
                                    "file": (io.BytesIO(people_csv(
                                        ["late@example.org,Late,Sales,,"])), "people.csv")},
                content_type="multipart/form-data", follow_redirects=True)
    html = r.get_data(as_text=True)
    assert "1 account(s) created" in html and "could not be sent" in html
    assert audit(app, "account_invitation_sent") == []


def test_import_invitations_wait_for_a_mail_server_that_does_not_answer(app, smtp):  # noqa: F811
    """A large import's invitations go through the queue: with the server down the job is tried again
    later, and nobody who chose a password in the meantime is invited."""
    from private_servers import free_port

    app.config["SMTP"] = SMTPSettings(host="127.0.0.1", port=free_port(), timeout=2)  # nothing listens there
    hr = login(app)
    page = hr.get("/hr/import").get_data(as_text=True)
    r = hr.post("/hr/import", data={"csrf_token": csrf_from(page), "send_invitations": "y",
                                    "file": (io.BytesIO(people_csv(PEOPLE)), "people.csv")},
                content_type="multipart/form-data", follow_redirects=True)
    assert "Invitations to 3 new account(s) are being sent." in r.get_data(as_text=True)
    assert drain(app) == 1 and smtp.messages == []
    huey = app.extensions["queue"].huey
    [retry] = huey.scheduled()
    assert retry.name == "send_invitations" and retry.retries == 2
    with app.app_context(), db.new_session() as s:  # one of them is set up by an admin meanwhile
        user = s.exec(select(User).where(User.email == "new0@example.org")).one()
        user.password_hash = "set-by-an-admin"
        s.add(user)
        s.commit()
    app.config["SMTP"] = smtp.settings  # the server is back
    huey.execute(retry, timestamp=retry.eta)  # a minute later
    assert sorted(m["To"] for m in smtp.messages) == ["new1@example.org", "new2@example.org"]
    assert len(audit(app, "account_invitation_sent")) == 2
