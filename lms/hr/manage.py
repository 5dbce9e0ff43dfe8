"""HR changes the organisation: employees imported from CSV, tracks assigned with a due date."""
from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from .. import db
from ..models import Assignment
from ..models.base import utcnow
from ..models.content import loc
from ..services import account_setup, hr_import, hr_org
from ..services.hr_org import OrgError
from ..views_common import roles_required
from .forms import AssignmentForm, EmptyForm, ImportForm
from .invitations import queue_invitations
from .routes import HR, bp


@bp.route("/import", methods=["GET", "POST"])
@roles_required(*HR)
def import_people():
    form = ImportForm()
    report, error = None, None
    if form.validate_on_submit():
        try:
            report = hr_import.run(db.session(), current_user, form.file.data.read(hr_import.MAX_BYTES + 1))
        except hr_import.ImportRefused as exc:
            error = str(exc)
        if report is not None and report.imported:
            flash(_("Imported %(rows)d row(s): %(created)d account(s) created, %(updated)d updated, "
                    "%(unchanged)d unchanged.", rows=report.rows, created=report.created,
                    updated=report.updated, unchanged=report.unchanged), "success")
            if form.send_invitations.data:
                queue_invitations(report.created_ids)
            return redirect(url_for("hr.import_people"))
    elif form.errors:
        error = " ".join(str(e) for errors in form.errors.values() for e in errors)
    status = 422 if error or (report and not report.imported) else 200
    return render_template("hr/import.html", form=form, report=report, error=error,
                           max_kb=hr_import.MAX_BYTES // 1024, max_rows=hr_import.MAX_ROWS,
                           columns=hr_import.COLUMNS, invite_days=account_setup.INVITE_DAYS), status


def _assignment_form() -> AssignmentForm:
    s = db.session()
    form = AssignmentForm()
    form.course.choices = [SelectChoice(c.id, loc(c.title, g.lang)) for c in hr_org.tracks(s)]
    form.department.choices = [SelectChoice("", "—")] + [SelectChoice(str(d.id), d.path) for d in hr_org.departments(s)]
    form.cohort.choices = [SelectChoice("", "—")] + [SelectChoice(str(c.id), c.name) for c in hr_org.cohorts(s)]
    return form


@bp.route("/assignments", methods=["GET", "POST"])
@roles_required(*HR)
def assignments():
    s = db.session()
    form = _assignment_form()
    status = 200
    if form.validate_on_submit():
        try:
            hr_org.assign(s, current_user, form.course.data, form.due_on.data,
                          department_id=int(form.department.data) if form.department.data else None,
                          cohort_id=int(form.cohort.data) if form.cohort.data else None,
                          email=form.email.data or None)
        except OrgError as exc:
            flash(str(exc), "error")
            status = 422
        else:
            flash(_("Track assigned."), "success")
            return redirect(url_for("hr.assignments"))
    elif form.is_submitted():
        flash(_("The track was not assigned: %(errors)s", errors="; ".join(
            f"{form[k].label.text}: {' '.join(map(str, v))}" for k, v in form.errors.items())), "error")
        status = 422
    return render_template("hr/assignments.html", form=form, rows=hr_org.assignment_rows(s),
                           delete_form=EmptyForm(), today=utcnow().date()), status


@bp.route("/assignments/<int:assignment_id>/delete", methods=["POST"])
@roles_required(*HR)
def delete_assignment(assignment_id: int):
    s = db.session()
    row = s.get(Assignment, assignment_id) or abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    hr_org.delete_assignment(s, current_user, row)
    flash(_("Assignment removed."), "success")
    return redirect(url_for("hr.assignments"))
