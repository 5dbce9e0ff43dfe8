"""Administration: accounts and how the platform is configured."""
from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlmodel import select

from .. import db
from ..models import Course, Role, TrainerAssignment, User
from ..services import settings
from ..views_common import roles_required
from .forms import SettingsForm

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/")
@roles_required(Role.ADMIN)
def index():
    users = list(db.session().exec(select(User).order_by(User.role, User.email)))
    llm = current_app.extensions["llm"]
    queue = current_app.extensions["queue"]
    s = db.session()
    courses = list(s.exec(select(Course).order_by(Course.position)))
    assigned = {(a.user_id, a.course_id) for a in s.exec(select(TrainerAssignment))}
    values = settings.all_settings(s)
    form = SettingsForm(data={**values, "confidential_names": "\n".join(values["confidential_names"])})
    return render_template("admin/index.html", users=users, llm=llm, queue_backend=queue.backend,
                           database=db.engine().url.get_backend_name(), form=form, courses=courses,
                           assigned=assigned, trainers=[u for u in users if u.role == Role.TRAINER.value])


@bp.route("/trainers/<int:user_id>/courses", methods=["POST"])
@roles_required(Role.ADMIN)
def trainer_courses(user_id: int):
    from flask import abort, request

    from ..learn.forms import EmptyForm
    from ..services.audit import audit

    s = db.session()
    trainer = s.get(User, user_id)
    if trainer is None or trainer.role != Role.TRAINER.value or not EmptyForm().validate_on_submit():
        abort(400 if trainer else 404)
    wanted = {int(x) for x in request.form.getlist("course") if x.isdigit()}
    for a in s.exec(select(TrainerAssignment).where(TrainerAssignment.user_id == user_id)):
        if a.course_id not in wanted:
            s.delete(a)
        wanted.discard(a.course_id)
    for course_id in wanted:
        if s.get(Course, course_id):
            s.add(TrainerAssignment(user_id=user_id, course_id=course_id))
    audit(s, current_user.id, "trainer.courses", f"user:{user_id}", courses=sorted(wanted))
    s.commit()
    flash(_("Courses of %(name)s saved.", name=trainer.name), "success")
    return redirect(url_for("admin.index"))


@bp.route("/settings", methods=["POST"])
@roles_required(Role.ADMIN)
def save_settings():
    form = SettingsForm()
    if not form.validate_on_submit():
        flash(_("The settings were not saved: %(errors)s",
                errors="; ".join(f"{form[k].label.text}: {' '.join(v)}" for k, v in form.errors.items())), "error")
        return redirect(url_for("admin.index"))
    s = db.session()
    names = sorted({line.strip() for line in form.confidential_names.data.splitlines() if line.strip()})
    for key, value in (("confidentiality_policy", form.confidentiality_policy.data), ("confidential_names", names),
                       ("daily_runs", form.daily_runs.data), ("daily_submissions", form.daily_submissions.data),
                       ("hr_can_read_prompts", bool(form.hr_can_read_prompts.data)),
                       ("prompt_retention_days", form.prompt_retention_days.data)):
        settings.put(s, key, value, user_id=current_user.id)
    flash(_("Settings saved."), "success")
    return redirect(url_for("admin.index"))
