"""Prompt drafts: saved while the learner types, restored when the exercise is reopened, cleared
when the prompt is submitted. Only their owner ever reads them."""
from __future__ import annotations

import unicodedata

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from ..models import PromptDraft
from ..models.base import utcnow

MAX_DRAFT_FACTOR = 2  # a draft may be longer than the submission limit: the learner is still editing


def get(session: Session, user_id: int, exercise_slug: str) -> PromptDraft | None:
    return session.exec(select(PromptDraft).where(PromptDraft.user_id == user_id,
                                                  PromptDraft.exercise_slug == exercise_slug)).first()


def save(session: Session, user_id: int, exercise_slug: str, text: str | None, max_chars: int) -> PromptDraft | None:
    """Store the draft (an empty text removes it); returns the stored draft, or None."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) != "Cc")
    text = text[:max_chars * MAX_DRAFT_FACTOR]
    draft = get(session, user_id, exercise_slug)
    if not text.strip():
        if draft is not None:
            session.delete(draft)
            session.commit()
        return None
    if draft is None:
        draft = PromptDraft(user_id=user_id, exercise_slug=exercise_slug, text=text)
    draft.text, draft.updated_at = text, utcnow()
    session.add(draft)
    try:
        session.commit()
    except IntegrityError:  # a concurrent save created the row first: update that one
        session.rollback()
        draft = get(session, user_id, exercise_slug)
        draft.text, draft.updated_at = text, utcnow()
        session.add(draft)
        session.commit()
    session.refresh(draft)
    return draft


def clear(session: Session, user_id: int, exercise_slug: str) -> None:
    draft = get(session, user_id, exercise_slug)
    if draft is not None:
        session.delete(draft)
        session.commit()
