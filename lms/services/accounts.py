"""Accounts: argon2 password hashes, demo accounts."""
from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import bindparam
from sqlalchemy import select as core_select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import instrumentation, make_transient_to_detached
from sqlmodel import Session, select

from ..models import Course, Role, TrainerAssignment, User
from . import content_cache

_hasher = PasswordHasher()
DEMO_ACCOUNTS = [
    ("learner@example.org", "Léa Martin", Role.LEARNER),
    ("trainer@example.org", "Thomas Bernard", Role.TRAINER),
    ("hr@example.org", "Hélène Petit", Role.HR),
    ("admin@example.org", "Adrien Moreau", Role.ADMIN),
]


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password(user: User, password: str) -> bool:
    try:
        return _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def authenticate(session: Session, email: str, password: str) -> User | None:
    user = session.exec(select(User).where(User.email == email.strip().lower())).first()
    if user is None:
        _hasher.hash(password)  # same time whether or not the account exists
        return None
    return user if user.active and check_password(user, password) else None


_COLUMNS = tuple(User.__table__.c)
_SIGNED_IN = core_select(*_COLUMNS, content_cache.VERSION_COLUMN).where(User.__table__.c.id == bindparam("id"))
_NEW_USER = instrumentation.manager_of_class(User).new_instance


def signed_in(connection: Connection, user_id: int) -> User | None:
    """The account of a signed-in request, read at every request (a role change, a deactivation or a
    deletion applies at once), with the content version and the person's progress version in the
    same query (content_cache.remember; User.progress_version). One Core query: the ORM's loading
    and session cost more than the rest of a page kept in memory. The User is detached, as if the
    ORM had loaded it: db.attach() makes it persistent in the request's session, so that it can be
    changed and committed like any other."""
    row = connection.execute(_SIGNED_IN, {"id": user_id}).first()
    if row is None:
        return None
    content_cache.remember(row[-1])
    user = _NEW_USER()
    user.__dict__.update(zip((c.key for c in _COLUMNS), row))
    make_transient_to_detached(user)
    return user


def user_id_for(session: Session, email: str) -> int | None:
    return session.exec(select(User.id).where(User.email == email.strip().lower())).first()


def create_user(session: Session, email: str, name: str, password: str, role: Role | str) -> User:
    user = User(email=email.strip().lower(), name=name, password_hash=hash_password(password),
                role=Role(role).value)
    session.add(user)
    session.commit()
    return user


def ensure_demo_accounts(session: Session, password: str | None = None) -> list[tuple[str, str, str]]:
    """Create (or reset the password of) the four demo accounts; returns (email, role, password)."""
    created = []
    for email, name, role in DEMO_ACCOUNTS:
        pw = password or secrets.token_urlsafe(9)
        user = session.exec(select(User).where(User.email == email)).first()
        if user is None:
            user = User(email=email, name=name, role=role.value, password_hash="")
        user.password_hash = hash_password(pw)
        session.add(user)
        created.append((email, role.value, pw))
    session.commit()
    trainer = session.exec(select(User).where(User.email == "trainer@example.org")).one()
    for course in session.exec(select(Course)):
        if not session.exec(select(TrainerAssignment).where(TrainerAssignment.user_id == trainer.id,
                                                            TrainerAssignment.course_id == course.id)).first():
            session.add(TrainerAssignment(user_id=trainer.id, course_id=course.id))
    session.commit()
    return created
