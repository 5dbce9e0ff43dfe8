"""Trainers' workspace: write an exercise in the browser, try it, publish it, version it,
export it to files that `lms content check` accepts, import them back unchanged."""
import io
import re
import zipfile

import pytest
from conftest import TEST_CONTENT, Auth, csrf_from, drain, seed
from sqlmodel import select

from lms import db
from lms.config import PROJECT_ROOT
from lms.models import Attempt, Course, Exercise, Module, Role, User
from lms.services import content
from lms.services.accounts import create_user

SOURCE = (PROJECT_ROOT / "exercises" / "meeting-minutes.yaml").read_text(encoding="utf-8")
NEW = SOURCE.replace("slug: meeting-minutes", "slug: board-minutes", 1)


@pytest.fixture
def app(make_app):
    app = make_app(CONTENT_DIR=TEST_CONTENT)
    seed(app)
    return app


def module_id(app, slug="basics"):
    with app.app_context():
        return db.session().exec(select(Module).where(Module.slug == slug)).one().id


def post_form(client, page_url, action, **data):
    page = client.get(page_url).get_data(as_text=True)
    return client.post(action, data={"csrf_token": csrf_from(page), **data})


def test_write_try_publish_version_and_keep_old_passes(app):
    trainer, learner = app.test_client(), app.test_client()
    Auth(trainer).login("trainer@example.org")
    Auth(learner).login()
    mid = module_id(app)
    new_url = f"/author/modules/{mid}/exercises/new"
    bad = post_form(trainer, new_url, new_url, source="slug: x\ntitle: [unclosed")
    assert bad.status_code == 400 and "cannot be read" in bad.get_data(as_text=True)
    assert "title: [unclosed" in bad.get_data(as_text=True)  # the text is kept
    r = post_form(trainer, new_url, new_url, source=NEW)
    assert r.status_code == 302 and "/author/exercises/board-minutes?version=1" in r.headers["Location"]
    assert learner.get("/exercises/board-minutes").status_code == 404  # a draft is not visible

    page = trainer.get("/author/exercises/board-minutes?version=1").get_data(as_text=True)
    tried = trainer.post("/author/exercises/board-minutes/v1/try", headers={"HX-Request": "true"},
                         data={"csrf_token": csrf_from(page), "prompt": "Summarise {{input}} for the team."})
    body = tried.get_data(as_text=True)
    assert tried.status_code == 200 and "<html" not in body and "awaiting_review" in body
    sample = trainer.post("/author/exercises/board-minutes/v1/try", headers={"HX-Request": "true"},
                          data={"csrf_token": csrf_from(page), "sample": "weak-en"})
    assert "the trainers expected: fail" in sample.get_data(as_text=True)
    with app.app_context():
        assert db.session().exec(select(Attempt)).first() is None  # trying stores nothing

    post_form(trainer, "/author/exercises/board-minutes?version=1", "/author/exercises/board-minutes/v1/status",
              status="published")
    form = learner.get("/exercises/board-minutes").get_data(as_text=True)
    reference = re.search(r"reference_solution:\n  en: \|\n((?:    .*\n)+)", NEW).group(1).replace("\n    ", "\n").strip()
    learner.post("/exercises/board-minutes/submit", data={"csrf_token": csrf_from(form), "prompt": reference})
    drain(app)

    changed = NEW.replace("pass_mark: 70", "pass_mark: 75", 1)
    r = post_form(trainer, "/author/exercises/board-minutes?version=1", "/author/exercises/board-minutes?version=1",
                  source=changed)
    assert "version=2" in r.headers["Location"]
    with app.app_context():
        s = db.session()
        v1, v2 = s.exec(select(Exercise).where(Exercise.slug == "board-minutes").order_by(Exercise.version)).all()
        assert (v1.current, v1.status, v2.current, v2.status) == (True, "published", False, "draft")
        assert "version: 2" in v2.source and "pass_mark: 75" in v2.source
    post_form(trainer, "/author/exercises/board-minutes?version=2", "/author/exercises/board-minutes/v2/status",
              status="published")
    with app.app_context():
        s = db.session()
        attempt = s.exec(select(Attempt)).one()
        assert s.get(Exercise, attempt.exercise_id).version == 1  # graded against the version it saw
        current = s.exec(select(Exercise).where(Exercise.slug == "board-minutes", Exercise.current == True)).one()  # noqa: E712
        assert current.version == 2
    page = trainer.get("/author/exercises/board-minutes/v2.yaml")
    assert page.status_code == 200 and "pass_mark: 75" in page.get_data(as_text=True)
    insight = trainer.get("/author/exercises/board-minutes/insight").get_data(as_text=True)
    assert "0 graded attempts" in insight  # the attempt awaits a trainer: no score yet


