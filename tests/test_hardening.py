"""Bad input everywhere, stored XSS, LLM faults and a worker killed in the middle of grading."""
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import TEST_CONTENT, Auth, csrf_from, drain, llm_client, model_like, seed
from fakellm import Reply, json_reply
from specs import GOOD_PROMPT, minutes_spec
from sqlmodel import select

from graders import grade, parse_exercise
from lms import db
from lms.models import Attempt, Lesson
from lms.services import grading, settings

NAUGHTY = json.loads((Path(__file__).parent / "vendor" / "blns" / "blns.json").read_text(encoding="utf-8"))
CLASSIC = ['<script>alert("xss-1")</script>', '"><img src=x onerror=alert("xss-2")>',
           "<svg/onload=alert('xss-3')>", "javascript:alert('xss-4')", "{{7*7}}{% raw %}"]
PAYLOADS = CLASSIC + [s for s in NAUGHTY if "<" in s or "javascript" in s.lower()]


def dangerous(html: str) -> list[str]:
    """Payloads that reached the page unescaped."""
    return [p for p in PAYLOADS if "<" in p and p in html]


@pytest.fixture
def app(make_app):
    app = make_app(CONTENT_DIR=TEST_CONTENT)
    seed(app)
    return app


def test_naughty_strings_in_every_field_are_shown_escaped(app):
    learner, trainer, admin = app.test_client(), app.test_client(), app.test_client()
    Auth(learner).login()
    Auth(trainer).login("trainer@example.org")
    Auth(admin).login("admin@example.org")
    chunk = "\n".join(PAYLOADS)[:7000]
    page = learner.get("/exercises/mini-brief").get_data(as_text=True)
    r = learner.post("/exercises/mini-brief/submit", data={"csrf_token": csrf_from(page), "prompt": chunk})
    attempt_url = r.headers["Location"]
    attempt_id = int(attempt_url.rsplit("/", 1)[1])
    drain(app)
    page = learner.get(attempt_url).get_data(as_text=True)
    learner.post(f"{attempt_url}/appeal", data={"csrf_token": csrf_from(page), "reason": "\n".join(CLASSIC)})
    review = trainer.get(f"/review/attempts/{attempt_id}").get_data(as_text=True)
    trainer.post(f"/review/attempts/{attempt_id}", data={"csrf_token": csrf_from(review), "value-quality": "2",
                                                         "comment-quality": CLASSIC[1], "comment": CLASSIC[0]})
    with app.app_context():
        lesson_id = db.session().exec(select(Lesson)).first().id
    edit = trainer.get(f"/author/lessons/{lesson_id}").get_data(as_text=True)
    trainer.post(f"/author/lessons/{lesson_id}", data={"csrf_token": csrf_from(edit), "title_en": CLASSIC[1],
                                                       "title_fr": CLASSIC[2], "minutes": "5",
                                                       "body_en": chunk, "body_fr": chunk})
    home = admin.get("/admin/").get_data(as_text=True)
    admin.post("/admin/settings", data={"csrf_token": csrf_from(home), "confidentiality_policy": "redact",
                                        "confidential_names": "\n".join(CLASSIC), "daily_runs": "50",
                                        "daily_submissions": "30"})
    pages = {
        "attempt": learner.get(attempt_url), "dashboard": learner.get("/"),
        "exercise": learner.get("/exercises/mini-brief"), "lesson": learner.get("/courses/mini/basics/intro"),
        "course": learner.get("/courses/mini"), "review queue": trainer.get("/review/"),
        "review": trainer.get(f"/review/attempts/{attempt_id}"), "author": trainer.get("/author/"),
        "lesson editor": trainer.get(f"/author/lessons/{lesson_id}"), "admin": admin.get("/admin/"),
    }
    for name, response in pages.items():
        assert response.status_code == 200, name
        assert dangerous(response.get_data(as_text=True)) == [], name
    assert "&lt;script&gt;alert(&#34;xss-1&#34;)" in pages["attempt"].get_data(as_text=True)


@pytest.mark.parametrize("raw,expected", [
    ("a\x00b\x07c\x1bd prompt for the team", "abcd prompt for the team"),
    ("line one\r\nline two for the team", "line one\nline two for the team"),
])
def test_control_characters_are_removed_and_the_rest_kept(raw, expected):
    assert grading.clean_prompt(raw, 8000) == expected


