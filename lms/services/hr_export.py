"""HR's reports as files: CSV streamed row by row from the database, XLSX written by openpyxl.
Each report is a title, its column headers and its rows (the same data as the dashboard)."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime
from typing import Callable, Iterable, Iterator

from flask_babel import lazy_gettext as _l
from sqlalchemy.engine import Connection
from sqlmodel import Session

from . import hr_reports
from .hr_org import STATE_LABELS, state_of


@dataclass
class Report:
    title: object
    headers: list
    rows: Callable[[Session, Connection, datetime, str, int], Iterable[list]]
    # the same rows already as CSV text (cells escaped), for the largest report
    csv_rows: Callable[[Session, Connection, datetime, str, int], Iterable[list]] | None = None


def _status(session, conn, now, lang, min_size):
    names, today = hr_reports.course_names(session, lang), now.date()
    labels = {k: str(v) for k, v in STATE_LABELS.items()}
    for r in hr_reports.stream(conn, hr_reports.status_query(now)):
        yield [r.name, r.email, r.department or "", names.get(r.course_id, ""), r.due_on,
               labels[state_of(r.completed_at, r.certified, r.due_on, today)], r.completed_at, r.valid_until]


def _status_csv(session, conn, now, lang, min_size):
    names = hr_reports.course_names(session, lang)
    labels = {k: str(v) for k, v in STATE_LABELS.items()}
    for name, email, department, course_id, due, state, completed, valid in hr_reports.stream(
            conn, hr_reports.status_text_query(now, conn.dialect.name)):
        yield [_safe(name), _safe(email), _safe(department or ""), names.get(course_id, ""), due, labels[state],
               completed or "", valid or ""]


def _overdue(session, conn, now, lang, min_size):
    names, today = hr_reports.course_names(session, lang), now.date()
    for r in hr_reports.stream(conn, hr_reports.overdue_query(now)):
        yield [r.name, r.email, r.department or "", names.get(r.course_id, ""), r.due_on, (today - r.due_on).days]


def _expiring(session, conn, now, lang, min_size):
    names = hr_reports.course_names(session, lang)
    for r in hr_reports.stream(conn, hr_reports.expiring_query(now)):
        yield [r.name, r.email, r.department or "", names.get(r.course_id, ""), r.public_id, r.expires_at]


def _groups(breakdown):
    for g in breakdown.groups:
        yield [g.name, g.people, g.tracks, g.completed, g.certified, g.overdue, g.completion_rate,
               g.certification_rate]


def _departments(session, conn, now, lang, min_size):
    return _groups(hr_reports.by_department(session, now, min_size))


def _cohorts(session, conn, now, lang, min_size):
    return _groups(hr_reports.by_cohort(session, now, min_size))


def _progress(session, conn, now, lang, min_size):
    points = hr_reports.progress(session, now, hr_reports.totals(session, now), min_size) or []
    return ([p.month, p.completed, p.rate] for p in points)


PERSON = [_l("Name"), _l("E-mail address"), _l("Department"), _l("Track")]
GROUP = [_l("People"), _l("Assigned tracks"), _l("Completed"), _l("Certified"), _l("Overdue"),
         _l("Completion rate (%)"), _l("Certification rate (%)")]
REPORTS: dict[str, Report] = {
    "status": Report(_l("Assigned tracks"), PERSON + [_l("Due date"), _l("Status"), _l("Completed on"),
                                                      _l("Certified until")], _status, _status_csv),
    "overdue": Report(_l("Overdue"), PERSON + [_l("Due date"), _l("Days late")], _overdue),
    "expiring": Report(_l("Certificates expiring within 90 days"),
                       PERSON + [_l("Certificate"), _l("Expires on")], _expiring),
    "departments": Report(_l("By department"), [_l("Department")] + GROUP, _departments),
    "cohorts": Report(_l("By cohort"), [_l("Cohort")] + GROUP, _cohorts),
    "progress": Report(_l("Progress over time"), [_l("Month"), _l("Completed"), _l("Completion rate (%)")],
                       _progress),
}


def _text(value) -> object:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else value


def csv_chunks(report: Report, rows: Iterable[list], batch: int = 2000, ready: bool = False) -> Iterator[str]:
    """The CSV text in chunks (UTF-8 with a byte-order mark, so that spreadsheets read accents);
    `ready`: the rows are text already escaped (Report.csv_rows)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow([str(h) for h in report.headers])
    for i, row in enumerate(rows, 1):
        writer.writerow(row if ready else [_safe(_text(v)) for v in row])
        if i % batch == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _safe(value):
    """No formula injection: a text cell starting with = + - @ is opened as text by spreadsheets."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def xlsx_bytes(report: Report, rows: Iterable[list]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    sheet = book.create_sheet(str(report.title)[:31])
    bold = Font(bold=True)
    header = []
    for h in report.headers:
        cell = WriteOnlyCell(sheet, value=str(h))
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in rows:
        sheet.append([_xlsx_value(v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _xlsx_value(value):
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)  # UTC; Excel has no time zones
    if isinstance(value, str):
        return _safe(value)
    return value
