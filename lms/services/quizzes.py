"""Module quizzes: grade the answers, keep every attempt."""
from __future__ import annotations

from sqlmodel import Session, select

from graders.quiz import QuizResult, grade_quiz

from ..models import QuizAttempt, Quiz
from .content import quiz_spec


def submit(session: Session, user_id: int, quiz: Quiz, answers: dict[str, list[str]]) -> tuple[QuizAttempt, QuizResult]:
    spec = quiz_spec(quiz)
    known = {q.id: {c.id for c in q.choices} for q in spec.questions}
    clean = {qid: sorted(set(answers.get(qid, [])) & known[qid]) for qid in known}
    result = grade_quiz(spec, clean)
    attempt = QuizAttempt(user_id=user_id, quiz_id=quiz.id, answers=clean, score=result.score,
                          passed=result.passed)
    session.add(attempt)
    session.commit()
    return attempt, result


def passed_quiz_ids(session: Session, user_id: int) -> set[int]:
    return set(session.exec(select(QuizAttempt.quiz_id).where(QuizAttempt.user_id == user_id,
                                                              QuizAttempt.passed == True)))  # noqa: E712


def last_attempt(session: Session, user_id: int, quiz_id: int) -> QuizAttempt | None:
    return session.exec(select(QuizAttempt).where(QuizAttempt.user_id == user_id, QuizAttempt.quiz_id == quiz_id)
                        .order_by(QuizAttempt.created_at.desc(), QuizAttempt.id.desc())).first()
