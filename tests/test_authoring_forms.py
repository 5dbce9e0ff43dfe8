"""Trainers build a course through forms (course, modules, lesson, quiz, structured exercise),
publish it, a learner takes it, and it exports to files that `lms content check` accepts and that
import back unchanged; validation messages, access, and the judge's agreement over time."""
import io
import re
import zipfile
from datetime import datetime, timedelta, timezone

import pytest
from conftest import TEST_CONTENT, Auth, csrf_from, seed
from sqlmodel import select
from werkzeug.datastructures import MultiDict

from lms import db
from lms.models import (Attempt, AttemptStatus, AuditEvent, CalibrationRun, Course, Exercise, Lesson, Module,
                        Override, Quiz, Role, TrainerAssignment, User)
from lms.services import content
from lms.services.accounts import create_user

LEVELS_EN = ["absent", "vague", "usable", "clear", "exemplary"]
LEVELS_FR = ["absent", "vague", "utilisable", "clair", "exemplaire"]


@pytest.fixture
def app(make_app):
    app = make_app(CONTENT_DIR=TEST_CONTENT)
    seed(app)
    return app


def trainer_client(app, email="trainer@example.org"):
    client = app.test_client()
    assert Auth(client).login(email).status_code == 302
    return client


def post(client, page_url, action, data, **kwargs):
    """POST `data` (a dict, or a list of (name, value) pairs) with the CSRF token of `page_url`."""
    page = client.get(page_url)
    assert page.status_code == 200, page_url
    if isinstance(data, dict):
        data = [(k, v) for k, values in data.items() for v in (values if isinstance(values, list) else [values])]
    form = MultiDict(data)
    form["csrf_token"] = csrf_from(page.get_data(as_text=True))
    return client.post(action, data=form, **kwargs)


def flatten(values, prefix=""):
    """Form field names of WTForms FieldList/FormField values: criteria-0-cid, samples-1-scores-0-value..."""
    out = []
    for key, value in values.items():
        name = f"{prefix}{key}"
        if isinstance(value, list) and value and isinstance(value[0], dict):
            for i, item in enumerate(value):
                out += flatten(item, f"{name}-{i}-")
        elif isinstance(value, list) and key in ("kinds",):
            out += [(name, v) for v in value]
        elif isinstance(value, list):
            out += [(f"{name}-{i}", v) for i, v in enumerate(value)]
        elif value is True:
            out.append((name, "y"))
        elif value is False or value is None:
            continue
        else:
            out.append((name, str(value)))
    return out


def criteria():
    return [
        {"cid": "gives-context", "kind": "contains", "shown_kind": "contains", "weight": "30",
         "label_en": "Gives the context", "label_fr": "Donne le contexte",
         "hint_en": "Say what the notes are about.", "hint_fr": "Dites de quoi parlent les notes.",
         "any_terms": "context\r\ncontexte"},
        {"cid": "long-enough", "kind": "length", "shown_kind": "length", "weight": "20",
         "label_en": "Long enough", "label_fr": "Assez long", "hint_en": "Write a full sentence.",
         "hint_fr": "Écrivez une phrase complète.", "min_length": "20", "unit": "chars"},
        {"cid": "quality", "kind": "judge", "shown_kind": "judge", "weight": "50", "gate": True,
         "label_en": "Quality of the brief", "label_fr": "Qualité du brief", "hint_en": "Name the audience.",
         "hint_fr": "Nommez le public.", "lesson": "first-steps/why-prompts",
         "rubric_en": "Is the brief clear and complete?", "rubric_fr": "Le brief est-il clair et complet ?",
         "levels_en": LEVELS_EN, "levels_fr": LEVELS_FR, "pass_level": "2"},
    ]


# (lang, prompt, judge level, expected pass): context + length + judge = 30 + 20 + 50 * level / 4
SAMPLES = [
    ("en", "Context: our quarterly meeting. Summarise the notes for the team.", 4, True),
    ("en", "summarise", 0, False),
    ("fr", "Contexte : la réunion trimestrielle. Résume les notes pour l'équipe.", 3, True),
    ("fr", "Résume ce texte pour l'équipe, s'il te plaît.", 2, False),
    ("en", "Context: sales figures. Make a table for the board.", 2, True),
    ("en", "Write something nice about the notes below please.", 3, False),
    ("fr", "Contexte : notes.", 1, False),
    ("en", "Context: the board meeting. List decisions, owners and dates.", 1, False),
]


