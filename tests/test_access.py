"""Authorisation on every route for every role, CSRF on forms, other people's attempts."""
import pytest
from conftest import TEST_CONTENT, Auth, csrf_from, drain, seed
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from sqlmodel import select

from lms import db
from lms.models import Attempt, Certificate, Course, ExamSession, Exercise, Role, User
from lms.services.accounts import create_user
from lms.services.certification import issue_if_complete

ROLES = ["anonymous", "learner", "other-learner", "trainer", "hr", "admin"]
EMAILS = {"learner": "learner@example.org", "other-learner": "other@example.org",
          "trainer": "trainer@example.org", "hr": "hr@example.org", "admin": "admin@example.org"}
L = 302  # anonymous: redirected to the sign-in page
SIGNING_KEY = ed25519.Ed25519PrivateKey.generate().private_bytes(  # signs the credentials below
    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()
#            route                          anonymous learner other trainer hr   admin
TABLE = [
    ("/login",                              200,      302,    302,  302,    302, 302),
    ("/account/reset",                      200,      200,    200,  200,    200, 200),
    ("/account/setup/not-a-token",          400,      400,    400,  400,    400, 400),
    ("/",                                   L,        200,    200,  200,    200, 200),
    ("/courses/mini",                       L,        200,    200,  200,    200, 200),
    ("/courses/mini/basics/intro",          L,        200,    200,  200,    200, 200),
    ("/courses/nope",                       L,        404,    404,  404,    404, 404),
    ("/exercises/mini-brief",               L,        200,    200,  200,    200, 200),
    ("/exercises/mini-brief/compare?a={attempt}&b={attempt}", L, 200, 404, 404,  404, 404),  # own attempts only
    ("/certificates",                       L,        200,    200,  200,    200, 200),
    ("/attempts/{attempt}",                 L,        200,    404,  200,    404, 200),
    ("/review/",                            L,        403,    403,  200,    403, 200),
    ("/review/attempts/{attempt}",          L,        403,    403,  200,    403, 200),
    ("/author/",                            L,        403,    403,  200,    403, 200),
    ("/author/lessons/1",                   L,        403,    403,  200,    403, 200),
    ("/author/modules/1/exercises/new",     L,        403,    403,  200,    403, 200),
    ("/author/exercises/mini-brief",        L,        403,    403,  200,    403, 200),
    ("/author/exercises/mini-brief/v1.yaml", L,       403,    403,  200,    403, 200),
    ("/author/exercises/mini-brief/insight", L,       403,    403,  200,    403, 200),
    ("/author/courses/mini/export.zip",     L,        403,    403,  200,    403, 200),
    ("/author/courses/new",                 L,        403,    403,  200,    403, 200),
    ("/author/courses/mini/edit",           L,        403,    403,  200,    403, 200),
    ("/author/courses/mini/modules/new",    L,        403,    403,  200,    403, 200),
    ("/author/modules/1/edit",              L,        403,    403,  200,    403, 200),
    ("/author/modules/1/lessons/new",       L,        403,    403,  200,    403, 200),
    ("/author/modules/1/exercises/compose", L,        403,    403,  200,    403, 200),
    ("/author/exercises/mini-brief/form",   L,        403,    403,  200,    403, 200),
    ("/author/modules/2/quiz",              L,        403,    403,  200,    403, 200),
    ("/author/modules/2/quiz/questions/new", L,       403,    403,  200,    403, 200),
    ("/author/modules/2/quiz/questions/tokens", L,    403,    403,  200,    403, 200),
    ("/hr/",                                L,        403,    403,  403,    200, 200),
    ("/admin/",                             L,        403,    403,  403,    403, 200),
    ("/courses/mini-exam/advanced/quiz",    L,        200,    200,  200,    200, 200),
    ("/courses/mini-exam/exam",             L,        200,    200,  200,    200, 200),
    ("/exams/{exam}/mini-exam-a",           L,        200,    404,  404,    404, 404),
    ("/verify/{certificate}",               200,      200,    200,  200,    200, 200),
    ("/verify/{certificate}.json",          200,      200,    200,  200,    200, 200),
    ("/certificates/{certificate}.pdf",     L,        200,    404,  404,    404, 404),
    ("/certificates/{certificate}/credential.json", L, 200,   404,  404,    404, 404),
    ("/certificates/{certificate}/credential.jwt",  L, 200,   404,  404,    404, 404),
    ("/.well-known/jwks.json",              200,      200,    200,  200,    200, 200),
    ("/credentials/issuer",                 200,      200,    200,  200,    200, 200),
    ("/credentials/achievements/mini",      200,      200,    200,  200,    200, 200),
    ("/credentials/status/{certificate}",   200,      200,    200,  200,    200, 200),
    ("/admin/certificates",                 L,        403,    403,  403,    403, 200),
    ("/admin/users",                        L,        403,    403,  403,    403, 200),
    ("/admin/users/{learner}/delete",       L,        403,    403,  403,    403, 200),
    ("/account/data",                       L,        200,    200,  200,    200, 200),
    ("/admin/audit",                        L,        403,    403,  403,    403, 200),
    ("/admin/audit.csv",                    L,        403,    403,  403,    403, 200),
    ("/static/css/app.css",                 200,      200,    200,  200,    200, 200),
    ("/hr/people",                          L,        403,    403,  403,    200, 200),
    ("/hr/people/{learner}",                L,        403,    403,  403,    200, 200),
    ("/hr/attempts/{attempt}",              L,        403,    403,  403,    403, 403),  # hr_can_read_prompts off
    ("/hr/assignments",                     L,        403,    403,  403,    200, 200),
    ("/hr/import",                          L,        403,    403,  403,    200, 200),
    ("/hr/export/status.csv",               L,        403,    403,  403,    200, 200),
    ("/admin/api-tokens/",                  L,        403,    403,  403,    403, 200),
    ("/api/v1/people",                      401,      401,    401,  401,    401, 401),  # a token, never a cookie
    ("/api/v1/assignments",                 401,      401,    401,  401,    401, 401),
    ("/api/v1/completions",                 401,      401,    401,  401,    401, 401),
    ("/api/v1/certificates",                401,      401,    401,  401,    401, 401),
]
POSTS = ["/logout", "/language", "/lessons/1/done", "/exercises/mini-brief/run", "/exercises/mini-brief/submit",
         "/exercises/mini-brief/draft",
         "/courses/mini-exam/exam/start", "/admin/settings", "/attempts/1/appeal", "/notifications/read",
         "/admin/certificates/cert-abc/revoke",
         "/author/courses/mini/status", "/author/import", "/author/preview", "/author/exercises/mini-brief/v1/status",
         "/author/exercises/mini-brief/v1/try", "/admin/trainers/1/courses",
         "/author/modules/1/move", "/author/modules/2/quiz/questions/tokens/delete",
         "/hr/assignments/1/delete", "/admin/api-tokens/1/revoke", "/admin/users/1/role", "/admin/users/1/active",
         "/account/reset", "/account/setup/not-a-token", "/hr/people/1/invite",
         "/account/data/export", "/account/delete", "/admin/users/1/delete"]


@pytest.fixture
def world(make_app):
    app = make_app(CONTENT_DIR=TEST_CONTENT, SIGNING_KEY=SIGNING_KEY)
    seed(app)
    with app.app_context(), db.new_session() as s:
        create_user(s, "other@example.org", "Other Learner", "demo-password", Role.LEARNER)
        learner = s.exec(select(User).where(User.email == "learner@example.org")).one()
        attempt = Attempt(user_id=learner.id, exercise_id=1, prompt="my secret prompt <b>x</b>")
        s.add(attempt)
        s.commit()
        s.refresh(attempt)
        course = s.exec(select(Course)).first()
        cert = Certificate(public_id="cert-abc", user_id=learner.id, course_id=course.id,
                           holder_name=learner.name, title=course.title)
        s.add(cert)
        s.commit()
        exam_exercise = s.exec(select(Exercise).where(Exercise.slug == "mini-exam-a")).one()
        exam_course = s.exec(select(Course).where(Course.slug == "mini-exam")).one()
        exam = ExamSession(user_id=learner.id, course_id=exam_course.id, exercise_ids=[exam_exercise.id])
        s.add(exam)
        s.commit()
        ids = {"attempt": attempt.id, "certificate": cert.public_id, "exam": exam.id, "learner": learner.id}
    return app, ids


@pytest.mark.parametrize("role_index,role", list(enumerate(ROLES)))
def test_every_route_for_every_role(world, role_index, role):
    app, ids = world
    client = app.test_client()
    if role != "anonymous":
        assert Auth(client).login(EMAILS[role]).status_code == 302
    for route, *expected in TABLE:
        url = route.format(**ids)
        response = client.get(url)
        status = response.status_code
        response.close()  # a streamed export ends here, not at garbage collection in a later request
        assert status == expected[role_index], f"{role} GET {url}: {status}, expected {expected[role_index]}"
    if role == "anonymous":
        for url in POSTS[2:]:
            assert client.post(url).status_code in (302, 400)


def test_every_route_is_in_the_table(world):
    app, ids = world
    adapter = app.url_map.bind("localhost")
    walked = {adapter.match(r.format(**ids).split("?")[0], method="GET")[0] for r, *_ in TABLE}
    walked |= {adapter.match(p, method="POST")[0] for p in POSTS}
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert sorted(endpoints - walked) == []


def test_forms_without_csrf_token_are_refused(world):
    app, _ = world
    client = app.test_client()
    r = client.post("/login", data={"email": "learner@example.org", "password": "demo-password"})
    assert r.status_code == 400 and "Form expired" in r.get_data(as_text=True)
    Auth(client).login()
    r = client.post("/exercises/mini-brief/submit", data={"prompt": "a prompt for the team"})
    assert r.status_code == 400
    r = client.post("/lessons/1/done", data={})
    assert r.status_code == 400
    with app.app_context():
        assert len(db.session().exec(select(Attempt)).all()) == 1  # only the fixture's


def test_learner_text_is_escaped_everywhere_it_is_shown(world):
    app, ids = world
    client = app.test_client()
    Auth(client).login("trainer@example.org")
    html = client.get(f"/attempts/{ids['attempt']}").get_data(as_text=True)
    assert "my secret prompt &lt;b&gt;x&lt;/b&gt;" in html and "<b>x</b>" not in html


def test_hr_never_sees_prompt_text(world):
    app, ids = world
    client = app.test_client()
    Auth(client).login("hr@example.org")
    assert "my secret prompt" not in client.get("/hr/").get_data(as_text=True)
    assert client.get(f"/attempts/{ids['attempt']}").status_code == 404


def test_wrong_password_and_open_redirects(world):
    app, _ = world
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    r = client.post("/login", data={"email": "learner@example.org", "password": "nope", "csrf_token": csrf_from(page)})
    assert r.status_code == 401 and "Wrong e-mail address or password" in r.get_data(as_text=True)
    page = client.get("/login?next=https://evil.example/").get_data(as_text=True)
    r = client.post("/login", data={"email": "learner@example.org", "password": "demo-password",
                                    "next": "https://evil.example/", "csrf_token": csrf_from(page)})
    assert r.status_code == 302 and r.headers["Location"] == "/"


def test_only_admins_change_settings(world):
    app, _ = world
    from lms.services import settings
    for email, expected in (("trainer@example.org", 403), ("hr@example.org", 403), ("admin@example.org", 302)):
        client = app.test_client()
        Auth(client).login(email)
        page = client.get("/").get_data(as_text=True)
        r = client.post("/admin/settings", data={"csrf_token": csrf_from(page), "confidentiality_policy": "block",
                                                 "confidential_names": "Dupont SA\nProjet Albatros\n",
                                                 "daily_runs": "5", "daily_submissions": "7"})
        assert r.status_code == expected
    with app.app_context():
        values = settings.all_settings(db.session())
    assert values["confidentiality_policy"] == "block" and values["daily_submissions"] == 7
    assert values["confidential_names"] == ["Dupont SA", "Projet Albatros"] and values["hr_can_read_prompts"] is False
