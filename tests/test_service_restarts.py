"""PostgreSQL and Redis restarted under a running platform, on private servers of the test's own.

PostgreSQL stopped while gunicorn serves: pages answer a clean 503, a submission in flight is
stored whole or not at all, and once the server is back the same processes serve again.
Redis killed with jobs in it: submits still store the attempt and say that grading is delayed;
after the restart the reconciler re-enqueues what the queue lost and each attempt is graded once.
"""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
from flask import request
from conftest import TEST_CONTENT, Auth, llm_client, model_like, seed
from private_servers import PrivatePostgres, PrivateRedis, free_port
from sqlmodel import select

from lms import create_app, db
from lms.models import Attempt, User
from lms.services import grading, settings

BIN = Path(sys.executable).parent
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@pytest.fixture
def private_postgres():
    server = PrivatePostgres().start()
    yield server
    server.close()


@pytest.fixture
def private_redis():
    server = PrivateRedis().start()
    yield server
    server.close()


def _wait_http(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            requests.get(url, timeout=2)
            return
        except requests.RequestException:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not start")


def _attempts(app) -> list[Attempt]:
    with app.app_context(), db.new_session() as s:
        return list(s.exec(select(Attempt).order_by(Attempt.id)))


def test_postgresql_restart_while_the_site_serves(private_postgres, tmp_path):
    url = private_postgres.url
    db.upgrade(url)
    app = create_app({"TESTING": True, "DATABASE_URL": url, "REDIS_URL": None, "SECRET_KEY": "x",
                      "QUEUE_FILE": str(tmp_path / "queue.db"), "CONTENT_DIR": TEST_CONTENT})
    seed(app)
    with app.app_context(), db.new_session() as s:
        settings.put(s, "daily_submissions", 100000)
    port = free_port()
    env = dict(os.environ, LMS_DATABASE_URL=url, LMS_SECRET_KEY="shared-secret", LMS_CONTENT_DIR=TEST_CONTENT,
               LMS_QUEUE_FILE=str(tmp_path / "queue.db"), LMS_INSTANCE_PATH=str(tmp_path / "instance"))
    env.pop("LMS_REDIS_URL", None)
    log = open(tmp_path / "web.log", "w")
    web = subprocess.Popen([str(BIN / "gunicorn"), "-w", "2", "--threads", "4", "-b", f"127.0.0.1:{port}",
                            "lms.wsgi:app"], env=env, stdout=subprocess.DEVNULL, stderr=log)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_http(base + "/login")
        browser = requests.Session()
        token = CSRF.search(browser.get(base + "/login").text).group(1)
        assert browser.post(base + "/login", data={"email": "learner@example.org", "password": "demo-password",
                                                   "csrf_token": token}, allow_redirects=False).status_code == 302
        token = CSRF.search(browser.get(base + "/").text).group(1)

        def submit(prompt: str) -> int:
            return browser.post(base + "/exercises/mini-brief/submit", data={"csrf_token": token, "prompt": prompt},
                                allow_redirects=False, timeout=30).status_code

        assert submit('Before the stop: """{{input}}"""') == 302

        # Submissions keep coming while the server stops and starts again.
        sent: list[tuple[str, int]] = []
        done = threading.Event()

        def learner_submitting():
            i = 0
            while not done.is_set():
                prompt = f'In flight {i}: """{{{{input}}}}"""'
                sent.append((prompt, submit(prompt)))
                i += 1
                time.sleep(0.02)

        submitter = threading.Thread(target=learner_submitting)
        submitter.start()
        time.sleep(0.5)
        private_postgres.stop()
        try:
            page = browser.get(base + "/", headers={"Accept-Language": "fr"})
            assert page.status_code == 503
            assert page.headers["Retry-After"] == "30"
            assert 'lang="fr"' in page.text  # the page speaks the visitor's language without the database
            assert "Traceback" not in page.text and "psycopg" not in page.text and "sqlalchemy" not in page.text
            page = browser.get(base + "/login")
            assert page.status_code == 503 and "Briefly unavailable" in page.text
            assert submit('While it is down: """{{input}}"""') == 503
            time.sleep(0.5)
        finally:
            private_postgres.start()
        time.sleep(0.5)
        done.set()
        submitter.join(timeout=60)

        # The same web processes serve again, with no restart of the platform.
        assert web.poll() is None
        assert browser.get(base + "/").status_code == 200, (tmp_path / "web.log").read_text()[-3000:]
        assert submit('After the restart: """{{input}}"""') == 302

        statuses = [code for _, code in sent]
        assert set(statuses) <= {302, 503}, (statuses, (tmp_path / "web.log").read_text()[-6000:])  # a clean error or a stored attempt
        assert 302 in statuses and 503 in statuses, statuses
        rows = _attempts(app)
        by_prompt: dict[str, list[Attempt]] = {}
        for row in rows:
            by_prompt.setdefault(row.prompt, []).append(row)
        for prompt, code in sent:
            stored = by_prompt.get(prompt, [])
            if code == 302:
                assert len(stored) == 1, prompt
        for row in rows:  # every stored attempt is whole: never half-stored
            assert row.status == "queued" and row.prompt_hash == grading.prompt_hash(row.prompt)
            assert row.retry_at is not None and row.grader_key
        assert "While it is down" not in " ".join(by_prompt)
        assert {"Before the stop", "After the restart"} <= {p.split(":")[0] for p in by_prompt}
    finally:
        web.terminate()
        try:
            web.wait(timeout=20)
        except subprocess.TimeoutExpired:
            web.kill()
        app.extensions["engine"].dispose()


def _start_workers(env: dict, logs: Path, n: int = 2) -> list[subprocess.Popen]:
    workers = [subprocess.Popen([str(BIN / "lms"), "worker", "--concurrency", "4"], env=env, text=True,
                                stdout=subprocess.PIPE, stderr=open(logs / f"worker{i}.log", "w"))
               for i in range(n)]
    for w in workers:  # ready when it says so
        assert "consuming the redis queue" in w.stdout.readline()
    return workers


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)  # the many-machines layout
def test_redis_restart_loses_no_attempt(private_redis, make_app, llm_server, database_url, tmp_path):
    llm_server.default = model_like(level=4)
    queue_name = f"{os.environ['LMS_QUEUE_NAME']}-restart"
    app = make_app(llm=llm_client(llm_server), CONTENT_DIR=TEST_CONTENT, REDIS_URL=private_redis.url,
                   QUEUE_NAME=queue_name, GRADING_STALE_AFTER=1.0, GRADING_RETRY_DELAY=1.0)
    seed(app)
    env = dict(os.environ, LMS_DATABASE_URL=database_url, LMS_REDIS_URL=private_redis.url, LMS_QUEUE_NAME=queue_name,
               LMS_CONTENT_DIR=TEST_CONTENT, LMS_GRADER_MODEL="openai/judge", LMS_TARGET_MODEL="openai/target",
               LMS_LLM_API_BASE=llm_server.url, LMS_LLM_API_KEY="k", LMS_SECRET_KEY="x",
               LMS_INSTANCE_PATH=str(tmp_path / "instance"))
    client = app.test_client()
    Auth(client).login()
    token = CSRF.search(client.get("/").get_data(as_text=True)).group(1)

    def submit(prompt: str):
        return client.post("/exercises/mini-brief/submit", data={"csrf_token": token, "prompt": prompt},
                           follow_redirects=True)

    def reconcile_when_due():
        """What the workers' periodic job does every minute (and once as they start)."""
        time.sleep(1.2)  # the attempts are overdue
        with app.app_context(), db.new_session() as s:
            grading.requeue_due(s)

    def graded(n: int) -> list[tuple[str, int]]:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and not (
                len(_attempts(app)) == n and all(a.status == "graded" for a in _attempts(app))):
            time.sleep(0.2)
        return [(a.status, a.grading_runs) for a in _attempts(app)]

    for i in range(3):  # no worker is running yet: the jobs wait in Redis
        assert submit(f'Queued {i}: """{{{{input}}}}"""').status_code == 200
    assert app.extensions["queue"].pending() == 3
    private_redis.kill()  # no persistence: the three jobs are gone
    r = submit('While Redis is down: """{{input}}"""')
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and "Attempt report" in page
    assert "grading is delayed" in page and "nothing more to do" in page
    assert [a.status for a in _attempts(app)] == ["queued"] * 4  # stored all the same
    private_redis.start()
    assert app.extensions["queue"].pending() == 0

    workers = _start_workers(env, tmp_path)
    try:
        reconcile_when_due()
        assert graded(4) == [("graded", 1)] * 4
        # Redis restarts again under the running workers: they reconnect by themselves.
        private_redis.kill()
        assert "grading is delayed" in submit('Second outage: """{{input}}"""').get_data(as_text=True)
        private_redis.start()
        reconcile_when_due()
        assert graded(5) == [("graded", 1)] * 5
        assert all(w.poll() is None for w in workers)
        assert len([r for r in llm_server.requests if r.get("response_format")]) == 5  # each graded once
    finally:
        for w in workers:
            w.terminate()
        for w in workers:
            try:
                w.communicate(timeout=20)
            except subprocess.TimeoutExpired:
                w.kill()