def samples():
    out = []
    for i, (lang, prompt, level, expected) in enumerate(SAMPLES):
        has_context = int("context" in prompt.lower())
        long_enough = int(len(prompt) >= 20)
        out.append({"sid": f"s{i + 1}-{lang}", "lang": lang, "quality": "good" if expected else "weak",
                    "prompt": prompt.replace("\n", "\r\n"), "expected_pass": expected,
                    "scores": [{"criterion": "gives-context", "value": str(has_context)},
                               {"criterion": "long-enough", "value": str(long_enough)},
                               {"criterion": "quality", "value": str(level)}]})
    return out


def exercise_values(slug="team-brief"):
    return {"slug": slug, "title_en": "Brief for the team", "title_fr": "Un brief pour l'équipe",
            "scenario_en": "Your team needs\r\nminutes.", "scenario_fr": "Votre équipe a besoin\r\nd'un compte rendu.",
            "task_en": "Write the prompt.", "task_fr": "Écrivez le prompt.", "input_en": "", "input_fr": "",
            "use_target": False, "temperature": "0.2", "max_tokens": "800", "pass_mark": "70",
            "reference_en": "Context: the weekly meeting. Summarise the notes for the team in five points.",
            "reference_fr": "Contexte : la réunion hebdomadaire. Résume les notes pour l'équipe en cinq points.",
            "criteria": criteria(), "samples": samples()}


def course_form(**overrides):
    data = {"slug": "first-course", "title_en": "First course", "title_fr": "Premier cours",
            "summary_en": "Prompts for\r\nbeginners.", "summary_fr": "Des prompts pour\r\ndébutants.",
            "certified": "y", "cert_title_en": "First certificate", "cert_title_fr": "Premier certificat",
            "validity_days": "365", "requires_lessons": "all", "requires_exercises": "all",
            "requires_quizzes": "all", "renewal": "y", "renewal_days": "60", "renewal_requires": ["exercises"]}
    data.update(overrides)
    return data


def module_form(slug, title):
    return {"module-slug": slug, "module-title_en": title, "module-title_fr": f"{title} (fr)",
            "module-summary_en": f"About {title}.", "module-summary_fr": f"À propos de {title}."}


def question_form(correct=("b",), qtype="single"):
    data = {"type": qtype, "question_en": "What does a model predict?", "question_fr": "Que prédit un modèle ?",
            "explanation_en": "The next token.", "explanation_fr": "Le jeton suivant."}
    for i, (cid, en, fr) in enumerate((("a", "The truth", "La vérité"), ("b", "The next token", "Le jeton suivant"),
                                       ("c", "Nothing", "Rien"))):
        data[f"choices-{i}-text_en"], data[f"choices-{i}-text_fr"] = en, fr
        if cid in correct:
            data[f"choices-{i}-correct"] = "y"
    return data


