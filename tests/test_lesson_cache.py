"""The lesson page from memory (services/content_cache.py, learn/page_cache.py), on SQLite and
PostgreSQL: never stale after a trainer's edit, made in this process or in another one (a second
app on the same database), nor after the learner's progress changes; never another learner's."""
import re

import pytest
from conftest import TEST_CONTENT, Auth, csrf_from, seed
from jinja2 import meta
from sqlalchemy import delete, event, update
from sqlmodel import select

from lms import create_app, db
from lms.models import Attempt, Course, Exercise, Lesson, Module, Quiz, QuizAttempt, Role, Setting, User
from lms.services import content_cache
from lms.services.accounts import create_user

URL = "/courses/mini/basics/intro"


@pytest.fixture
def app(make_app):
    app = make_app(CONTENT_DIR=TEST_CONTENT)
    seed(app)
    return app


@pytest.fixture
def other(app):
    """Another web process: an app of its own (its own memory) on the same database."""
    second = create_app({"TESTING": True, "DATABASE_URL": app.config["DATABASE_URL"], "REDIS_URL": None,
                         "QUEUE_FILE": app.config["QUEUE_FILE"], "SECRET_KEY": app.config["SECRET_KEY"],
                         "CONTENT_DIR": TEST_CONTENT, "LLM": app.extensions["llm"]})
    yield second
    second.extensions["engine"].dispose()


def signed_in(app, email="learner@example.org"):
    client = app.test_client()
    assert Auth(client).login(email).status_code == 302
    return client


def text(client, url=URL) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def lesson_id(app, slug="intro") -> int:
    with app.app_context():
        return db.session().exec(select(Lesson).where(Lesson.slug == slug)).one().id


def edit_lesson(app, body_en: str, title_en: str = "Intro, revised"):
    """A trainer saves the lesson in the browser of that app."""
    trainer = signed_in(app, "trainer@example.org")
    url = f"/author/lessons/{lesson_id(app)}"
    page = text(trainer, url)
    r = trainer.post(url, data={"csrf_token": csrf_from(page), "title_en": title_en, "title_fr": "Intro (fr)",
                                "minutes": "7", "body_en": body_en, "body_fr": "Nouveau texte."})
    assert r.status_code == 302


@pytest.mark.parametrize("where", ["same", "other"])
def test_a_trainers_edit_is_shown_at_once(app, other, where):
    learner = signed_in(app)
    assert "<strong>language model</strong>" in text(learner) and "<strong>language model</strong>" in text(learner)
    edit_lesson(app if where == "same" else other, "New **text**.")
    page = text(learner)
    assert "New <strong>text</strong>." in page and "Intro, revised" in page and "language model" not in page
    edit_lesson(app if where == "same" else other, "Newer **text**.")
    assert "Newer <strong>text</strong>." in text(learner)


def test_publishing_and_structure_changes_in_another_process(app, other):
    learner, trainer = signed_in(app), signed_in(other, "trainer@example.org")
    assert "0 of 1 lessons read" in text(learner)
    page = text(trainer, "/author/")
    for status, expected in (("draft", 404), ("published", 200)):
        r = trainer.post("/author/courses/mini/status", data={"csrf_token": csrf_from(page), "status": status})
        assert r.status_code == 302
        assert learner.get(URL).status_code == expected
    with other.app_context():
        s = db.session()
        module = s.exec(select(Module).where(Module.slug == "basics")).one()
        s.add(Lesson(module_id=module.id, slug="second", position=99, title={"en": "Second step", "fr": "Suite"},
                     body={"en": "More.", "fr": "Plus."}))
        s.commit()
    page = text(learner)
    assert "0 of 2 lessons read" in page and "Next lesson: Second step" in page
    assert "More." in text(learner, "/courses/mini/basics/second")


def test_progress_shown_follows_lessons_exercises_and_quizzes(app, other):
    learner = signed_in(app)
    page = text(learner)
    assert "Mark as read" in page and "0% complete" in page and "0 of 1 exercises passed" in page
    r = learner.post(f"/lessons/{lesson_id(app)}/done", data={"csrf_token": csrf_from(text(learner))})
    assert r.status_code == 302
    page = text(learner)
    assert "Lesson marked as read." in page and "Mark as read" not in page
    assert "1 of 1 lessons read" in page and "50% complete" in page
    with other.app_context():  # graded by a worker: another process
        s = db.session()
        user = s.exec(select(User).where(User.email == "learner@example.org")).one()
        exercise = s.exec(select(Exercise).where(Exercise.slug == "mini-brief",
                                                 Exercise.current == True)).one()  # noqa: E712
        s.add(Attempt(user_id=user.id, exercise_id=exercise.id, prompt="p", status="graded", score=90, passed=True))
        quiz = s.exec(select(Quiz)).one()
        s.add(QuizAttempt(user_id=user.id, quiz_id=quiz.id, answers={}, score=100, passed=True))
        s.commit()
    page = text(learner)
    assert "1 of 1 exercises passed" in page and "100% complete" in page
    assert "33% complete" in text(learner, "/courses/mini-exam/advanced/deeper")  # the quiz of three items


