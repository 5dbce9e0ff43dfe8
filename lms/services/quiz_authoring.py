"""A module's quiz written in the browser, stored as the mapping of its quiz.yaml file
(docs/content-format.md) and checked by the same parser as `lms content check`."""
from __future__ import annotations

import copy
import string
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, select

from graders.quiz import parse_quiz
from graders.spec import SpecError

from ..models import Module, Quiz, QuizAttempt, User
from .authoring import AuthoringError
from .audit import audit

DEFAULT_PASS_MARK = 70


@dataclass
class ChoiceInput:
    id: str
    text: dict[str, str]
    correct: bool


def quiz_of(session: Session, module: Module) -> Quiz | None:
    return session.exec(select(Quiz).where(Quiz.module_id == module.id)).first()


def question_problems(qtype: str, choices: list[ChoiceInput]) -> list[str]:
    """What is wrong with a question's choices, in words a trainer understands."""
    problems = []
    if len(choices) < 2:
        problems.append(str(_l("Give at least two answers.")))
    right = sum(c.correct for c in choices)
    if right == 0:
        problems.append(str(_l("Mark at least one answer as right.")))
    elif qtype == "single" and right != 1:
        problems.append(str(_l("A single-choice question has exactly one right answer (%(n)d are marked).", n=right)))
    for c in choices:
        if not all(c.text.get(lang, "").strip() for lang in ("en", "fr")):
            problems.append(str(_l("Each answer needs a text in English and in French.")))
            break
    return problems


def _new_id(taken: set[str], prefix: str, alphabet: str = "") -> str:
    if alphabet:
        for letter in alphabet:
            if letter not in taken:
                return letter
    n = 1
    while f"{prefix}{n}" in taken:
        n += 1
    return f"{prefix}{n}"


def save_question(session: Session, user: User, module: Module, question_id: str | None, qtype: str,
                  question: dict[str, str], choices: list[ChoiceInput], explanation: dict[str, str]) -> str:
    """Add a question (question_id None) or replace one; returns its id. Choice ids are kept so
    that learners' past answers keep their meaning; new choices get the next free letter."""
    problems = question_problems(qtype, choices)
    if problems:
        raise AuthoringError(" ".join(problems))
    quiz = quiz_of(session, module)
    data: dict[str, Any] = copy.deepcopy(quiz.spec) if quiz else {"pass_mark": DEFAULT_PASS_MARK, "questions": []}
    questions = data.setdefault("questions", [])
    if question_id is None:
        question_id = _new_id({q["id"] for q in questions}, "q")
        index = len(questions)
        questions.append({})
    else:
        index = next((i for i, q in enumerate(questions) if q["id"] == question_id), None)
        if index is None:
            raise AuthoringError(_l("This question no longer exists."))
    taken = {c.id for c in choices if c.id}
    out_choices = []
    for c in choices:
        cid = c.id or _new_id(taken, "c", string.ascii_lowercase)
        taken.add(cid)
        entry: dict[str, Any] = {"id": cid, "text": c.text}
        if c.correct:
            entry["correct"] = True
        out_choices.append(entry)
    questions[index] = {"id": question_id, "type": qtype, "question": question, "choices": out_choices,
                        "explanation": explanation}
    _store(session, user, module, quiz, data, f"quiz.question:{question_id}")
    return question_id


def remove_question(session: Session, user: User, module: Module, question_id: str) -> None:
    quiz = quiz_of(session, module)
    if quiz is None:
        return
    data = copy.deepcopy(quiz.spec)
    data["questions"] = [q for q in data.get("questions") or [] if q["id"] != question_id]
    if not data["questions"]:  # a quiz needs questions: the module has no quiz any more
        if session.exec(select(QuizAttempt.id).where(QuizAttempt.quiz_id == quiz.id)).first() is not None:
            raise AuthoringError(_l("Learners have answered this quiz: it keeps at least one question."))
        session.delete(quiz)
        audit(session, user.id, "quiz.delete", f"module:{module.id}")
        session.commit()
        return
    _store(session, user, module, quiz, data, f"quiz.remove:{question_id}")


def set_pass_mark(session: Session, user: User, module: Module, pass_mark: float) -> None:
    quiz = quiz_of(session, module)
    if quiz is None:
        raise AuthoringError(_l("Add a question first."))
    data = copy.deepcopy(quiz.spec)
    data["pass_mark"] = int(pass_mark) if float(pass_mark).is_integer() else float(pass_mark)
    _store(session, user, module, quiz, data, "quiz.pass_mark")


def _store(session: Session, user: User, module: Module, quiz: Quiz | None, data: dict[str, Any],
           action: str) -> None:
    try:
        parse_quiz(data, "quiz")
    except SpecError as exc:
        raise AuthoringError(str(exc)) from exc
    quiz = quiz or Quiz(module_id=module.id, spec={})
    quiz.spec = data
    session.add(quiz)
    audit(session, user.id, "quiz.save", f"module:{module.id}", change=action)
    session.commit()
