"""An admin changes a person's role or switches their account off and on; each change is audited.
An admin never changes their own role nor switches off their own account (no lock-out by mistake)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlmodel import Session

from ..models import Role, User
from .audit import audit


class UserAdminError(ValueError):
    """The change is refused; the message says why."""


def _check(actor: User, user: User) -> None:
    if actor.id == user.id:
        raise UserAdminError(_l("You cannot change your own account here: ask another administrator."))
    if getattr(user, "deleted_at", None) is not None:
        raise UserAdminError(_l("This account was deleted."))


def change_role(session: Session, actor: User, user: User, role: str) -> bool:
    """True when the role changed."""
    _check(actor, user)
    role = Role(role).value
    if user.role == role:
        return False
    audit(session, actor.id, "role_changed", f"user:{user.id}", before=user.role, after=role)
    user.role = role
    session.add(user)
    session.commit()
    return True


def set_active(session: Session, actor: User, user: User, active: bool) -> bool:
    """True when the account was switched on or off; a switched-off account cannot sign in."""
    _check(actor, user)
    if user.active == active:
        return False
    audit(session, actor.id, "user_activated" if active else "user_deactivated", f"user:{user.id}")
    user.active = active
    session.add(user)
    session.commit()
    return True
