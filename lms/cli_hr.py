"""`lms hr remind`: reminder e-mails about assigned tracks (imported at the end of cli.py)."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from . import db
from .cli import main


@main.group("hr")
def hr_group() -> None:
    """Human resources: assigned tracks."""


@hr_group.command("remind")
@click.option("--days-before", default=7, show_default=True, type=click.IntRange(0, 365),
              help="Remind people this many days before the due date (and once when overdue).")
@click.option("--dry-run", is_flag=True, help="List the reminders that would be sent, send nothing.")
@with_appcontext
def remind_command(days_before: int, dry_run: bool) -> None:
    """E-mail each person whose assigned track is due soon or overdue (never the same reminder twice).

    Run it daily (cron, systemd timer). Exit status 1 when a reminder could not be sent.
    """
    from .models.base import utcnow
    from .services import mailer, reminders

    settings = current_app.config["SMTP"]
    if not dry_run and not settings.configured:
        raise click.UsageError("no SMTP server is configured (LMS_SMTP_HOST)")
    with db.new_session() as session:
        try:
            result = reminders.send(session, settings, utcnow(), days_before=days_before, dry_run=dry_run)
        except mailer.MailError as exc:
            raise click.ClickException(str(exc)) from exc
    soon = sum(d.kind == "due_soon" for d in result.sent)
    verb = "Would send" if dry_run else "Sent"
    click.echo(f"{verb} {len(result.sent)} reminder(s): {soon} before the due date, "
               f"{len(result.sent) - soon} overdue.")
    for due, error in result.failed:
        click.echo(f"not sent (will be tried again): user {due.user_id}, course {due.course_id}: {error}", err=True)
    raise SystemExit(1 if result.failed else 0)


@hr_group.command("refresh")
@with_appcontext
def refresh_command() -> None:
    """Recompute who must complete which track, and their completion (after data was changed
    outside the platform, e.g. a database restored or loaded by hand)."""
    from .services import hr_org

    with db.new_session() as session:
        rows = hr_org.refresh_tracks(session)
        session.commit()
    click.echo(f"{rows} assigned track(s).")
