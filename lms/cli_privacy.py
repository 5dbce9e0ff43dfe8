"""`lms users delete` and `lms privacy purge`: personal data rights from the command line
(imported at the end of cli.py)."""
from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlmodel import select

from . import db
from .cli import main, users_group


@users_group.command("delete")
@click.argument("email")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def users_delete(email: str, yes: bool) -> None:
    """Delete an account at its holder's request: erase their data, anonymise the account, keep
    the certificates already issued verifiable."""
    from .models import User
    from .services import privacy

    with db.new_session() as session:
        user = session.exec(select(User).where(User.email == email.strip().lower())).first()
        if user is None:
            raise click.UsageError(f"no account {email!r}")
        if not yes:
            click.confirm(f"Delete the account of {user.name} <{user.email}> and erase their data?", abort=True)
        try:
            privacy.delete_account(session, user, actor_id=None, reason="cli")
        except privacy.PrivacyError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"Deleted account {user.id}: its data is erased; its certificates stay verifiable.")


@main.group("privacy")
def privacy_group() -> None:
    """Personal data: the retention of prompts."""


@privacy_group.command("purge")
@click.option("--dry-run", is_flag=True, help="Count the attempts to purge, change nothing.")
@click.option("--days", type=click.IntRange(min=1), help="Retention in days (default: the admin setting, "
                                                         "else LMS_PROMPT_RETENTION_DAYS).")
@with_appcontext
def privacy_purge(dry_run: bool, days: int | None) -> None:
    """Erase the prompts, model outputs and judge replies of attempts older than the retention
    limit, keeping scores, statuses and dates. Runs daily in the workers too."""
    from .services import privacy

    with db.new_session() as session:
        limit = days or privacy.retention_days(session)
        if not limit:
            click.echo("Retention is 0: prompts are kept forever; nothing to purge.")
            return
        count = privacy.purge(session, days=limit, dry_run=dry_run)
    verb = "Would purge" if dry_run else "Purged"
    click.echo(f"{verb} {count} attempt(s) older than {limit} day(s).")
