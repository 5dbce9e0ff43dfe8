"""HR: the organisation imported from CSV, tracks assigned with due dates, reminders through a
real SMTP server, the dashboard's charts and their tables, exports, the read-only API and its
tokens, the privacy rule and the minimum group size (on SQLite and PostgreSQL)."""
from __future__ import annotations

import csv
import io
import json
import re
import secrets
import socket
import threading
from datetime import date, timedelta

import pytest
from conftest import TEST_CONTENT, Auth, csrf_from, seed
from sqlmodel import select

from lms import db
from lms.models import (ApiToken, Assignment, Attempt, AuditEvent, Certificate, Cohort, CohortMember, Course,
                        Department, DepartmentMember, Reminder, Role, User)
from lms.models.base import utcnow
from lms.services import hr_import, hr_org, settings
from lms.services.mailer import SMTPSettings

HR_EMAIL = "hr@example.org"


# -- helpers ----------------------------------------------------------------------------------
@pytest.fixture
def hr_app(make_app):
    app = make_app(CONTENT_DIR=TEST_CONTENT, HR_MIN_GROUP_SIZE=5, PUBLIC_URL="https://academy.example.org")
    seed(app)
    return app


def login(app, email=HR_EMAIL):
    client = app.test_client()
    assert Auth(client).login(email).status_code == 302
    return client


def people_csv(rows, header="email,name,department,cohort,role") -> bytes:
    return ("\n".join([header] + rows) + "\n").encode()


