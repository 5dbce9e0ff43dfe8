"""Fixtures: the app on SQLite and on PostgreSQL (databases built by the migrations), the
queue on SQLite and on Redis, a loopback OpenAI-compatible server, and an `auth` helper.

PostgreSQL and Redis tests use LMS_TEST_POSTGRES_URL and LMS_TEST_REDIS_URL (defaults: the
local servers). When a server is unreachable they are skipped, unless LMS_TEST_REQUIRE_SERVICES=1
(set by .ci/run), which turns the skip into a failure.
"""
from __future__ import annotations

import os
import re
import uuid

import pytest
import sqlalchemy as sa

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
# A queue of this test run's own, so that concurrent runs sharing a Redis never take each
# other's jobs (worker processes started by the tests inherit it).
os.environ["LMS_QUEUE_NAME"] = f"lms-test-{uuid.uuid4().hex[:8]}"

from fakellm import FakeLLM  # noqa: E402

from lms import create_app, db  # noqa: E402
from lms.models import metadata  # noqa: E402

PG_URL = os.environ.get("LMS_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("LMS_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
REQUIRE = os.environ.get("LMS_TEST_REQUIRE_SERVICES") == "1"


def unavailable(what: str, exc: Exception):
    if REQUIRE:
        pytest.fail(f"{what} is required (LMS_TEST_REQUIRE_SERVICES=1) but unreachable: {exc}")
    pytest.skip(f"{what} unreachable: {exc}")


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'lms.db'}"
    db.upgrade(url)
    return url


@pytest.fixture(scope="session")
def postgresql_url():
    """A fresh database on the PostgreSQL server, built by the migrations, dropped at the end."""
    admin_engine = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    name = f"lms_test_{uuid.uuid4().hex[:10]}"
    try:
        with admin_engine.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001
        admin_engine.dispose()
        unavailable("PostgreSQL", exc)
    url = sa.engine.make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    db.upgrade(url)
    yield url
    with admin_engine.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin_engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request):
    return request.getfixturevalue(f"{request.param}_url")


def empty_tables(url: str) -> None:
    engine = db.make_engine(url)
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
            conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(metadata.sorted_tables):
                conn.execute(table.delete())
    engine.dispose()


@pytest.fixture(scope="session")
def fake_llm():
    server = FakeLLM().start()
    yield server
    server.stop()


@pytest.fixture
def llm_server(fake_llm):
    fake_llm.reset()
    return fake_llm


def llm_client(server, **overrides):
    from graders import LLMClient, LLMSettings

    settings = dict(grader_model="openai/judge", target_model="openai/target", api_base=server.url,
                    api_key="test-key", timeout=2.0, num_retries=1)
    settings.update(overrides)
    return LLMClient(LLMSettings(**settings))


@pytest.fixture
def make_app(database_url, tmp_path):
    """Build an app on the parametrised database; `llm=None` means no model configured."""
    apps = []

    def factory(llm=None, **config):
        empty_tables(database_url)
        cfg = {"TESTING": True, "DATABASE_URL": database_url, "QUEUE_FILE": str(tmp_path / "queue.db"),
               "REDIS_URL": None, "LLM": llm or _unconfigured(), "GRADING_RETRY_DELAY": 30.0,
               "SECRET_KEY": "test-secret"}
        cfg.update(config)
        app = create_app(cfg)
        apps.append(app)
        return app

    yield factory
    for app in apps:
        if app.config["REDIS_URL"]:
            app.extensions["queue"].huey.flush()
        app.extensions["engine"].dispose()


def _unconfigured():
    from graders import LLMClient, LLMSettings

    return LLMClient(LLMSettings())


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_from(html: str) -> str:
    m = CSRF_RE.search(html)
    assert m, "no CSRF token in the page"
    return m.group(1)


class Auth:
    def __init__(self, client):
        self.client = client

    def login(self, email="learner@example.org", password="demo-password"):
        page = self.client.get("/login")
        return self.client.post("/login", data={"email": email, "password": password,
                                                "csrf_token": csrf_from(page.get_data(as_text=True))})

    def logout(self):
        page = self.client.get("/")
        return self.client.post("/logout", data={"csrf_token": csrf_from(page.get_data(as_text=True))})


@pytest.fixture
def auth(client):
    return Auth(client)


def seed(app, password="demo-password"):
    """Demo accounts and the repository's content, as `lms demo` loads them."""
    from lms.services import content
    from lms.services.accounts import ensure_demo_accounts

    with app.app_context(), db.new_session() as s:
        content.sync(s, app.config["CONTENT_DIR"])
        ensure_demo_accounts(s, password)


TEST_CONTENT = os.path.join(os.path.dirname(__file__), "content")


def model_like(level: int = 4, output: str = "| decision | owner |\n| budget | Alice |"):
    """A default reply for the loopback server: the target answers `output`; the judge gives
    `level` to every criterion named in the JSON schema it was sent."""
    import json

    from fakellm import Reply

    def respond(body):
        fmt = body.get("response_format")
        if not fmt:
            return Reply(content=output)
        ids = fmt["json_schema"]["schema"]["properties"]["criteria"]["items"]["properties"]["id"]["enum"]
        return Reply(content=json.dumps({
            "criteria": [{"id": i, "level": level, "rationale": f"Level {level} for {i}."} for i in ids],
            "improvements": ["Name the deadline of each action."]}))

    return respond


def drain(app) -> int:
    return app.extensions["queue"].drain()


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashes():
    """Tests hash with light argon2 parameters; production keeps the library's defaults."""
    from argon2 import PasswordHasher

    from lms.services import accounts

    accounts._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