def test_the_reconciler_is_a_periodic_job_of_the_workers(make_app):
    app = make_app()
    huey = app.extensions["queue"].huey
    assert "requeue_due" in [t.name for t in huey._registry.periodic_tasks]


def test_a_submit_while_the_queue_is_down_is_kept_and_retried_soon(make_app):
    app = make_app(CONTENT_DIR=TEST_CONTENT, REDIS_URL=f"redis://127.0.0.1:{free_port()}/0",
                   GRADING_RETRY_DELAY=5.0)
    seed(app)
    with app.test_request_context(), db.new_session() as s:
        learner = s.exec(select(User).where(User.email == "learner@example.org")).one()
        from lms.models import Exercise

        exercise = s.exec(select(Exercise)).first()
        started = time.time()
        attempt = grading.submit(s, learner, exercise, 'Kept: """{{input}}"""', "en")
        assert time.time() - started < 5  # no long hang on the missing queue
        assert grading.queue_was_down()
        assert attempt.status == "queued"
        assert (attempt.retry_at - attempt.created_at).total_seconds() < 60  # not the 15-minute watchdog
    app.config["REDIS_URL"] = None  # nothing to flush at teardown


def test_a_connection_lost_after_the_page_is_built_still_sends_the_page(postgresql_url, tmp_path):
    """PostgreSQL closes the request's connection after the page is built (a restart): closing the
    session then fails on its rollback. The learner gets the page, not a 500, and the next request
    works on a new connection."""
    import sqlalchemy as sa

    app = create_app({"TESTING": True, "DATABASE_URL": postgresql_url, "REDIS_URL": None, "SECRET_KEY": "x",
                      "QUEUE_FILE": str(tmp_path / "queue.db"), "CONTENT_DIR": TEST_CONTENT})
    seed(app)
    killer = sa.create_engine(postgresql_url, isolation_level="AUTOCOMMIT")
    killed: list[int] = []

    @app.after_request
    def lose_the_connection(response):
        if request.path == "/login" and not killed:
            pid = db.session().execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
            with killer.connect() as conn:
                assert conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar_one()
            killed.append(pid)
        return response

    try:
        client = app.test_client()
        page = client.get("/login")  # TESTING propagates teardown errors: a failing close would raise here
        assert page.status_code == 200 and killed
        assert Auth(client).login().status_code == 302
        assert client.get("/").status_code == 200
    finally:
        killer.dispose()
        app.extensions["engine"].dispose()


