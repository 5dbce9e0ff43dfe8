"""Accounts: argon2 password hashes, demo accounts."""
from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session, select

from ..models import Course, Role, TrainerAssignment, User

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
