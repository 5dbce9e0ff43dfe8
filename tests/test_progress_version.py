"""The learner's progress version (migration 0014): raised by database triggers in the transaction
that changes the learner's progress, whatever writes it (the ORM, a Core statement, raw SQL), and
only then; the lesson page keyed on it follows. On SQLite and PostgreSQL."""
import pytest
from conftest import csrf_from
from sqlalchemy import delete, text, update
from sqlmodel import select
from test_lesson_cache import URL, app, other, signed_in  # noqa: F401 (the same fixtures: app, other)

from lms import db
from lms.models import Attempt, Exercise, Lesson, LessonProgress, Quiz, QuizAttempt, User


def version(s, email="learner@example.org") -> int:
    s.expire_all()
    return s.exec(select(User.progress_version).where(User.email == email)).one()


def ids(s):
    user = s.exec(select(User).where(User.email == "learner@example.org")).one()
    exercise = s.exec(select(Exercise).where(Exercise.slug == "mini-brief",
                                             Exercise.current == True)).one()  # noqa: E712
    return user.id, exercise.id


def test_progress_writes_raise_the_version_and_nothing_else_does(app):
    with app.app_context():
        s = db.session()
        user_id, exercise_id = ids(s)
        other_id = s.exec(select(User.id).where(User.email == "trainer@example.org")).one()
        v = version(s)

        def changed(by: int = 1):
            nonlocal v
            now = version(s)
            assert now == v + by, (now, v, by)
            v = now

        attempt = Attempt(user_id=user_id, exercise_id=exercise_id, prompt="p", status="queued")
        s.add(attempt)
        s.commit()
        changed(0)  # submitted, not passed
        attempt.status, attempt.prompt = "grading", "q"
        s.commit()
        changed(0)  # other columns
        attempt.passed = False
        s.commit()
        changed(1)  # graded (a change of `passed`, even to not passed)
        s.execute(update(Attempt).where(Attempt.id == attempt.id).values(passed=True))  # a Core statement
        s.commit()
        changed(1)
        s.execute(text("UPDATE attempt SET score = 95 WHERE id = :id"), {"id": attempt.id})  # raw SQL, not passed
        s.commit()
        changed(0)
        s.execute(text("UPDATE attempt SET passed = false WHERE id = :id"), {"id": attempt.id})  # raw SQL
        s.commit()
        changed(1)
        s.add(Attempt(user_id=user_id, exercise_id=exercise_id, prompt="p", status="graded", passed=True))
        s.commit()
        changed(1)  # added passed (a grade from the cache)
        s.execute(delete(Attempt).where(Attempt.user_id == user_id, Attempt.passed == True))  # noqa: E712
        s.commit()
        changed(1)
        s.execute(delete(Attempt).where(Attempt.user_id == user_id))
        s.commit()
        changed(0)  # none of them passed

        lesson_id = s.exec(select(Lesson.id).where(Lesson.slug == "intro")).one()
        s.add(LessonProgress(user_id=user_id, lesson_id=lesson_id))
        s.commit()
        changed(1)
        s.execute(delete(LessonProgress).where(LessonProgress.user_id == user_id))
        s.commit()
        changed(1)

        quiz_id = s.exec(select(Quiz.id)).first()
        s.add(QuizAttempt(user_id=user_id, quiz_id=quiz_id, answers={}, score=20, passed=False))
        s.commit()
        changed(0)
        s.add(QuizAttempt(user_id=user_id, quiz_id=quiz_id, answers={}, score=100, passed=True))
        s.commit()
        changed(1)

        s.add(LessonProgress(user_id=user_id, lesson_id=lesson_id))
        s.rollback()
        changed(0)  # not committed

        before_other = version(s, "trainer@example.org")
        s.add(Attempt(user_id=other_id, exercise_id=exercise_id, prompt="p", status="graded", passed=True))
        s.commit()
        changed(0)  # someone else's
        assert version(s, "trainer@example.org") == before_other + 1


def test_the_lesson_page_follows_a_grade_written_by_another_process_without_the_orm(app, other):
    """The page from memory is keyed on the version: a worker's grade, written here by a raw UPDATE in
    another process, shows at the next view."""
    learner = signed_in(app)
    page = learner.get(URL).get_data(as_text=True)
    assert "0 of 1 exercises passed" in page
    with other.app_context():
        s = db.session()
        user_id, exercise_id = ids(s)
        attempt = Attempt(user_id=user_id, exercise_id=exercise_id, prompt="p", status="grading")
        s.add(attempt)
        s.commit()
    assert "0 of 1 exercises passed" in learner.get(URL).get_data(as_text=True)
    with other.app_context():
        s = db.session()
        s.execute(text("UPDATE attempt SET status = 'graded', passed = true WHERE id = :id"), {"id": attempt.id})
        s.commit()
    assert "1 of 1 exercises passed" in learner.get(URL).get_data(as_text=True)


@pytest.mark.parametrize("action", ["mark", "unmark"])
def test_marking_a_lesson_read_shows_at_once(app, action):
    learner = signed_in(app)
    page = learner.get(URL).get_data(as_text=True)
    assert "Mark as read" in page
    with app.app_context():
        lesson_id = db.session().exec(select(Lesson.id).where(Lesson.slug == "intro")).one()
    assert learner.post(f"/lessons/{lesson_id}/done", data={"csrf_token": csrf_from(page)}).status_code == 302
    assert "Mark as read" not in learner.get(URL).get_data(as_text=True)
    if action == "unmark":  # progress removed (an admin's correction, a deletion): the page follows
        with app.app_context():
            s = db.session()
            s.execute(delete(LessonProgress).where(LessonProgress.lesson_id == lesson_id))
            s.commit()
        assert "Mark as read" in learner.get(URL).get_data(as_text=True)