def test_a_course_built_with_forms_reaches_learners_and_round_trips_through_files(app, tmp_path):
    trainer = trainer_client(app)
    r = post(trainer, "/author/courses/new", "/author/courses/new", course_form())
    assert r.status_code == 302 and r.headers["Location"].endswith("/author/courses/first-course/edit")
    with app.app_context():
        s = db.session()
        course = s.exec(select(Course).where(Course.slug == "first-course")).one()
        trainer_id = s.exec(select(User.id).where(User.email == "trainer@example.org")).one()
        assert course.status == "draft" and course.summary["en"] == "Prompts for\nbeginners."
        assert course.certification == {"title": {"en": "First certificate", "fr": "Premier certificat"},
                                        "validity_days": 365,
                                        "requires": {"lessons": "all", "exercises": "all"},  # quizzes: all by default
                                        "renewal": {"window_days": 60, "requires": {"exercises": "all"}}}
        assert s.exec(select(TrainerAssignment).where(TrainerAssignment.course_id == course.id,
                                                      TrainerAssignment.user_id == trainer_id)).first()
    learner = app.test_client()
    Auth(learner).login()
    assert learner.get("/courses/first-course").status_code == 404  # a draft

    edit = "/author/courses/first-course/edit"
    for slug, title in (("later", "Later"), ("first-steps", "First steps")):
        r = post(trainer, edit, "/author/courses/first-course/modules/new", module_form(slug, title))
        assert r.status_code == 302
    with app.app_context():
        later, first = db.session().exec(select(Module).join(Course).where(Course.slug == "first-course")
                                         .order_by(Module.position)).all()
    r = post(trainer, edit, f"/author/modules/{first.id}/move", {"direction": "up"})
    assert r.status_code == 302
    page = trainer.get(edit).get_data(as_text=True)
    assert page.index("First steps") < page.index("Later")
    r = post(trainer, f"/author/modules/{later.id}/edit", f"/author/modules/{later.id}/edit",
             {**module_form("ignored", "Going further"), "module-slug": "ignored"})
    assert r.status_code == 302
    with app.app_context():
        assert db.session().get(Module, later.id).title["en"] == "Going further"
        assert db.session().get(Module, later.id).slug == "later"  # the identifier does not change

    new_lesson = f"/author/modules/{first.id}/lessons/new"
    r = post(trainer, new_lesson, new_lesson, {"slug": "why-prompts", "title_en": "Why prompts matter",
                                               "title_fr": "Pourquoi les prompts comptent", "minutes": "6",
                                               "body_en": "\r\nA **clear** prompt.\r\n\r\nMore.\r\n",
                                               "body_fr": "Un prompt **clair**.\r\n"})
    assert r.status_code == 302 and "/author/lessons/" in r.headers["Location"]
    with app.app_context():
        lesson = db.session().exec(select(Lesson).where(Lesson.slug == "why-prompts")).one()
        assert lesson.body["en"] == "A **clear** prompt.\n\nMore."
    # a lesson in the second module too, so that the exported course passes `lms content check`
    later_lesson = f"/author/modules/{later.id}/lessons/new"
    assert post(trainer, later_lesson, later_lesson, {"slug": "more", "title_en": "More", "title_fr": "Plus",
                                                      "minutes": "3", "body_en": "More.",
                                                      "body_fr": "Plus."}).status_code == 302

    new_question = f"/author/modules/{first.id}/quiz/questions/new"
    preview = post(trainer, new_question, new_question, {**question_form(), "action": "preview"})
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "right answer" in html and "The next token" in html
    with app.app_context():
        assert db.session().exec(select(Quiz).where(Quiz.module_id == first.id)).first() is None  # nothing saved
    r = post(trainer, new_question, new_question, {**question_form(), "action": "save"})
    assert r.status_code == 302
    quiz_page = trainer.get(f"/author/modules/{first.id}/quiz").get_data(as_text=True)
    assert "What does a model predict?" in quiz_page and "right answer" in quiz_page

    compose = f"/author/modules/{first.id}/exercises/compose"
    assert trainer.get(compose).status_code == 200
    r = post(trainer, compose, compose, [*flatten(exercise_values()), ("action", "save")])
    assert r.status_code == 302, r.get_data(as_text=True)
    assert r.headers["Location"].endswith("/author/exercises/team-brief?version=1")
    with app.app_context():
        row = db.session().exec(select(Exercise).where(Exercise.slug == "team-brief")).one()
        assert (row.status, row.module_id, row.version) == ("draft", first.id, 1)
        assert row.spec["criteria"][0] == {"id": "gives-context", "kind": "contains", "weight": 30,
                                           "label": {"en": "Gives the context", "fr": "Donne le contexte"},
                                           "hint": {"en": "Say what the notes are about.",
                                                    "fr": "Dites de quoi parlent les notes."},
                                           "any": ["context", "contexte"]}
        assert row.spec["criteria"][2]["gate"] is True and row.spec["criteria"][2]["levels"]["fr"] == LEVELS_FR
        assert "scenario:\n  en: |-\n    Your team needs\n    minutes." in row.source  # readable in git
    # try it works on what the form saved
    page = trainer.get("/author/exercises/team-brief?version=1").get_data(as_text=True)
    tried = trainer.post("/author/exercises/team-brief/v1/try", headers={"HX-Request": "true"},
                         data={"csrf_token": csrf_from(page), "sample": "s2-en"})
    assert tried.status_code == 200 and "the trainers expected: fail" in tried.get_data(as_text=True)

    post(trainer, "/author/exercises/team-brief?version=1", "/author/exercises/team-brief/v1/status",
         {"status": "published"})
    post(trainer, "/author/", "/author/courses/first-course/status", {"status": "published"})
    course_page = learner.get("/courses/first-course").get_data(as_text=True)
    assert "First steps" in course_page and "Brief for the team" in course_page
    lesson_page = learner.get("/courses/first-course/first-steps/why-prompts").get_data(as_text=True)
    assert "<strong>clear</strong>" in lesson_page
    assert "What does a model predict?" in learner.get("/courses/first-course/first-steps/quiz").get_data(as_text=True)
    assert learner.get("/exercises/team-brief").status_code == 200

    exported = trainer.get("/author/courses/first-course/export.zip")
    assert exported.status_code == 200
    zipfile.ZipFile(io.BytesIO(exported.data)).extractall(tmp_path)
    assert content.check(tmp_path) == []
    tree = content.load_tree(tmp_path)
    [course_file] = tree.courses
    assert [m.slug for m in course_file.modules] == ["first-steps", "later"]
    assert course_file.modules[0].quiz["questions"][0]["choices"][1] == {
        "id": "b", "text": {"en": "The next token", "fr": "Le jeton suivant"}, "correct": True}
    page = trainer.get("/author/").get_data(as_text=True)
    r = trainer.post("/author/import", data={"csrf_token": csrf_from(page),
                                             "archive": (io.BytesIO(exported.data), "first-course.zip")},
                     content_type="multipart/form-data")
    assert r.status_code == 302
    assert "0 new exercise version(s), 0 updated" in trainer.get("/author/").get_data(as_text=True)
    assert trainer.get("/author/courses/first-course/export.zip").data == exported.data
    with app.app_context():
        assert db.session().exec(select(Course).where(Course.slug == "first-course")).one().status == "published"


