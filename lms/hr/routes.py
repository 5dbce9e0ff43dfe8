"""HR's dashboard: who is trained and certified, who is late, what expires; exports of the same.
Status, dates and scores, never prompt text (see people.py for the one exception an admin allows)."""
from __future__ import annotations

import os

from flask import Blueprint, Response, abort, current_app, g, render_template, stream_with_context
from flask_babel import format_date, gettext as _
from flask_login import current_user

from .. import db
from ..extensions import csrf
from ..models import Role
from ..models.base import utcnow
from ..services import hr_charts, hr_export, hr_org, hr_reports, mailer
from ..services.audit import audit
from ..views_common import roles_required

bp = Blueprint("hr", __name__, url_prefix="/hr")
HR = (Role.HR, Role.ADMIN)
LIST_LIMIT = 100


@bp.record_once
def _setup(state) -> None:
    """Settings from the environment (unless the app config has them), the API and the admin's
    token page (blueprints of this package)."""
    app = state.app
    app.config.setdefault("HR_MIN_GROUP_SIZE", int(os.environ.get("LMS_HR_MIN_GROUP_SIZE") or 5))
    app.config.setdefault("SMTP", mailer.SMTPSettings.from_env(os.environ))
    from . import api, tokens

    app.register_blueprint(api.bp)
    csrf.exempt(api.bp)  # token-authenticated, no cookie: nothing to forge
    app.register_blueprint(tokens.bp)


@bp.app_context_processor
def _learner_helpers():
    def my_assignments():
        if not current_user.is_authenticated:
            return []
        return hr_org.my_assignments(db.session(), current_user.id)
    return {"my_assignments": my_assignments, "assignment_states": hr_org.STATE_LABELS,
            "fmt_date": lambda d, fmt="medium": format_date(d, fmt) if d else ""}


def _group_chart(breakdown: hr_reports.Breakdown) -> hr_charts.BarChart:
    return hr_charts.bars([(grp.name, [grp.completion_rate, grp.certification_rate]) for grp in breakdown.groups],
                          [_("Completed"), _("Certified")])


@bp.route("/")
@roles_required(*HR)
def overview():
    s, now = db.session(), utcnow()
    min_size = current_app.config["HR_MIN_GROUP_SIZE"]
    hr_reports.warm(s, now)  # after a change of data: the aggregates side by side
    sums = hr_reports.department_sums(s, now)
    total = hr_reports.totals(s, now, sums)
    departments = hr_reports.by_department(s, now, min_size, sums)
    cohorts = hr_reports.by_cohort(s, now, min_size, total)
    progress = hr_reports.progress(s, now, total, min_size)
    overdue = s.execute(hr_reports.overdue_query(now).limit(LIST_LIMIT)).all()
    expiring = s.execute(hr_reports.expiring_query(now).limit(LIST_LIMIT)).all()
    return render_template(
        "hr/dashboard.html", total=total, departments=departments, cohorts=cohorts, progress=progress,
        department_chart=_group_chart(departments), cohort_chart=_group_chart(cohorts),
        progress_chart=hr_charts.line([(p.month, p.rate) for p in progress]) if progress else None,
        overdue=overdue, overdue_count=total.overdue, expiring=expiring,
        expiring_count=len(expiring) if len(expiring) < LIST_LIMIT else f"{LIST_LIMIT}+",  # the export has them all
        courses=hr_reports.course_names(s, g.lang), min_size=min_size, now=now,
        today=now.date(), limit=LIST_LIMIT, reports=hr_export.REPORTS)


@bp.route("/export/<name>.<any(csv, xlsx):fmt>")
@roles_required(*HR)
def export(name: str, fmt: str):
    report = hr_export.REPORTS.get(name)
    if report is None:
        abort(404)
    s, now, lang = db.session(), utcnow(), g.lang
    audit(s, current_user.id, "hr_export", f"report:{name}", format=fmt)
    s.commit()
    min_size = current_app.config["HR_MIN_GROUP_SIZE"]
    filename = f"{name}-{now:%Y-%m-%d}.{fmt}"
    headers = {"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"}
    if fmt == "xlsx":
        with db.engine().connect() as conn:
            data = hr_export.xlsx_bytes(report, report.rows(s, conn, now, lang, min_size))
        return Response(data, headers=headers,
                        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

    def generate():  # runs after the request's session is closed: a session of its own
        with db.new_session() as session, db.engine().connect() as conn:
            rows = (report.csv_rows or report.rows)(session, conn, now, lang, min_size)
            yield from hr_export.csv_chunks(report, rows, ready=report.csv_rows is not None)

    return Response(stream_with_context(generate()), headers=headers, mimetype="text/csv; charset=utf-8")


from . import invitations, manage, people  # noqa: E402,F401  (their routes, on this blueprint)
