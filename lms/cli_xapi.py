"""`lms xapi status|flush`: the statements waiting for the LRS (imported at the end of cli.py)."""
from __future__ import annotations

import json

import click
from flask.cli import with_appcontext

from . import db
from .cli import main


@main.group("xapi")
def xapi_group() -> None:
    """xAPI statements for the organisation's Learning Record Store."""


@xapi_group.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
@with_appcontext
def status_command(as_json: bool) -> None:
    """Show the LRS and the statements delivered, waiting and refused."""
    from .services import xapi

    cfg = xapi.settings()
    with db.new_session() as session:
        st = xapi.status(session)
    data = {"endpoint": cfg.shown_endpoint or None, "delivered": st.delivered, "waiting": st.waiting,
            "rejected": st.rejected,
            "oldest_waiting": xapi._iso(st.oldest_waiting) if st.oldest_waiting else None,
            "last_error": st.last_error}
    if as_json:
        click.echo(json.dumps(data, indent=2))
        return
    click.echo(f"LRS: {data['endpoint'] or 'not configured (LMS_XAPI_ENDPOINT)'}")
    click.echo(f"{st.delivered} delivered, {st.waiting} waiting, {st.rejected} refused by the LRS.")
    if st.waiting:
        click.echo(f"Oldest waiting since {data['oldest_waiting']}.")
    if st.last_error:
        click.echo(f"Last error: {st.last_error}")


@xapi_group.command("flush")
@with_appcontext
def flush_command() -> None:
    """Send every waiting statement now, without waiting for the retry delays.

    Exit status 1 when some could not be delivered (they stay waiting and are tried again).
    """
    from .services import xapi

    cfg = xapi.settings()
    if not cfg.configured:
        raise click.UsageError("no LRS is configured (LMS_XAPI_ENDPOINT)")
    with db.new_session() as session:
        result = xapi.deliver_pending(session, cfg, force=True)
        waiting = xapi.status(session).waiting
    click.echo(f"Delivered {result.delivered} statement(s); {result.rejected} refused by the LRS; "
               f"{waiting} waiting.")
    if result.error:
        click.echo(f"Stopped: {result.error}", err=True)
    raise SystemExit(1 if waiting else 0)
