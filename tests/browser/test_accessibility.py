"""Accessibility and layout of the main pages in a real browser.

Each page is checked with axe-core (no violation of impact serious or critical), in the light and
the dark theme (prefers-color-scheme), at desktop (1280x800) and phone (390x844) widths, where
nothing may scroll sideways; every form field has a label; screenshots of every page, width and
theme go to test-artifacts/screenshots/. Keyboard: a skip link that shows and moves the focus to
the main content, and a focus indicator on everything Tab reaches, contrasting with what is
behind it."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .conftest import DESKTOP, PHONE, PASSWORD, axe_violations, describe, screenshot, sign_in

PROMPT = 'You write minutes for the project team.\n"""{{input}}"""\nAccessibility world.'


@pytest.fixture(scope="module")
def world(live):
    """A learner with a passed attempt and a certificate, and an appealed attempt for the trainers."""
    from sqlmodel import select

    from lms import db
    from lms.models import Certificate, Course, Exercise, Lesson, User
    from lms.services import certification, grading, progress, review

    email = live.new_user("Léa Moreau")
    app = live.app
    with app.app_context(), db.new_session() as s:
        user = s.exec(select(User).where(User.email == email)).one()
        for lesson in s.exec(select(Lesson)):
            progress.mark_lesson_done(s, user.id, lesson)
        exercise = s.exec(select(Exercise).where(Exercise.slug == "mini-brief")).one()
        passed = grading.submit(s, user, exercise, PROMPT, "en").id
        appealed = grading.submit(s, user, exercise, "Summarise the notes. (accessibility world)", "en").id
    assert live.wait_for_attempt(passed) == "graded"
    assert live.wait_for_attempt(appealed) == "graded"
    with app.app_context(), db.new_session() as s:
        user = s.exec(select(User).where(User.email == email)).one()
        course = s.exec(select(Course).where(Course.slug == "mini")).one()
        certification.issue_if_complete(s, user.id, course)
        certificate = s.exec(select(Certificate).where(Certificate.user_id == user.id)).one()
        review.appeal(s, user, grading_attempt(s, appealed), "I named the notes; please look again.")
        world = {"learner": email, "attempt": passed, "appealed": appealed, "certificate": certificate.public_id}
    world["learner-fr"] = live.new_user("Zoé Lefèvre")  # French is longer: it must fit a phone too
    with app.app_context(), db.new_session() as s:
        user = s.exec(select(User).where(User.email == world["learner-fr"])).one()
        user.locale = "fr"
        s.add(user)
        s.commit()
    return world


def grading_attempt(session, attempt_id):
    from lms.models import Attempt

    return session.get(Attempt, attempt_id)


@pytest.fixture(scope="module")
def people(browser, live, world):
    """One signed-in browser context per role, shared by the page checks of this module."""
    from .conftest import Person

    accounts = {"learner": world["learner"], "learner-fr": world["learner-fr"], "trainer": "trainer@example.org",
                "admin": "admin@example.org"}
    opened: dict[str, Person] = {}

    def person(role: str) -> Person:
        if role not in opened:
            opened[role] = Person(browser, live)
            if role != "anonymous":
                page = opened[role].page()
                sign_in(page, accounts[role], PASSWORD)
                page.close()
        return opened[role]

    yield person
    for p in opened.values():
        p.close()


def run_on_model(page):
    page.locator("textarea#prompt").fill(PROMPT)
    page.locator("#run-output").evaluate("el => el.replaceChildren()")
    page.locator("button[formaction$='/run']").click()
    expect(page.locator("#run-output pre.output")).to_be_visible()


def failed_sign_in(page):
    page.locator("#email").fill("not-an-address")
    page.locator("#password").fill("wrong")
    page.locator("main button[type=submit]").click()
    expect(page.locator(".field-error")).to_be_visible()


# name, role, address (filled from the world), what to do on the page first
PAGES = [
    ("login", "anonymous", "/login", None),
    ("login-failed", "anonymous", "/login", failed_sign_in),
    ("dashboard", "learner", "/", None),
    ("course", "learner", "/courses/mini", None),
    ("lesson", "learner", "/courses/mini/basics/intro", None),
    ("exercise", "learner", "/exercises/mini-brief", run_on_model),
    ("attempt-report", "learner", "/attempts/{attempt}", None),
    ("compare-attempts", "learner", "/exercises/mini-brief/compare", None),
    ("certificates", "learner", "/certificates", None),
    ("quiz", "learner", "/courses/mini-exam/advanced/quiz", None),
    ("exam", "learner", "/courses/mini-exam/exam", None),
    ("verify", "anonymous", "/verify/{certificate}", None),
    ("review-queue", "trainer", "/review/", None),
    ("review-attempt", "trainer", "/review/attempts/{appealed}", None),
    ("admin", "admin", "/admin/", None),
    ("admin-certificates", "admin", "/admin/certificates", None),
    ("not-found", "learner", "/courses/no-such-course", None),
    ("dashboard-fr", "learner-fr", "/", None),
    ("lesson-fr", "learner-fr", "/courses/mini/basics/intro", None),
    ("exercise-fr", "learner-fr", "/exercises/mini-brief", run_on_model),
]

TOO_WIDE = """() => [...document.querySelectorAll('body *')]
  .filter(el => el.getBoundingClientRect().right > window.innerWidth + 1
                && ![...el.children].some(c => c.getBoundingClientRect().right > window.innerWidth + 1))
  .slice(0, 5).map(el => el.outerHTML.slice(0, 100))"""

UNLABELLED_FIELDS = """() => [...document.querySelectorAll(
    'input:not([type=hidden]):not([type=submit]):not([type=button]):not([type=reset]), select, textarea')]
  .filter(el => !([...(el.labels || [])].some(l => l.textContent.trim())
                   || (el.getAttribute('aria-label') || '').trim()
                   || (el.getAttribute('aria-labelledby') || '').trim()))
  .map(el => el.outerHTML.slice(0, 120))"""


@pytest.mark.parametrize("name,role,address,action", PAGES, ids=[p[0] for p in PAGES])
def test_page_is_accessible_in_both_themes_and_fits_a_phone(people, world, name, role, address, action):
    person = people(role)
    person.console_errors.clear()
    page = person.page()
    try:
        response = page.goto(address.format(**world))
        assert response.status == (404 if name == "not-found" else 200)
        if action:
            action(page)
        assert page.evaluate(UNLABELLED_FIELDS) == [], "form fields without a label"

        problems = {}
        for scheme in ("light", "dark"):
            page.emulate_media(color_scheme=scheme)
            for width_name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
                page.set_viewport_size(viewport)
                where = f"{scheme}, {width_name}"
                violations = axe_violations(page)
                if violations:
                    problems[where] = violations
                width = page.evaluate("() => document.documentElement.scrollWidth")
                if width > viewport["width"]:
                    problems[f"{where}, width"] = f"the page is {width}px wide: it scrolls sideways; " \
                        f"too wide: {page.evaluate(TOO_WIDE)}"
                screenshot(page, f"{name}-{width_name}-{scheme}")
        assert problems == {}, f"{name}:\n{describe(problems)}"
        assert person.console_errors == []
    finally:
        page.close()


# -- keyboard ----------------------------------------------------------------------------------

FOCUS_STATE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const parse = c => (c.match(/[\\d.]+/g) || []).map(Number);
  const luminance = ([r, g, b]) => {
    const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  let bg = null;  // the colour behind the element: its first ancestor with an opaque background
  for (let node = el.parentElement; node; node = node.parentElement) {
    const c = parse(getComputedStyle(node).backgroundColor);
    if (c.length === 3 || (c.length === 4 && c[3] > 0.9)) { bg = c.slice(0, 3); break; }
  }
  bg = bg || [255, 255, 255];
  const outline = parse(style.outlineColor).slice(0, 3);
  const [l1, l2] = [luminance(outline), luminance(bg)].sort((a, b) => b - a);
  const rect = el.getBoundingClientRect();
  return {tag: el.tagName.toLowerCase(), id: el.id, text: (el.textContent || el.value || '').trim().slice(0, 40),
          outlineStyle: style.outlineStyle, outlineWidth: parseFloat(style.outlineWidth),
          contrast: (l1 + 0.05) / (l2 + 0.05),
          visible: rect.width > 0 && rect.height > 0 && rect.right > 0 && rect.bottom > 0
                   && rect.left < window.innerWidth && rect.top < window.innerHeight};
}"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("role,address", [("anonymous", "/login"), ("learner", "/exercises/mini-brief"),
                                          ("learner", "/attempts/{attempt}"), ("trainer", "/review/attempts/{appealed}"),
                                          ("admin", "/admin/")])
def test_keyboard_skip_link_and_visible_focus(people, world, role, address, scheme):
    person = people(role)
    person.console_errors.clear()
    page = person.page()
    try:
        page.emulate_media(color_scheme=scheme)
        page.goto(address.format(**world))

        # The first Tab reaches the skip link, which shows on screen and moves the focus to main.
        page.keyboard.press("Tab")
        first = page.evaluate(FOCUS_STATE)
        assert first and first["text"] == "Skip to content" and first["visible"], first
        page.keyboard.press("Enter")
        assert page.evaluate("() => document.activeElement.id") == "main"
        assert page.url.endswith("#main")

        # Everything Tab reaches from there shows a focus indicator that contrasts with its background.
        seen = []
        for _ in range(60):
            page.keyboard.press("Tab")
            state = page.evaluate(FOCUS_STATE)
            if state is None or (seen and state == seen[0]):
                break
            seen.append(state)
            assert state["outlineStyle"] != "none" and state["outlineWidth"] >= 2, f"no focus indicator: {state}"
            assert state["contrast"] >= 3, f"focus indicator too faint ({state['contrast']:.2f}:1): {state}"
        assert len(seen) >= 3, seen
        assert person.console_errors == []
    finally:
        page.close()
