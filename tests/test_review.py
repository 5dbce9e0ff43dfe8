"""Human oversight: the review queue, overrides with comments, appeals, notifications, audit."""
import re

import pytest
from conftest import TEST_CONTENT, Auth, csrf_from, drain, llm_client, model_like, seed
from sqlmodel import select

from lms import db
from lms.models import Appeal, Attempt, AuditEvent, Certificate, Override, Role, TrainerAssignment, User
from lms.services import grading, review
from lms.services.accounts import create_user

PROMPT = 'You write minutes for the project team.\n"""{{input}}"""'


def submit(client, prompt=PROMPT):
    page = client.get("/exercises/mini-brief").get_data(as_text=True)
    r = client.post("/exercises/mini-brief/submit", data={"prompt": prompt, "csrf_token": csrf_from(page)})
    return int(r.headers["Location"].rsplit("/", 1)[1])


def review_form(client, attempt_id, **fields):
    page = client.get(f"/review/attempts/{attempt_id}").get_data(as_text=True)
    return client.post(f"/review/attempts/{attempt_id}", data={"csrf_token": csrf_from(page), **fields})


@pytest.fixture
def app(make_app):
    app = make_app(CONTENT_DIR=TEST_CONTENT)
    seed(app)
    return app


def test_trainer_scores_what_awaits_a_trainer_and_the_learner_is_notified(app):
    learner, trainer = app.test_client(), app.test_client()
    Auth(learner).login()
    Auth(trainer).login("trainer@example.org")
    page = learner.get("/courses/mini/basics/intro").get_data(as_text=True)
    learner.post(re.search(r'action="(/lessons/\d+/done)"', page).group(1), data={"csrf_token": csrf_from(page)})
    attempt_id = submit(learner)
    drain(app)
    queue = trainer.get("/review/").get_data(as_text=True)
    assert "Léa Martin" in queue and f"/review/attempts/{attempt_id}" in queue
    page = trainer.get(f"/review/attempts/{attempt_id}").get_data(as_text=True)
    assert "You write minutes for the project team." in page and "pending" in page

    r = review_form(trainer, attempt_id, comment="Good brief overall.")
    assert r.status_code == 400 and "Score every criterion that is still pending" in r.get_data(as_text=True)
    r = review_form(trainer, attempt_id, **{"value-quality": "3", "comment-quality": "Clear, but name the deadline.",
                                            "comment": "Good brief overall."})
    assert r.status_code == 302
    with app.app_context():
        s = db.session()
        attempt = s.get(Attempt, attempt_id)
        assert attempt.status == "graded" and attempt.score == 87.5 and attempt.passed is True
        o = s.exec(select(Override)).one()
        assert o.criteria == {"quality": {"before": None, "after": 3, "comment": "Clear, but name the deadline."}}
        assert o.score_after == 87.5 and s.exec(select(AuditEvent).where(AuditEvent.action == "override")).one()
        assert s.exec(select(Certificate)).one().title["en"] == "Mini certificate"
    report = learner.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert "87.5/100" in report and "Reviewed by Thomas Bernard" in report and "Clear, but name the deadline." in report
    home = learner.get("/").get_data(as_text=True)
    assert "A trainer reviewed your attempt on “Brief the model”: 87.5/100." in home
    learner.post("/notifications/read", data={"csrf_token": csrf_from(home)})
    assert "A trainer reviewed your attempt" not in learner.get("/").get_data(as_text=True)
    assert f"/review/attempts/{attempt_id}" not in trainer.get("/review/").get_data(as_text=True)


def test_appeal_once_then_a_trainer_confirms_or_changes_the_grade(make_app, llm_server):
    llm_server.default = model_like(level=1)
    app = make_app(llm=llm_client(llm_server), CONTENT_DIR=TEST_CONTENT)
    seed(app)
    learner, trainer = app.test_client(), app.test_client()
    Auth(learner).login()
    Auth(trainer).login("trainer@example.org")
    attempt_id = submit(learner)
    drain(app)
    page = learner.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert "62.5/100" in page and "Ask a trainer to review" in page
    learner.post(f"/attempts/{attempt_id}/appeal", data={"csrf_token": csrf_from(page), "reason": ""})
    assert "Explain in a few words" in learner.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    learner.post(f"/attempts/{attempt_id}/appeal", data={"csrf_token": csrf_from(page),
                                                         "reason": "My brief names the audience and the format."})
    again = learner.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert "Your request is with the trainers" in again and "Ask a trainer to review" not in again
    with app.app_context(), db.new_session() as s:
        with pytest.raises(review.ReviewError, match="already asked"):
            review.appeal(s, s.get(User, s.get(Attempt, attempt_id).user_id), s.get(Attempt, attempt_id), "again")
    queue = trainer.get("/review/").get_data(as_text=True)
    assert "My brief names the audience and the format." in queue
    review_form(trainer, attempt_id, **{"value-quality": "3"})
    with app.app_context():
        s = db.session()
        assert s.exec(select(Appeal)).one().resolved_at is not None
        assert s.get(Attempt, attempt_id).score == 87.5
        assert review.agreement(s, "mini-brief") == {"reviewed": 1, "kept": 0, "changed": 1, "rate": 0.0}
    assert "My brief names" not in trainer.get("/review/").get_data(as_text=True)


def test_trainers_review_only_the_courses_they_are_assigned_to(app):
    with app.app_context(), db.new_session() as s:
        create_user(s, "newtrainer@example.org", "New Trainer", "demo-password", Role.TRAINER)
    learner, other = app.test_client(), app.test_client()
    Auth(learner).login()
    attempt_id = submit(learner)
    drain(app)
    Auth(other).login("newtrainer@example.org")
    assert f"/review/attempts/{attempt_id}" not in other.get("/review/").get_data(as_text=True)
    assert other.get(f"/review/attempts/{attempt_id}").status_code == 404
    assert other.get(f"/attempts/{attempt_id}").status_code == 404
    with app.app_context(), db.new_session() as s:
        trainer = s.exec(select(User).where(User.email == "newtrainer@example.org")).one()
        course_id = grading.course_of(s, s.get(Attempt, attempt_id))
        s.add(TrainerAssignment(user_id=trainer.id, course_id=course_id))
        s.commit()
    assert other.get(f"/review/attempts/{attempt_id}").status_code == 200
