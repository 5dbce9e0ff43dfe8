"""Limits that hold across processes: a deployment's requests-per-minute counted in Redis by
the LiteLLM router of every worker, and the learners' daily limits counted in the database
whichever web process takes the request."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
import time
from datetime import datetime
from pathlib import Path

import requests
from conftest import TEST_CONTENT, seed
from private_servers import PrivateRedis, free_port
from test_scale import wait_http

from graders import LLMSettings
from lms import create_app, db
from lms.services import settings

BIN = Path(sys.executable).parent
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')

# One process of the platform calling the judge: LLMClient from the LMS_ variables, ready, then
# on "go" (a line on its standard input) four calls; it prints how many went through.
CALLER = textwrap.dedent("""
    import json, sys, time
    from graders import LLMClient, LLMError, LLMSettings
    client = LLMClient(LLMSettings.from_env())
    client.warm_up()
    print("ready", flush=True)
    sys.stdin.readline()
    ok, refused = 0, []
    for i in range(4):
        try:
            client.complete("grader", [{"role": "user", "content": f"call {i}"}])
            ok += 1
        except LLMError as exc:
            refused.append(str(exc)[:120])
        time.sleep(0.1)
    print(json.dumps({"ok": ok, "refused": refused}), flush=True)
""")


def test_router_settings_use_redis_and_route_by_usage_when_deployments_have_limits(tmp_path):
    plain = LLMSettings.from_env({"LMS_GRADER_MODEL": "openai/x"}).router_arguments()
    assert "redis_url" not in plain and "routing_strategy" not in plain
    shared = LLMSettings.from_env({"LMS_GRADER_MODEL": "openai/x", "LMS_REDIS_URL": "redis://r:6379/2"})
    assert shared.router_arguments()["redis_url"] == "redis://r:6379/2"
    config = tmp_path / "router.yaml"
    config.write_text("model_list:\n  - model_name: grader\n    litellm_params: {model: openai/x, rpm: 60}\n")
    args = LLMSettings(config_path=str(config)).router_arguments()
    assert args["routing_strategy"] == "usage-based-routing-v2"
    config.write_text(config.read_text() + "router_settings:\n  routing_strategy: simple-shuffle\n")
    assert LLMSettings(config_path=str(config)).router_arguments()["routing_strategy"] == "simple-shuffle"


def test_a_deployments_rpm_is_shared_by_two_worker_processes_through_redis(llm_server, tmp_path):
    from fakellm import Reply

    llm_server.default = Reply(content="ok")
    redis = PrivateRedis().start()
    config = tmp_path / "router.yaml"
    config.write_text(f"model_list:\n  - model_name: grader\n    litellm_params:\n"
                      f"      {{model: openai/judge, api_base: '{llm_server.url}', api_key: k, rpm: 4}}\n")
    env = dict(os.environ, LMS_LLM_CONFIG=str(config), LMS_REDIS_URL=redis.url, LMS_LLM_RETRIES="0")
    callers = [subprocess.Popen([sys.executable, "-c", CALLER], env=env, text=True, stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)]
    try:
        for c in callers:
            assert c.stdout.readline().strip() == "ready", c.stderr.read()[-2000:]
        while datetime.now().second > 45:  # the four calls of each fall within one minute's counter
            time.sleep(0.5)
        for c in callers:
            c.stdin.write("go\n")
            c.stdin.flush()
        results = [json.loads(c.stdout.readline()) for c in callers]
    finally:
        for c in callers:
            c.kill()
            c.wait()
        redis.close()
    through = sum(r["ok"] for r in results)
    # Each router alone would let up to 4 through (8 in all): together they stay within 4 a minute.
    assert 2 <= through <= 4, results
    assert len(llm_server.requests) == through
    refused = [msg for r in results for msg in r["refused"]]
    assert len(refused) == 8 - through and all(re.search("rpm limit|No deployments available", m) for m in refused), refused


def test_the_daily_submission_limit_holds_across_two_web_processes(tmp_path):
    url = f"sqlite:///{tmp_path / 'lms.db'}"
    db.upgrade(url)
    app = create_app({"TESTING": True, "DATABASE_URL": url, "REDIS_URL": None, "SECRET_KEY": "x",
                      "QUEUE_FILE": str(tmp_path / "queue.db"), "CONTENT_DIR": TEST_CONTENT})
    seed(app)
    with app.app_context(), db.new_session() as s:
        settings.put(s, "daily_submissions", 3)
    app.extensions["engine"].dispose()
    env = dict(os.environ, LMS_DATABASE_URL=url, LMS_SECRET_KEY="shared-secret", LMS_CONTENT_DIR=TEST_CONTENT,
               LMS_QUEUE_FILE=str(tmp_path / "queue.db"), LMS_INSTANCE_PATH=str(tmp_path / "instance"))
    env.pop("LMS_REDIS_URL", None)
    ports = [free_port(), free_port()]
    webs = [subprocess.Popen([str(BIN / "gunicorn"), "-w", "1", "-b", f"127.0.0.1:{port}", "lms.wsgi:app"],
                             env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for port in ports]
    try:
        bases = [f"http://127.0.0.1:{port}" for port in ports]
        for base in bases:
            wait_http(base + "/login")
        browser = requests.Session()
        token = CSRF.search(browser.get(bases[0] + "/login").text).group(1)
        assert browser.post(bases[0] + "/login", allow_redirects=False, data={
            "email": "learner@example.org", "password": "demo-password", "csrf_token": token}).status_code == 302
        token = CSRF.search(browser.get(bases[1] + "/").text).group(1)
        codes = []
        for i in range(5):  # alternately on each process
            r = browser.post(bases[i % 2] + "/exercises/mini-brief/submit", allow_redirects=False,
                             data={"csrf_token": token, "prompt": f'Submission {i}: """{{{{input}}}}"""'})
            codes.append(r.status_code)
            if r.status_code == 400:
                assert "made today&#39;s 3 graded submissions" in r.text or "made today's 3 graded submissions" in r.text
        assert codes == [302, 302, 302, 400, 400]
    finally:
        for w in webs:
            w.terminate()
        for w in webs:
            w.wait(timeout=20)


def at_once(threads) -> None:
    """Start the threads (they meet at a barrier of their own) and wait for them."""
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)


def test_simultaneous_submissions_of_one_learner_on_two_processes_respect_the_daily_limit(make_app, tmp_path):
    """Eight submissions of one learner at the same instant, through two app instances (two engines, as
    two processes): exactly the daily limit is stored, the others are refused with the limit's message."""
    import threading

    from sqlmodel import func, select

    from lms.models import Attempt, Exercise, User
    from lms.services import grading

    first = make_app(CONTENT_DIR=TEST_CONTENT)
    seed(first)
    with first.app_context(), db.new_session() as s:
        settings.put(s, "daily_submissions", 3)
    second = create_app(dict(first.config, QUEUE_FILE=str(tmp_path / "queue2.db")))
    start = threading.Barrier(8)
    outcomes: list[str] = []

    def submit(app, i):
        with app.app_context(), db.new_session() as s:
            learner = s.exec(select(User).where(User.email == "learner@example.org")).one()
            exercise = s.exec(select(Exercise).where(Exercise.slug == "mini-brief")).first()
            start.wait()
            try:
                grading.submit(s, learner, exercise, f'Submission {i}: """{{{{input}}}}"""', "en")
                outcomes.append("stored")
            except grading.SubmissionError as exc:
                outcomes.append("refused" if "3 graded submissions" in str(exc) else str(exc))
            except Exception as exc:  # noqa: BLE001  (shown by the assertion below)
                outcomes.append(repr(exc))

    try:
        at_once([threading.Thread(target=submit, args=((first, second)[i % 2], i)) for i in range(8)])
        with first.app_context(), db.new_session() as s:
            stored = s.exec(select(func.count()).select_from(Attempt)).one()
    finally:
        second.extensions["engine"].dispose()
    assert sorted(outcomes) == ["refused"] * 5 + ["stored"] * 3
    assert stored == 3