def upload(client, data: bytes, filename="people.csv"):
    token = csrf_from(client.get("/hr/import").get_data(as_text=True))
    return client.post("/hr/import", data={"csrf_token": token, "file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


def import_people(app, rows):
    with app.app_context(), db.new_session() as s:
        actor = s.exec(select(User).where(User.email == HR_EMAIL)).one()
        report = hr_import.run(s, actor, people_csv(rows))
    assert report.imported, report.rejected
    return report


def user_id(app, email):
    with app.app_context(), db.new_session() as s:
        return s.exec(select(User.id).where(User.email == email)).one()


def course_id(app, slug="mini"):
    with app.app_context(), db.new_session() as s:
        return s.exec(select(Course.id).where(Course.slug == slug)).one()


def assign(app, due_on, slug="mini", **target):
    with app.app_context(), db.new_session() as s:
        actor = s.exec(select(User).where(User.email == HR_EMAIL)).one()
        if "department" in target:
            path = target["department"]
            target = {"department_id": s.exec(select(Department.id).where(Department.path == path)).one()}
        elif "cohort" in target:
            target = {"cohort_id": s.exec(select(Cohort.id).where(Cohort.name == target["cohort"])).one()}
        return hr_org.assign(s, actor, course_id(app, slug), due_on, **target).id


def certify(app, email, slug="mini", days_ago=10, valid_days=365, revoked=False):
    now = utcnow()
    with app.app_context(), db.new_session() as s:
        user = s.exec(select(User).where(User.email == email)).one()
        course = s.exec(select(Course).where(Course.slug == slug)).one()
        s.add(Certificate(public_id=secrets.token_urlsafe(8), user_id=user.id, course_id=course.id,
                          holder_name=user.name, title=course.title, issued_at=now - timedelta(days=days_ago),
                          expires_at=now - timedelta(days=days_ago - valid_days) if valid_days else None,
                          revoked_at=now if revoked else None))
        s.commit()


def table_rows(html: str, caption: str) -> list[list[str]]:
    """The cells of the table with this caption, header row excluded, tags stripped."""
    m = re.search(r"<table>\s*<caption>" + re.escape(caption) + r"</caption>(.*?)</table>", html, re.S)
    assert m, f"no table captioned {caption!r}"
    body = m.group(1).split("</thead>")[-1]
    return [[re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)]


WEST = [f"west{i}@example.org,West {i},Sales/West,Spring 2027," for i in range(5)]
EAST = [f"east{i}@example.org,East {i},Sales/East,,learner" for i in range(3)]


# -- CSV import -------------------------------------------------------------------------------
def test_csv_import_creates_then_updates_people_by_email(hr_app):
    client = login(hr_app)
    r = upload(client, people_csv([
        "ana@example.org,Ana Lima,Sales/West,Spring 2027,",
        "Bob@Example.org,Bob Stone,Sales,,trainer",
        "carl@example.org,Carl Roy,,Spring 2027,learner"]))
    assert r.status_code == 302
    assert "3 account(s) created" in client.get(r.headers["Location"]).get_data(as_text=True)
    with hr_app.app_context(), db.new_session() as s:
        depts = {d.path: d for d in s.exec(select(Department))}
        assert set(depts) == {"Sales", "Sales/West"}
        assert depts["Sales/West"].parent_id == depts["Sales"].id and depts["Sales/West"].name == "West"
        bob = s.exec(select(User).where(User.email == "bob@example.org")).one()
        assert bob.role == "trainer" and bob.password_hash == ""
        cohort = s.exec(select(Cohort)).one()
        assert cohort.name == "Spring 2027" and len(s.exec(select(CohortMember)).all()) == 2
    # the same people again: one renamed and moved, one unchanged, one new (semicolons, BOM)
    data = "\ufeffemail;name;department\nana@example.org;Ana Lima-Souza;Sales/East\nbob@example.org;Bob Stone;Sales\n" \
           "dan@example.org;Dan Wu;Sales/East\n"
    r = upload(client, data.encode())
    assert r.status_code == 302
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "1 account(s) created, 1 updated, 1 unchanged" in page
    with hr_app.app_context(), db.new_session() as s:
        ana = s.exec(select(User).where(User.email == "ana@example.org")).one()
        assert ana.name == "Ana Lima-Souza"
        member = s.exec(select(DepartmentMember).where(DepartmentMember.user_id == ana.id)).one()
        assert s.get(Department, member.department_id).path == "Sales/East"
        assert s.exec(select(AuditEvent).where(AuditEvent.action == "hr_import")).all()


def test_csv_import_with_bad_rows_imports_nothing_and_reports_each_row(hr_app):
    client = login(hr_app)
    rows = [
        "ok@example.org,Fine Person,Sales/West,,",          # line 2: valid
        "not-an-address,No Address,Sales,,",                # 3
        "nameless@example.org,,Sales,,",                    # 4
        "ok@example.org,Fine Again,Sales,,",                # 5: duplicate of line 2
        "gap@example.org,Gap,Sales//West,,",                # 6
        "role@example.org,Role,Sales,,boss",                # 7
        "boss@example.org,Boss,Sales,,admin",               # 8: HR cannot make admins
        "extra@example.org,Extra,Sales,Spring,learner,oops",  # 9
        "learner@example.org,Léa Martin,Sales,,hr",         # 10: valid (HR may make HR)
    ]
    r = upload(client, people_csv(rows))
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert "Nothing was imported" in html
    rejected = {int(line): reason for line, _email, reason
                in re.findall(r"<tr><td>(\d+)</td><td>(.*?)</td><td>(.*?)</td></tr>", html)}
    assert sorted(rejected) == [3, 4, 5, 6, 7, 8, 9]
    assert "not valid" in rejected[3] and "name is missing" in rejected[4] and "line 2" in rejected[5]
    assert "empty part" in rejected[6] and "Unknown role" in rejected[7] and "administrator" in rejected[8]
    assert "More values than columns" in rejected[9]
    with hr_app.app_context(), db.new_session() as s:
        assert s.exec(select(User).where(User.email == "ok@example.org")).first() is None
        assert s.exec(select(User).where(User.email == "learner@example.org")).one().role == "learner"
        assert s.exec(select(Department)).all() == []


def test_csv_import_refuses_whole_files_with_a_clear_message(hr_app):
    client = login(hr_app)
    too_big = people_csv([f"p{i}@example.org,{'x' * 60},Sales,," for i in range(hr_import.MAX_BYTES // 70 + 10)])
    r = upload(client, too_big)
    assert r.status_code == 422 and "The file is too large: 1024 KB at most" in r.get_data(as_text=True)
    r = upload(client, b"mail,full name\na@example.org,A\n")
    assert r.status_code == 422 and "missing: email, name" in r.get_data(as_text=True)
    r = upload(client, b"")
    assert r.status_code == 422
    token = csrf_from(client.get("/hr/import").get_data(as_text=True))
    r = client.post("/hr/import", data={"csrf_token": token}, content_type="multipart/form-data")
    assert r.status_code == 422 and "Choose a CSV file." in r.get_data(as_text=True)
    r = client.post("/hr/import", data={"file": (io.BytesIO(people_csv(WEST)), "p.csv")},
                    content_type="multipart/form-data")
    assert r.status_code == 400  # no CSRF token: the form is refused
    with hr_app.app_context(), db.new_session() as s:
        assert s.exec(select(User).where(User.email == "west0@example.org")).first() is None


# -- assignments and due dates ----------------------------------------------------------------
def test_assignments_reach_sub_departments_cohorts_and_people_with_the_earliest_due_date(hr_app):
    import_people(hr_app, WEST + EAST + ["learner@example.org,Léa Martin,Sales/West,,"])
    client = login(hr_app)
    page = client.get("/hr/assignments").get_data(as_text=True)
    today = utcnow().date()
    with hr_app.app_context(), db.new_session() as s:
        sales = s.exec(select(Department.id).where(Department.path == "Sales")).one()
    r = client.post("/hr/assignments", data={"csrf_token": csrf_from(page), "course": course_id(hr_app),
                                             "department": str(sales), "cohort": "", "email": "",
                                             "due_on": (today + timedelta(days=30)).isoformat()})
    assert r.status_code == 302
    assign(hr_app, today + timedelta(days=3), email="learner@example.org")     # earlier: wins
    assign(hr_app, today - timedelta(days=2), slug="mini-exam", cohort="Spring 2027")
    # two targets at once, or an unknown person: refused with a reason
    r = client.post("/hr/assignments", data={"csrf_token": csrf_from(page), "course": course_id(hr_app),
                                             "department": str(sales), "email": "east0@example.org",
                                             "due_on": today.isoformat()})
    assert r.status_code == 422 and "Choose one department, one cohort or one person." in r.get_data(as_text=True)
    r = client.post("/hr/assignments", data={"csrf_token": csrf_from(page), "course": course_id(hr_app),
                                             "email": "nobody@example.org", "due_on": today.isoformat()})
    assert r.status_code == 422 and "No account has the e-mail address" in r.get_data(as_text=True)
    listing = client.get("/hr/assignments").get_data(as_text=True)
    assert "Department: Sales" in listing and "Cohort: Spring 2027" in listing
    assert "Person: learner@example.org" in listing

    with hr_app.app_context(), db.new_session() as s:
        pairs = {(u, c): d for u, c, d in s.execute(hr_org.assigned_pairs())}
    mini, exam = course_id(hr_app), course_id(hr_app, "mini-exam")
    assert pairs[(user_id(hr_app, "east0@example.org"), mini)] == today + timedelta(days=30)
    assert pairs[(user_id(hr_app, "learner@example.org"), mini)] == today + timedelta(days=3)
    assert pairs[(user_id(hr_app, "west0@example.org"), exam)] == today - timedelta(days=2)
    assert (user_id(hr_app, "east0@example.org"), exam) not in pairs
    assert len(pairs) == 9 + 5

    # the learner sees what is assigned and when it is due
    learner = login(hr_app, "learner@example.org")
    html = learner.get("/").get_data(as_text=True)
    assert "Assigned to you" in html and "due soon" in html and "3 days left" in html
    with hr_app.app_context(), db.new_session() as s:
        overdue = hr_org.my_assignments(s, user_id(hr_app, "west0@example.org"))
    states = {a.course.slug: (a.state, a.days) for a in overdue}
    assert states == {"mini": ("pending", 30), "mini-exam": ("overdue", -2)}
    certify(hr_app, "west0@example.org", "mini-exam")
    certify(hr_app, "west1@example.org", "mini-exam", days_ago=400)  # expired
    with hr_app.app_context(), db.new_session() as s:
        assert {a.course.slug: a.state for a in hr_org.my_assignments(s, user_id(hr_app, "west0@example.org"))}[
            "mini-exam"] == "certified"
        assert {a.course.slug: a.state for a in hr_org.my_assignments(s, user_id(hr_app, "west1@example.org"))}[
            "mini-exam"] == "expired"
    # removing an assignment
    with hr_app.app_context(), db.new_session() as s:
        first = s.exec(select(Assignment).order_by(Assignment.id)).first()
    r = client.post(f"/hr/assignments/{first.id}/delete", data={"csrf_token": csrf_from(listing)})
    assert r.status_code == 302
    with hr_app.app_context(), db.new_session() as s:
        assert s.get(Assignment, first.id) is None
        assert {e.action for e in s.exec(select(AuditEvent))} >= {"assignment_created", "assignment_deleted"}


# -- reminders through a real SMTP server ----------------------------------------------------
class Inbox:
    """aiosmtpd on loopback: keeps every message; refuses recipients listed in `refuse`."""

    def __init__(self):
        self.messages, self.refuse, self.lock = [], set(), threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        from email import message_from_bytes, policy

        with self.lock:
            self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted"


@pytest.fixture
def smtp():
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    with socket.socket() as probe:  # a free port on loopback
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    inbox.settings = SMTPSettings(host="127.0.0.1", port=port, sender="academy@example.org")
    yield inbox
    controller.stop()


def test_reminders_before_the_due_date_and_when_overdue_are_sent_once(hr_app, smtp):
    from lms.cli_hr import remind_command

    hr_app.config["SMTP"] = smtp.settings
    import_people(hr_app, WEST)
    today = utcnow().date()
    assign(hr_app, today + timedelta(days=5), department="Sales/West")              # due soon: 5 people
    assign(hr_app, today - timedelta(days=1), slug="mini-exam", email="west0@example.org")   # overdue
    assign(hr_app, today + timedelta(days=40), slug="mini-exam", email="west1@example.org")  # not yet
    certify(hr_app, "west4@example.org")                                           # done: no reminder
    with hr_app.app_context(), db.new_session() as s:
        s.get(User, user_id(hr_app, "west2@example.org")).locale = "fr"
        s.commit()
    smtp.refuse.add("west3@example.org")
    runner = hr_app.test_cli_runner()
    dry = runner.invoke(remind_command, ["--dry-run"])
    assert dry.exit_code == 0 and "Would send 5 reminder(s): 4 before the due date, 1 overdue." in dry.output
    assert smtp.messages == []
    result = runner.invoke(remind_command, [])
    assert result.exit_code == 1, result.output        # one recipient refused
    assert "Sent 4 reminder(s): 3 before the due date, 1 overdue." in result.output
    assert sorted(m["To"] for m in smtp.messages) == ["west0@example.org", "west0@example.org",
                                                    "west1@example.org", "west2@example.org"]
    by_to = {m["To"]: m for m in smtp.messages}
    subjects = sorted(m["Subject"] for m in smtp.messages if m["To"] == "west0@example.org")
    assert subjects[0].startswith("Overdue: “Examined course” was due on")
    assert subjects[1].startswith("Reminder: “Mini course” is due on")
    french = by_to["west2@example.org"]
    assert french["Subject"].startswith("Rappel") and french["From"] == "academy@example.org"
    body = by_to["west1@example.org"].get_content()
    assert "in 5 day(s)" in body and "https://academy.example.org/courses/" in body
    # never twice; the refused one is tried again once the mailbox accepts
    smtp.refuse.clear()
    again = runner.invoke(remind_command, [])
    assert again.exit_code == 0 and "Sent 1 reminder(s)" in again.output
    assert smtp.messages[-1]["To"] == "west3@example.org"
    assert "Sent 0 reminder(s)" in runner.invoke(remind_command, []).output
    assert len(smtp.messages) == 5
    with hr_app.app_context(), db.new_session() as s:
        assert len(s.exec(select(Reminder)).all()) == 5


def test_remind_needs_an_smtp_server(hr_app):
    from lms.cli_hr import remind_command

    hr_app.config["SMTP"] = SMTPSettings()
    result = hr_app.test_cli_runner().invoke(remind_command, [])
    assert result.exit_code != 0 and "LMS_SMTP_HOST" in result.output
    assert SMTPSettings.from_env({"LMS_SMTP_HOST": "mail", "LMS_SMTP_USER": "u"}).tls == "starttls"
    assert SMTPSettings.from_env({"LMS_SMTP_HOST": "mail", "LMS_SMTP_TLS": "ssl"}).port == 465
    with pytest.raises(ValueError):
        SMTPSettings.from_env({"LMS_SMTP_TLS": "maybe"})


# -- the dashboard ----------------------------------------------------------------------------
def build_company(app):
    """Sales/West: 5 people (2 completed, 1 of them expiring soon; 1 revoked), Sales/East: 3
    people (too few to show alone), cohort Spring 2027 = the 5 of the West."""
    import_people(app, WEST + EAST)
    today = utcnow().date()
    assign(app, today + timedelta(days=20), department="Sales")
    assign(app, today - timedelta(days=10), email="east0@example.org", slug="mini-exam")
    certify(app, "west0@example.org", days_ago=5)
    certify(app, "west1@example.org", days_ago=340)      # expires in 25 days
    certify(app, "west2@example.org", revoked=True)       # revoked: does not count
    certify(app, "east1@example.org", days_ago=400)       # expired: completed, not certified


def test_dashboard_charts_each_have_their_table(hr_app):
    build_company(hr_app)
    hr_app.config["HR_MIN_GROUP_SIZE"] = 3  # every group shown (hiding: the tests below)
    html = login(hr_app).get("/hr/").get_data(as_text=True)
    assert html.count('role="img"') == 3 and html.count("<svg") == 3
    for chart in ("departments-chart", "cohorts-chart", "progress-chart"):
        assert f'aria-labelledby="{chart}-title {chart}-desc"' in html and f'<title id="{chart}-title">' in html
    departments = table_rows(html, "By department")
    # Sales: 8 people, 8 tracks + east0's second one
    assert departments == [["Sales", "8", "9", "3 (33 %)", "2 (22 %)", "1"],
                           ["Sales/East", "3", "4", "1 (25 %)", "0 (0 %)", "1"],
                           ["Sales/West", "5", "5", "2 (40 %)", "2 (40 %)", "0"]]
    assert "group is hidden" not in html and "groups are hidden" not in html
    assert table_rows(html, "By cohort") == [["Spring 2027", "5", "5", "2 (40 %)", "2 (40 %)", "0"]]
    progress = table_rows(html, "Progress over time")
    assert len(progress) == 12 and progress[-1][0] == utcnow().strftime("%Y-%m")
    assert progress[-1][1:] == ["3", "33 %"]
    counts = [int(p[1]) for p in progress]
    assert counts == sorted(counts) and counts[0] in (1, 2)  # east1's certificate (400 days ago), west1's?
    # the overdue list and the certificates about to expire
    overdue = html.split('id="overdue"')[1].split("</section>")[0]
    assert "east0@example.org" in overdue and "10</td>" in overdue and "west0" not in overdue
    expiring = html.split('id="expiring"')[1].split("</section>")[0]
    assert "west1@example.org" in expiring and "west0@example.org" not in expiring and "west2" not in expiring
    # a newer certificate of the same track replaces the one about to expire
    certify(hr_app, "west1@example.org", days_ago=1)
    html = login(hr_app).get("/hr/").get_data(as_text=True)
    assert "west1@example.org" not in html.split('id="expiring"')[1].split("</section>")[0]


def test_groups_smaller_than_the_minimum_are_hidden(make_app):
    app = make_app(CONTENT_DIR=TEST_CONTENT, HR_MIN_GROUP_SIZE=4)
    seed(app)
    build_company(app)
    html = login(app).get("/hr/").get_data(as_text=True)
    # Sales/East (3) is too small; Sales/West too, as Sales minus Sales/West would be Sales/East
    assert [r[0] for r in table_rows(html, "By department")] == ["Sales"]
    assert "2 groups are hidden." in html and "Groups of fewer than 4 people are not shown" in html
    app.config["HR_MIN_GROUP_SIZE"] = 3
    html = login(app).get("/hr/").get_data(as_text=True)
    assert [r[0] for r in table_rows(html, "By department")] == ["Sales", "Sales/East", "Sales/West"]
    assert "group is hidden" not in html
    app.config["HR_MIN_GROUP_SIZE"] = 9   # everything is too small, the time line too
    client = login(app)
    html = client.get("/hr/").get_data(as_text=True)
    assert "<svg" not in html and "3 groups are hidden." in html and "1 group is hidden." in html
    rows = list(csv.reader(io.StringIO(client.get("/hr/export/departments.csv").get_data(as_text=True))))
    assert len(rows) == 1  # the header only
    assert len(list(csv.reader(io.StringIO(client.get("/hr/export/progress.csv").get_data(as_text=True))))) == 1


def shown_figures(client, min_size):
    """The dashboard's figures as an attacker reads them: the whole, the departments by path, the
    cohorts (people, tracks, completed, certified, overdue); the exports must show the same."""
    html = client.get("/hr/").get_data(as_text=True)

    def figures(cells):
        return [int(c.split()[0]) for c in cells]

    total = [int(re.search(rf"<dt>{label}</dt><dd>(\d+)", html).group(1)) for label in (
        "People with an assigned track", "Assigned tracks", "Completed", "Certified today", "Overdue")]
    tables = {}
    for caption, report in (("By department", "departments"), ("By cohort", "cohorts")):
        rows = table_rows(html, caption) if f"<caption>{caption}</caption>" in html else []
        tables[caption] = {r[0]: figures(r[1:]) for r in rows}
        exported = list(csv.reader(io.StringIO(client.get(f"/hr/export/{report}.csv").get_data(as_text=True))))[1:]
        assert {r[0]: [int(v) for v in r[1:6]] for r in exported} == tables[caption]
    return total, tables["By department"], tables["By cohort"]


def subtraction_leaks(total, departments, cohorts, min_size):
    """What a parent's figures minus its shown children's give: each remainder that is somebody
    but fewer than `min_size` people singles them out."""
    leaks = []

    def check(name, parent, children):
        rest = [p - sum(c[i] for c in children) for i, p in enumerate(parent)]
        if 0 < rest[0] < min_size:
            leaks.append((name, rest))

    def parent_of(path):
        return path.rpartition("/")[0] or None

    check("(organisation, by department)", total, [f for p, f in departments.items() if parent_of(p) is None])
    for path, parent in departments.items():
        check(path, parent, [f for p, f in departments.items() if parent_of(p) == path])
    check("(organisation, by cohort)", total, list(cohorts.values()))
    return leaks


def test_hidden_groups_cannot_be_recovered_by_subtraction(hr_app):
    build_company(hr_app)
    client = login(hr_app)
    total, departments, cohorts = shown_figures(client, 5)
    # the attack: Sales minus Sales/West would be Sales/East's figures (3 people: too few to show)
    if "Sales/West" in departments:
        assert [s - w for s, w in zip(departments["Sales"], departments["Sales/West"])] != [3, 4, 1, 0, 1]
    # and the whole minus the cohort Spring 2027 (the West) would be the East again
    assert "Spring 2027" not in cohorts
    assert subtraction_leaks(total, departments, cohorts, 5) == []
    # deeper: Ops/A 6, Ops/B 5, Ops/C 2; 2 people in no department; cohorts of 6 and 2 in Ops
    import_people(hr_app, [f"a{i}@example.org,A {i},Ops/A,Night," for i in range(6)]
                  + [f"b{i}@example.org,B {i},Ops/B,," for i in range(5)]
                  + [f"c{i}@example.org,C {i},Ops/C,Day," for i in range(2)]
                  + [f"n{i}@example.org,N {i},,," for i in range(2)])
    assign(hr_app, utcnow().date() + timedelta(days=30), department="Ops")
    for i in range(2):
        assign(hr_app, utcnow().date() + timedelta(days=30), email=f"n{i}@example.org")
    for min_size in (2, 3, 4, 5, 6, 7, 9, 14):
        hr_app.config["HR_MIN_GROUP_SIZE"] = min_size
        total, departments, cohorts = shown_figures(client, min_size)
        assert subtraction_leaks(total, departments, cohorts, min_size) == [], min_size
        assert all(f[0] >= min_size for f in [*departments.values(), *cohorts.values()])
    hr_app.config["HR_MIN_GROUP_SIZE"] = 5
    total, departments, cohorts = shown_figures(client, 5)
    # Ops/C (2) hidden, so Ops/B (the smallest shown sibling) too; the 2 people without a department
    # leave the whole minus the departments at 2: Sales (8), the smaller top one, is hidden too
    assert sorted(departments) == ["Ops", "Ops/A"] and total[0] == 8 + 13 + 2
    # Day (2) hidden; 23 people minus Night and Spring 2027 leaves 12: enough to show both
    assert cohorts == {"Night": [6, 6, 0, 0, 0], "Spring 2027": [5, 5, 2, 2, 0]}


def test_cached_dashboard_figures_follow_every_change_and_time(hr_app, monkeypatch):
    """The aggregates are cached between requests (hr_cache), never stale: a certificate issued
    (a graded attempt that completes a track) or revoked, an assignment, a change made in SQL, and
    time (a certificate expiring, a due date passing) all show at once."""
    import sqlalchemy as sa

    from lms.hr import routes
    from lms.services import hr_cache, hr_reports

    build_company(hr_app)
    hr_app.config["HR_MIN_GROUP_SIZE"] = 3
    client = login(hr_app)

    def figures():
        total, departments, cohorts = shown_figures(client, 3)
        return total, departments.get("Sales/West"), cohorts.get("Spring 2027")

    total, west, spring = figures()
    assert total == [8, 9, 3, 2, 1] and west == [5, 5, 2, 2, 0] and spring == [5, 5, 2, 2, 0]
    store = hr_app.extensions["hr_cache"]
    assert set(store) == {"department_sums", "cohort_sums", "completed_by_month"}
    with hr_app.app_context(), db.new_session() as s:
        version = hr_cache.version(s)
    assert version and all(e.version == version for e in store.values())
    store["department_sums"].value = {None: hr_reports.Rates(people=99, tracks=99)}  # the next visit reads it
    assert figures()[0][:2] == [99, 99]
    certify(hr_app, "west3@example.org")  # what grading does when a track is complete
    total, west, spring = figures()
    assert total == [8, 9, 4, 3, 1] and west == [5, 5, 3, 3, 0] and spring == [5, 5, 3, 3, 0]
    with hr_app.app_context(), db.new_session() as s:  # revoked
        cert = s.exec(select(Certificate).join(User).where(User.email == "west3@example.org")).one()
        cert.revoked_at = utcnow()
        s.commit()
    assert figures()[0] == [8, 9, 3, 2, 1]
    assign(hr_app, utcnow().date() - timedelta(days=1), slug="mini-exam", cohort="Spring 2027")
    total, west, spring = figures()
    assert total == [8, 14, 3, 2, 6] and spring == [5, 10, 2, 2, 5]
    with hr_app.app_context(), db.new_session() as s:  # in SQL, behind the application's back
        s.execute(sa.text("DELETE FROM cohort_member"))
        s.commit()
    assert figures()[2] is None
    # time alone: west1's certificate expires in 25 days, the Sales track is due in 20
    later = utcnow() + timedelta(days=26)
    monkeypatch.setattr(routes, "utcnow", lambda: later)
    total, west, _ = figures()
    assert total[3] == 1 and west[3] == 1  # certified: west0 only
    assert total[4] == total[1] - total[2] == 11  # every track not completed is overdue
    assert all(e.since == later for e in store.values())


def test_aggregates_missing_after_a_change_are_computed_side_by_side(hr_app):
    from lms.services import hr_reports

    build_company(hr_app)
    with hr_app.app_context(), db.new_session() as s:
        now = utcnow()
        assert sorted(hr_reports.warm(s, now)) == ["cohort_sums", "completed_by_month", "department_sums"]
        store = hr_app.extensions["hr_cache"]  # the same figures as computed one after the other
        assert store["department_sums"].value == hr_reports._department_sums(s, now)
        assert store["cohort_sums"].value == hr_reports._cohort_sums(s, now)
        assert store["completed_by_month"].value == hr_reports._completed_by_month(s)
        assert hr_reports.warm(s, now) == []  # all cached: nothing computed again
    assign(hr_app, utcnow().date() + timedelta(days=5), slug="mini-exam", cohort="Spring 2027")
    with hr_app.app_context(), db.new_session() as s:
        assert len(hr_reports.warm(s, utcnow())) == 3  # a change: all three again


# -- exports ----------------------------------------------------------------------------------
def test_exports_as_csv_and_xlsx(hr_app):
    from openpyxl import load_workbook

    build_company(hr_app)
    import_people(hr_app, ["=cmd@example.org,=HYPERLINK(\"x\"),Sales/West,,"])
    client = login(hr_app)
    r = client.get("/hr/export/status.csv")
    assert r.status_code == 200 and r.mimetype == "text/csv" and r.is_streamed
    assert "attachment" in r.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(r.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["Name", "E-mail address", "Department", "Track", "Due date", "Status", "Completed on",
                       "Certified until"]
    assert len(rows) == 1 + 10
    by_email = {(row[1], row[3]): row for row in rows[1:]}
    west0 = by_email[("west0@example.org", "Mini course")]
    assert west0[2] == "Sales/West" and west0[5] == "certified"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", west0[4]) and west0[4] == (utcnow().date() + timedelta(days=20)).isoformat()
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", west0[6]) and re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", west0[7])
    states = {(row[1], row[3]): row[5] for row in rows[1:]}
    assert states[("east0@example.org", "Examined course")] == "overdue"
    assert states[("east1@example.org", "Mini course")] == "completed, certificate expired"
    assert states[("east2@example.org", "Mini course")] == "to do"
    assert any(row[0] == "'=HYPERLINK(\"x\")" for row in rows)  # no formula in a spreadsheet
    overdue = list(csv.reader(io.StringIO(client.get("/hr/export/overdue.csv").get_data(as_text=True))))
    assert len(overdue) == 2 and overdue[1][1] == "east0@example.org" and overdue[1][5] == "10"
    departments = list(csv.reader(io.StringIO(client.get("/hr/export/departments.csv").get_data(as_text=True))))
    assert departments[1][:4] == ["Sales", "9", "10", "3"]
    r = client.get("/hr/export/status.xlsx")
    assert r.status_code == 200 and r.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(r.data)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][0] == "Name" and len(values) == 11
    assert {v[1] for v in values[1:]} >= {"west0@example.org", "east0@example.org"}
    assert isinstance(next(v for v in values[1:] if v[1] == "west0@example.org")[4], date)
    expiring = load_workbook(io.BytesIO(client.get("/hr/export/expiring.xlsx").data)).active
    assert [row[1] for row in expiring.iter_rows(min_row=2, values_only=True)] == ["west1@example.org"]
    assert client.get("/hr/export/nope.csv").status_code == 404
    assert login(hr_app, "learner@example.org").get("/hr/export/status.csv").status_code == 403


# -- the API ----------------------------------------------------------------------------------
def new_token(app, name="HRIS"):
    admin = login(app, "admin@example.org")
    page = admin.get("/admin/api-tokens/").get_data(as_text=True)
    r = admin.post("/admin/api-tokens/", data={"csrf_token": csrf_from(page), "name": name})
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    token = re.search(r"<code>(lms_[^<]+)</code>", r.get_data(as_text=True)).group(1)
    assert token not in admin.get("/admin/api-tokens/").get_data(as_text=True)  # shown once
    return admin, token


def test_api_with_a_valid_a_revoked_and_a_missing_token(hr_app):
    build_company(hr_app)
    admin, token = new_token(hr_app)
    api = hr_app.test_client()
    bearer = {"Authorization": f"Bearer {token}"}
    r = api.get("/api/v1/people?per_page=3", headers=bearer)
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    body = r.get_json()
    assert body["total"] == 4 + 8 and body["per_page"] == 3 and len(body["data"]) == 3
    assert body["next"].endswith("/api/v1/people?page=2&per_page=3")
    seen = [p["email"] for p in body["data"]]
    page = 2
    while body["next"]:
        body = api.get(f"/api/v1/people?page={page}&per_page=3", headers=bearer).get_json()
        seen += [p["email"] for p in body["data"]]
        page += 1
    assert len(seen) == len(set(seen)) == 12
    west0 = next(p for p in api.get("/api/v1/people?per_page=500", headers=bearer).get_json()["data"]
                 if p["email"] == "west0@example.org")
    assert west0["department"] == "Sales/West" and west0["cohorts"] == ["Spring 2027"] and "password_hash" not in west0
    assignments = api.get("/api/v1/assignments", headers=bearer).get_json()
    assert assignments["total"] == 2
    assert {a["target"]["type"] for a in assignments["data"]} == {"department", "person"}
    completions = api.get("/api/v1/completions?per_page=500", headers=bearer).get_json()
    assert completions["total"] == 9
    statuses = {(c["email"], c["course"]): c["status"] for c in completions["data"]}
    assert statuses[("west0@example.org", "mini")] == "certified"
    assert statuses[("east0@example.org", "mini-exam")] == "overdue"
    assert statuses[("east1@example.org", "mini")] == "expired"
    certs = api.get("/api/v1/certificates", headers=bearer).get_json()
    assert certs["total"] == 4 and {c["status"] for c in certs["data"]} == {"valid", "revoked", "expired"}
    assert all(c["verify_url"].startswith("http") for c in certs["data"])
    assert "prompt" not in json.dumps([body, assignments, completions, certs])
    with hr_app.app_context(), db.new_session() as s:  # each page read is in the audit log
        reads = list(s.exec(select(AuditEvent).where(AuditEvent.action == "api_read").order_by(AuditEvent.id)))
    assert len(reads) == 4 + 1 + 3  # four pages of people, all people at once, then each other list
    assert reads[0].details == {"token": "HRIS", "path": "/api/v1/people", "page": 1, "records": 3}
    assert reads[-1].details["path"] == "/api/v1/certificates" and reads[-1].details["records"] == 4
    # missing, malformed, unknown: 401 with a JSON error; a session cookie is not enough
    assert api.get("/api/v1/people").status_code == 401
    assert api.get("/api/v1/people", headers={"Authorization": "Basic abc"}).status_code == 401
    r = api.get("/api/v1/people", headers={"Authorization": "Bearer lms_not-a-real-token"})
    assert r.status_code == 401 and r.get_json()["error"] == "unauthorized"
    assert "Bearer" in r.headers["WWW-Authenticate"]
    assert admin.get("/api/v1/people").status_code == 401
    # revoked by the admin: refused from then on
    with hr_app.app_context(), db.new_session() as s:
        row = s.exec(select(ApiToken)).one()
        assert row.token_hash != token and token not in row.token_hash and row.last_used_at is not None
    page = admin.get("/admin/api-tokens/").get_data(as_text=True)
    assert admin.post(f"/admin/api-tokens/{row.id}/revoke", data={"csrf_token": csrf_from(page)}).status_code == 302
    assert api.get("/api/v1/people", headers=bearer).status_code == 401
    assert "Revoked" in admin.get("/admin/api-tokens/").get_data(as_text=True)
    with hr_app.app_context(), db.new_session() as s:
        actions = {e.action for e in s.exec(select(AuditEvent))}
    assert {"api_token_created", "api_token_revoked"} <= actions
    # only admins manage tokens
    hr = login(hr_app)
    assert hr.get("/admin/api-tokens/").status_code == 403


# -- privacy ----------------------------------------------------------------------------------
def test_hr_never_sees_prompt_text_unless_allowed_and_then_every_reading_is_audited(hr_app):
    build_company(hr_app)
    secret = "Draft the memo about Project Albatros for the board"
    with hr_app.app_context(), db.new_session() as s:
        learner = s.exec(select(User).where(User.email == "west0@example.org")).one()
        attempt = Attempt(user_id=learner.id, exercise_id=1, prompt=secret, status="graded", score=75, passed=True)
        s.add(attempt)
        s.commit()
        attempt_id, learner_id = attempt.id, learner.id
    hr = login(hr_app)
    person = hr.get(f"/hr/people/{learner_id}").get_data(as_text=True)
    assert "75/100" in person and "Passed" in person and secret not in person and "Read the prompt" not in person
    assert hr.get(f"/hr/attempts/{attempt_id}").status_code == 403
    token = new_token(hr_app)[1]
    everything = [hr.get("/hr/").get_data(as_text=True), hr.get("/hr/people").get_data(as_text=True)]
    everything += [hr.get(f"/hr/export/{name}.csv").get_data(as_text=True)
                   for name in ("status", "overdue", "expiring", "departments", "cohorts", "progress")]
    everything += [hr_app.test_client().get(f"/api/v1/{name}?per_page=500",
                                            headers={"Authorization": f"Bearer {token}"}).get_data(as_text=True)
                   for name in ("people", "assignments", "completions", "certificates")]
    assert not any(secret in text for text in everything)
    with hr_app.app_context(), db.new_session() as s:
        assert not s.exec(select(AuditEvent).where(AuditEvent.action == "hr_read_prompt")).all()
        admin_id = s.exec(select(User.id).where(User.email == "admin@example.org")).one()
        settings.put(s, "hr_can_read_prompts", True, user_id=admin_id)
    person = hr.get(f"/hr/people/{learner_id}").get_data(as_text=True)
    assert "Read the prompt" in person and secret not in person
    r = hr.get(f"/hr/attempts/{attempt_id}")
    assert r.status_code == 200 and secret in r.get_data(as_text=True) and r.headers["Cache-Control"] == "no-store"
    hr.get(f"/hr/attempts/{attempt_id}")
    with hr_app.app_context(), db.new_session() as s:
        hr_id = s.exec(select(User.id).where(User.email == HR_EMAIL)).one()
        events = s.exec(select(AuditEvent).where(AuditEvent.action == "hr_read_prompt")).all()
    assert len(events) == 2 and {(e.actor_id, e.target) for e in events} == {(hr_id, f"attempt:{attempt_id}")}
    assert events[0].details == {"learner_id": learner_id}
    assert hr.get("/hr/attempts/999999").status_code == 404


def test_people_list_search_and_pages(hr_app):
    import_people(hr_app, WEST + EAST)
    client = login(hr_app)
    html = client.get("/hr/people?q=Sales/West").get_data(as_text=True)
    assert "5 people" in html and "West 0" in html and "East 0" not in html
    assert "Page 1 of" not in html
    assert "West 3" in client.get("/hr/people?q=west3").get_data(as_text=True)


def test_switched_off_accounts_leave_the_figures_and_refresh_rebuilds_them(hr_app):
    from lms.cli_hr import refresh_command
    from lms.models import AssignedTrack
    from lms.services import hr_reports

    build_company(hr_app)

    def tracks():
        with hr_app.app_context(), db.new_session() as s:
            return hr_reports.totals(s, utcnow()).tracks, len(s.exec(select(AssignedTrack)).all())

    assert tracks() == (9, 9)
    with hr_app.app_context(), db.new_session() as s:
        s.exec(select(User).where(User.email == "west0@example.org")).one().active = False
        s.commit()
    assert tracks() == (8, 8)
    with hr_app.app_context(), db.new_session() as s:
        user = s.exec(select(User).where(User.email == "west0@example.org")).one()
        user.active = True
        s.commit()
        west0 = s.exec(select(AssignedTrack).where(AssignedTrack.user_id == user.id)).one()
        assert west0.completed_at is not None  # the certificate came back with the track
        for row in s.exec(select(AssignedTrack)):
            s.delete(row)
        s.commit()
    assert tracks() == (0, 0)
    result = hr_app.test_cli_runner().invoke(refresh_command, [])
    assert result.exit_code == 0 and "9 assigned track(s)." in result.output
    assert tracks() == (9, 9)


def test_an_api_read_whose_audit_cannot_be_written_is_not_answered(hr_app, monkeypatch):
    """The database fails as the read's audit event is written: a clean 503, no data."""
    from sqlalchemy.exc import OperationalError

    import lms.hr.api as api_module

    build_company(hr_app)
    _admin, token = new_token(hr_app)

    def database_gone(*args, **kwargs):
        raise OperationalError("INSERT INTO audit_event", {}, Exception("server closed the connection"))

    monkeypatch.setattr(api_module, "audit", database_gone)
    r = hr_app.test_client().get("/api/v1/people", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 503 and r.headers["Retry-After"] == "30" and r.headers["Cache-Control"] == "no-store"
    assert r.get_json()["error"] == "unavailable" and "example.org" not in r.get_data(as_text=True)
