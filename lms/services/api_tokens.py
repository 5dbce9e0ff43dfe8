"""Read-only API tokens of the HR information system: random, shown once, kept as a SHA-256 hash."""
from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlmodel import Session, select

from ..models import ApiToken, User
from ..models.base import utcnow
from . import review

PREFIX = "lms_"


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create(session: Session, actor: User, name: str) -> tuple[ApiToken, str]:
    """A new token; the clear value is returned here and never stored."""
    token = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(name=name.strip()[:120], token_hash=digest(token), prefix=token[:10], created_by=actor.id)
    session.add(row)
    session.flush()
    review.audit(session, actor.id, "api_token_created", f"api_token:{row.id}", name=row.name)
    session.commit()
    return row, token


def revoke(session: Session, actor: User, row: ApiToken) -> None:
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        session.add(row)
        review.audit(session, actor.id, "api_token_revoked", f"api_token:{row.id}", name=row.name)
        session.commit()


def authenticate(session: Session, header: str | None) -> ApiToken | None:
    """The active token of an `Authorization: Bearer ...` header, or None."""
    scheme, _, token = (header or "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token.startswith(PREFIX) or len(token) > 200:
        return None
    hashed = digest(token)
    row = session.exec(select(ApiToken).where(ApiToken.token_hash == hashed)).first()
    if row is None or row.revoked_at is not None or not hmac.compare_digest(row.token_hash, hashed):
        return None
    now = utcnow()
    if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 60:
        row.last_used_at = now
        session.add(row)
        session.commit()
    return row


def listing(session: Session) -> list[tuple[ApiToken, User | None]]:
    return list(session.exec(select(ApiToken, User).outerjoin(User, User.id == ApiToken.created_by)
                             .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc())))
