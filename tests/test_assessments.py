"""Module quizzes, the final exam and a track that requires another course's certificate."""
import random
import re
from datetime import timedelta

import pytest
from conftest import TEST_CONTENT, Auth, csrf_from, drain, llm_client, model_like, seed
from sqlmodel import select

from graders import SpecError
from graders.quiz import grade_quiz, parse_quiz
from lms import db
from lms.models import Certificate, Course, Exercise, User
from lms.services import exams

PROMPT = 'You write minutes for the project team.\n"""{{input}}"""'


@pytest.fixture
def app(make_app, llm_server):
    llm_server.default = model_like(level=4)
    app = make_app(llm=llm_client(llm_server), CONTENT_DIR=TEST_CONTENT)
    seed(app)
    return app


@pytest.fixture
def client(app):
    client = app.test_client()
    Auth(client).login()
    return client


def answer_quiz(client, answers):
    page = client.get("/courses/mini-exam/advanced/quiz").get_data(as_text=True)
    data = {"csrf_token": csrf_from(page), **answers}
    return client.post("/courses/mini-exam/advanced/quiz", data=data)


def test_quiz_shows_explanations_after_answering_and_counts_when_passed(client):
    page = client.get("/courses/mini-exam/advanced/quiz").get_data(as_text=True)
    assert "What does a language model predict?" in page and "It predicts the next token." not in page
    r = answer_quiz(client, {"q-tokens": "a", "q-checks": ["a"]})
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "0%" in html and "Not passed" in html
    assert "It predicts the next token." in html and "Figures and references can be invented." in html
    r = answer_quiz(client, {"q-tokens": "b", "q-checks": ["a", "b"]})
    assert "100%" in r.get_data(as_text=True) and "Passed" in r.get_data(as_text=True)
    course = client.get("/courses/mini-exam").get_data(as_text=True)
    assert "Check what you know" in course and "Passed" in course
    empty = answer_quiz(client, {})
    assert empty.status_code == 400 and "Answer at least one question" in empty.get_data(as_text=True)


def test_quiz_rules():
    with pytest.raises(SpecError, match="exactly one"):
        parse_quiz({"questions": [{"id": "q", "type": "single", "question": {"en": "q", "fr": "q"},
                                   "explanation": {"en": "e", "fr": "e"},
                                   "choices": [{"id": "a", "text": {"en": "a", "fr": "a"}, "correct": True},
                                               {"id": "b", "text": {"en": "b", "fr": "b"}, "correct": True}]}]})
    spec = parse_quiz({"pass_mark": 50, "questions": [
        {"id": "q", "type": "multiple", "question": {"en": "q", "fr": "q"}, "explanation": {"en": "e", "fr": "e"},
         "choices": [{"id": "a", "text": {"en": "a", "fr": "a"}, "correct": True},
                     {"id": "b", "text": {"en": "b", "fr": "b"}, "correct": True},
                     {"id": "c", "text": {"en": "c", "fr": "c"}}]}]})
    assert grade_quiz(spec, {"q": ["a", "b"]}).passed
    assert not grade_quiz(spec, {"q": ["a"]}).passed  # every right choice is needed
    assert not grade_quiz(spec, {"q": ["a", "b", "c"]}).passed  # and no wrong one


def _take_exam(client, app):
    page = client.get("/courses/mini-exam/exam").get_data(as_text=True)
    assert "2 exercises are drawn for you" in page
    client.post("/courses/mini-exam/exam/start", data={"csrf_token": csrf_from(page)})
    page = client.get("/courses/mini-exam/exam").get_data(as_text=True)
    links = re.findall(r'href="(/exams/\d+/[\w-]+)"', page)
    assert len(links) == 2
    for link in links:
        form = client.get(link).get_data(as_text=True)
        assert "Exam exercise" in form and "My attempts" not in form
        r = client.post(link, data={"prompt": PROMPT, "csrf_token": csrf_from(form)})
        assert r.status_code == 302
        double = client.post(link, data={"prompt": PROMPT, "csrf_token": csrf_from(form)})
        assert double.status_code == 302 and double.headers["Location"] == r.headers["Location"]  # one attempt
        again = client.post(link, data={"prompt": PROMPT + " Second try.", "csrf_token": csrf_from(form)})
        assert again.status_code == 400 and "already answered" in again.get_data(as_text=True)
    drain(app)
    return links


def test_exam_drawn_answered_graded_and_track_certificate_needs_the_core_certificate(app, client):
    assert client.get("/exercises/mini-exam-a").status_code == 404  # exam exercises are not practice
    links = _take_exam(client, app)
    html = client.get("/courses/mini-exam/exam").get_data(as_text=True)
    assert "You passed this exam." in html and "100/100" in html
    page = client.get("/courses/mini-exam/advanced/deeper").get_data(as_text=True)
    client.post(re.search(r'action="(/lessons/\d+/done)"', page).group(1), data={"csrf_token": csrf_from(page)})
    answer_quiz(client, {"q-tokens": "b", "q-checks": ["a", "b"]})
    with app.app_context():
        titles = [c.title["en"] for c in db.session().exec(select(Certificate))]
    assert titles == []  # the track needs the core course's certificate first

    page = client.get("/courses/mini/basics/intro").get_data(as_text=True)
    client.post(re.search(r'action="(/lessons/\d+/done)"', page).group(1), data={"csrf_token": csrf_from(page)})
    form = client.get("/exercises/mini-brief").get_data(as_text=True)
    client.post("/exercises/mini-brief/submit", data={"prompt": PROMPT, "csrf_token": csrf_from(form)})
    drain(app)
    with app.app_context():
        titles = sorted(c.title["en"] for c in db.session().exec(select(Certificate)))
    assert titles == ["Examined certificate", "Mini certificate"]

    other = app.test_client()
    from lms.services.accounts import create_user
    with app.app_context(), db.new_session() as s:
        create_user(s, "other@example.org", "Other", "demo-password", "learner")
    Auth(other).login("other@example.org")
    assert other.get(links[0]).status_code == 404


