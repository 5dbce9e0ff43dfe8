"""Browser checks: the real application served over HTTP, driven by Playwright in Debian's Chromium.

The live server is the application as `lms run` serves it: a SQLite file database built by the
migrations, the test content, the demo accounts, a loopback model (tests/fakellm.py) so that
grading works, werkzeug's threaded server on 127.0.0.1 at a random port, and an in-process
grading consumer. One server serves the whole package; each test signs in with accounts of its
own (`live.new_user`) so that the tests do not depend on each other's order.

Chromium is /usr/bin/chromium (`apt-get install chromium`; `.ci/run` installs it). Without it the
tests are skipped, unless LMS_TEST_REQUIRE_SERVICES=1, which turns the skip into a failure.
"""
from __future__ import annotations

import itertools
import json
import os
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import REQUIRE, TEST_CONTENT, model_like, seed
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from fakellm import FakeLLM, Reply

from lms import create_app, db

try:
    from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright
except ImportError as exc:  # the dev extra is not installed
    sync_playwright = None
    PLAYWRIGHT_MISSING = exc

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
AXE_JS = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
PASSWORD = "demo-password"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="package", autouse=True)
def _chromium():
    """Skip (or fail, when services are required) without Playwright or Chromium."""
    problem = None
    if sync_playwright is None:
        problem = f"Playwright is not installed ({PLAYWRIGHT_MISSING})"
    elif not os.access(CHROMIUM, os.X_OK):
        problem = f"{CHROMIUM} is missing (apt-get install chromium)"
    if problem:
        if REQUIRE:
            pytest.fail(f"the browser checks are required (LMS_TEST_REQUIRE_SERVICES=1): {problem}")
        pytest.skip(problem)


# -- the live server ---------------------------------------------------------------------------

@dataclass
class LiveServer:
    app: object
    url: str
    llm: FakeLLM
    errors: list = field(default_factory=list)  # exceptions raised by views while serving
    model_delay: float = 0.0  # seconds the model takes to answer (to watch a page wait for it)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    def new_user(self, name: str = "Camille Durand", role: str = "learner") -> str:
        """A new account of its own for one test; returns its e-mail address (password PASSWORD)."""
        from lms.models import Role
        from lms.services.accounts import create_user

        email = f"{role}{next(self._ids)}-{time.monotonic_ns()}@example.org"
        with self.app.app_context(), db.new_session() as s:
            create_user(s, email, name, PASSWORD, Role(role))
        return email

    def wait_for_attempt(self, attempt_id: int, timeout: float = 20.0) -> str:
        """Wait until the grading consumer has finished with an attempt; returns its status."""
        from lms.models import Attempt

        deadline = time.monotonic() + timeout
        while True:
            with self.app.app_context(), db.new_session() as s:
                status = s.get(Attempt, attempt_id).status
            if status not in ("queued", "grading"):
                return status
            if time.monotonic() > deadline:
                raise AssertionError(f"attempt {attempt_id} still {status} after {timeout}s")
            time.sleep(0.1)


@pytest.fixture(scope="package")
def live(tmp_path_factory):
    from flask import got_request_exception
    from graders import LLMClient, LLMSettings
    from werkzeug.serving import make_server

    folder = tmp_path_factory.mktemp("live")
    url = f"sqlite:///{folder / 'lms.db'}"
    db.upgrade(url)

    fake = FakeLLM().start()
    judge = model_like(level=4)
    server_box: dict = {}

    def respond(body) -> Reply:
        delay = server_box["live"].model_delay if "live" in server_box else 0.0
        reply = judge(body)
        reply.delay = delay
        return reply

    fake.default = respond
    llm = LLMClient(LLMSettings(grader_model="openai/judge", target_model="openai/target", api_base=fake.url,
                                api_key="test-key", timeout=10.0, num_retries=1))
    key = ed25519.Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()
    app = create_app({"DATABASE_URL": url, "QUEUE_FILE": str(folder / "queue.db"), "REDIS_URL": None,
                      "LLM": llm, "CONTENT_DIR": TEST_CONTENT, "SECRET_KEY": "browser-test-secret",
                      "SIGNING_KEY": key, "GRADING_RETRY_DELAY": 5.0})
    seed(app, PASSWORD)
    import litellm  # noqa: F401  (imported on the first model call otherwise: seconds on a page's clock)

    errors: list = []

    def record(sender, exception, **extra):
        errors.append(repr(exception))

    got_request_exception.connect(record, app)
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, name="live-server", daemon=True)
    thread.start()
    consumer = app.extensions["queue"].consumer(workers=1, in_process=True)
    consumer.start()
    server = LiveServer(app=app, url=f"http://127.0.0.1:{httpd.server_port}", llm=fake, errors=errors)
    server_box["live"] = server
    try:
        yield server
    finally:
        consumer.stop(graceful=True)
        httpd.shutdown()
        thread.join(10)
        httpd.server_close()
        fake.stop()
        got_request_exception.disconnect(record, app)
        app.extensions["engine"].dispose()


