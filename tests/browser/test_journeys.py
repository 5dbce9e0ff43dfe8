"""Journeys in a real browser: a learner from sign-in to a verified certificate, a trainer from the
review queue to an override, HR on the training overview, a language switch mid-journey, and the
same lessons and submissions with JavaScript disabled (htmx enhances, it does not gate)."""
import re
import uuid

from playwright.sync_api import expect

from .conftest import sign_in

PROMPT = ('You write minutes for the project team. Turn the notes into a table.\n'
          '"""{{input}}"""\nCase %s.')


def unique_prompt() -> str:
    """A prompt no one has submitted yet (an identical prompt would reuse an earlier grade)."""
    return PROMPT % uuid.uuid4().hex[:8]


def mark(page) -> None:
    """Set a marker on the window: it survives htmx swaps and boosted links, not a full reload."""
    page.evaluate("() => { window.__sameDocument = true; }")


def same_document(page) -> bool:
    return page.evaluate("() => window.__sameDocument === true")


def test_learner_from_sign_in_to_a_verified_certificate(live, sessions):
    email = live.new_user("Camille Durand")
    learner = sessions()
    page = learner.page()

    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login\?next=%2F$"))
    sign_in(page, email)
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Camille Durand")
    expect(page.locator("article", has_text="Mini course")).to_contain_text("0% complete")

    # The lesson, marked as read in place: the progress bar updates without a reload.
    page.get_by_role("link", name="Mini course", exact=True).click()  # the catalogue's (not "Start with …")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mini course")
    page.get_by_role("link", name="Introduction").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Introduction")
    expect(page.locator(".prose strong")).to_have_text("language model")
    mark(page)
    page.get_by_role("button", name="Mark as read").click()
    expect(page.get_by_role("status").filter(has_text="Lesson marked as read.")).to_be_visible()
    expect(page.locator("#course-progress")).to_contain_text("50% complete")
    expect(page.get_by_role("button", name="Mark as read")).to_have_count(0)
    assert same_document(page)

    # The exercise: write a prompt, run it on the model, submit it.
    page.get_by_role("link", name="Back to the course").click()
    page.get_by_role("link", name="Brief the model").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Brief the model")
    prompt = unique_prompt()
    page.get_by_role("textbox", name="Your prompt").fill(prompt)
    page.get_by_role("button", name="Run on the model").click()
    output = page.locator("#run-output")
    expect(output).to_contain_text("| budget | Alice |")
    expect(output).to_contain_text("tokens in")
    expect(page.get_by_role("textbox", name="Your prompt")).to_have_value(prompt)  # the text stays in the editor
    assert same_document(page)

    live.model_delay = 1.5  # the judge takes its time: the page shows that grading is under way
    page.get_by_role("button", name="Submit for grading").click()
    expect(page).to_have_url(re.compile(r"/attempts/\d+$"))
    report = page.locator("#report")
    expect(report).to_contain_text("Grading under way")
    expect(report).to_have_attribute("hx-trigger", "every 2s")
    expect(page.locator("pre.prompt")).to_have_text(prompt)

    # htmx polls the report and swaps the result in, in the same document.
    expect(report).to_contain_text("100/100", timeout=20_000)
    expect(report).to_contain_text("Passed")
    for label in ("Delimits the notes", "Names the audience", "Quality of the brief"):
        expect(report.get_by_role("rowheader", name=label)).to_be_visible()
    expect(report).to_contain_text("Level 4 for quality.")
    expect(report).to_contain_text("Name the deadline of each action.")
    expect(report).not_to_have_attribute("hx-trigger", re.compile("."))  # polling stopped
    assert same_document(page)

    # The certificate, and its public page for anyone.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Certificates").click()
    row = page.get_by_role("row", name=re.compile("Mini certificate"))
    expect(row).to_contain_text("Valid")
    public_link = row.locator("a[href^='/verify/']")
    public_url = public_link.get_attribute("href")
    assert re.fullmatch(r"/verify/[\w-]+", public_url)

    visitor = sessions().page()
    visitor.goto(public_url)
    expect(visitor.get_by_role("heading", level=1)).to_have_text("Certificate verification")
    expect(visitor.locator(".verdict")).to_contain_text("Valid")
    expect(visitor.locator(".verdict")).to_contain_text("This certificate is genuine and valid.")
    expect(visitor.locator("dl")).to_contain_text("Camille Durand")
    expect(visitor.locator("dl")).to_contain_text("Mini certificate")
    expect(visitor.get_by_role("button", name="Sign out")).to_have_count(0)  # not signed in