def test_the_structured_editor_swaps_rows_and_keeps_a_file_exercise_unchanged(app):
    trainer = trainer_client(app)
    with app.app_context():
        mid = db.session().exec(select(Module).where(Module.slug == "basics")).one().id
    compose = f"/author/modules/{mid}/exercises/compose"
    values = exercise_values()
    values["samples"] = []
    partial = post(trainer, compose, compose, [*flatten(values), ("action", "add-criterion")],
                   headers={"HX-Request": "true"})
    html = partial.get_data(as_text=True)
    assert partial.status_code == 200 and "<html" not in html and 'id="rubric"' in html
    assert 'value="criterion-4"' in html and "Weights add up to 100 of 100." in html
    full = post(trainer, compose, compose, [*flatten(values), ("action", "add-sample")])
    html = full.get_data(as_text=True)
    assert "<html" in html and 'name="samples-0-scores-2-criterion" type="hidden" value="quality"' in html
    assert "HX-Request" in full.headers["Vary"]
    # a kind changed: the row shows the new kind's fields, the common ones are kept
    values["criteria"][1]["kind"] = "regex"
    changed = post(trainer, compose, compose, [*flatten(values), ("action", "refresh")],
                   headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'name="criteria-1-pattern"' in changed and 'name="criteria-1-min_length"' not in changed
    assert 'value="Long enough"' in changed
    removed = post(trainer, compose, compose, [*flatten(values), ("action", "remove-criterion-0")],
                   headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "gives-context" not in removed and "Weights add up to 70 of 100." in removed

    # an exercise written as a file opens in the form and saves to the same meaning: no new version
    from lms.services import exercise_form
    with app.app_context():
        spec = db.session().exec(select(Exercise).where(Exercise.slug == "mini-brief")).one().spec
    url = "/author/exercises/mini-brief/form?version=1"
    page = trainer.get(url).get_data(as_text=True)
    assert 'value="delimits"' in page and "Is the brief complete and clear?" in page
    r = post(trainer, url, url, [*flatten(exercise_form.values_from(spec)), ("action", "save")])
    assert r.status_code == 302 and r.headers["Location"].endswith("/author/exercises/mini-brief?version=1")
    with app.app_context():
        assert len(db.session().exec(select(Exercise).where(Exercise.slug == "mini-brief")).all()) == 1
    values = exercise_form.values_from(spec)
    values["pass_mark"] = 75
    r = post(trainer, url, url, [*flatten(values), ("action", "save")])
    assert r.headers["Location"].endswith("/author/exercises/mini-brief?version=2")
    with app.app_context():
        v2 = db.session().exec(select(Exercise).where(Exercise.slug == "mini-brief", Exercise.version == 2)).one()
        assert v2.spec["pass_mark"] == 75 and v2.spec["criteria"][0]["lesson"] == "advanced/deeper"
        expected = {**spec, "version": 2, "pass_mark": 75,  # the judge's default pass level is written out
                    "criteria": [*spec["criteria"][:2], {**spec["criteria"][2], "pass_level": 2}]}
        assert v2.spec == expected


def test_validation_messages(app):
    trainer = trainer_client(app)
    r = post(trainer, "/author/courses/new", "/author/courses/new", course_form(slug="mini"))
    assert r.status_code == 400 and "A course with the identifier mini already exists." in r.get_data(as_text=True)
    r = post(trainer, "/author/courses/new", "/author/courses/new", course_form(slug="Not a slug", cert_title_fr=""))
    html = r.get_data(as_text=True)
    assert r.status_code == 400 and "Use lowercase letters, digits and hyphens" in html
    assert "A certificate needs a title in English and in French." in html
    r = post(trainer, "/author/courses/mini/edit", "/author/courses/mini/modules/new", module_form("basics", "Again"))
    assert r.status_code == 400 and "already has a module with the identifier basics" in r.get_data(as_text=True)

    with app.app_context():
        mid = db.session().exec(select(Module).where(Module.slug == "basics")).one().id
    new_question = f"/author/modules/{mid}/quiz/questions/new"
    r = post(trainer, new_question, new_question, {**question_form(correct=("a", "b")), "action": "save"})
    html = r.get_data(as_text=True)
    assert r.status_code == 400 and "A single-choice question has exactly one right answer (2 are marked)." in html
    r = post(trainer, new_question, new_question, {**question_form(correct=()), "action": "save"})
    assert r.status_code == 400 and "Mark at least one answer as right." in r.get_data(as_text=True)
    only_one = {k: v for k, v in question_form().items() if not k.startswith(("choices-0", "choices-2"))}
    r = post(trainer, new_question, new_question, {**only_one, "action": "save"})
    assert r.status_code == 400 and "Give at least two answers." in r.get_data(as_text=True)
    r = post(trainer, new_question, new_question, {**question_form(correct=("a", "b"), qtype="multiple"),
                                                   "action": "save"})
    assert r.status_code == 302  # two right answers are fine in a multiple-choice question

    compose = f"/author/modules/{mid}/exercises/compose"
    values = exercise_values()
    values["criteria"][0]["weight"] = "20"
    r = post(trainer, compose, compose, [*flatten(values), ("action", "save")])
    html = r.get_data(as_text=True)
    assert r.status_code == 400 and "The criteria&#39;s weights add up to 90: they must add up to 100." in html
    assert 'value="Gives the context"' in html  # what was typed is kept
    values = exercise_values(slug="mini-brief")
    r = post(trainer, compose, compose, [*flatten(values), ("action", "save")])
    assert r.status_code == 400
    assert "An exercise with the identifier mini-brief already exists." in r.get_data(as_text=True)
    values = exercise_values()
    values["criteria"][1]["kind"] = values["criteria"][1]["shown_kind"] = "regex"  # a regex without its pattern
    r = post(trainer, compose, compose, [*flatten(values), ("action", "save")])
    assert r.status_code == 400 and "regex needs a pattern" in r.get_data(as_text=True)
    with app.app_context():
        s = db.session()
        assert s.exec(select(Exercise).where(Exercise.slug == "team-brief")).first() is None
        assert len(s.exec(select(Course)).all()) == 2


def test_only_assigned_trainers_and_admins_reach_the_forms(app):
    with app.app_context(), db.new_session() as s:
        create_user(s, "new@example.org", "New Trainer", "demo-password", Role.TRAINER)
        mid = s.exec(select(Module).where(Module.slug == "basics")).one().id
    other, admin = trainer_client(app, "new@example.org"), trainer_client(app, "admin@example.org")
    learner = app.test_client()
    Auth(learner).login()
    urls = ["/author/courses/mini/edit", "/author/courses/mini/modules/new", f"/author/modules/{mid}/edit",
            f"/author/modules/{mid}/lessons/new", f"/author/modules/{mid}/quiz",
            f"/author/modules/{mid}/quiz/questions/new", f"/author/modules/{mid}/exercises/compose",
            "/author/exercises/mini-brief/form"]
    for url in urls:
        assert other.get(url).status_code == 404, url
        assert learner.get(url).status_code == 403, url
        assert admin.get(url).status_code == 200, url
    page = other.get("/author/").get_data(as_text=True)
    for url in (f"/author/modules/{mid}/move", f"/author/modules/{mid}/quiz/questions/tokens/delete"):
        assert other.post(url, data={"csrf_token": csrf_from(page), "direction": "up"}).status_code == 404
    assert learner.get("/author/courses/new").status_code == 403
    # a trainer who creates a course edits it; the other trainers do not
    r = post(other, "/author/courses/new", "/author/courses/new", course_form(slug="own-course", certified=""))
    assert r.status_code == 302 and other.get("/author/courses/own-course/edit").status_code == 200
    assert trainer_client(app).get("/author/courses/own-course/edit").status_code == 404
    assert admin.get("/author/courses/own-course/edit").status_code == 200
    with app.app_context():
        course = db.session().exec(select(Course).where(Course.slug == "own-course")).one()
        assert course.certification is None
        assert db.session().exec(select(AuditEvent).where(AuditEvent.action == "course.create")).first()


def test_the_judges_agreement_over_time_matches_the_stored_runs_and_overrides(app):
    def at(month, day=10):
        return datetime(2025, month, day, 12, tzinfo=timezone.utc)

    with app.app_context(), db.new_session() as s:
        learner = s.exec(select(User).where(User.email == "learner@example.org")).one()
        trainer = s.exec(select(User).where(User.email == "trainer@example.org")).one()
        exercise = s.exec(select(Exercise).where(Exercise.slug == "mini-brief")).one()
        for day, exact, kappa in ((3, 0.625, 0.41), (20, 0.875, 0.78), (40, 0.5, -0.1)):
            s.add(CalibrationRun(exercise_slug="mini-brief", exercise_version=1, model="judge-model", samples=8,
                                 exact=exact, adjacent=1.0, kappa=kappa, pass_accuracy=1.0,
                                 created_at=datetime(2025, 1, 1, tzinfo=timezone.utc) + timedelta(days=day)))
        report = {"criteria": [{"id": "quality", "kind": "judge", "level": 2, "score": 25},
                               {"id": "delimits", "kind": "regex", "score": 30}]}
        # March: one confirmed, one overridden; April: one confirmed (the regex criterion is not the judge's)
        for month, changes in ((3, {}), (3, {"quality": {"before": 2, "after": 4, "comment": ""}}),
                               (4, {"delimits": {"before": 1, "after": 0, "comment": ""}})):
            attempt = Attempt(user_id=learner.id, exercise_id=exercise.id, prompt="p", report=report,
                              status=AttemptStatus.GRADED.value, score=55)
            s.add(attempt)
            s.flush()
            s.add(Override(attempt_id=attempt.id, reviewer_id=trainer.id, criteria=changes, created_at=at(month)))
        s.commit()
    trainer = trainer_client(app)
    html = trainer.get("/author/exercises/mini-brief/insight").get_data(as_text=True)
    runs = re.search(r'<table id="calibration-runs">(.*?)</table>', html, re.S).group(1)
    rows = re.findall(r"<tr><th scope=\"row\">.*?</th><td>1</td><td>8</td><td>([\d.]+)</td><td>[\d.]+</td>"
                      r"<td>(-?[\d.]+)</td>", runs)
    assert rows == [("0.50", "-0.10"), ("0.88", "0.78"), ("0.62", "0.41")]  # newest first
    months = re.search(r'<table id="override-months">(.*?)</table>', html, re.S).group(1)
    assert re.findall(r'<th scope="row">([\d-]+)</th><td>(\d+)</td><td>(\d+)</td><td>(\d+) %</td>', months) == [
        ("2025-03", "1", "1", "50"), ("2025-04", "1", "0", "100")]
    assert 'aria-labelledby="runs-chart-title runs-chart-desc"' in html
    assert "<title>2025-01-04: 62 %</title>" in html and "<title>2025-03: 50 %</title>" in html
    assert "Trainers kept the judge's level on 2 of 3 reviewed criteria." in html


def test_editing_a_quiz_keeps_its_answer_ids_and_an_answered_quiz_keeps_a_question(app):
    trainer, learner = trainer_client(app), app.test_client()
    Auth(learner).login()
    quiz_url = "/courses/mini-exam/advanced/quiz"
    r = post(learner, quiz_url, quiz_url, {"q-tokens": "b", "q-checks": ["a", "b"]})
    assert r.status_code == 200 and "100%" in r.get_data(as_text=True)
    with app.app_context():
        mid = db.session().exec(select(Module).where(Module.slug == "advanced")).one().id
    edit = f"/author/modules/{mid}/quiz/questions/tokens"
    page = trainer.get(edit).get_data(as_text=True)
    assert 'value="The next token"' in page and 'name="choices-3-text_en"' in page  # two rows to add answers
    data = {"type": "single", "question_en": "What does a model predict, really?", "question_fr": "Que prédit-il ?",
            "explanation_en": "The next token.", "explanation_fr": "Le jeton suivant.",
            "choices-0-cid": "a", "choices-0-text_en": "The truth", "choices-0-text_fr": "La vérité",
            "choices-1-cid": "b", "choices-1-text_en": "The next token", "choices-1-text_fr": "Le jeton suivant",
            "choices-1-correct": "y", "choices-2-text_en": "A poem", "choices-2-text_fr": "Un poème"}
    added = post(trainer, edit, edit, {**data, "action": "add-choice"}).get_data(as_text=True)
    assert 'name="choices-3-text_en"' in added and 'value="A poem"' in added  # one more row, nothing saved yet
    assert post(trainer, edit, edit, {**data, "action": "save"}).status_code == 302
    with app.app_context():
        spec = db.session().exec(select(Quiz).where(Quiz.module_id == mid)).one().spec
    tokens = spec["questions"][0]
    assert tokens["question"]["en"] == "What does a model predict, really?"
    assert [(c["id"], c.get("correct", False)) for c in tokens["choices"]] == [("a", False), ("b", True), ("c", False)]
    quiz = f"/author/modules/{mid}/quiz"
    assert post(trainer, quiz, f"{quiz}/questions/tokens/delete", {}).status_code == 302
    r = post(trainer, quiz, f"{quiz}/questions/checks/delete", {})
    assert "Learners have answered this quiz" in trainer.get(r.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        assert [q["id"] for q in db.session().exec(select(Quiz).where(Quiz.module_id == mid)).one().spec["questions"]] \
            == ["checks"]
    assert post(trainer, quiz, quiz, {"pass_mark": "80"}).status_code == 302
    with app.app_context():
        assert db.session().exec(select(Quiz).where(Quiz.module_id == mid)).one().spec["pass_mark"] == 80


def test_every_shipped_exercise_survives_the_structured_editor():
    """The editor's values of each file in exercises/ give back an exercise of the same meaning."""
    import yaml

    from graders import parse_exercise
    from lms.config import PROJECT_ROOT
    from lms.services import exercise_form

    paths = sorted((PROJECT_ROOT / "exercises").glob("*.yaml"))
    assert len(paths) > 10
    for path in paths:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        original = exercise_form.meaning(parse_exercise(data, path.name))
        again = exercise_form.data_from(exercise_form.values_from(data), data.get("version", 1), previous=data)
        assert exercise_form.meaning(parse_exercise(again, path.name)) == original, path.name
        assert again.get("module") == data.get("module")  # an exam exercise keeps its module
        assert exercise_form.meaning(parse_exercise(yaml.safe_load(exercise_form.dump(again)), path.name)) == original
