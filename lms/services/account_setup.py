"""Account set-up and password reset by e-mail: a signed link (itsdangerous) that expires and that
works once. The token carries the account's id and a fingerprint of its password hash: once a
password is chosen the hash changes and every earlier link stops working. No table is needed."""
from __future__ import annotations

import hashlib
import logging
import smtplib
from dataclasses import dataclass, field
from datetime import timedelta
from email.message import EmailMessage

from flask import current_app
from flask_babel import force_locale, gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlmodel import Session, select

from ..models import AuditEvent, User
from ..models.base import utcnow
from . import mailer
from .accounts import hash_password
from .audit import audit

log = logging.getLogger(__name__)
INVITE_DAYS = 7          # an invitation's link is valid this long
RESET_HOURS = 2          # a reset link is valid this long
MIN_PASSWORD = 10
RESET_INTERVAL = 300     # seconds between two reset e-mails to one account
PURPOSES = ("invite", "reset")


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="account-setup")


def _fingerprint(user: User) -> str:
    return hashlib.sha256(f"{user.id}:{user.password_hash}".encode()).hexdigest()[:24]


def max_age(purpose: str) -> int:
    return INVITE_DAYS * 86400 if purpose == "invite" else RESET_HOURS * 3600


def make_token(user: User, purpose: str) -> str:
    assert purpose in PURPOSES
    return _serializer().dumps({"u": user.id, "f": _fingerprint(user), "p": purpose})


@dataclass
class TokenCheck:
    user: User | None = None
    purpose: str = "invite"
    problem: str | None = None   # invalid | expired | used (None: the link can be used)


def check_token(session: Session, token: str) -> TokenCheck:
    """Who the link is for, or why it cannot be used."""
    serializer = _serializer()
    try:
        _, data = serializer.loads_unsafe(token)  # the purpose decides the maximum age below
        if not isinstance(data, dict) or data.get("p") not in PURPOSES:
            raise BadSignature("payload")
        data = serializer.loads(token, max_age=max_age(data["p"]))
    except SignatureExpired:
        return TokenCheck(problem="expired")
    except BadSignature:
        return TokenCheck(problem="invalid")
    user = session.get(User, data.get("u"))
    if user is None or not user.active:
        return TokenCheck(problem="invalid")
    if data.get("f") != _fingerprint(user):
        return TokenCheck(problem="used", purpose=data["p"])
    return TokenCheck(user=user, purpose=data["p"])


def set_password(session: Session, user: User, password: str, purpose: str) -> None:
    """Choose a password (every link sent earlier stops working) and log it in the audit log."""
    from .login_throttle import clear

    user.password_hash = hash_password(password)
    session.add(user)
    clear(session, user.email)  # a new password lifts a lock of failed sign-ins
    audit(session, user.id, "password_set", f"user:{user.id}", via=purpose)
    session.commit()


# -- e-mails ----------------------------------------------------------------------------------
def language(user: User) -> str:
    return user.locale or current_app.config.get("BABEL_DEFAULT_LOCALE", "en")


def compose(user: User, purpose: str, url: str) -> tuple[str, str]:
    org = current_app.config["ORG_NAME"]
    with force_locale(language(user)):
        if purpose == "invite":
            subject = _("Your account on %(org)s: choose your password", org=org)
            lead = _("An account was created for you on %(org)s, the training platform of your organisation. "
                     "Choose your password with this link:", org=org)
            validity = _("The link works once, for %(days)d days. When it has expired, ask for a new one on "
                         "the sign-in page (“Forgot your password?”).", days=INVITE_DAYS)
        else:
            subject = _("Reset your password on %(org)s", org=org)
            lead = _("Someone (probably you) asked to reset the password of your account on %(org)s. "
                     "Choose a new password with this link:", org=org)
            validity = _("The link works once, for %(hours)d hours. If you did not ask for it, ignore this "
                         "message: your password does not change.", hours=RESET_HOURS)
        body = "\n\n".join([_("Hello %(name)s,", name=user.name), lead, url, validity,
                            _("This message was sent automatically by %(org)s.", org=org)])
    return subject, body + "\n"


def message(settings: mailer.SMTPSettings, user: User, purpose: str) -> EmailMessage:
    from .credentials import external_url

    url = external_url("auth.setup_account", token=make_token(user, purpose))
    subject, body = compose(user, purpose, url)
    msg = mailer.message(settings, user.email, subject, body)
    msg["Content-Language"] = language(user)
    return msg


@dataclass
class SendResult:
    sent: list[User] = field(default_factory=list)
    failed: list[tuple[User, str]] = field(default_factory=list)


def pending(user: User) -> bool:
    """The account has never had a password: an invitation may be sent (again)."""
    return user.active and not user.password_hash


def invite(session: Session, settings: mailer.SMTPSettings, actor: User | None, users: list[User]) -> SendResult:
    """Send an invitation to each account that has no password yet, through one SMTP session;
    each one sent is written to the audit log. Raises mailer.MailError when no server answers."""
    result = SendResult()
    todo = [u for u in users if pending(u)]
    if not todo:
        return result
    with mailer.connect(settings) as server:
        for user in todo:
            try:
                server.send_message(message(settings, user, "invite"))
            except (OSError, smtplib.SMTPException) as exc:
                result.failed.append((user, str(exc)))
                continue
            audit(session, actor.id if actor else None, "account_invitation_sent", f"user:{user.id}",
                         email=user.email)
            result.sent.append(user)
    session.commit()
    return result


def invite_ids(session: Session, settings: mailer.SMTPSettings, actor_id: int | None,
               user_ids: list[int]) -> SendResult:
    """`invite` for accounts given by id (the background job of a large import): those still without
    a password when the job runs. Raises mailer.MailError when no server answers (the job is retried)."""
    users: list[User] = []
    for i in range(0, len(user_ids), 500):
        users += session.exec(select(User).where(User.id.in_(user_ids[i:i + 500]))).all()
    actor = session.get(User, actor_id) if actor_id is not None else None
    result = invite(session, settings, actor, users)
    for user, reason in result.failed:
        log.warning("invitation to user %s not sent: %s", user.id, reason[:200])
    return result


def reset_message(session: Session, settings: mailer.SMTPSettings, email: str) -> EmailMessage | None:
    """The reset e-mail for an active account with this address (None otherwise: the caller answers
    the same either way); the request is written to the audit log."""
    user = session.exec(select(User).where(User.email == (email or "").strip().lower())).first()
    if user is None or not user.active:
        return None
    since = utcnow() - timedelta(seconds=RESET_INTERVAL)
    if session.exec(select(AuditEvent.id).where(AuditEvent.action == "password_reset_sent",
                                                AuditEvent.target == f"user:{user.id}",
                                                AuditEvent.created_at >= since)).first() is not None:
        return None  # one link per RESET_INTERVAL: the form cannot be used to flood someone's inbox
    audit(session, None, "password_reset_sent", f"user:{user.id}")
    session.commit()
    return message(settings, user, "invite" if pending(user) else "reset")


def send_later(settings: mailer.SMTPSettings, msg: EmailMessage) -> None:
    """Send one message, logging a failure (called once the answer is sent, so that the answer
    takes the same time whether or not the account exists)."""
    try:
        with mailer.connect(settings) as server:
            server.send_message(msg)
    except (mailer.MailError, OSError, smtplib.SMTPException) as exc:
        log.warning("password reset e-mail to %s not sent: %s", msg["To"], exc)