def test_trainer_from_the_review_queue_to_an_override(live, sessions):
    email = live.new_user("Noé Petit")
    learner = sessions().page()
    sign_in(learner, email)
    learner.goto("/exercises/mini-brief")
    learner.get_by_role("textbox", name="Your prompt").fill(f"Summarise these notes. {uuid.uuid4().hex[:6]}")
    learner.get_by_role("button", name="Submit for grading").click()
    report = learner.locator("#report")
    expect(report).to_contain_text("50/100", timeout=20_000)
    expect(report).to_contain_text("Not passed")
    attempt_url = learner.url

    learner.get_by_label(re.compile("If you think this grade is wrong")).fill(
        "My prompt names the notes; please check the delimiters.")
    learner.get_by_role("button", name="Ask a trainer to review").click()
    expect(learner.get_by_role("status").filter(has_text="Your request is sent")).to_be_visible()

    trainer = sessions().page()
    sign_in(trainer, "trainer@example.org")
    trainer.get_by_role("navigation", name="Main").get_by_role("link", name="Review").click()
    expect(trainer.get_by_role("heading", level=1)).to_have_text("Review queue")
    row = trainer.get_by_role("row", name=re.compile("Noé Petit"))
    expect(row).to_contain_text("Appeal:")
    expect(row).to_contain_text("please check the delimiters")
    row.get_by_role("link", name="Review").click()

    expect(trainer.get_by_role("heading", level=1)).to_have_text("Review an attempt")
    expect(trainer.locator(".notice")).to_contain_text("The learner asks for a review")
    expect(trainer.locator("pre.prompt")).to_contain_text("Summarise these notes.")
    trainer.get_by_label("Decision for Delimits the notes").select_option(label="met")
    trainer.get_by_label("Comment for Delimits the notes").fill("The notes are clearly set apart.")
    trainer.get_by_label("Decision for Names the audience").select_option(label="met")
    trainer.get_by_label("Overall comment").fill("Fair point: regraded.")
    trainer.get_by_role("button", name="Save the review").click()

    expect(trainer.get_by_role("heading", level=1)).to_have_text("Review queue")
    expect(trainer.get_by_role("status").filter(has_text="The review is saved")).to_be_visible()
    expect(trainer.get_by_role("row", name=re.compile("Noé Petit"))).to_have_count(0)

    learner.goto("/")
    news = learner.get_by_role("region", name="News")
    expect(news).to_contain_text("A trainer reviewed your attempt on “Brief the model”: 100/100.")
    news.get_by_role("link", name="See the report").click()
    expect(learner).to_have_url(attempt_url)
    expect(report).to_contain_text("100/100")
    expect(report).to_contain_text("Passed")
    expect(report).to_contain_text("Fair point: regraded.")
    expect(report).to_contain_text("The notes are clearly set apart.")


def test_refused_forms_show_their_message(live, sessions):
    """htmx swaps error answers too: a refused sign-in or prompt is explained, not silently ignored."""
    email = live.new_user("Rose Garnier")
    page = sessions().page()
    page.goto("/login")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text("Wrong e-mail address or password.")
    sign_in(page, email)

    page.goto("/exercises/mini-brief")
    page.get_by_role("textbox", name="Your prompt").fill("   \n   ")
    page.get_by_role("button", name="Submit for grading").click()
    expect(page.get_by_role("alert")).to_contain_text("Your prompt is empty.")
    expect(page.get_by_role("textbox", name="Your prompt")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_role("heading", level=1)).to_have_text("Brief the model")


