"""Administration: accounts and how the platform is configured."""
from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlmodel import select

from .. import db
from ..models import Role, User
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
    values = settings.all_settings(db.session())
    form = SettingsForm(data={**values, "confidential_names": "\n".join(values["confidential_names"])})
    return render_template("admin/index.html", users=users, llm=llm, queue_backend=queue.backend,
                           database=db.engine().url.get_backend_name(), form=form)


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
                       ("hr_can_read_prompts", bool(form.hr_can_read_prompts.data))):
        settings.put(s, key, value, user_id=current_user.id)
    flash(_("Settings saved."), "success")
    return redirect(url_for("admin.index"))
