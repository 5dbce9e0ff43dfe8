"""Many machines: two stateless gunicorn web processes and two `lms worker` processes share
PostgreSQL and Redis; a batch of attempts submitted through both is graded, each exactly once."""
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from conftest import REDIS_URL, TEST_CONTENT, empty_tables, model_like, seed, unavailable
from sqlmodel import select

from lms import create_app, db
from lms.models import Attempt

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=2).status_code < 500:
                return
        except requests.RequestException:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not start")


def test_two_web_processes_and_two_workers_on_postgresql_and_redis(postgresql_url, llm_server, tmp_path):
    import redis

    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.RedisError as exc:
        unavailable("Redis", exc)
    llm_server.default = model_like(level=4)
    empty_tables(postgresql_url)
    app = create_app({"TESTING": True, "DATABASE_URL": postgresql_url, "REDIS_URL": REDIS_URL, "SECRET_KEY": "x",
                      "CONTENT_DIR": TEST_CONTENT, "QUEUE_NAME": os.environ["LMS_QUEUE_NAME"] + "-scale"})
    seed(app)
    env = dict(os.environ, LMS_DATABASE_URL=postgresql_url, LMS_REDIS_URL=REDIS_URL, LMS_SECRET_KEY="shared-secret",
               LMS_CONTENT_DIR=TEST_CONTENT, LMS_GRADER_MODEL="openai/judge", LMS_TARGET_MODEL="openai/target",
               LMS_LLM_API_BASE=llm_server.url, LMS_LLM_API_KEY="k", LMS_INSTANCE_PATH=str(tmp_path / "instance"),
               LMS_QUEUE_NAME=os.environ["LMS_QUEUE_NAME"] + "-scale")
    ports = [free_port(), free_port()]
    processes = [subprocess.Popen([str(BIN / "gunicorn"), "-w", "1", "-b", f"127.0.0.1:{port}", "lms.wsgi:app"],
                                  env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for port in ports]
    processes += [subprocess.Popen([str(BIN / "lms"), "worker", "--workers", "2"], env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(2)]
    try:
        bases = [f"http://127.0.0.1:{port}" for port in ports]
        for base in bases:
            wait_http(base + "/login")
        session = requests.Session()
        login = session.get(bases[0] + "/login").text
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', login).group(1)
        r = session.post(bases[0] + "/login", data={"email": "learner@example.org", "password": "demo-password",
                                                     "csrf_token": token}, allow_redirects=False)
        assert r.status_code == 302
        for i in range(8):  # the same signed session works on either web process: they are stateless
            base = bases[i % 2]
            page = session.get(base + "/exercises/mini-brief").text
            token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
            r = session.post(base + "/exercises/mini-brief/submit", allow_redirects=False,
                             data={"csrf_token": token, "prompt": f'Attempt {i} for the team: """{{{{input}}}}"""'})
            assert r.status_code == 302, r.text[:500]


        def attempts():
            with app.app_context(), db.new_session() as s:
                return s.exec(select(Attempt)).all()

        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and not (len(attempts()) == 8 and all(a.status == "graded" for a in attempts())):
            time.sleep(0.3)
        rows = attempts()
        assert len(rows) == 8 and all(a.status == "graded" and a.grading_runs == 1 for a in rows), [(a.status, a.grading_runs, a.score) for a in rows]
        judge_calls = [r for r in llm_server.requests if r.get("response_format")]
        assert len(judge_calls) == 8  # graded exactly once each
        report = session.get(bases[1] + f"/attempts/{rows[0].id}").text
        assert "100/100" in report
    finally:
        app.extensions["engine"].dispose()
        for p in processes:
            p.terminate()
        for p in processes:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
