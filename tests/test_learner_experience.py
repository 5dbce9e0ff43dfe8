"""The learner's editor and dashboard, on SQLite and PostgreSQL: drafts saved, restored and
cleared, the comparison of two attempts, feedback linked to lessons, and "What to do next"."""
import re
import shutil
from datetime import date, datetime, timedelta, timezone

import pytest
from conftest import TEST_CONTENT, Auth, csrf_from, drain, llm_client, model_like, seed
from sqlmodel import select

from lms import db
from lms.models import Attempt, Certificate, Course, ExamSession, ExamStatus, Lesson, PromptDraft, Quiz, Role, User
from lms.models.base import utcnow
from lms.services import content, hr_org, next_steps, progress, prompt_diff, quizzes
from lms.services.accounts import create_user

HX = {"HX-Request": "true"}
PROMPT = 'You write minutes for the project team. Turn the notes into a table.\n"""{{input}}"""'


@pytest.fixture
def app(make_app):
    app = make_app(CONTENT_DIR=TEST_CONTENT)
    seed(app)
    with app.app_context(), db.new_session() as s:
        create_user(s, "other@example.org", "Other Learner", "demo-password", Role.LEARNER)
    return app


def signed_in(app, email="learner@example.org"):
    client = app.test_client()
    assert Auth(client).login(email).status_code == 302
    return client


def user_id(app, email="learner@example.org") -> int:
    with app.app_context(), db.new_session() as s:
        return s.exec(select(User).where(User.email == email)).one().id


def textarea(html: str) -> str:
    return re.search(r'<textarea id="prompt"[^>]*>(.*?)</textarea>', html, re.S).group(1)