def test_simultaneous_runs_on_the_model_of_one_learner_respect_the_daily_limit(make_app, llm_server, tmp_path):
    """Eight runs on the model by one learner at the same instant, through two app instances (two
    engines, as two processes), the model taking 0.3 s to answer: exactly the daily limit is run, the
    others are refused with the limit's message, and the model is called only for those."""
    import threading

    from conftest import Auth, csrf_from, llm_client
    from fakellm import Reply
    from sqlmodel import func, select

    from lms.models import TargetRun

    llm_server.default = Reply(content="| budget | Alice |", delay=0.3)
    first = make_app(llm=llm_client(llm_server), CONTENT_DIR=TEST_CONTENT)
    seed(first)
    with first.app_context(), db.new_session() as s:
        settings.put(s, "daily_runs", 3)
    second = create_app(dict(first.config, QUEUE_FILE=str(tmp_path / "queue2.db")))
    clients = []
    for i in range(8):
        client = (first, second)[i % 2].test_client()
        assert Auth(client).login().status_code == 302
        clients.append((client, csrf_from(client.get("/exercises/mini-brief").get_data(as_text=True))))
    calls_before = len(llm_server.requests)
    start = threading.Barrier(8)
    outcomes: list[str] = []

    def run(client, token, i):
        start.wait()
        r = client.post("/exercises/mini-brief/run", headers={"HX-Request": "true"},
                        data={"csrf_token": token, "prompt": f'Run {i}: summarise """{{{{input}}}}""" as a table.'})
        body = r.get_data(as_text=True)
        outcomes.append("ran" if "| budget | Alice |" in body else
                        "refused" if "today&#39;s 3 runs" in body or "today's 3 runs" in body else body[:300])

    try:
        at_once([threading.Thread(target=run, args=(*clients[i], i)) for i in range(8)])
        with first.app_context(), db.new_session() as s:
            stored = s.exec(select(func.count()).select_from(TargetRun)).one()
            models = s.exec(select(TargetRun.model)).all()
    finally:
        second.extensions["engine"].dispose()
    assert sorted(outcomes) == ["ran"] * 3 + ["refused"] * 5
    assert stored == 3 and all(models)  # each completed with its model's name
    assert len(llm_server.requests) - calls_before == 3