@pytest.fixture(autouse=True)
def _no_server_errors(live):
    """No view raised while a test ran (a 500 page would otherwise pass unnoticed)."""
    live.errors.clear()
    live.model_delay = 0.0
    yield
    assert live.errors == [], f"the server raised: {live.errors}"


# -- the browser -------------------------------------------------------------------------------

@pytest.fixture(scope="package")
def browser(_chromium):
    pw = sync_playwright().start()
    browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    try:
        yield browser
    finally:
        browser.close()
        pw.stop()


class Person:
    """A browser context (one person's cookies) with the console errors of its pages."""

    def __init__(self, browser: "Browser", live: LiveServer, **options):
        options = {"viewport": DESKTOP, "locale": "en-GB", "base_url": live.url, **options}
        self.context: BrowserContext = browser.new_context(**options)
        self.context.set_default_timeout(10_000)
        self.console_errors: list[str] = []
        self.live = live

    def page(self) -> "Page":
        page = self.context.new_page()
        page.on("console", lambda m: self._console(page, m))
        page.on("pageerror", lambda e: self.console_errors.append(f"{page.url}: {e}"))
        page.on("response", lambda r: self._response(r))
        return page

    def _console(self, page, message) -> None:
        # Failed loads are reported by _response, with their address.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.console_errors.append(f"{page.url}: {message.text}")

    def _response(self, response) -> None:
        # A page or an htmx answer may be a 4xx on purpose (a refused form); a script or a style may
        # not, and nothing may be a 5xx. Chromium asks for /favicon.ico by itself; the site has none.
        kind = response.request.resource_type
        if (response.status >= 500 or (response.status >= 400 and kind not in ("document", "xhr", "fetch"))) \
                and not response.url.endswith("/favicon.ico"):
            self.console_errors.append(f"{response.status} {response.request.method} {response.url}")

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def sessions(browser, live):
    """Open browser contexts on demand: `sessions()` or `sessions(java_script_enabled=False)`.
    At the end, no page may have logged a console error (a CSP violation, a failed script...)."""
    opened: list[Person] = []

    def open_session(**options) -> Person:
        session = Person(browser, live, **options)
        opened.append(session)
        return session

    yield open_session
    errors = [e for s in opened for e in s.console_errors]
    for s in opened:
        s.close()
    assert errors == [], f"console errors: {errors}"


def sign_in(page: "Page", email: str, password: str = PASSWORD) -> None:
    page.goto("/login")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).not_to_have_url(re.compile(r"/login"))


# -- accessibility ------------------------------------------------------------------------------

_AXE_SOURCE: str | None = None


def axe_violations(page: "Page", impacts=("serious", "critical")) -> list[dict]:
    """Run axe-core on the page and return its violations of the given impacts.

    axe is evaluated through the DevTools protocol, which the page's Content-Security-Policy
    (script-src 'self') does not block, so the page is checked with its real policy."""
    global _AXE_SOURCE
    if _AXE_SOURCE is None:
        _AXE_SOURCE = AXE_JS.read_text()
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(_AXE_SOURCE + "\n;undefined")
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary}))}));
    }""")
    return [v for v in result if v["impact"] in impacts]


def describe(violations: list[dict]) -> str:
    return json.dumps(violations, indent=1, ensure_ascii=False)


def screenshot(page: "Page", name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    # Animations stopped (a spinner would keep the capture waiting); a slow machine gets more time
    # than the default: the screenshot is a record of the page, the checks are made before it.
    page.screenshot(path=str(path), full_page=True, animations="disabled", timeout=30_000)
    return path