def test_drafts_are_saved_restored_kept_apart_and_cleared_on_submit(app):
    client = signed_in(app)
    page = client.get("/exercises/mini-brief").get_data(as_text=True)
    token = csrf_from(page)
    assert textarea(page) == "" and 'hx-post="/exercises/mini-brief/draft"' in page

    # htmx autosave: the status line only, escaped text stored as typed
    r = client.post("/exercises/mini-brief/draft", data={"csrf_token": token, "prompt": "Draft <b>one</b> for the team"},
                    headers=HX)
    body = r.get_data(as_text=True)
    assert r.status_code == 200 and "<html" not in body and re.search(r"Draft saved at \d\d:\d\d", body)
    assert "HX-Request" in r.headers.get("Vary", "")
    r = client.post("/exercises/mini-brief/draft", data={"prompt": "no token"}, headers=HX)
    assert r.status_code == 400

    page = client.get("/exercises/mini-brief").get_data(as_text=True)
    assert textarea(page) == "Draft &lt;b&gt;one&lt;/b&gt; for the team" and "Your draft is restored" in page

    # the "Save draft" button without JavaScript: back to the exercise with a message
    r = client.post("/exercises/mini-brief/draft", data={"csrf_token": token, "prompt": "Draft two"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/exercises/mini-brief")
    page = client.get("/exercises/mini-brief").get_data(as_text=True)
    assert textarea(page) == "Draft two" and "Your draft is saved" in page

    # another learner sees none of it
    other = signed_in(app, "other@example.org")
    other_page = other.get("/exercises/mini-brief").get_data(as_text=True)
    assert textarea(other_page) == "" and "Draft two" not in other_page
    r = other.post("/exercises/mini-brief/draft", data={"csrf_token": csrf_from(other_page), "prompt": "Mine"}, headers=HX)
    assert r.status_code == 200
    with app.app_context(), db.new_session() as s:
        drafts = {d.user_id: d.text for d in s.exec(select(PromptDraft))}
    assert drafts == {user_id(app): "Draft two", user_id(app, "other@example.org"): "Mine"}

    # submitting clears the learner's draft only
    r = client.post("/exercises/mini-brief/submit", data={"csrf_token": token, "prompt": PROMPT})
    assert r.status_code == 302
    assert textarea(client.get("/exercises/mini-brief").get_data(as_text=True)) == ""
    with app.app_context(), db.new_session() as s:
        assert [d.user_id for d in s.exec(select(PromptDraft))] == [user_id(app, "other@example.org")]

    # a refused submission keeps the draft; an emptied box removes it
    client.post("/exercises/mini-brief/draft", data={"csrf_token": token, "prompt": "kept"}, headers=HX)
    r = client.post("/exercises/mini-brief/submit", data={"csrf_token": token, "prompt": "x" * 9000})
    assert r.status_code == 400
    r = client.post("/exercises/mini-brief/draft", data={"csrf_token": token, "prompt": "  "}, headers=HX)
    assert "no draft is kept" in r.get_data(as_text=True)
    with app.app_context(), db.new_session() as s:
        assert s.exec(select(PromptDraft).where(PromptDraft.user_id == user_id(app))).first() is None


def test_word_level_diff():
    d = prompt_diff.diff("Summarise the notes for the team.", "Summarise the <notes> for the project team!")
    assert "".join(s.text for s in d.segments if s.op != "insert") == "Summarise the notes for the team."
    assert "".join(s.text for s in d.segments if s.op != "delete") == "Summarise the <notes> for the project team!"
    assert {(s.op, s.text.strip()) for s in d.changes} >= {("insert", "project"), ("delete", "."), ("insert", "!")}
    assert d.added == 1 and d.removed == 0
    assert prompt_diff.diff("same text", "same text").changes == []


def test_compare_two_attempts_and_nobody_elses(app):
    client = signed_in(app)
    token = csrf_from(client.get("/exercises/mini-brief").get_data(as_text=True))
    first_prompt = "Summarise the notes. <script>x</script>"
    client.post("/exercises/mini-brief/submit", data={"csrf_token": token, "prompt": first_prompt})
    client.post("/exercises/mini-brief/submit", data={"csrf_token": token, "prompt": PROMPT})
    drain(app)
    with app.app_context(), db.new_session() as s:
        first, second = [a.id for a in s.exec(select(Attempt).order_by(Attempt.id))]

    page = client.get("/exercises/mini-brief").get_data(as_text=True)
    assert "Your previous attempt" in page and "Turn the notes into a table." in page  # beside the editor
    assert f"/exercises/mini-brief/compare?a={first}&amp;b={second}" in page

    html = client.get(f"/exercises/mini-brief/compare?a={first}&b={second}").get_data(as_text=True)
    assert "<ins>" in html and "<del>" in html and "&lt;script&gt;" in html and "<script>x" not in html
    assert "[added: </span>" in html and "List of changes" in html  # a text alternative to the colours
    assert "Names the audience" in html and "0/20" in html and "20/20" in html  # scores side by side
    assert client.get("/exercises/mini-brief/compare").get_data(as_text=True).count("<del>") >= 1  # the last two
    assert client.get(f"/exercises/mini-brief/compare?a={first}&b=999999").status_code == 404
    assert client.get(f"/exercises/mini-brief/compare?a={first}&b=nope").status_code == 404

    for email in ("other@example.org", "trainer@example.org"):
        other = signed_in(app, email)
        assert other.get(f"/exercises/mini-brief/compare?a={first}&b={second}").status_code == 404
        assert "at least two attempts" in other.get("/exercises/mini-brief/compare").get_data(as_text=True)


def test_a_long_history_lists_the_most_recent_attempts_and_compares_any_two(app):
    """Many attempts: the exercise page lists the 20 most recent and says how many there are; the
    oldest one can still be compared; the attempt numbers count every attempt."""
    from lms.learn.routes import ATTEMPTS_SHOWN
    from lms.models import Exercise

    learner = user_id(app)
    with app.app_context(), db.new_session() as s:
        exercise = s.exec(select(Exercise).where(Exercise.slug == "mini-brief", Exercise.current == True)).one()  # noqa: E712
        for i in range(ATTEMPTS_SHOWN + 5):
            s.add(Attempt(user_id=learner, exercise_id=exercise.id, prompt=f"Attempt number {i} <b>",
                          prompt_hash=f"h{i}", created_at=utcnow() - timedelta(minutes=100 - i)))
        s.commit()
        ids = [a.id for a in s.exec(select(Attempt).order_by(Attempt.created_at))]
    client = signed_in(app)
    page = client.get("/exercises/mini-brief").get_data(as_text=True)
    assert page.count("See the report") == ATTEMPTS_SHOWN
    assert f"Your {ATTEMPTS_SHOWN} most recent attempts out of {ATTEMPTS_SHOWN + 5} are listed" in page
    html = client.get(f"/exercises/mini-brief/compare?a={ids[0]}&b={ids[-1]}")
    assert html.status_code == 200
    text = html.get_data(as_text=True)
    assert "<li>Removed: “0”</li><li>Added: “24”</li>" in text and "&lt;b&gt;" in text and "<b>" not in text
    assert f"Attempt {ATTEMPTS_SHOWN + 5} ·" in text  # the newest is numbered after all the others
    assert signed_in(app, "other@example.org").get(
        f"/exercises/mini-brief/compare?a={ids[0]}&b={ids[-1]}").status_code == 404


@pytest.mark.parametrize("zone, shown", [(None, "1:00:00 PM"), ("UTC", "12:00:00 PM"),
                                         ("America/Montreal", "7:00:00 AM")])
def test_times_are_shown_in_the_organisations_time_zone(make_app, tmp_path, zone, shown):
    """Stored in UTC, shown in LMS_TIME_ZONE (Europe/Paris by default)."""
    from lms import config
    from lms.models import Exercise

    env = {"LMS_TIME_ZONE": zone} if zone else {}
    app = make_app(CONTENT_DIR=TEST_CONTENT,
                   BABEL_DEFAULT_TIMEZONE=config.load(str(tmp_path), env)["BABEL_DEFAULT_TIMEZONE"])
    seed(app)
    with app.app_context(), db.new_session() as s:
        learner = s.exec(select(User).where(User.email == "learner@example.org")).one()
        exercise = s.exec(select(Exercise).where(Exercise.slug == "mini-brief", Exercise.current == True)).one()  # noqa: E712
        s.add(Attempt(user_id=learner.id, exercise_id=exercise.id, prompt="Noon in London", prompt_hash="noon",
                      created_at=datetime(2026, 1, 15, 12, 0, tzinfo=timezone.utc)))
        s.commit()
    page = signed_in(app).get("/exercises/mini-brief").get_data(as_text=True)
    assert f"Jan 15, 2026, {shown}" in page.replace("\u202f", " ")  # CLDR puts a narrow space before PM


def test_an_unknown_time_zone_is_refused_at_start(tmp_path):
    from lms import config

    with pytest.raises(config.ConfigError, match="LMS_TIME_ZONE='Europe/Lyon' is not a time zone"):
        config.load(str(tmp_path), {"LMS_TIME_ZONE": "Europe/Lyon"})


def test_each_criterion_says_what_was_expected_and_links_its_lesson(make_app, llm_server):
    llm_server.default = model_like(level=1)
    app = make_app(llm=llm_client(llm_server), CONTENT_DIR=TEST_CONTENT)
    seed(app)
    client = signed_in(app)
    token = csrf_from(client.get("/exercises/mini-brief").get_data(as_text=True))
    r = client.post("/exercises/mini-brief/submit", data={"csrf_token": token, "prompt": "Summarise the notes."})
    drain(app)
    html = client.get(r.headers["Location"]).get_data(as_text=True)
    rows = re.findall(r'<tr class="[a-z]+">\s*<th scope="row">(.*?)</th>(.*?)</tr>', html, re.S)
    by_label = {re.sub(r"<.*?>", "", label).strip(): cell for label, cell in rows}
    delimits, audience, quality = by_label["Delimits the notes"], by_label["Names the audience"], \
        by_label["Quality of the brief"]
    assert "Expected" in delimits and "Found" in delimits and "Put the notes between delimiters." in delimits
    assert 'href="/courses/mini-exam/advanced/deeper"' in delimits  # `lesson:` in another course
    assert 'href="/courses/mini/basics/intro"' in audience          # `lesson:` in its own course
    assert 'href="/courses/mini/basics/intro"' in quality           # none given: the module's first lesson
    assert "at least level 2 of 4: “adequate”" in quality and "Give the model the context it needs." in quality
    for href in re.findall(r'href="(/courses/[^"]+)"', html):
        assert client.get(href).status_code == 200


def test_the_criteria_lessons_are_kept_with_the_content_and_follow_its_changes(make_app, llm_server):
    from sqlalchemy import event

    llm_server.default = model_like(level=1)
    app = make_app(llm=llm_client(llm_server), CONTENT_DIR=TEST_CONTENT)
    seed(app)
    client = signed_in(app)
    token = csrf_from(client.get("/exercises/mini-brief").get_data(as_text=True))
    report = client.post("/exercises/mini-brief/submit", data={"csrf_token": token, "prompt": "Summarise the notes."}
                         ).headers["Location"]
    drain(app)
    assert 'href="/courses/mini/basics/intro"' in client.get(report).get_data(as_text=True)
    seen: list[str] = []
    event.listen(app.extensions["engine"], "before_cursor_execute", lambda *args: seen.append(args[2]))
    for url in (report, "/exercises/mini-brief"):  # the report (polled while grading runs), the previous attempt
        page = client.get(url).get_data(as_text=True)
        assert 'href="/courses/mini/basics/intro"' in page and 'href="/courses/mini-exam/advanced/deeper"' in page
    assert seen and not [s for s in seen if "FROM lesson" in s or "FROM module" in s], seen

    with app.app_context(), db.new_session() as s:  # a trainer renames the lesson: the next page shows it
        intro = s.exec(select(Lesson).where(Lesson.slug == "intro")).one()
        intro.title = {"en": "Delimiters, renamed", "fr": "Les délimiteurs, renommés"}
        s.add(intro)
        s.commit()
    assert "Delimiters, renamed" in client.get(report).get_data(as_text=True)


def test_content_check_fails_on_a_broken_criterion_lesson(app, tmp_path):
    folder = tmp_path / "content"
    shutil.copytree(TEST_CONTENT, folder)
    path = folder / "exercises" / "mini-brief.yaml"
    source = path.read_text(encoding="utf-8")
    assert not [p for p in content.check(folder) if "lesson" in p]
    path.write_text(source.replace("lesson: basics/intro", "lesson: basics/missing"), encoding="utf-8")
    assert any("criterion audience: lesson 'basics/missing' is not a lesson" in p for p in content.check(folder))
    from lms.cli import content_check

    result = app.test_cli_runner().invoke(content_check, ["--content-dir", str(folder)])  # `lms content check`
    assert result.exit_code == 1 and "lesson 'basics/missing' is not a lesson of any course" in result.output
    path.write_text(source.replace("lesson: basics/intro", "lesson: intro"), encoding="utf-8")
    assert any("lesson 'intro' must be module-slug/lesson-slug" in p for p in content.check(folder))


def test_every_shipped_criterion_names_a_lesson():
    tree = content.load_tree(".")
    missing = [f"{slug}.{c.id}" for slug, ex in tree.exercises.items() for c in ex.spec.criteria if not c.lesson]
    assert missing == []


def _plan(app, email="learner@example.org", now=None):
    with app.app_context(), db.new_session() as s:
        return {t.course.slug: (t.next.kind, t.next.args, t.percent, t.assignment and t.assignment.state)
                for t in next_steps.plan(s, user_id(app, email), now)}


def test_what_to_do_next_follows_the_learner(app):
    client = signed_in(app)
    home = client.get("/").get_data(as_text=True)
    assert "What to do next" in home and "You have not started anything yet" in home
    assert _plan(app) == {}
    learner = user_id(app)
    with app.app_context(), db.new_session() as s:
        lessons = {x.slug: x for x in s.exec(select(Lesson))}
        progress.mark_lesson_done(s, learner, lessons["intro"])
    assert _plan(app)["mini"][:2] == ("exercise", {"slug": "mini-brief"})
    home = client.get("/").get_data(as_text=True)
    assert 'pass the exercise “Brief the model”' in home and 'href="/exercises/mini-brief"' in home

    # submitted, the judge criterion waits for a trainer (no model): nothing to do but wait
    token = csrf_from(client.get("/exercises/mini-brief").get_data(as_text=True))
    client.post("/exercises/mini-brief/submit", data={"csrf_token": token, "prompt": PROMPT})
    drain(app)
    assert _plan(app)["mini"][0] == "waiting"

    # passed, the course is certified and leaves the list; the next course starts with its lesson
    with app.app_context(), db.new_session() as s:
        attempt = s.exec(select(Attempt)).one()
        attempt.status, attempt.passed, attempt.score = "graded", True, 100
        s.add(attempt)
        progress.mark_lesson_done(s, learner, lessons["deeper"])
        s.commit()
    plan = _plan(app)
    assert plan["mini"][:3] == ("done", {"slug": "mini"}, 100)
    assert plan["mini-exam"][:2] == ("quiz", {"slug": "mini-exam", "module_slug": "advanced"})
    with app.app_context(), db.new_session() as s:
        quiz = s.exec(select(Quiz)).one()
        quizzes.submit(s, learner, quiz, {"tokens": ["b"], "checks": ["a", "b"]})
    assert _plan(app)["mini-exam"][:2] == ("exam", {"slug": "mini-exam"})

    # a failed exam: the next step is the date of the retake
    with app.app_context(), db.new_session() as s:
        course = s.exec(select(Course).where(Course.slug == "mini-exam")).one()
        s.add(ExamSession(user_id=learner, course_id=course.id, exercise_ids=[], status=ExamStatus.FAILED.value,
                          completed_at=utcnow()))
        s.commit()
    assert _plan(app)["mini-exam"][0] == "exam_wait"
    assert "you can take the exam again from" in client.get("/").get_data(as_text=True)


def test_what_to_do_next_reads_the_courses_structure_from_memory_and_follows_its_changes(app):
    from sqlalchemy import event

    client = signed_in(app)
    learner = user_id(app)
    with app.app_context(), db.new_session() as s:
        intro = s.exec(select(Lesson).where(Lesson.slug == "intro")).one()
        progress.mark_lesson_done(s, learner, intro)
        module_id = intro.module_id
    assert 'href="/exercises/mini-brief"' in client.get("/").get_data(as_text=True)
    seen: list[str] = []
    event.listen(app.extensions["engine"], "before_cursor_execute", lambda *args: seen.append(args[2]))
    assert 'href="/exercises/mini-brief"' in client.get("/").get_data(as_text=True)
    assert not [s for s in seen if re.search(r"SELECT (module|lesson|exercise|quiz)\.id\b", s)], seen

    with app.app_context(), db.new_session() as s:  # a trainer adds a lesson: the next step at once
        s.add(Lesson(module_id=module_id, slug="extra", position=99, title={"en": "One more lesson", "fr": "Encore une"},
                     body={"en": "More.", "fr": "Plus."}))
        s.commit()
    home = client.get("/").get_data(as_text=True)
    assert 'href="/courses/mini/basics/extra"' in home and "One more lesson" in home


def test_what_to_do_next_reads_the_learners_certificates_once_whatever_the_number_of_courses(app):
    from sqlalchemy import event

    learner = user_id(app)
    with app.app_context(), db.new_session() as s:
        hr = s.exec(select(User).where(User.email == "hr@example.org")).one()
        for slug in ("mini", "mini-exam"):
            course = s.exec(select(Course).where(Course.slug == slug)).one()
            hr_org.assign(s, hr, course.id, date.today() + timedelta(days=30), email="learner@example.org")
        progress.mark_lesson_done(s, learner, s.exec(select(Lesson).where(Lesson.slug == "intro")).one())
    client = signed_in(app)
    client.get("/")
    seen: list[str] = []
    event.listen(app.extensions["engine"], "before_cursor_execute", lambda *args: seen.append(args[2]))
    home = client.get("/").get_data(as_text=True)
    assert 'href="/exercises/mini-brief"' in home and "/courses/mini-exam/advanced/deeper" in home
    assert len([s for s in seen if re.search(r"\bFROM certificate\b", s)]) == 1, seen


def test_the_course_page_reads_its_structure_from_memory(app):
    from sqlalchemy import event

    client = signed_in(app)
    with app.app_context(), db.new_session() as s:
        progress.mark_lesson_done(s, user_id(app), s.exec(select(Lesson).where(Lesson.slug == "intro")).one())
    client.get("/courses/mini")
    seen: list[str] = []
    event.listen(app.extensions["engine"], "before_cursor_execute", lambda *args: seen.append(args[2]))
    page = client.get("/courses/mini").get_data(as_text=True)
    assert not [s for s in seen if re.search(r"SELECT (module|lesson|exercise|quiz)\.id\b", s)], seen
    read = re.search(r'<li class="done"><a href="/courses/mini/basics/intro">', page)
    assert read and 'href="/exercises/mini-brief"' in page and "Brief the model" in page


def test_assigned_tracks_show_their_due_date_and_renewal(app):
    learner = user_id(app)
    with app.app_context(), db.new_session() as s:
        hr = s.exec(select(User).where(User.email == "hr@example.org")).one()
        mini = s.exec(select(Course).where(Course.slug == "mini")).one()
        exam_course = s.exec(select(Course).where(Course.slug == "mini-exam")).one()
        hr_org.assign(s, hr, mini.id, date.today() - timedelta(days=3), email="learner@example.org")
        hr_org.assign(s, hr, exam_course.id, date.today() + timedelta(days=40), email="learner@example.org")
    plan = _plan(app)
    assert list(plan) == ["mini", "mini-exam"]  # by due date, before anything is started
    assert plan["mini"][0] == "lesson" and plan["mini"][3] == "overdue"
    assert plan["mini-exam"][:2] == ("lesson", {"slug": "mini-exam", "module_slug": "advanced",
                                                "lesson_slug": "deeper"})
    home = signed_in(app).get("/").get_data(as_text=True)
    assert 'class="track overdue"' in home and "3 days late" in home and "40 days left" in home
    assert 'href="/courses/mini/basics/intro"' in home and 'href="/courses/mini-exam/advanced/deeper"' in home

    # a certificate within its renewal window: renew it by the exam
    with app.app_context(), db.new_session() as s:
        s.add(Certificate(public_id="renew-me", user_id=learner, course_id=exam_course.id, holder_name="L",
                          title=exam_course.title, issued_at=utcnow() - timedelta(days=700),
                          expires_at=utcnow() + timedelta(days=30)))
        s.commit()
    kind, args, _percent, _state = _plan(app)["mini-exam"]
    assert (kind, args) == ("renew", {"slug": "mini-exam"})
    assert "renew your certificate" in signed_in(app).get("/").get_data(as_text=True)
