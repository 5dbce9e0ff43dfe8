"""The audit log for admins: newest first, filtered by action, actor and dates; a CSV export of
the same selection (the export is itself audited)."""
from __future__ import annotations

from flask import Response, render_template, request, stream_with_context
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from .. import db
from ..models import Role
from ..models.base import utcnow
from ..services import audit as audit_service
from ..services.hr_export import Report, csv_chunks
from ..views_common import roles_required
from .routes import bp

HEADERS = [_l("When (UTC)"), _l("Who"), _l("Action code"), _l("Action"), _l("Target"), _l("Details")]


@bp.route("/audit")
@roles_required(Role.ADMIN)
def audit_log():
    s = db.session()
    filters = audit_service.Filters.from_args(request.args)
    page = request.args.get("page", "1")
    page = int(page) if page.isdigit() and 0 < int(page) < 100_000 else 1
    rows, more = audit_service.search(s, filters, page)
    return render_template("admin/audit.html", rows=rows, more=more, page=page, filters=filters,
                           args=filters.as_args(), actions=audit_service.known_actions(s))


@bp.route("/audit.csv")
@roles_required(Role.ADMIN)
def audit_export():
    s = db.session()
    filters = audit_service.Filters.from_args(request.args)
    audit_service.audit(s, current_user.id, "audit_exported", "audit_log", **filters.as_args())
    s.commit()
    report = Report(title=_l("Audit log"), headers=HEADERS, rows=lambda *a: [])
    headers = {"Content-Disposition": f'attachment; filename="audit-{utcnow():%Y-%m-%d}.csv"',
               "Cache-Control": "no-store"}

    def generate():  # runs after the request's session is closed: a session of its own
        with db.new_session() as session:
            yield from csv_chunks(report, audit_service.export_rows(session, filters))

    return Response(stream_with_context(generate()), headers=headers, mimetype="text/csv; charset=utf-8")
