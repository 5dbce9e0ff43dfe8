"""The learner's whole path over HTTP, on SQLite and PostgreSQL: sign in, lesson, exercise,
graded report, certificate, public verification."""
import re

import pytest
from conftest import TEST_CONTENT, csrf_from, drain, llm_client, model_like, seed
from fakellm import Reply

from lms import db
from lms.models import Attempt
from lms.services import grading
from sqlmodel import select

PROMPT = 'You write minutes for the project team. Turn the notes into a table.\n"""{{input}}"""'
HX = {"HX-Request": "true"}


@pytest.fixture
def graded_app(make_app, llm_server):
    llm_server.default = model_like(level=4)
    app = make_app(llm=llm_client(llm_server), CONTENT_DIR=TEST_CONTENT)
    seed(app)
    return app


def submit(client, prompt=PROMPT, slug="mini-brief"):
    page = client.get(f"/exercises/{slug}")
    assert page.status_code == 200
    return client.post(f"/exercises/{slug}/submit",
                       data={"prompt": prompt, "csrf_token": csrf_from(page.get_data(as_text=True))})


def test_learner_path_from_sign_in_to_verified_certificate(graded_app):
    client = graded_app.test_client()
    page = client.get("/")
    assert page.status_code == 302 and "/login" in page.headers["Location"]
    login = client.get("/login")
    r = client.post("/login", data={"email": "learner@example.org", "password": "demo-password",
                                    "csrf_token": csrf_from(login.get_data(as_text=True))})
    assert r.status_code == 302

    home = client.get("/").get_data(as_text=True)
    assert "Mini course" in home and "0% complete" in home

    lesson = client.get("/courses/mini/basics/intro")
    html = lesson.get_data(as_text=True)
    assert "<strong>language model</strong>" in html
    assert "<script>alert" not in html and 'href="javascript:' not in html
    assert "&lt;script&gt;alert(&#34;lesson-xss&#34;)" in html or "&lt;script&gt;alert(&quot;lesson-xss" in html
    assert 'href="https://example.org/report"' in html

    token = csrf_from(html)
    lesson_id = re.search(r'/lessons/(\d+)/done', html).group(1)
    partial = client.post(f"/lessons/{lesson_id}/done", data={"csrf_token": token}, headers=HX)
    body = partial.get_data(as_text=True)
    assert partial.status_code == 200 and "<html" not in body
    assert "Lesson marked as read" in body and 'hx-swap-oob="true"' in body and "50% complete" in body
    assert "HX-Request" in partial.headers.get("Vary", "")

    r = submit(client)
    assert r.status_code == 302
    attempt_url = r.headers["Location"]
    attempt_id = int(attempt_url.rsplit("/", 1)[1])
    with graded_app.app_context():
        stored = db.session().get(Attempt, attempt_id)
        assert stored.status == "queued" and stored.prompt == PROMPT  # stored before grading

    waiting = client.get(attempt_url).get_data(as_text=True)
    assert "Grading under way" in waiting and 'hx-trigger="every 2s"' in waiting
    poll = client.get(attempt_url, headers=HX)
    assert "<html" not in poll.get_data(as_text=True) and "Grading under way" in poll.get_data(as_text=True)

    assert drain(graded_app) == 1
    done = client.get(attempt_url, headers=HX).get_data(as_text=True)
    assert "hx-trigger" not in done  # polling stops once the report is in
    assert "100/100" in done and "Passed" in done
    for label in ("Delimits the notes", "Names the audience", "Quality of the brief"):
        assert label in done
    assert "Level 4 for quality." in done and "Name the deadline of each action." in done

    certs = client.get("/certificates").get_data(as_text=True)
    public_id = re.search(r"/verify/([\w-]+)", certs).group(1)
    assert "Mini certificate" in certs

    anonymous = graded_app.test_client()
    verify = anonymous.get(f"/verify/{public_id}")
    text = verify.get_data(as_text=True)
    assert verify.status_code == 200 and "Léa Martin" in text and "Valid" in text and "Mini certificate" in text
    data = anonymous.get(f"/verify/{public_id}.json").get_json()
    assert data["status"] == "valid" and data["holder"] == "Léa Martin" and "email" not in str(data)
    assert anonymous.get("/verify/not-a-real-id").status_code == 404

    exercise_page = client.get("/exercises/mini-brief").get_data(as_text=True)
    assert "See the report" in exercise_page and "Passed" in exercise_page