def test_hr_opens_the_training_overview(live, sessions):
    # The HR pages are being rebuilt: this only checks that the overview loads and shows a table.
    # Its tables need data: a track assigned to a learner and already overdue, given here through
    # the service behind the HR form.
    from datetime import date, timedelta

    from sqlmodel import select

    from lms import db
    from lms.models import Course, User
    from lms.services import hr_org

    email = live.new_user("Lina Roux")
    with live.app.app_context(), db.new_session() as s:
        actor = s.exec(select(User).where(User.email == "hr@example.org")).one()
        course = s.exec(select(Course).where(Course.slug == "mini")).one()
        hr_org.assign(s, actor, course.id, date.today() - timedelta(days=1), email=email)

    hr = sessions().page()
    sign_in(hr, "hr@example.org")
    with hr.expect_response(re.compile(r"/hr/$")) as response:
        hr.get_by_role("navigation", name="Main").get_by_role("link", name="Training overview").click()
    assert response.value.status == 200
    expect(hr).to_have_url(re.compile(r"/hr/$"))
    expect(hr.get_by_role("heading", level=1)).to_have_text("Training overview")
    expect(hr.locator("main table").first).to_be_visible()


def test_a_language_switch_mid_journey_sticks(live, sessions):
    email = live.new_user("Inès Moreau")
    page = sessions().page()
    sign_in(page, email)
    page.get_by_role("link", name="Mini course", exact=True).click()  # the catalogue's (not "Start with …")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mini course")

    page.get_by_label("Language").select_option("fr")
    page.get_by_role("button", name="Change language").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page).to_have_url(re.compile(r"/courses/mini\??$"))  # back on the same page
    expect(page.get_by_role("heading", level=1)).to_have_text("Mini-cours")
    nav = page.get_by_role("navigation", name="Principal")
    expect(nav.get_by_role("link", name="Mes formations")).to_be_visible()

    # French stays through boosted navigation, a form and a full reload.
    page.get_by_role("link", name="Introduction").click()
    expect(page.get_by_role("button", name="Marquer comme lue")).to_be_visible()
    page.get_by_role("button", name="Marquer comme lue").click()
    expect(page.get_by_role("status").filter(has_text="Leçon marquée comme lue.")).to_be_visible()
    page.get_by_role("link", name="Retour au cours").click()
    page.get_by_role("link", name="Briefer le modèle").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Briefer le modèle")
    expect(page.get_by_role("button", name="Soumettre pour évaluation")).to_be_visible()
    page.reload()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("link", name="Aller au contenu")).to_be_attached()
    expect(page.get_by_text("Votre équipe a besoin d'un compte rendu.")).to_be_visible()


def test_without_javascript_lessons_and_submissions_work(live, sessions):
    email = live.new_user("Hugo Lambert")
    page = sessions(java_script_enabled=False).page()
    sign_in(page, email)
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Hugo Lambert")

    page.goto("/courses/mini/basics/intro")
    expect(page.locator(".prose strong")).to_have_text("language model")
    page.get_by_role("button", name="Mark as read").click()  # a plain POST, then a redirect
    expect(page).to_have_url(re.compile(r"/courses/mini/basics/intro$"))
    expect(page.get_by_text("Lesson marked as read.")).to_be_visible()
    expect(page.locator("#course-progress")).to_contain_text("50% complete")

    page.goto("/exercises/mini-brief")
    prompt = unique_prompt()
    page.get_by_role("textbox", name="Your prompt").fill(prompt)
    page.get_by_role("button", name="Run on the model").click()  # the form's formaction
    expect(page.locator("#run-output")).to_contain_text("| budget | Alice |")
    expect(page.get_by_role("textbox", name="Your prompt")).to_have_value(prompt)

    live.model_delay = 1.0
    page.get_by_role("button", name="Submit for grading").click()
    expect(page).to_have_url(re.compile(r"/attempts/\d+$"))
    expect(page.locator("#report")).to_contain_text("Grading under way")
    refresh = page.get_by_role("link", name="Refresh")  # shown in <noscript>
    expect(refresh).to_be_visible()
    live.wait_for_attempt(int(page.url.rsplit("/", 1)[1]))
    refresh.click()
    expect(page.locator("#report")).to_contain_text("100/100")
    expect(page.locator("#report")).to_contain_text("Passed")

    page.goto("/certificates")
    expect(page.get_by_role("row", name=re.compile("Mini certificate"))).to_contain_text("Valid")
