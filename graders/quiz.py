"""Knowledge quizzes: single and multiple choice, graded deterministically."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .spec import SLUG_RE, SpecError, localized


@dataclass(frozen=True)
class Choice:
    id: str
    text: dict[str, str]
    correct: bool


@dataclass(frozen=True)
class Question:
    id: str
    type: str  # single | multiple
    question: dict[str, str]
    choices: tuple[Choice, ...]
    explanation: dict[str, str]

    @property
    def correct_ids(self) -> frozenset[str]:
        return frozenset(c.id for c in self.choices if c.correct)


@dataclass(frozen=True)
class QuizSpec:
    pass_mark: float
    questions: tuple[Question, ...]


@dataclass
class QuizResult:
    score: float                  # percentage of questions answered right
    passed: bool
    right: dict[str, bool]        # question id -> answered right


def parse_quiz(data: Any, where: str = "quiz") -> QuizSpec:
    if not isinstance(data, dict):
        raise SpecError(f"{where}: expected a mapping")
    questions, seen = [], set()
    for i, q in enumerate(data.get("questions") or []):
        qwhere = f"{where}.questions[{i}]"
        qid = str(q.get("id") or "")
        if not SLUG_RE.match(qid) or qid in seen:
            raise SpecError(f"{qwhere}: id {qid!r} must be a unique slug")
        seen.add(qid)
        qtype = q.get("type", "single")
        if qtype not in ("single", "multiple"):
            raise SpecError(f"{qwhere}: type must be single or multiple")
        choices = []
        for j, c in enumerate(q.get("choices") or []):
            cid = str(c.get("id") or "")
            if not cid or cid in {x.id for x in choices}:
                raise SpecError(f"{qwhere}.choices[{j}]: id must be unique")
            choices.append(Choice(id=cid, text=localized(c.get("text"), f"{qwhere}.choices.{cid}"),
                                  correct=bool(c.get("correct", False))))
        n_correct = sum(c.correct for c in choices)
        if len(choices) < 2 or n_correct == 0 or (qtype == "single" and n_correct != 1):
            raise SpecError(f"{qwhere}: needs at least two choices and "
                            f"{'exactly one' if qtype == 'single' else 'at least one'} right choice")
        questions.append(Question(id=qid, type=qtype, question=localized(q.get("question"), f"{qwhere}.question"),
                                  choices=tuple(choices),
                                  explanation=localized(q.get("explanation"), f"{qwhere}.explanation")))
    if not questions:
        raise SpecError(f"{where}: a quiz needs questions")
    pass_mark = float(data.get("pass_mark", 70))
    if not 0 < pass_mark <= 100:
        raise SpecError(f"{where}: pass_mark must be between 1 and 100")
    return QuizSpec(pass_mark=pass_mark, questions=tuple(questions))


def grade_quiz(spec: QuizSpec, answers: dict[str, list[str]]) -> QuizResult:
    """`answers` maps a question id to the chosen choice ids; a question is right when the
    chosen set equals the set of right choices."""
    right = {q.id: frozenset(answers.get(q.id) or ()) == q.correct_ids for q in spec.questions}
    score = round(100 * sum(right.values()) / len(spec.questions), 1)
    return QuizResult(score=score, passed=score >= spec.pass_mark, right=right)
