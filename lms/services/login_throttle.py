"""Sign-in throttling that holds across web processes: failures are rows in the database.

- An e-mail address (existing or not: the answer must not tell) with `max_failures` failed
  sign-ins within `window` seconds is locked for `lockout` seconds; a correct password is
  refused meanwhile. A successful sign-in clears its failures.
- A client address with `ip_max_failures` failures within `window` seconds is refused (HTTP 429)
  until the oldest of them leaves the window; a success does not clear it.

Every function takes `now`, so that callers (and tests) choose the clock.
"""
from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Mapping

from sqlalchemy import delete, func
from sqlmodel import Session, select

from ..models import LoginEvent


@dataclass(frozen=True)
class Limits:
    max_failures: int = 5
    window: int = 900        # seconds
    lockout: int = 900       # seconds
    ip_max_failures: int = 30

    @classmethod
    def from_config(cls, config: Mapping) -> "Limits":
        return cls(max_failures=config["LOGIN_MAX_FAILURES"], window=config["LOGIN_WINDOW"],
                   lockout=config["LOGIN_LOCKOUT"], ip_max_failures=config["LOGIN_IP_MAX_FAILURES"])


@dataclass(frozen=True)
class Block:
    reason: str         # "account" or "ip"
    retry_after: int    # seconds


def account_key(email: str) -> str:
    """The e-mail address is kept hashed: unknown addresses typed by mistake are not stored."""
    return "account:" + hashlib.sha256(email.strip().lower().encode()).hexdigest()[:40]


def ip_key(ip: str | None) -> str:
    return "ip:" + (ip or "unknown")[:60]


def _seconds(until: datetime, now: datetime) -> int:
    return max(1, math.ceil((until - now).total_seconds()))


def _last_lock(session: Session, key: str) -> datetime | None:
    return session.exec(select(func.max(LoginEvent.created_at))
                        .where(LoginEvent.key == key, LoginEvent.kind == "lock")).one()


def _failures(session: Session, key: str, since: datetime) -> list[datetime]:
    return list(session.exec(select(LoginEvent.created_at)
                             .where(LoginEvent.key == key, LoginEvent.kind == "failure", LoginEvent.created_at > since)
                             .order_by(LoginEvent.created_at)))


def blocked(session: Session, email: str, ip: str | None, limits: Limits, now: datetime) -> Block | None:
    """Why a sign-in must be refused before the password is even checked, or None."""
    if limits.ip_max_failures > 0:
        recent = _failures(session, ip_key(ip), now - timedelta(seconds=limits.window))
        if len(recent) >= limits.ip_max_failures:
            # refused until enough failures leave the window to fall below the limit
            oldest = recent[len(recent) - limits.ip_max_failures]
            return Block("ip", _seconds(oldest + timedelta(seconds=limits.window), now))
    if limits.max_failures > 0:
        lock = _last_lock(session, account_key(email))
        if lock is not None and lock > now - timedelta(seconds=limits.lockout):
            return Block("account", _seconds(lock + timedelta(seconds=limits.lockout), now))
    return None


def record_failure(session: Session, email: str, ip: str | None, limits: Limits, now: datetime) -> list[str]:
    """Count a failed sign-in; returns what it locked: [] or some of "account", "ip".
    The caller commits."""
    account = account_key(email)
    session.add(LoginEvent(key=account, kind="failure", created_at=now))
    session.add(LoginEvent(key=ip_key(ip), kind="failure", created_at=now))
    session.flush()
    locked = []
    since = now - timedelta(seconds=limits.window)
    last_lock = _last_lock(session, account)
    if last_lock is not None and last_lock > since:
        since = last_lock  # failures before a lock are not counted again once it ends
    if limits.max_failures > 0 and len(_failures(session, account, since)) >= limits.max_failures:
        session.add(LoginEvent(key=account, kind="lock", created_at=now))
        locked.append("account")
    if limits.ip_max_failures > 0 and \
            len(_failures(session, ip_key(ip), now - timedelta(seconds=limits.window))) == limits.ip_max_failures:
        locked.append("ip")
    horizon = now - timedelta(seconds=max(limits.window, limits.lockout) + 60)
    session.execute(delete(LoginEvent).where(LoginEvent.created_at < horizon))  # old rows are never read again
    return locked


def clear(session: Session, email: str) -> None:
    """A successful sign-in: the address starts again with no failure. The caller commits."""
    session.execute(delete(LoginEvent).where(LoginEvent.key == account_key(email)))