def test_invalid_utf8_and_a_double_submit(app):
    client = app.test_client()
    Auth(client).login()
    page = client.get("/exercises/mini-brief").get_data(as_text=True)
    token = csrf_from(page)
    body = f"csrf_token={token}&prompt=%FF%FEbad%C3%28 bytes for the team".encode()
    r = client.post("/exercises/mini-brief/submit", data=body, content_type="application/x-www-form-urlencoded")
    assert r.status_code == 302
    again = client.post("/exercises/mini-brief/submit", data=body, content_type="application/x-www-form-urlencoded")
    assert again.headers["Location"] == r.headers["Location"]  # one attempt for a double submit
    with app.app_context():
        [attempt] = db.session().exec(select(Attempt)).all()
        assert attempt.prompt.endswith("bytes for the team")  # stored, decoded without a crash
        attempt.prompt.encode("utf-8")
    huge = client.post("/exercises/mini-brief/submit", data={"csrf_token": token, "prompt": "x" * (3 * 1024 * 1024)})
    assert huge.status_code == 413 and "too large" in huge.get_data(as_text=True)


@pytest.mark.parametrize("fault", [
    Reply(status=429, content="slow down", headers={"Retry-After": "0", "retry-after-ms": "5"}),
    Reply(drop=True),
    Reply(status=500, content="boom", headers={"retry-after-ms": "5"}),
])
def test_a_transient_fault_then_success_is_graded(llm_server, fault):
    spec = parse_exercise(minutes_spec())
    llm_server.script(fault, Reply(content="| a |"), model="target")
    llm_server.script(json_reply({"criteria": [{"id": "quality", "rationale": "ok", "level": 3}], "improvements": []}),
                      model="judge")
    report = grade(spec, GOOD_PROMPT, "en", llm_client(llm_server, num_retries=2))
    assert report.status == "graded" and report.score is not None


@pytest.mark.parametrize("bad", [
    Reply(raw=b'{"id": "chatcmpl", "choices": [{"message": {"content": '),
    json_reply({"criteria": [{"id": "quality", "rationale": "x" * 5000, "level": 4}], "improvements": []}),
    json_reply({"criteria": [{"id": "quality", "rationale": "ok", "level": 4}], "improvements": [], "score": 100}),
])
def test_garbage_from_the_judge_is_never_a_score(llm_server, bad):
    spec = parse_exercise(minutes_spec())
    llm_server.script(Reply(content="| a |"), model="target")
    llm_server.default = bad
    report = grade(spec, GOOD_PROMPT, "en", llm_client(llm_server, num_retries=0))
    assert report.status == "delayed" and report.score is None and report.passed is None


def test_a_worker_killed_while_grading_is_retried_and_graded_once(make_app, llm_server, database_url, tmp_path):
    slow = model_like(level=4)
    llm_server.default = lambda body: Reply(content=slow(body).content, delay=20)
    app = make_app(llm=llm_client(llm_server, timeout=60), CONTENT_DIR=TEST_CONTENT, GRADING_STALE_AFTER=1.0)
    seed(app)
    client = app.test_client()
    Auth(client).login()
    page = client.get("/exercises/mini-brief").get_data(as_text=True)
    client.post("/exercises/mini-brief/submit", data={"csrf_token": csrf_from(page), "prompt": GOOD_PROMPT})
    env = dict(os.environ, LMS_DATABASE_URL=database_url, LMS_CONTENT_DIR=TEST_CONTENT, LMS_SECRET_KEY="x",
               LMS_GRADER_MODEL="openai/judge", LMS_TARGET_MODEL="openai/target", LMS_LLM_API_BASE=llm_server.url,
               LMS_LLM_API_KEY="k", LMS_QUEUE_FILE=app.config["QUEUE_FILE"], LMS_INSTANCE_PATH=str(tmp_path / "i"))
    env.pop("LMS_REDIS_URL", None)
    worker = subprocess.Popen([str(Path(sys.executable).parent / "lms"), "worker", "--workers", "1"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)

    def status():
        with app.app_context(), db.new_session() as s:
            return s.exec(select(Attempt)).one()

    try:
        deadline = time.monotonic() + 60
        while status().status != "grading" and time.monotonic() < deadline:
            time.sleep(0.1)
        assert status().status == "grading"
        os.killpg(worker.pid, signal.SIGKILL)  # killed in the middle of grading
    finally:
        worker.wait(timeout=10)
    llm_server.default = model_like(level=4)
    time.sleep(1.1)
    with app.app_context(), db.new_session() as s:
        assert grading.requeue_due(s, now=status().retry_at) == 1
    drain(app)
    attempt = status()
    assert attempt.status == "graded" and attempt.grading_runs == 2 and attempt.passed is True
    assert re.search(r"\d", str(attempt.score))