def test_pooled_connections_are_checked_only_after_being_idle(postgresql_url, tmp_path, monkeypatch):
    """No round trip to check a connection in steady use; one idle for longer than PING_AFTER_IDLE is
    checked, and one that the database closed meanwhile is replaced before the request uses it."""
    import sqlalchemy as sa

    app = create_app({"TESTING": True, "DATABASE_URL": postgresql_url, "REDIS_URL": None, "SECRET_KEY": "x",
                      "QUEUE_FILE": str(tmp_path / "queue.db"), "CONTENT_DIR": TEST_CONTENT})
    seed(app)
    engine = app.extensions["engine"]
    pings: list[bool] = []
    real_ping = engine.dialect.do_ping

    def counted(dbapi_connection):
        try:
            result = real_ping(dbapi_connection)
        except Exception:
            pings.append(False)
            raise
        pings.append(True)
        return result
    monkeypatch.setattr(engine.dialect, "do_ping", counted)
    killer = sa.create_engine(postgresql_url, isolation_level="AUTOCOMMIT")
    try:
        client = app.test_client()
        assert Auth(client).login().status_code == 302
        for _ in range(5):
            assert client.get("/").status_code == 200
        assert pings == []  # in steady use
        monkeypatch.setattr(db, "PING_AFTER_IDLE", 0.05)
        time.sleep(0.1)
        assert client.get("/").status_code == 200
        assert pings == [True]  # idle: checked, alive
        with killer.connect() as conn:  # the database closes every connection of the platform (a restart)
            closed = conn.execute(sa.text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()")).scalar_one()
        assert closed >= 1
        time.sleep(0.1)
        assert client.get("/").status_code == 200  # replaced before use: no 503
        assert pings[1] is False
    finally:
        killer.dispose()
        engine.dispose()
