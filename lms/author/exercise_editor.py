"""The structured exercise editor (registered on the author blueprint).

Rows of criteria and calibration samples are added and removed with submit buttons, so the page
works without JavaScript; htmx swaps only the rubric (`_rubric.html`). Saving turns the values
into the exercise file's YAML and hands it to `authoring.save_exercise`, the path of the YAML
editor, which validates it with the file parser.
"""
from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from graders import SpecError, parse_exercise

from .. import db
from ..models import Exercise, Module
from ..services import authoring, content
from ..services import exercise_form as ef
from ..views_common import render, state_name
from .exercise_forms import ExerciseEditForm
from .routes import _exercise, _module, bp, trainers


@bp.route("/modules/<int:module_id>/exercises/compose", methods=["GET", "POST"])
@trainers
def compose_exercise(module_id: int):
    return _edit(_module(module_id), None)


@bp.route("/exercises/<slug>/form", methods=["GET", "POST"])
@trainers
def exercise_form(slug: str):
    row = _exercise(slug, request.args.get("version", type=int))
    return _edit(db.session().get(Module, row.module_id), row)


def _action_url(module: Module, row: Exercise | None) -> str:
    if row is None:
        return url_for("author.compose_exercise", module_id=module.id)
    return url_for("author.exercise_form", slug=row.slug, version=row.version)


def _page(form: ExerciseEditForm, module: Module, row: Exercise | None, errors: list[str] | None = None,
          status: int = 200):
    context = dict(form=form, module=module, row=row, errors=errors or [], action=_action_url(module, row),
                   total=ef.weight_total(form.values()))
    response = render("author/exercise_form.html", "author/_rubric.html", **context)
    response.status_code = status
    return response


def _restructure(values: dict, action: str) -> dict:
    """Apply an add/remove/refresh button to the editor's values."""
    criteria, samples = values["criteria"], values["samples"]
    if action == "add-criterion":
        criteria.append(ef.new_criterion("judge", f"criterion-{len(criteria) + 1}"))
    elif action.startswith("remove-criterion-") and len(criteria) > 1:
        index = int(action.rsplit("-", 1)[1]) if action.rsplit("-", 1)[1].isdigit() else -1
        if 0 <= index < len(criteria):
            del criteria[index]
    elif action == "add-sample":
        samples.append(ef.new_sample(criteria, f"sample-{len(samples) + 1}"))
    elif action.startswith("remove-sample-"):
        index = int(action.rsplit("-", 1)[1]) if action.rsplit("-", 1)[1].isdigit() else -1
        if 0 <= index < len(samples):
            del samples[index]
    return ef.align(ef.reset_changed_kinds(values))


def _edit(module: Module, row: Exercise | None):
    s = db.session()
    if request.method == "GET":
        values = ef.values_from(row.spec) if row else ef.blank()
        return _page(ExerciseEditForm(formdata=None, data=values), module, row)
    form = ExerciseEditForm()
    if row is not None:
        form.slug.data = row.slug  # the identifier of an existing exercise does not change
    action = request.form.get("action", "save")
    if action != "save":
        form = ExerciseEditForm(formdata=None, data=_restructure(form.values(), action))
        return _page(form, module, row)
    errors = []
    if not form.validate_on_submit():
        errors.append(_("Check the fields marked in red."))
    values = form.values()
    total = ef.weight_total(values)
    if abs(total - 100) > 1e-6:
        errors.append(_("The criteria's weights add up to %(total)g: they must add up to 100.", total=total))
    if row is None and authoring.latest(s, (values["slug"] or "").strip()) is not None:
        errors.append(_("An exercise with the identifier %(slug)s already exists.", slug=values["slug"]))
    if errors:
        return _page(form, module, row, errors, 400)
    data = ef.data_from(values, version=row.version if row else 1, previous=row.spec if row else None)
    if row is not None and row.status != "draft" and _same(data, row):
        flash(_("Nothing changed."), "info")
        return redirect(url_for("author.exercise", slug=row.slug, version=row.version))
    try:
        saved = authoring.save_exercise(s, current_user, ef.dump(data), module)
    except authoring.AuthoringError as exc:
        return _page(form, module, row, [str(exc)], 400)
    flash(_("Saved as version %(v)d (%(status)s).", v=saved.version, status=state_name(saved.status)), "success")
    return redirect(url_for("author.exercise", slug=saved.slug, version=saved.version))


def _same(data: dict, row: Exercise) -> bool:
    """The form's exercise means the same as the stored version (the file's comments and layout aside)."""
    try:
        return ef.meaning(parse_exercise(data, "exercise")) == ef.meaning(content.exercise_spec(row))
    except SpecError:
        return False