def test_the_exam_pages_read_the_drawn_exercises_in_one_query_in_the_order_drawn(app, client):
    from sqlalchemy import event

    page = client.get("/courses/mini-exam/exam").get_data(as_text=True)
    client.post("/courses/mini-exam/exam/start", data={"csrf_token": csrf_from(page)})
    with app.app_context(), db.new_session() as s:
        sitting = s.exec(select(exams.ExamSession)).one()
        drawn = [s.get(Exercise, i).slug for i in sitting.exercise_ids]
    seen: list[str] = []
    event.listen(app.extensions["engine"], "before_cursor_execute", lambda *args: seen.append(args[2]))
    page = client.get("/courses/mini-exam/exam").get_data(as_text=True)
    assert [link.rsplit("/", 1)[1] for link in re.findall(r'href="(/exams/\d+/[\w-]+)"', page)] == drawn
    assert len([s for s in seen if "FROM exercise" in s]) == 1, seen
    seen.clear()
    assert client.get(f"/exams/{sitting.id}/{drawn[-1]}").status_code == 200
    assert len([s for s in seen if "FROM exercise" in s]) == 1, seen
    assert client.get(f"/exams/{sitting.id}/mini-brief").status_code == 404  # not drawn for this sitting


def test_failed_exam_waits_for_the_retake_period(app, client, llm_server):
    llm_server.default = model_like(level=0)  # the judge gives nothing: 50/100 per exercise
    _take_exam(client, app)
    html = client.get("/courses/mini-exam/exam").get_data(as_text=True)
    assert "Exam not passed: mean score 50/100" in html and "You can take it again from" in html
    assert "Take the exam again" not in html
    with app.app_context():
        s = db.session()
        learner = s.exec(select(User).where(User.email == "learner@example.org")).one()
        course = s.exec(select(Course).where(Course.slug == "mini-exam")).one()
        state = exams.state(s, learner.id, course)
        assert not state.can_start and state.retake_at is not None
        assert exams.state(s, learner.id, course, now=state.retake_at + timedelta(seconds=1)).can_start
        with pytest.raises(exams.ExamError):
            exams.start(s, learner, course)


def test_draw_spreads_over_modules():
    pool = [Exercise(id=i, slug=f"e{i}", module_id=m, title={}, spec={}) for i, m in
            enumerate([1, 1, 1, 1, 2, 2, 2, 3, 3, 3])]
    for seed_value in range(20):
        chosen = exams.draw(list(pool), {1: "a", 2: "b", 3: "c"}, 4, random.Random(seed_value))
        assert len(chosen) == 4 and len({e.id for e in chosen}) == 4
        assert {e.module_id for e in chosen} == {1, 2, 3}


def test_renewal_by_the_exam_alone_replaces_the_certificate_and_keeps_its_history(app, client):
    from lms.models.base import utcnow
    from lms.services import certification

    _take_exam(client, app)
    for url in ("/courses/mini-exam/advanced/deeper", "/courses/mini/basics/intro"):
        page = client.get(url).get_data(as_text=True)
        client.post(re.search(r'action="(/lessons/\d+/done)"', page).group(1), data={"csrf_token": csrf_from(page)})
    answer_quiz(client, {"q-tokens": "b", "q-checks": ["a", "b"]})
    form = client.get("/exercises/mini-brief").get_data(as_text=True)
    client.post("/exercises/mini-brief/submit", data={"prompt": PROMPT, "csrf_token": csrf_from(form)})
    drain(app)
    now = utcnow()
    with app.app_context(), db.new_session() as s:
        course = s.exec(select(Course).where(Course.slug == "mini-exam")).one()
        old = s.exec(select(Certificate).where(Certificate.course_id == course.id)).one()
        old.issued_at, old.expires_at = now - timedelta(days=700), now + timedelta(days=30)
        for sitting in exams.sessions(s, old.user_id, course.id):
            sitting.started_at = sitting.completed_at = now - timedelta(days=701)
            s.add(sitting)
        s.add(old)
        s.commit()
        old_id = old.public_id
        assert certification.remind_expiring(s, 90) >= 1
        assert certification.remind_expiring(s, 90) == 0  # once
    home = client.get("/").get_data(as_text=True)
    assert "Examined certificate" in home and "Renew it before then" in home
    assert "Renew it by passing the final exam again" in client.get("/courses/mini-exam").get_data(as_text=True)
    _take_exam(client, app)
    with app.app_context():
        s = db.session()
        course = s.exec(select(Course).where(Course.slug == "mini-exam")).one()
        certs = s.exec(select(Certificate).where(Certificate.course_id == course.id).order_by(Certificate.issued_at)).all()
        assert len(certs) == 2 and certs[0].public_id == old_id
        assert certs[0].details["replaced_by"] == certs[1].public_id and certs[1].details["replaces"] == old_id
        assert certification.current_certificate(s, certs[1].user_id, course.id).public_id == certs[1].public_id
    public = app.test_client().get(f"/verify/{old_id}").get_data(as_text=True)
    assert "The holder renewed this certification" in public and certs[1].public_id in public
