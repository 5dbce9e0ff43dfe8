"""The quiz editor of a module (registered on the author blueprint)."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import db
from ..learn.forms import EmptyForm
from ..models import Course, Module
from ..services import quiz_authoring as qa
from ..services.authoring import AuthoringError
from ..services.course_authoring import texts
from .forms import QuestionForm, QuizSettingsForm
from .routes import _module, bp, trainers

MAX_CHOICES = 10


def _questions(module: Module) -> list[dict]:
    quiz = qa.quiz_of(db.session(), module)
    return list((quiz.spec.get("questions") or []) if quiz else [])


def _choices(form: QuestionForm) -> list[qa.ChoiceInput]:
    """The answers the trainer filled in (blank rows are left out)."""
    out = []
    for entry in form.choices:
        c = entry.form
        text = texts(c.text_en.data, c.text_fr.data)
        if any(text.values()):
            out.append(qa.ChoiceInput(id=(c.cid.data or "").strip(), text=text, correct=bool(c.correct.data)))
    return out


def _question(form: QuestionForm, choices: list[qa.ChoiceInput], qid: str | None) -> dict:
    """The question in the file format (what the preview shows)."""
    return {"id": qid or "new", "type": form.type.data, "question": texts(form.question_en.data, form.question_fr.data),
            "choices": [{"id": c.id or str(i), "text": c.text, "correct": c.correct} for i, c in enumerate(choices)],
            "explanation": texts(form.explanation_en.data, form.explanation_fr.data)}


@bp.route("/modules/<int:module_id>/quiz", methods=["GET", "POST"])
@trainers
def quiz(module_id: int):
    module = _module(module_id)
    s = db.session()
    row = qa.quiz_of(s, module)
    pass_mark = row.spec.get("pass_mark", qa.DEFAULT_PASS_MARK) if row else qa.DEFAULT_PASS_MARK
    form = QuizSettingsForm() if request.method == "POST" else QuizSettingsForm(formdata=None,
                                                                                data={"pass_mark": pass_mark})
    error = None
    if form.validate_on_submit():
        try:
            qa.set_pass_mark(s, current_user, module, form.pass_mark.data)
        except AuthoringError as exc:
            error = str(exc)
        else:
            flash(_("Pass mark saved."), "success")
            return redirect(url_for("author.quiz", module_id=module.id))
    elif request.method == "POST":
        error = _("Check the fields marked in red.")
    return render_template("author/quiz.html", module=module, course=s.get(Course, module.course_id), quiz=row,
                           questions=_questions(module), form=form, delete_form=EmptyForm(), error=error), \
        400 if error else 200


def _edit(module: Module, qid: str | None):
    questions = _questions(module)
    existing = next((q for q in questions if q["id"] == qid), None) if qid else None
    if qid and existing is None:
        abort(404)
    if request.method == "GET":
        data = {"type": "single", "choices": [{}] * 4}
        if existing:
            data = {"type": existing.get("type", "single"),
                    "question_en": existing["question"]["en"], "question_fr": existing["question"]["fr"],
                    "explanation_en": existing["explanation"]["en"], "explanation_fr": existing["explanation"]["fr"],
                    "choices": [{"cid": c["id"], "text_en": c["text"]["en"], "text_fr": c["text"]["fr"],
                                 "correct": bool(c.get("correct"))} for c in existing["choices"]]}
            data["choices"] += [{}] * max(1, 4 - len(data["choices"]))  # empty rows for more answers
        form = QuestionForm(formdata=None, data=data)
        return _question_page(module, qid, form)
    form = QuestionForm()
    action = request.form.get("action", "save")
    if action == "add-choice":
        if len(form.choices) < MAX_CHOICES:
            form.choices.append_entry()
        return _question_page(module, qid, form)
    valid = form.validate_on_submit()
    choices = _choices(form)
    problems = qa.question_problems(form.type.data, choices)
    if action == "preview":
        return _question_page(module, qid, form, preview=_question(form, choices, qid), problems=problems)
    if not valid:
        return _question_page(module, qid, form, problems=[_("Check the fields marked in red."), *problems]), 400
    try:
        saved = qa.save_question(db.session(), current_user, module, qid, form.type.data,
                                 texts(form.question_en.data, form.question_fr.data), choices,
                                 texts(form.explanation_en.data, form.explanation_fr.data))
    except AuthoringError as exc:
        return _question_page(module, qid, form, problems=[str(exc)]), 400
    flash(_("Question saved."), "success")
    return redirect(url_for("author.quiz", module_id=module.id) + f"#question-{saved}")


def _question_page(module: Module, qid: str | None, form: QuestionForm, preview: dict | None = None,
                   problems: list[str] | None = None):
    return render_template("author/question.html", module=module, qid=qid, form=form, preview=preview,
                           problems=problems or [])


@bp.route("/modules/<int:module_id>/quiz/questions/new", methods=["GET", "POST"])
@trainers
def new_question(module_id: int):
    return _edit(_module(module_id), None)


@bp.route("/modules/<int:module_id>/quiz/questions/<qid>", methods=["GET", "POST"])
@trainers
def edit_question(module_id: int, qid: str):
    return _edit(_module(module_id), qid)


@bp.route("/modules/<int:module_id>/quiz/questions/<qid>/delete", methods=["POST"])
@trainers
def delete_question(module_id: int, qid: str):
    module = _module(module_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        qa.remove_question(db.session(), current_user, module, qid)
    except AuthoringError as exc:
        flash(str(exc), "error")
    else:
        flash(_("Question removed."), "success")
    return redirect(url_for("author.quiz", module_id=module.id))