def test_running_a_prompt_on_the_target_model(graded_app, llm_server):
    client = graded_app.test_client()
    from conftest import Auth
    Auth(client).login()
    page = client.get("/exercises/mini-brief").get_data(as_text=True)
    r = client.post("/exercises/mini-brief/run", data={"prompt": PROMPT, "csrf_token": csrf_from(page)}, headers=HX)
    body = r.get_data(as_text=True)
    assert r.status_code == 200 and "<html" not in body and "| budget | Alice |" in body
    assert "Alice sends the budget on Friday." in llm_server.requests[-1]["messages"][-1]["content"]
    full = client.post("/exercises/mini-brief/run", data={"prompt": PROMPT, "csrf_token": csrf_from(page)})
    assert "<html" in full.get_data(as_text=True) and "| budget | Alice |" in full.get_data(as_text=True)


def test_without_a_model_the_judge_criteria_await_a_trainer(make_app):
    app = make_app(CONTENT_DIR=TEST_CONTENT)
    seed(app)
    client = app.test_client()
    from conftest import Auth
    Auth(client).login()
    r = submit(client)
    drain(app)
    html = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "awaits a trainer" in html and "pending" in html
    assert "30/30" in html  # the deterministic criteria are graded at once
    assert "/100" not in html  # and no total is invented
    with app.app_context():
        attempt = db.session().get(Attempt, 1)
        assert attempt.status == "awaiting_review" and attempt.score is None


def test_an_llm_that_stays_down_leaves_the_attempt_delayed_then_graded_later(make_app, llm_server):
    llm_server.default = Reply(status=500, content="provider down", headers={"retry-after-ms": "5"})
    app = make_app(llm=llm_client(llm_server, num_retries=1), CONTENT_DIR=TEST_CONTENT)
    seed(app)
    client = app.test_client()
    from conftest import Auth
    Auth(client).login()
    url = submit(client).headers["Location"]
    drain(app)
    html = client.get(url).get_data(as_text=True)
    assert "Grading delayed" in html and "/100" not in html
    with app.app_context():
        attempt = db.session().get(Attempt, 1)
        assert attempt.status == "delayed" and attempt.score is None and attempt.retry_at is not None
        with db.new_session() as s:
            assert grading.requeue_due(s) == 0  # not before its retry time
        llm_server.default = model_like(level=3)
        with db.new_session() as s:
            assert grading.requeue_due(s, now=attempt.retry_at) == 1
    drain(app)
    html = client.get(url).get_data(as_text=True)
    assert "87.5/100" in html and "Passed" in html


def test_a_bad_prompt_gets_a_clear_message_and_keeps_the_text(graded_app):
    client = graded_app.test_client()
    from conftest import Auth
    Auth(client).login()
    r = submit(client, prompt="   \n ")
    assert r.status_code == 400 and "Your prompt is empty" in r.get_data(as_text=True)
    long_prompt = "word " * 3000
    r = submit(client, prompt=long_prompt)
    body = r.get_data(as_text=True)
    assert r.status_code == 400 and "the limit is 8000" in body and "word word word" in body
    with graded_app.app_context():
        assert db.session().exec(select(Attempt)).first() is None


def test_language_switch_sticks(graded_app):
    client = graded_app.test_client()
    from conftest import Auth
    Auth(client).login()
    page = client.get("/").get_data(as_text=True)
    client.post("/language", data={"lang": "fr", "next": "/", "csrf_token": csrf_from(page)})
    html = client.get("/").get_data(as_text=True)
    assert 'lang="fr"' in html and "Mini-cours" in html and "Mes certificats" in html
    client2 = graded_app.test_client()
    Auth(client2).login()
    assert "Mini-cours" in client2.get("/").get_data(as_text=True)  # kept on the account
