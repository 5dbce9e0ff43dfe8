"""`lms certificates verify FILE` checks a credential offline; `lms certificates remind` tells
holders their certificate expires soon (imported at the end of cli.py)."""
from __future__ import annotations

import json
import sys

import click
from flask.cli import ScriptInfo, with_appcontext

from .cli import main


@main.group("certificates")
def certificates_group() -> None:
    """Certificates and their Open Badges 3.0 credentials."""


def _keys(info: ScriptInfo, jwks_file) -> tuple[dict, object]:
    """The keys to check against: the JWKS file, or the platform's own keys (and database)."""
    if jwks_file is not None:
        return json.load(jwks_file), None
    from .services import credentials

    app = info.load_app()
    return credentials.jwks(app, with_urls=False), app


def _revocation(app, verdict):
    """Inside the platform, a valid credential whose certificate was revoked is reported so."""
    from sqlmodel import select

    from . import db
    from .models import Certificate
    from .services.credentials import Verdict, iso

    public_id = str((verdict.credential or {}).get("id", "")).rstrip("/").rsplit("/", 1)[-1]
    with app.app_context():
        try:
            with db.new_session() as session:
                cert = session.exec(select(Certificate).where(Certificate.public_id == public_id)).first()
        except Exception:  # noqa: BLE001 - no database: the offline verdict stands
            return verdict
        if cert is not None and cert.revoked_at is not None:
            return Verdict("revoked", f"revoked on {iso(cert.revoked_at)}: {cert.revoked_reason or 'no reason given'}",
                           verdict.credential, verdict.kid)
    return verdict


@certificates_group.command("verify")
@click.argument("file", type=click.File("r", encoding="utf-8"))
@click.option("--jwks", "jwks_file", type=click.File("r", encoding="utf-8"),
              help="JWKS of the issuer (a saved /.well-known/jwks.json). Default: this platform's keys.")
@click.option("--json", "as_json", is_flag=True, help="Print the verdict as JSON.")
@click.pass_context
def verify_command(ctx: click.Context, file, jwks_file, as_json: bool) -> None:
    """Check a credential (VC-JWT or JSON, FILE or - for standard input) offline.

    Prints valid, invalid signature, expired or not yet valid (and revoked, when run inside the
    platform that issued it); exit status 0 only when the credential is valid.
    """
    from .services import credentials

    text = file.read()
    try:
        keyset, app = _keys(ctx.ensure_object(ScriptInfo), jwks_file)
    except ValueError as exc:
        raise click.UsageError(f"--jwks: not a JSON key set ({exc})") from None
    verdict = credentials.verify(text, keyset)
    if verdict.ok and app is not None:
        verdict = _revocation(app, verdict)
    if as_json:
        click.echo(json.dumps({"status": verdict.status, "message": verdict.message, "kid": verdict.kid,
                               "id": (verdict.credential or {}).get("id")}, indent=2))
    else:
        click.echo(verdict.message)
        if verdict.credential and verdict.status != "invalid":
            c = verdict.credential
            issuer = c.get("issuer", {})
            achievement = c.get("credentialSubject", {}).get("achievement", {})
            click.echo(f"  credential: {c.get('id')}")
            click.echo(f"  issued by:  {issuer.get('name') if isinstance(issuer, dict) else issuer}")
            click.echo(f"  achievement: {achievement.get('name', '')}")
            click.echo(f"  valid from: {c.get('validFrom')}" + (f" until {c['validUntil']}" if c.get("validUntil") else ""))
    sys.exit(0 if verdict.ok else 1)


@certificates_group.command("remind")
@click.option("--days", default=90, show_default=True, help="Remind holders whose certificate expires within this many days.")
@with_appcontext
def remind_command(days: int) -> None:
    """Tell each holder once, in the platform, that their certificate expires soon and how to renew it."""
    from . import db
    from .services.certification import remind_expiring

    with db.new_session() as session:
        count = remind_expiring(session, days)
    click.echo(f"{count} reminder(s) sent.")
