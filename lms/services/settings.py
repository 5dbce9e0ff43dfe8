"""Organisation settings: stored in the database, changed by an admin, with safe defaults."""
from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from ..models import Setting
from ..models.base import utcnow
from .audit import audit

DEFAULTS: dict[str, Any] = {
    # What happens before a learner's prompt is sent to an external model when it contains
    # personal or confidential data: warn (send, and show the findings), redact (send with
    # placeholders), block (do not send).
    "confidentiality_policy": "redact",
    "confidential_names": [],        # client names, code names... detected like personal data
    "daily_runs": 50,                # runs on the target model per learner per day
    "daily_submissions": 30,         # graded submissions per learner per day
    "hr_can_read_prompts": False,    # HR never reads learners' prompts unless an admin allows it
    # Days after which prompts, model outputs and judge replies are erased (0: kept forever);
    # None: LMS_PROMPT_RETENTION_DAYS (see services/privacy.retention_days).
    "prompt_retention_days": None,
}
POLICIES = ("warn", "redact", "block")


def get(session: Session, key: str) -> Any:
    row = session.get(Setting, key)
    return DEFAULTS[key] if row is None else row.value


def get_many(session: Session, *keys: str) -> tuple[Any, ...]:
    """Several settings, in the order asked, read in one query."""
    stored = {row.key: row.value for row in session.exec(select(Setting).where(Setting.key.in_(keys)))}
    return tuple(stored[key] if key in stored else DEFAULTS[key] for key in keys)


def column(key: str):
    """A setting's stored value as a column, for a query that reads it with other values (NULL when
    unset: see value_of)."""
    return select(Setting.value).where(Setting.key == key).scalar_subquery().label(f"setting_{key}")


def value_of(key: str, stored: Any) -> Any:
    """The value of a setting read with column()."""
    return DEFAULTS[key] if stored is None else stored


def put(session: Session, key: str, value: Any, user_id: int | None = None) -> None:
    if key not in DEFAULTS:
        raise KeyError(key)
    row = session.get(Setting, key)
    before = DEFAULTS[key] if row is None else row.value
    row = row or Setting(key=key, value=value)
    row.value, row.updated_at, row.updated_by = value, utcnow(), user_id
    session.add(row)
    if before != value:
        audit(session, user_id, "setting_changed", f"setting:{key}", before=before, after=value)
    session.commit()


def all_settings(session: Session) -> dict[str, Any]:
    return {key: get(session, key) for key in DEFAULTS}
