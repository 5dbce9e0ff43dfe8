"""xAPI statements delivered to a real LRS: ralph (file-system backend) on a loopback port.

ralph runs from its own virtual environment, `.venv-ralph` (made by `scripts/install.sh --dev`);
without it these tests are skipped, unless LMS_TEST_REQUIRE_SERVICES=1, which fails them.
"""
from __future__ import annotations

import logging
import os
import re
import socket
import subprocess
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest
from conftest import REQUIRE, TEST_CONTENT, Auth, csrf_from, drain, llm_client, model_like, seed
from sqlmodel import select

from lms import db
from lms.config import ConfigError
from lms.models import Attempt, ExamSession, User, XapiStatement
from lms.models.base import utcnow
from lms.services import xapi

ROOT = Path(__file__).resolve().parent.parent
RALPH = ROOT / ".venv-ralph" / "bin"
USER, PASSWORD = "academy", "lrs-secret-pw"
PROMPT = 'You write minutes for the project team.\n"""{{input}}"""'
ADL = "http://adlnet.gov/expapi/verbs/"
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RalphLRS:
    """ralph's LRS served by tests/ralph_lrs.py; stopped and started again on the same port and
    the same statements file."""

    def __init__(self, workdir: Path):
        self.dir = workdir
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}/xAPI"
        self.proc: subprocess.Popen | None = None
        (workdir / "data").mkdir()
        self.env = {**os.environ, "RALPH_RUNSERVER_BACKEND": "fs", "RALPH_APP_DIR": str(workdir / "app"),
                    "RALPH_AUTH_FILE": str(workdir / "auth.json"),
                    "RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH": str(workdir / "data")}
        subprocess.run([str(RALPH / "ralph"), "auth", "--write-to-disk", "-u", USER, "-p", PASSWORD,
                        "-s", "statements/write", "-s", "statements/read", "-M", "mailto:lms@example.org"],
                       env=self.env, cwd=workdir, check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        if self.running:
            return
        log = open(self.dir / "ralph.log", "ab")
        self.proc = subprocess.Popen([str(RALPH / "python"), str(ROOT / "tests" / "ralph_lrs.py"),
                                      "--port", str(self.port)], env=self.env, cwd=self.dir,
                                     stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("ralph stopped: " + (self.dir / "ralph.log").read_text()[-2000:])
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/__heartbeat__", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError("ralph did not answer within 60 s")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=15)
            self.proc = None

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def statements(self, home_page: str) -> list[dict]:
        """Every statement stored for the learners of one platform (read back through the API)."""
        found, url = [], f"{self.endpoint}/statements"
        params = {"limit": 500}
        while url:
            r = httpx.get(url, params=params, auth=(USER, PASSWORD),
                          headers={"X-Experience-API-Version": "1.0.3"}, timeout=10)
            assert r.status_code == 200, r.text
            body = r.json()
            found += body["statements"]
            url, params = (f"http://127.0.0.1:{self.port}{body['more']}" if body.get("more") else None), None
        return [s for s in found if s["actor"].get("account", {}).get("homePage") == home_page]


@pytest.fixture(scope="module")
def ralph(tmp_path_factory):
    if not (RALPH / "python").exists():
        reason = "ralph's virtual environment .venv-ralph is missing (run: bash scripts/install.sh --dev)"
        if REQUIRE:
            pytest.fail(reason + " and LMS_TEST_REQUIRE_SERVICES=1")
        pytest.skip(reason)
    server = RalphLRS(tmp_path_factory.mktemp("ralph"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def lrs(ralph):
    ralph.start()  # a test may have left it stopped
    yield ralph
    ralph.start()


@pytest.fixture
def academy(make_app, llm_server, lrs):
    """An app whose LRS is ralph; a public address of its own, so tests never share statements."""
    llm_server.default = model_like(level=4)
    home = f"https://academy-{uuid.uuid4().hex[:8]}.example.org"
    app = make_app(llm=llm_client(llm_server), CONTENT_DIR=TEST_CONTENT, PUBLIC_URL=home,
                   XAPI_ENDPOINT=lrs.endpoint, XAPI_USERNAME=USER, XAPI_PASSWORD=PASSWORD)
    seed(app)
    return app


def learner_client(app):
    client = app.test_client()
    Auth(client).login()
    return client


def learner_id(app) -> int:
    with app.app_context():
        return db.session().exec(select(User.id).where(User.email == "learner@example.org")).one()


def submit(client, prompt=PROMPT):
    form = client.get("/").get_data(as_text=True)  # any page's form token will do
    r = client.post("/exercises/mini-brief/submit", data={"prompt": prompt, "csrf_token": csrf_from(form)})
    assert r.status_code in (200, 302), r.status_code


def xapi_cli(app, *args):
    from lms.cli_xapi import xapi_group

    return app.test_cli_runner().invoke(xapi_group, list(args))


def outbox(app) -> list[XapiStatement]:
    with app.app_context():
        return list(db.session().exec(select(XapiStatement).order_by(XapiStatement.created_at)))


def by_verb(statements):
    return sorted(s["verb"]["id"].removeprefix(ADL) for s in statements)


def check_shape(statement: dict, home: str, user_id: int) -> None:
    assert UUID_RE.match(statement["id"]) and uuid.UUID(statement["id"]).version == 5
    assert statement["actor"] == {"objectType": "Agent", "account": {"homePage": home, "name": str(user_id)}}
    assert statement["verb"]["id"] in {ADL + v for v in ("attempted", "passed", "failed", "completed")}
    display = statement["verb"]["display"]  # a language map, English and French
    assert display["en-US"] == statement["verb"]["id"].removeprefix(ADL) and display["fr-FR"].startswith("a ")
    assert statement["object"]["objectType"] == "Activity" and statement["object"]["id"].startswith(home + "/")
    assert statement["context"]["platform"] == "Prompt Academy" and statement["context"]["language"] in ("en", "fr")
    assert datetime.fromisoformat(statement["timestamp"].replace("Z", "+00:00")).tzinfo is not None


def test_a_graded_attempt_and_its_certificate_reach_the_lrs(academy, lrs):
    app, home = academy, academy.config["PUBLIC_URL"]
    client = learner_client(app)
    page = client.get("/courses/mini/basics/intro").get_data(as_text=True)
    client.post(re.search(r'action="(/lessons/\d+/done)"', page).group(1), data={"csrf_token": csrf_from(page)})
    submit(client)
    drain(app)

    uid = learner_id(app)
    stored = lrs.statements(home)
    assert by_verb(stored) == ["attempted", "completed", "passed"]
    for s in stored:
        check_shape(s, home, uid)
    got = {s["verb"]["id"].removeprefix(ADL): s for s in stored}
    attempted, passed, completed = got["attempted"], got["passed"], got["completed"]
    exercise = {"objectType": "Activity", "id": f"{home}/exercises/mini-brief",
                "definition": {"type": "http://adlnet.gov/expapi/activities/performance",
                               "name": {"en": "Brief the model", "fr": "Briefer le modèle"}}}
    assert attempted["object"] == exercise and passed["object"] == exercise
    assert "result" not in attempted
    assert passed["result"] == {"score": {"scaled": 1.0, "raw": 100.0, "min": 0, "max": 100},
                                "success": True, "completion": True}
    # the attempt's two statements share its registration; the course is their parent
    assert attempted["context"]["registration"] == passed["context"]["registration"]
    assert passed["context"]["contextActivities"]["parent"][0]["id"] == f"{home}/courses/mini"
    assert completed["object"]["id"] == f"{home}/courses/mini"
    assert completed["object"]["definition"]["name"] == {"en": "Mini course", "fr": "Mini-cours"}
    assert completed["result"] == {"success": True, "completion": True}
    # the outbox holds the same statements, each marked delivered
    rows = outbox(app)
    assert sorted(r.id for r in rows) == sorted(s["id"] for s in stored)
    assert all(r.delivered_at is not None and r.last_error is None for r in rows)
    # no name or e-mail address leaves the platform (the authority is the LRS's own account)
    assert "@" not in str([{k: v for k, v in s.items() if k != "authority"} for s in stored])

    status = xapi_cli(app, "status")
    assert status.exit_code == 0 and "3 delivered, 0 waiting, 0 refused" in status.output
    assert PASSWORD not in status.output


def test_statements_wait_while_the_lrs_is_down_and_are_delivered_once_when_it_is_back(academy, lrs, caplog):
    caplog.set_level(logging.DEBUG)
    app, home = academy, academy.config["PUBLIC_URL"]
    client = learner_client(app)
    submit(client)
    drain(app)
    assert by_verb(lrs.statements(home)) == ["attempted", "passed"]

    lrs.stop()  # the LRS goes down between two attempts
    submit(client, PROMPT + "\nAdd a table of actions.")
    drain(app)
    with app.app_context():
        attempts = list(db.session().exec(select(Attempt).order_by(Attempt.id)))
    assert [(a.status, a.passed) for a in attempts] == [("graded", True), ("graded", True)]  # unaffected
    waiting = [r for r in outbox(app) if r.delivered_at is None]
    assert sorted(r.verb for r in waiting) == ["attempted", "passed"]
    assert all(r.tries >= 1 and r.next_try_at is not None and "unreachable" in r.last_error for r in waiting)
    flush = xapi_cli(app, "flush")
    assert flush.exit_code == 1 and "2 waiting" in flush.output

    lrs.start()
    with app.app_context(), db.new_session() as s:
        cfg = xapi.settings()
        # the periodic job respects the backoff, then sends them once it is over
        assert xapi.deliver_pending(s, cfg).delivered == 0
        assert xapi.deliver_pending(s, cfg, now=utcnow() + timedelta(hours=2)).delivered == 2
    stored = lrs.statements(home)
    assert by_verb(stored) == ["attempted", "attempted", "passed", "passed"]
    assert sorted(s["id"] for s in stored) == sorted(r.id for r in outbox(app))

    # sent again (a delivery whose answer was lost): the LRS keeps one statement per id
    with app.app_context(), db.new_session() as s:
        for row in s.exec(select(XapiStatement)):
            row.delivered_at = None
            s.add(row)
        s.commit()
    flush = xapi_cli(app, "flush")
    assert flush.exit_code == 0 and "Delivered 4 statement(s); 0 refused by the LRS; 0 waiting." in flush.output
    again = lrs.statements(home)
    assert len(again) == 4 and len({s["id"] for s in again}) == 4
    assert "LRS unreachable" in caplog.text and PASSWORD not in caplog.text  # the secret is never logged


def test_an_lrs_down_from_the_start_loses_nothing(academy, lrs):
    app, home = academy, academy.config["PUBLIC_URL"]
    lrs.stop()
    client = learner_client(app)
    submit(client)
    drain(app)
    with app.app_context():
        assert db.session().exec(select(Attempt.status)).all() == ["graded"]
    status = xapi_cli(app, "status", "--json")
    assert '"waiting": 2' in status.output and "unreachable" in status.output
    lrs.start()
    flush = xapi_cli(app, "flush")
    assert flush.exit_code == 0, flush.output
    assert by_verb(lrs.statements(home)) == ["attempted", "passed"]


def test_a_decided_exam_is_sent_with_its_score_and_duration(academy, lrs):
    app, home = academy, academy.config["PUBLIC_URL"]
    client = learner_client(app)
    page = client.get("/courses/mini-exam/exam").get_data(as_text=True)
    client.post("/courses/mini-exam/exam/start", data={"csrf_token": csrf_from(page)})
    page = client.get("/courses/mini-exam/exam").get_data(as_text=True)
    for link in re.findall(r'href="(/exams/\d+/[\w-]+)"', page):
        form = client.get(link).get_data(as_text=True)
        client.post(link, data={"prompt": PROMPT, "csrf_token": csrf_from(form)})
    drain(app)

    stored = lrs.statements(home)
    assert by_verb(stored) == ["attempted", "attempted", "passed", "passed", "passed"]
    exam = [s for s in stored if s["object"]["id"] == f"{home}/courses/mini-exam/exam"]
    assert len(exam) == 1
    result = exam[0]["result"]
    assert result["score"]["raw"] == 100.0 and result["success"] is True and result["completion"] is True
    assert re.fullmatch(r"PT(\d+H)?(\d+M)?(\d+(\.\d+)?S)?", result["duration"])
    assert exam[0]["object"]["definition"]["type"] == "http://adlnet.gov/expapi/activities/assessment"
    # every answer belongs to the exam's registration, with the exam as parent
    assert {s["context"]["registration"] for s in stored} == {exam[0]["context"]["registration"]}
    answers = [s for s in stored if s is not exam[0]]
    assert all(s["context"]["contextActivities"]["parent"][0]["id"] == exam[0]["object"]["id"] for s in answers)
    with app.app_context():
        sitting = db.session().exec(select(ExamSession)).one()
    assert sitting.status == "passed"


def test_without_an_lrs_nothing_is_written(make_app, llm_server):
    llm_server.default = model_like(level=4)
    app = make_app(llm=llm_client(llm_server), CONTENT_DIR=TEST_CONTENT, XAPI_ENDPOINT=None)
    seed(app)
    submit(learner_client(app))
    drain(app)
    assert outbox(app) == []
    status = xapi_cli(app, "status")
    assert "not configured" in status.output
    flush = xapi_cli(app, "flush")
    assert flush.exit_code == 2 and "no LRS is configured" in flush.output


def test_an_lrs_needs_the_public_address(make_app):
    with pytest.raises(ConfigError, match="LMS_PUBLIC_URL"):
        make_app(XAPI_ENDPOINT="http://127.0.0.1:9/xAPI", PUBLIC_URL=None)


def test_a_statement_without_the_version_header_is_refused_by_the_test_lrs(lrs):
    """The LRS of these tests checks the header, so the deliveries above prove that it is sent."""
    r = httpx.post(f"{lrs.endpoint}/statements", json=[], auth=(USER, PASSWORD), timeout=10)
    assert r.status_code == 400 and "X-Experience-API-Version" in r.text


def test_credentials_written_into_the_endpoint_are_moved_out_of_it(make_app):
    app = make_app(PUBLIC_URL="https://academy.example.org",
                   XAPI_ENDPOINT="https://key:p%40ss@lrs.example.org:8443/xAPI/")
    with app.app_context():
        cfg = xapi.settings()
    assert (cfg.endpoint, cfg.username, cfg.password) == ("https://lrs.example.org:8443/xAPI", "key", "p@ss")
    assert "p@ss" not in repr(cfg)


def test_durations_are_iso_8601():
    assert [xapi.duration(s) for s in (0, 1.5, 61, 3600, 3725.126)] == [
        "PT0S", "PT1.5S", "PT1M1S", "PT1H", "PT1H2M5.13S"]
