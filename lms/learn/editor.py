"""The prompt editor's helpers (registered on the learn blueprint): draft autosave and the
comparison of two of the learner's own attempts."""
from __future__ import annotations

from flask import abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlmodel import select

from .. import db
from ..models import Attempt, Exercise
from ..services import drafts, prompt_diff
from ..services.content import exercise_spec
from ..views_common import wants_partial
from .forms import PromptForm
from .routes import ATTEMPTS_SHOWN, _attempts, _attempts_total, _exercise, bp


@bp.route("/exercises/<slug>/draft", methods=["POST"])
@login_required
def save_draft(slug: str):
    """Save the editor's text as the learner's draft: every few seconds from htmx (answers the
    status line), or from the "Save draft" button without JavaScript (back to the exercise)."""
    exercise_row, _module, _course = _exercise(slug)
    form = PromptForm()
    if not form.validate_on_submit():
        abort(400)
    draft = drafts.save(db.session(), current_user.id, exercise_row.slug, form.prompt.data,
                        current_app.config["MAX_PROMPT_CHARS"])
    if wants_partial():  # the autosave: only the status line
        response = make_response(render_template("learn/_draft_status.html", draft=draft, saved=True))
        response.headers.add("Vary", "HX-Request")
        return response
    flash(_("Your draft is saved. It will be here when you come back.") if draft else
          _("The prompt was empty: there is no draft any more."), "success")
    return redirect(url_for("learn.exercise", slug=exercise_row.slug))


def _own(attempt_id: str | None, slug: str) -> tuple[Attempt, Exercise]:
    """One of the learner's own attempts on this exercise (any version), or a 404."""
    try:
        wanted = int(attempt_id or "")
    except ValueError:
        abort(404)
    found = db.session().exec(select(Attempt, Exercise).join(Exercise).where(
        Attempt.id == wanted, Attempt.user_id == current_user.id, Exercise.slug == slug)).first()
    if found is None:
        abort(404)
    return found[0], found[1]


@bp.route("/exercises/<slug>/compare")
@login_required
def compare(slug: str):
    """Two of the learner's attempts side by side: a word-level diff of the prompts and the
    scores per criterion. Without `a` and `b`, the last two attempts."""
    exercise_row, module, course = _exercise(slug)
    attempts = _attempts(exercise_row.slug)  # the learner's most recent, newest first
    total = _attempts_total(exercise_row.slug) if len(attempts) > ATTEMPTS_SHOWN else len(attempts)
    if not request.args.get("a") and not request.args.get("b"):
        if len(attempts) < 2:
            return render_template("learn/compare.html", exercise=exercise_row, module=module, course=course,
                                   attempts=attempts, total=total, pair=None)
        old, new = attempts[1], attempts[0]
    else:
        old, new = _own(request.args.get("a"), exercise_row.slug), _own(request.args.get("b"), exercise_row.slug)
    rows = []
    specs = {ex.id: exercise_spec(ex) for ex in (old[1], new[1])}
    labels = {c.id: c.label for spec in specs.values() for c in spec.criteria}
    scores = {}
    for side, (a, _ex) in (("a", old), ("b", new)):
        for c in (a.report or {}).get("criteria", []):
            scores.setdefault(c["id"], {})[side] = c
    for cid in list(dict.fromkeys([c.id for c in specs[new[1].id].criteria] + list(scores))):
        rows.append({"id": cid, "label": labels.get(cid), **scores.get(cid, {})})
    return render_template("learn/compare.html", exercise=exercise_row, module=module, course=course,
                           attempts=attempts, total=total, pair=(old[0], new[0]), rows=rows,
                           diff=prompt_diff.diff(old[0].prompt or "", new[0].prompt or ""))
