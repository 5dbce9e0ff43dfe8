"""E-mail through the organisation's SMTP server (LMS_SMTP_* settings)."""
from __future__ import annotations

import smtplib
import ssl
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Iterator, Mapping

TLS_MODES = ("none", "starttls", "ssl")


class MailError(RuntimeError):
    pass


@dataclass(frozen=True)
class SMTPSettings:
    host: str | None = None
    port: int = 25
    user: str | None = None
    password: str | None = None
    sender: str = "noreply@localhost"
    tls: str = "none"
    timeout: float = 30.0

    @property
    def configured(self) -> bool:
        return bool(self.host)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> "SMTPSettings":
        user = env.get("LMS_SMTP_USER") or None
        tls = (env.get("LMS_SMTP_TLS") or ("starttls" if user else "none")).lower()
        if tls not in TLS_MODES:
            raise ValueError(f"LMS_SMTP_TLS must be one of {', '.join(TLS_MODES)}, not {tls!r}")
        default_port = {"ssl": 465, "starttls": 587}.get(tls, 25)
        return cls(host=env.get("LMS_SMTP_HOST") or None, port=int(env.get("LMS_SMTP_PORT") or default_port),
                   user=user, password=env.get("LMS_SMTP_PASSWORD") or None,
                   sender=env.get("LMS_SMTP_FROM") or "noreply@localhost", tls=tls)


def message(settings: SMTPSettings, to: str, subject: str, body: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = settings.sender, to, subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain=settings.sender.rpartition("@")[2] or "localhost")
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(body)
    return msg


@contextmanager
def connect(settings: SMTPSettings) -> Iterator[smtplib.SMTP]:
    """One SMTP session for several messages."""
    if not settings.configured:
        raise MailError("no SMTP server is configured (LMS_SMTP_HOST)")
    try:
        if settings.tls == "ssl":
            server: smtplib.SMTP = smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout,
                                                    context=ssl.create_default_context())
        else:
            server = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
            if settings.tls == "starttls":
                server.starttls(context=ssl.create_default_context())
        if settings.user:
            server.login(settings.user, settings.password or "")
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(f"cannot reach the SMTP server {settings.host}:{settings.port}: {exc}") from exc
    try:
        yield server
    finally:
        try:
            server.quit()
        except (OSError, smtplib.SMTPException):
            server.close()
