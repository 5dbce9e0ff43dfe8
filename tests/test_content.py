"""The shipped content: valid, loadable, every page renders, and every rubric behaves: its
reference solution passes and its weakest calibration sample fails, with the judge scripted
from the calibration scores."""
import json
import re

import pytest
from conftest import Auth, csrf_from, llm_client, seed
from fakellm import Reply

from graders import grade
from lms import db
from lms.config import PROJECT_ROOT
from lms.services import content

TREE = content.load_tree(PROJECT_ROOT)
EXERCISES = sorted(TREE.exercises)


def test_shipped_content_passes_content_check():
    assert content.check(PROJECT_ROOT) == []
    assert EXERCISES and TREE.courses


def test_the_certification_track_and_the_job_tracks():
    courses = {c.slug: c for c in TREE.courses}
    core = courses["prompt-foundations"]
    assert [m.slug for m in core.modules] == ["techniques", "ethics", "confidentiality"]
    for module in core.modules:
        assert 4 <= len(module.lessons) <= 6 and 4 <= len(module.exercises) <= 6 and module.quiz
    assert core.certification["validity_days"] == 730
    exam = core.exam
    assert len(exam["pool"]) >= 10 and exam["draw"] == 4 and exam["pass_mark"] == 70
    assert exam["module_minimum"] == 50 and exam["retake_after_days"] > 0
    assert {TREE.exercises[s].data["module"] for s in exam["pool"]} == {"techniques", "ethics", "confidentiality"}
    practice = {e for m in core.modules for e in m.exercises}
    assert len(practice) >= 15 and not practice & set(exam["pool"])
    tracks = [c for c in TREE.courses if c.slug != "prompt-foundations"]
    assert len(tracks) >= 2
    for track in tracks:
        assert track.certification["requires"]["certificates"] == ["prompt-foundations"]
        assert sum(len(m.exercises) for m in track.modules) >= 3
    graded = {e for c in TREE.courses for m in c.modules for e in m.exercises}
    assert len(graded) >= 15


def test_every_lesson_exists_in_both_languages_with_its_sources():
    for course in TREE.courses:
        for module in course.modules:
            for lesson in module.lessons:
                assert set(lesson.body) == {"en", "fr"}
                assert "## Sources" in lesson.body["en"] and "## Sources" in lesson.body["fr"], lesson.slug


def _scripted(levels, output):
    def respond(body):
        fmt = body.get("response_format")
        if not fmt:
            return Reply(content=output or "OK")
        ids = fmt["json_schema"]["schema"]["properties"]["criteria"]["items"]["properties"]["id"]["enum"]
        return Reply(content=json.dumps({"criteria": [{"id": i, "level": int(levels[i]), "rationale": "scripted"}
                                                      for i in ids], "improvements": []}))
    return respond


@pytest.mark.parametrize("slug", EXERCISES)
def test_reference_passes_and_weakest_sample_fails(slug, llm_server):
    spec = TREE.exercises[slug].spec
    judged = [c.id for c in spec.criteria if c.kind == "judge"]
    best = max(spec.calibration, key=lambda s: sum(s.scores.values()))
    for lang in ("en", "fr"):
        llm_server.reset()
        llm_server.default = _scripted({c: 4 for c in judged}, best.output)
        report = grade(spec, spec.reference_solution[lang], lang, llm_client(llm_server))
        assert report.passed is True, (lang, [(c.id, c.rationale) for c in report.criteria if not c.passed])

    def total(sample):
        return sum(c.weight * (sample.scores[c.id] / 4 if c.kind == "judge" else sample.scores[c.id])
                   for c in spec.criteria)

    weakest = min(spec.calibration, key=total)
    llm_server.reset()
    llm_server.default = _scripted(weakest.scores, weakest.output)
    report = grade(spec, weakest.prompt, weakest.lang, llm_client(llm_server))
    assert report.passed is not True
    for c in report.criteria:
        if c.kind != "judge" and c.score is not None:
            assert bool(c.passed) == bool(weakest.scores[c.id]), (weakest.id, c.id)


def test_every_lesson_and_exercise_page_renders_in_both_languages(make_app):
    app = make_app(CONTENT_DIR=str(PROJECT_ROOT))
    seed(app)
    with app.app_context(), db.new_session() as s:
        again = content.sync(s, PROJECT_ROOT)
    assert again.exercises_created == 0 and again.exercises_updated == 0
    client = app.test_client()
    Auth(client).login()
    for lang in ("en", "fr"):
        page = client.get("/").get_data(as_text=True)
        client.post("/language", data={"lang": lang, "next": "/", "csrf_token": csrf_from(page)})
        for course in TREE.courses:
            html = client.get(f"/courses/{course.slug}").get_data(as_text=True)
            assert course.title[lang] in html.replace("&#39;", "'").replace("&amp;", "&")
            for module in course.modules:
                for lesson in module.lessons:
                    r = client.get(f"/courses/{course.slug}/{module.slug}/{lesson.slug}")
                    body = r.get_data(as_text=True)
                    assert r.status_code == 200 and "<h2>Sources</h2>" in body
                    assert not re.search(r"&amp;(lt|gt|quot|amp);", body), "double-escaped text"
                for slug in module.exercises:
                    assert client.get(f"/exercises/{slug}").status_code == 200