def test_a_learner_never_sees_another_learners_page(app):
    with app.app_context():
        create_user(db.session(), "sam@example.org", "Sam Second", "demo-password", Role.LEARNER)
    lea, sam = signed_in(app), signed_in(app, "sam@example.org")
    lea.post(f"/lessons/{lesson_id(app)}/done", data={"csrf_token": csrf_from(text(lea))})
    for _ in range(2):
        lea_page, sam_page = text(lea), text(sam)
        assert "Léa Martin" in lea_page and "1 of 1 lessons read" in lea_page
        assert "Sam Second" in sam_page and "Léa Martin" not in sam_page
        assert "0 of 1 lessons read" in sam_page and "Mark as read" in sam_page


def test_each_answer_carries_its_own_sessions_csrf_token(app):
    first, second = signed_in(app), signed_in(app)  # the same learner, two sessions
    first_token, second_token = csrf_from(text(first)), csrf_from(text(second))
    assert first_token != second_token
    url = f"/lessons/{lesson_id(app)}/done"
    assert second.post(url, data={"csrf_token": first_token}).status_code == 400
    assert second.post(url, data={"csrf_token": second_token}).status_code == 302


def test_language_switch_and_flashes(app):
    learner = signed_in(app)
    assert "<strong>language model</strong>" in text(learner)
    page = text(learner)
    r = learner.post("/language", data={"csrf_token": csrf_from(page), "lang": "fr", "next": URL})
    assert r.status_code == 302
    page = text(learner)
    assert "<strong>modèle de langage</strong>" in page and "Introduction (fr)" in page and 'lang="fr"' in page
    with learner.session_transaction() as session:
        session["_flashes"] = [("success", "A message flashed once")]
    assert "A message flashed once" in text(learner)
    assert "A message flashed once" not in text(learner)


def test_a_page_from_memory_reads_no_content(app):
    learner = signed_in(app)
    text(learner)
    statements = []
    listener = lambda conn, cursor, statement, *args: statements.append(statement)  # noqa: E731
    event.listen(app.extensions["engine"], "before_cursor_execute", listener)
    try:
        assert "<strong>language model</strong>" in text(learner)
    finally:
        event.remove(app.extensions["engine"], "before_cursor_execute", listener)
    assert statements and not [s for s in statements if re.search(r"\bFROM (course|module|lesson)\b", s)]


def test_content_version_changes_with_content_and_only_with_it(app):
    with app.app_context():
        s = db.session()
        first = content_cache.version(s)
        assert first
        user = s.exec(select(User)).first()
        user.name = "Someone else"
        s.commit()
        assert content_cache.version(s) == first  # not content
        lesson = s.exec(select(Lesson)).first()
        lesson.title = {"en": "Changed", "fr": "Changé"}
        s.flush()
        s.rollback()
        assert content_cache.version(s) == first  # not committed
        course = s.exec(select(Course).where(Course.slug == "mini")).one()
        course.status = "archived"
        s.commit()
        second = content_cache.version(s)
        assert second != first
        s.execute(update(Course).where(Course.slug == "mini").values(status="published"))  # a statement, no flush
        s.commit()
        assert content_cache.version(s) not in (first, second)


def test_a_database_without_a_content_version_gets_one(app):
    with app.app_context():
        s = db.session()
        s.execute(delete(Setting).where(Setting.key == content_cache.KEY))
        s.commit()
    learner = signed_in(app)
    assert "<strong>language model</strong>" in text(learner)  # read from the database
    with app.app_context():
        assert content_cache.version(db.session())
    assert "<strong>language model</strong>" in text(learner)


def test_the_lesson_pages_templates_read_only_what_the_page_key_covers(app):
    """A new variable in these templates must be added to the key of the lesson page (learn/routes.py
    lesson(), learn/page_cache.py), then here."""
    env, names, seen = app.jinja_env.overlay(), {"learn/lesson.html"}, set()
    env.globals = {}  # globals too (request, session, g...): every name the templates read
    variables = set()
    while names - seen:
        name = (names - seen).pop()
        seen.add(name)
        ast = env.parse(env.loader.get_source(env, name)[0])
        variables |= meta.find_undeclared_variables(ast)
        names |= {n for n in meta.find_referenced_templates(ast) if n}
    assert variables == {
        # the view's own, determined by its key
        "course", "module", "lesson", "done", "progress", "next_lesson", "next_module", "new_certificate",
        # the layout's, in the page cache's key or constant in a process
        "current_user", "lang", "request", "org_name", "get_flashed_messages", "csrf_token",
        "_", "url_for", "loc", "markdown",
        # set by including templates
        "oob", "wants_oob"}