def test_lesson_edit_with_sanitised_preview(app):
    trainer, learner = app.test_client(), app.test_client()
    Auth(trainer).login("trainer@example.org")
    Auth(learner).login()
    edit = trainer.get("/author/").get_data(as_text=True)
    url = re.search(r'href="(/author/lessons/\d+)"', edit).group(1)
    page = trainer.get(url).get_data(as_text=True)
    preview = trainer.post("/author/preview", headers={"HX-Request": "true"},
                           data={"csrf_token": csrf_from(page), "body_en": "**bold** <script>alert(1)</script>"})
    assert "<strong>bold</strong>" in preview.get_data(as_text=True) and "<script>" not in preview.get_data(as_text=True)
    r = trainer.post(url, data={"csrf_token": csrf_from(page), "title_en": "Intro, revised", "title_fr": "Intro révisée",
                                "minutes": "7", "body_en": "New **text**.", "body_fr": "Nouveau **texte**."})
    assert r.status_code == 302
    assert "New <strong>text</strong>." in learner.get("/courses/mini/basics/intro").get_data(as_text=True)
    r = trainer.post(url, data={"csrf_token": csrf_from(page), "title_en": "x", "title_fr": "", "minutes": "7",
                                "body_en": "a", "body_fr": "b"})
    assert r.status_code == 400


def test_round_trip_of_the_shipped_course_changes_nothing(make_app, tmp_path):
    app = make_app(CONTENT_DIR=str(PROJECT_ROOT))
    seed(app)
    trainer = app.test_client()
    Auth(trainer).login("trainer@example.org")
    first = trainer.get("/author/courses/prompt-foundations/export.zip")
    assert first.status_code == 200 and first.mimetype == "application/zip"
    zipfile.ZipFile(io.BytesIO(first.data)).extractall(tmp_path)
    assert (tmp_path / "exercises" / "meeting-minutes.yaml").read_text(encoding="utf-8") == SOURCE
    tree = content.load_tree(tmp_path)
    assert tree.errors == []
    original = next(c for c in content.load_tree(PROJECT_ROOT).courses if c.slug == "prompt-foundations")
    exported = tree.courses[0]
    assert exported == original  # same course, modules, lessons, quizzes and exam
    assert sorted(content.check(tmp_path)) == []
    page = trainer.get("/author/").get_data(as_text=True)
    r = trainer.post("/author/import", data={"csrf_token": csrf_from(page),
                                             "archive": (io.BytesIO(first.data), "course.zip")},
                     content_type="multipart/form-data")
    assert r.status_code == 302
    assert "0 new exercise version(s), 0 updated" in trainer.get("/author/").get_data(as_text=True)
    assert trainer.get("/author/courses/prompt-foundations/export.zip").data == first.data


def test_import_refuses_bad_archives_and_imports_nothing(app):
    trainer = app.test_client()
    Auth(trainer).login("trainer@example.org")
    page = trainer.get("/author/").get_data(as_text=True)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("exercises/broken.yaml", "slug: broken\ntitle: {en: only english}\n")
        zf.writestr("courses/x/course.yaml", "slug: x\n")
    r = trainer.post("/author/import", data={"csrf_token": csrf_from(page), "archive": (io.BytesIO(buffer.getvalue()), "x.zip")},
                     content_type="multipart/form-data")
    assert r.status_code == 400 and "Nothing was imported" in r.get_data(as_text=True)
    evil = io.BytesIO()
    with zipfile.ZipFile(evil, "w") as zf:
        zf.writestr("../../etc/owned", "x")
    r = trainer.post("/author/import", data={"csrf_token": csrf_from(page), "archive": (io.BytesIO(evil.getvalue()), "e.zip")},
                     content_type="multipart/form-data", follow_redirects=True)
    assert "Unexpected file in the archive" in r.get_data(as_text=True)
    r = trainer.post("/author/import", data={"csrf_token": csrf_from(page), "archive": (io.BytesIO(b"not a zip"), "n.zip")},
                     content_type="multipart/form-data", follow_redirects=True)
    assert "This is not a zip file" in r.get_data(as_text=True)


def test_trainers_edit_only_their_courses_and_admins_assign_them(app):
    with app.app_context(), db.new_session() as s:
        create_user(s, "new@example.org", "New Trainer", "demo-password", Role.TRAINER)
    other = app.test_client()
    Auth(other).login("new@example.org")
    mid = module_id(app)
    assert other.get(f"/author/modules/{mid}/exercises/new").status_code == 404
    assert "No course is assigned to you yet" in other.get("/author/").get_data(as_text=True)
    admin = app.test_client()
    Auth(admin).login("admin@example.org")
    with app.app_context():
        s = db.session()
        trainer = s.exec(select(User).where(User.email == "new@example.org")).one()
        course = s.exec(select(Course).where(Course.slug == "mini")).one()
    r = post_form(admin, "/admin/", f"/admin/trainers/{trainer.id}/courses", course=[str(course.id)])
    assert r.status_code == 302
    assert other.get(f"/author/modules/{mid}/exercises/new").status_code == 200
