"""The prompt editor in a real browser: live counts, draft autosave that survives a reload, the
previous attempt beside the editor, the comparison of two attempts, and the same draft saved with
JavaScript disabled. The pages pass axe-core (no serious or critical violation)."""
import re
import uuid

from playwright.sync_api import expect

from .conftest import axe_violations, describe, sign_in

TEXT = "Summarise the notes for the team."


def test_typing_counts_autosaves_and_the_draft_survives_a_reload(live, sessions):
    page = sessions().page()
    sign_in(page, live.new_user("Noa Petit"))
    page.goto("/exercises/mini-brief")
    count = page.locator("#prompt-count")
    expect(count).to_be_visible()
    expect(count).to_have_text("0 / 8,000 characters · 0 words · ≈ 0 tokens (estimate)")

    box = page.get_by_role("textbox", name="Your prompt")
    box.press_sequentially(TEXT, delay=15)
    # 33 characters, 6 words; "Summarise" counts two tokens and the full stop one
    expect(count).to_have_text("33 / 8,000 characters · 6 words · ≈ 8 tokens (estimate)")
    status = page.locator("#draft-status")
    expect(status).to_have_text(re.compile(r"^Draft saved at \d\d:\d\d$"))
    assert axe_violations(page) == [], describe(axe_violations(page))

    page.reload()
    expect(box).to_have_value(TEXT)
    expect(status).to_contain_text("Your draft is restored")
    expect(count).to_contain_text("33 / 8,000 characters")

    # over the limit: the count turns to a warning, and it is announced once, politely
    box.fill("x" * 8001)
    expect(count).to_have_class(re.compile(r"\bover\b"))
    expect(page.locator("#prompt-count-live")).to_have_text(
        "Your prompt is 1 characters over the limit of 8,000: shorten it before submitting.")
    box.fill(TEXT)
    expect(page.locator("#prompt-count-live")).to_have_text("Your prompt is within the limit again.")

    # submitted: the draft is gone and the attempt shows beside the editor
    page.get_by_role("button", name="Submit for grading").click()
    expect(page).to_have_url(re.compile(r"/attempts/\d+$"))
    live.wait_for_attempt(int(page.url.rsplit("/", 1)[1]))
    page.goto("/exercises/mini-brief")
    expect(box).to_have_value("")
    previous = page.locator("details.previous-attempt")
    expect(previous).to_contain_text("Your previous attempt")
    expect(previous.locator("pre.prompt")).to_have_text(TEXT)


def test_compare_two_attempts(live, sessions):
    page = sessions().page()
    sign_in(page, live.new_user("Inès Roux"))
    ids = []
    for prompt in (f"Summarise the notes. {uuid.uuid4().hex[:6]}",
                   f'You write minutes for the project team.\n"""{{{{input}}}}"""\n{uuid.uuid4().hex[:6]}'):
        page.goto("/exercises/mini-brief")
        page.get_by_role("textbox", name="Your prompt").fill(prompt)
        page.get_by_role("button", name="Submit for grading").click()
        expect(page).to_have_url(re.compile(r"/attempts/\d+$"))
        ids.append(int(page.url.rsplit("/", 1)[1]))
        live.wait_for_attempt(ids[-1])

    page.goto("/exercises/mini-brief")
    assert axe_violations(page) == [], describe(axe_violations(page))
    page.locator("details.previous-attempt").get_by_role("link", name="Compare with the attempt before").click()
    expect(page).to_have_url(re.compile(rf"/exercises/mini-brief/compare\?a={ids[0]}&b={ids[1]}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Compare attempts")
    expect(page.locator("pre.diff ins").first).to_be_visible()
    expect(page.locator("pre.diff del").first).to_be_visible()
    # A replacement is drawn apart from what it replaces ("notes table", not "notestable").
    gap = page.locator("pre.diff del + ins").first.evaluate("e => parseFloat(getComputedStyle(e).marginLeft)")
    assert gap > 0
    expect(page.get_by_role("row", name=re.compile("Delimits the notes"))).to_contain_text("0/30")
    expect(page.get_by_role("row", name=re.compile("Delimits the notes"))).to_contain_text("30/30")
    assert axe_violations(page) == [], describe(axe_violations(page))


def test_without_javascript_the_draft_button_saves(live, sessions):
    page = sessions(java_script_enabled=False).page()
    sign_in(page, live.new_user("Jules Martin"))
    page.goto("/exercises/mini-brief")
    expect(page.locator("#prompt-count")).to_be_hidden()  # the counts need JavaScript
    page.get_by_role("textbox", name="Your prompt").fill("A draft without JavaScript")
    page.get_by_role("button", name="Save draft").click()
    expect(page).to_have_url(re.compile(r"/exercises/mini-brief$"))
    expect(page.get_by_text("Your draft is saved.")).to_be_visible()
    expect(page.get_by_role("textbox", name="Your prompt")).to_have_value("A draft without JavaScript")