def test_a_run_the_model_did_not_answer_is_given_back(make_app, llm_server):
    from conftest import Auth, csrf_from, llm_client
    from fakellm import Reply
    from sqlmodel import func, select

    from lms.models import TargetRun

    llm_server.default = Reply(status=500, content="provider down", headers={"retry-after-ms": "5"})
    app = make_app(llm=llm_client(llm_server, num_retries=0), CONTENT_DIR=TEST_CONTENT)
    seed(app)
    with app.app_context(), db.new_session() as s:
        settings.put(s, "daily_runs", 1)
    client = app.test_client()
    assert Auth(client).login().status_code == 302
    token = csrf_from(client.get("/exercises/mini-brief").get_data(as_text=True))
    data = {"csrf_token": token, "prompt": 'Summarise """{{input}}""" as a table.'}
    body = client.post("/exercises/mini-brief/run", data=data, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "The model did not answer" in body
    with app.app_context(), db.new_session() as s:
        assert s.exec(select(func.count()).select_from(TargetRun)).one() == 0  # not counted
    llm_server.default = Reply(content="| budget | Alice |")
    body = client.post("/exercises/mini-brief/run", data=data, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "| budget | Alice |" in body  # the day's one run is still there
    body = client.post("/exercises/mini-brief/run", data=data, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "today&#39;s 1 runs" in body or "today's 1 runs" in body
